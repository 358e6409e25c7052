// SPDX-License-Identifier: GPL-2.0

//! Sockets: created in a chosen network namespace and handed to user space
//! as an fd, as socket(2) does for the caller's own namespace.

use super::{
    bindings,
    errno::eafnosupport,
    file::{FdReservation, FileRef},
    net::Net,
};
use core::{mem::ManuallyDrop, ptr::NonNull};
use kernel::error::{from_err_ptr, to_result, Result};

/// A socket not yet attached to a file: released when dropped.
///
/// # Invariants
///
/// The pointer is a socket we own, created by `__sock_create`.
pub(crate) struct Socket(NonNull<bindings::socket>);

impl Socket {
    /// Creates a user socket in `net`, with the caller's credentials: LSM
    /// hooks and capability checks (`CAP_NET_RAW` for raw and packet
    /// sockets) apply as for socket(2), against `net`'s owning user
    /// namespace. `ty` is the bare socket type (no `SOCK_*` flags).
    pub(crate) fn create(net: &Net, family: i32, ty: i32, protocol: i32) -> Result<Socket> {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `net` is alive; `kern == 0` makes a user socket, which
        // takes its own reference on `net`.
        to_result(unsafe {
            bindings::__sock_create(net.as_ptr(), family, ty, protocol, &mut sock, 0)
        })?;
        // INVARIANT: On success `sock` is a socket we own.
        // SAFETY: `__sock_create` sets `sock` on success.
        Ok(Socket(unsafe { NonNull::new_unchecked(sock) }))
    }

    /// Whether `net` has the address family `family`: `EAFNOSUPPORT` if
    /// not. The family's own checks decide, so a family that refuses some
    /// namespaces counts as missing there. Creates and releases a kernel
    /// socket, so it costs about one socket creation.
    pub(crate) fn probe_family(net: &Net, family: i32) -> Result {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `net` is alive; a kernel socket (`kern == 1`) is enough to
        // ask the family, and needs no capability.
        let ret = unsafe {
            bindings::__sock_create(
                net.as_ptr(),
                family,
                bindings::sock_type_SOCK_DGRAM as i32,
                0,
                &mut sock,
                1,
            )
        };
        if ret == 0 {
            // SAFETY: The socket is ours and attached to nothing.
            unsafe { bindings::sock_release(sock) };
            return Ok(());
        }
        if ret == -(bindings::EAFNOSUPPORT as i32) {
            return Err(eafnosupport());
        }
        // Any other answer (wrong type, no permission...) came from the
        // family's own code: the family is there.
        Ok(())
    }

    /// Gives the socket a file and installs it in the caller's fd table;
    /// `flags` may hold `O_CLOEXEC` and `O_NONBLOCK`. Returns the fd.
    pub(crate) fn install(self, flags: u32) -> Result<i32> {
        let reservation = FdReservation::new(flags & bindings::O_CLOEXEC)?;
        let sock = ManuallyDrop::new(self);
        // SAFETY: We own the socket; `sock_alloc_file` takes it over and
        // releases it itself on failure.
        let file = from_err_ptr(unsafe {
            bindings::sock_alloc_file(sock.0.as_ptr(), flags as _, core::ptr::null())
        })?;
        // SAFETY: On success `file` is a new file with one reference, ours.
        let file = unsafe { FileRef::from_raw(NonNull::new_unchecked(file)) };
        Ok(reservation.install(file))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own the socket.
        unsafe { bindings::sock_release(self.0.as_ptr()) };
    }
}
