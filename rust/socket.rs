// SPDX-License-Identifier: GPL-2.0

//! Sockets: created in a chosen network namespace and handed to user space
//! as an fd, as socket(2) does for the caller's own namespace.
//!
//! Upstream's `kernel::net` has no socket creation yet; the fd half uses
//! upstream's `FileDescriptorReservation` and `File`.

use super::{bindings, compat::code::eafnosupport, net::Net};
use core::{mem::ManuallyDrop, ptr::NonNull};
use kernel::{
    error::{from_err_ptr, to_result, Result},
    ffi::c_int,
    fs::{file::FileDescriptorReservation, File},
    sync::aref::ARef,
};

/// A socket not yet attached to a file: released when dropped.
///
/// # Invariants
///
/// The pointer is a socket we own, created by `__sock_create`.
pub(crate) struct Socket(NonNull<bindings::socket>);

impl Socket {
    /// Creates a user socket (`kern == 0`) in `net`, with the caller's
    /// credentials, as socket(2) does: the LSM hooks
    /// (`security_socket_create`, `security_socket_post_create`), cgroup
    /// BPF programs and capability checks (`CAP_NET_RAW` for raw and packet
    /// sockets) apply, against `net`'s owning user namespace. `ty` is the
    /// bare socket type (no `SOCK_*` flags).
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
    /// not. The family's own code decides, so a family that refuses some
    /// namespaces counts as missing there. The probe is a user socket made
    /// with the caller's credentials, like any msocket call (a kernel
    /// socket would skip the LSMs), and is released at once: it costs
    /// about one socket creation.
    pub(crate) fn probe_family(net: &Net, family: i32) -> Result {
        match Socket::create(net, family, bindings::sock_type_SOCK_DGRAM as i32, 0) {
            Ok(_) => Ok(()),
            Err(e) if e == eafnosupport() => Err(e),
            // Any other answer (wrong type, no permission...) came from the
            // family's own code or from the checks of a family that exists.
            Err(_) => Ok(()),
        }
    }

    /// The protocol the socket was made with, as `SO_PROTOCOL` reads it
    /// (a protocol of 0 resolved to the family's default).
    pub(crate) fn protocol(&self) -> i32 {
        // SAFETY: We own the socket (type invariant).
        unsafe { bindings::msocket_socket_protocol(self.0.as_ptr()) }
    }

    /// Gives the socket a file and installs it in the caller's fd table;
    /// `flags` may hold `O_CLOEXEC` and `O_NONBLOCK`. Returns the fd.
    pub(crate) fn install(self, flags: u32) -> Result<i32> {
        let reservation =
            FileDescriptorReservation::get_unused_fd_flags(flags & bindings::O_CLOEXEC)?;
        let sock = ManuallyDrop::new(self);
        // SAFETY: We own the socket; `sock_alloc_file` takes it over and
        // releases it itself on failure.
        let file = from_err_ptr(unsafe {
            bindings::sock_alloc_file(sock.0.as_ptr(), flags as c_int, core::ptr::null())
        })?;
        // SAFETY: On success `file` is a new file with one reference, which
        // becomes ours; nobody else has seen it, so no `fdget_pos` is active
        // on it.
        let file: ARef<File> = unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) };
        let fd = reservation.reserved_fd();
        reservation.fd_install(file);
        Ok(fd as i32)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own the socket.
        unsafe { bindings::sock_release(self.0.as_ptr()) };
    }
}

/// What kind of socket a socket of the caller is: its family, type and
/// protocol, as `SO_DOMAIN`, `SO_TYPE` and `SO_PROTOCOL` read them.
pub(crate) struct SocketKind {
    pub(crate) family: i32,
    pub(crate) ty: i32,
    pub(crate) protocol: i32,
}

impl SocketKind {
    /// The kind of the socket at `fd`, which must be in the caller's own
    /// network namespace: `EBADF`, `ENOTSOCK`, or `EXDEV` for a socket of
    /// another namespace.
    pub(crate) fn of_fd(fd: i32) -> Result<SocketKind> {
        let (mut family, mut ty, mut protocol) = (0, 0, 0);
        // SAFETY: Any fd number is accepted; the helper fills the three
        // integers on success.
        to_result(unsafe {
            bindings::msocket_socket_kind(fd, &mut family, &mut ty, &mut protocol)
        })?;
        Ok(SocketKind {
            family,
            ty,
            protocol,
        })
    }
}
