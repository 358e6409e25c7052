// SPDX-License-Identifier: GPL-2.0

//! Network namespaces (`struct net`), reference-counted.
//!
//! Upstream's `kernel::net` has no network namespace type yet.
//!
//! A [`Net`] is only ever seen behind a reference: `&Net` while someone
//! else holds it alive, [`ARef<Net>`] for a counted reference of our own
//! (`get_net`/`put_net`), the way `kernel::task::Task` wraps a task.

use super::bindings;
use core::ptr::NonNull;
use kernel::{
    error::{from_err_ptr, Result},
    ffi::c_int,
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
};

/// A network namespace: one network stack of the kernel.
///
/// # Invariants
///
/// The wrapped `struct net` is alive (its reference count is non-zero)
/// for as long as a `&Net` exists.
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

// SAFETY: `struct net` is shared across threads by the kernel; its
// reference count is atomic.
unsafe impl Send for Net {}

// SAFETY: The methods of `Net` only read immutable fields or call functions
// the kernel allows from any thread.
unsafe impl Sync for Net {}

// SAFETY: `get_net` and `put_net` are the namespace's reference counting;
// the namespace is freed only once the count drops to zero.
unsafe impl AlwaysRefCounted for Net {
    fn inc_ref(&self) {
        // SAFETY: By the type invariant the namespace is alive.
        unsafe { bindings::msocket_get_net(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference to give back.
        unsafe { bindings::msocket_put_net(obj.cast().as_ptr()) };
    }
}

impl Net {
    /// The raw `struct net` pointer.
    pub(crate) fn as_ptr(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The caller's own network namespace.
    pub(crate) fn current() -> ARef<Net> {
        // SAFETY: `msocket_current_net` returns a counted reference to the
        // live namespace of the current task.
        let ptr = unsafe { bindings::msocket_current_net() };
        // SAFETY: The reference is ours to own; `ptr` is never null.
        unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast())) }
    }

    /// The network namespace of an nsfs file descriptor (`/proc/PID/ns/net`,
    /// `/run/netns/NAME`): `EBADF` for a bad fd, `EINVAL` for an fd that is
    /// not a network namespace.
    pub(crate) fn from_nsfs_fd(fd: i32) -> Result<ARef<Net>> {
        // SAFETY: `get_net_ns_by_fd` accepts any fd number and returns a
        // counted reference or an error pointer.
        let ptr = from_err_ptr(unsafe { bindings::get_net_ns_by_fd(fd) })?;
        // SAFETY: On success the reference is ours; `ptr` is not null.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast())) })
    }

    /// The namespace id users see: the inode number of its nsfs file, the
    /// `N` of `net:[N]` in `/proc/PID/ns/net` and `lsns`.
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: By the type invariant the namespace is alive.
        unsafe { bindings::msocket_net_ns_id(self.as_ptr()) }
    }

    /// Whether this is the caller's own network namespace.
    pub(crate) fn is_current(&self) -> bool {
        // SAFETY: By the type invariant the namespace is alive; the helper
        // only compares it with the caller's.
        unsafe { bindings::msocket_net_is_current(self.as_ptr()) }
    }

    /// Whether the caller is in the initial network namespace.
    pub(crate) fn current_is_initial() -> bool {
        // SAFETY: Reads the caller's own namespace pointer.
        unsafe { bindings::msocket_current_in_init_net() }
    }

    /// Whether the caller has `cap` in the user namespace owning this one.
    pub(crate) fn capable(&self, cap: u32) -> bool {
        // SAFETY: By the type invariant the namespace is alive.
        unsafe { bindings::msocket_net_capable(self.as_ptr(), cap as c_int) }
    }

    /// Opens a new `O_CLOEXEC` nsfs file of the namespace in the caller's
    /// file table and returns its fd.
    pub(crate) fn open_nsfs_fd(&self) -> Result<i32> {
        // SAFETY: By the type invariant the namespace is alive; the helper
        // takes its own reference for the new file.
        let fd = unsafe { bindings::msocket_open_net_ns(self.as_ptr()) };
        kernel::error::to_result(fd)?;
        Ok(fd)
    }
}
