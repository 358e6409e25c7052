// SPDX-License-Identifier: GPL-2.0

//! Network namespaces (`struct net`).
//!
//! Upstream's `kernel::net` has no network namespace type yet.
//!
//! A [`Net`] is only ever seen behind a reference: `&Net` while someone
//! else holds it alive: the caller's own ([`Net::with_current`]), or one an
//! [`ActiveNet`] holds for a stack file, the way an nsfs bind mount holds
//! its namespace.

use super::{bindings, compat::code::eopnotsupp, fs::Inode};
use core::{ffi::c_void, mem::ManuallyDrop, ptr::NonNull};
use kernel::{
    error::{from_err_ptr, Result},
    ffi::c_int,
    types::{ForeignOwnable, Opaque},
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

impl Net {
    /// The raw `struct net` pointer.
    pub(crate) fn as_ptr(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// Runs `f` on the caller's own network namespace, borrowed, as the
    /// kernel's own code uses `current->nsproxy->net_ns`: only the caller
    /// itself can change its namespace (setns(2), unshare(2)), which it
    /// cannot do during this system call, so the borrow is valid for `f`.
    pub(crate) fn with_current<R>(f: impl FnOnce(&Net) -> R) -> R {
        // SAFETY: The caller's namespace is alive while it is the caller's
        // (see above), which it stays during `f`; `f` cannot keep the
        // borrow beyond its own return.
        let net = unsafe { &*bindings::msocket_current_net().cast::<Net>() };
        f(net)
    }

    /// The namespace's 64-bit id: the one `NS_GET_ID` gives for its nsfs
    /// files and listns(2) lists, never reused while the system runs.
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: By the type invariant the namespace is alive.
        unsafe { bindings::msocket_net_ns_id(self.as_ptr()) }
    }

    /// How the caller is confined for a use of this namespace: the bits
    /// `MSOCKET_UNDER_SECCOMP` and `MSOCKET_FOREIGN_NETNS` (outside the
    /// initial namespace, and this is not the caller's own).
    pub(crate) fn confinement(&self) -> u32 {
        // SAFETY: By the type invariant the namespace is alive; the helper
        // only compares it with the caller's and reads the caller's own
        // seccomp mode.
        unsafe { bindings::msocket_confinement(self.as_ptr()) }
    }

    /// The network namespace the nsfs inode `inode` stands for
    /// (`/proc/PID/ns/net`, or a bind mount of one such as
    /// `/run/netns/NAME`), borrowed for as long as the inode; `None` if the
    /// inode is not nsfs's.
    ///
    /// Errors: `EINVAL` for the nsfs inode of another kind of namespace.
    pub(crate) fn of_nsfs_inode(inode: &Inode) -> Result<Option<&Net>> {
        // SAFETY: The inode is alive while borrowed; the helper only reads
        // its super block's magic and `i_private`.
        match from_err_ptr(unsafe { bindings::msocket_nsfs_net(inode.as_ptr()) }) {
            // INVARIANT: An nsfs inode holds a counted reference on its
            // namespace until it is evicted, which it cannot be while it is
            // borrowed.
            // SAFETY: `Net` is a transparent wrapper of `struct net`; the
            // borrow's lifetime is the inode's (see above).
            Ok(net) => Ok(Some(unsafe { &*net.cast::<Net>() })),
            Err(e) if e == eopnotsupp() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the caller may enter this namespace with setns(2):
    /// `CAP_SYS_ADMIN` over the user namespace owning it and in the
    /// caller's own.
    pub(crate) fn may_enter(&self) -> bool {
        // SAFETY: By the type invariant the namespace is alive.
        unsafe { bindings::msocket_may_enter_net(self.as_ptr()) }
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

/// A network namespace held the way an nsfs file or an `ip netns add` bind
/// mount holds it: a counted reference (tracked, with
/// `CONFIG_NET_NS_REFCNT_TRACKER`) and a reference on its nsfs dentry,
/// which keeps the namespace *active* (Linux 7.x): listed by listns(2) and
/// lsns, reopenable by nsfs file handle. No mount is held, so the bind
/// mount it may come from stays free to unmount.
///
/// # Invariants
///
/// The pointer is a `struct msocket_netns` from `msocket_netns_from_fd`,
/// owned by this value and freed when it drops.
pub(crate) struct ActiveNet(NonNull<bindings::msocket_netns>);

// SAFETY: The held references may be dropped from any thread.
unsafe impl Send for ActiveNet {}

// SAFETY: Shared access only reads the namespace pointer, which never
// changes.
unsafe impl Sync for ActiveNet {}

impl ActiveNet {
    /// The network namespace of an nsfs file descriptor (`/proc/PID/ns/net`,
    /// `/run/netns/NAME`), held: `EBADF` for a bad fd, `EINVAL` for an fd
    /// that is not a network namespace, `ENOMEM`.
    pub(crate) fn from_nsfs_fd(fd: i32) -> Result<ActiveNet> {
        // SAFETY: Any fd number is accepted; the result is a new object
        // that we own, or an error pointer.
        let ptr = from_err_ptr(unsafe { bindings::msocket_netns_from_fd(fd) })?;
        // INVARIANT: As the helper returned it.
        // SAFETY: Not null on success.
        Ok(ActiveNet(unsafe { NonNull::new_unchecked(ptr) }))
    }

    /// The namespace.
    pub(crate) fn net(&self) -> &Net {
        // SAFETY: The object is ours (type invariant) and holds a counted
        // reference on the namespace while it lives.
        unsafe { Self::net_of(self.0.as_ptr()) }
    }

    /// # Safety
    ///
    /// `held` is a live `struct msocket_netns` that outlives `'a`.
    unsafe fn net_of<'a>(held: *const bindings::msocket_netns) -> &'a Net {
        // SAFETY: As the caller guarantees; the namespace pointer is set at
        // creation and never changes, and is counted until the free.
        unsafe { &*(*held).net.cast::<Net>() }
    }
}

impl Drop for ActiveNet {
    fn drop(&mut self) {
        // SAFETY: Ours (type invariant), never used again.
        unsafe { bindings::msocket_netns_free(self.0.as_ptr()) };
    }
}

// SAFETY: `into_foreign` returns the non-null pointer of the C object,
// aligned for it; `from_foreign` takes it back once; borrows read only the
// namespace pointer while the object is alive.
unsafe impl ForeignOwnable for ActiveNet {
    const FOREIGN_ALIGN: usize = core::mem::align_of::<bindings::msocket_netns>();
    type Borrowed<'a> = &'a Net;
    type BorrowedMut<'a> = &'a Net;

    fn into_foreign(self) -> *mut c_void {
        ManuallyDrop::new(self).0.as_ptr().cast()
    }

    unsafe fn from_foreign(ptr: *mut c_void) -> Self {
        // INVARIANT: The caller gives back the object `into_foreign` gave
        // up, once.
        // SAFETY: Not null: it came from `into_foreign`.
        ActiveNet(unsafe { NonNull::new_unchecked(ptr.cast()) })
    }

    unsafe fn borrow<'a>(ptr: *mut c_void) -> &'a Net {
        // SAFETY: The caller guarantees the object lives for `'a`.
        unsafe { Self::net_of(ptr.cast()) }
    }

    unsafe fn borrow_mut<'a>(ptr: *mut c_void) -> &'a Net {
        // SAFETY: As for `borrow`.
        unsafe { Self::net_of(ptr.cast()) }
    }
}
