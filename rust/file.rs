// SPDX-License-Identifier: GPL-2.0

//! Open files and file descriptors: a file of the caller's fd table
//! borrowed for a system call ([`FdFile`]); and a counted reference to a
//! new file ([`FileRef`]) with the reserved fd number it is installed at
//! ([`FdReservation`]), the two halves of every system call that returns a
//! new fd.

use super::{bindings, fs::Inode};
use core::{marker::PhantomData, mem::ManuallyDrop, ptr::NonNull};
use kernel::error::{code::EBADF, to_result, Result};

/// A counted reference to an open file, dropped with `fput`.
///
/// # Invariants
///
/// The pointer is a live file on which this value owns one reference.
pub(crate) struct FileRef(NonNull<bindings::file>);

impl FileRef {
    /// Takes ownership of one reference to `file`.
    ///
    /// # Safety
    ///
    /// `file` is live and the caller gives its reference to the new value.
    pub(crate) unsafe fn from_raw(file: NonNull<bindings::file>) -> FileRef {
        // INVARIANT: The caller gives us the reference.
        FileRef(file)
    }

    fn into_raw(self) -> *mut bindings::file {
        ManuallyDrop::new(self).0.as_ptr()
    }
}

impl Drop for FileRef {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own one reference.
        unsafe { bindings::fput(self.0.as_ptr()) };
    }
}

/// An open file of the caller's fd table, borrowed for the rest of a
/// system call (`fdget_raw`/`fdput`): without taking a reference when the
/// caller's fd table is not shared, as the kernel's own light fd lookups
/// do.
///
/// # Invariants
///
/// The file is live for `'call`: if `counted`, this value owns one
/// reference to it; otherwise the caller's unshared fd table holds it, and
/// only the caller itself could close that fd, which the module never
/// does during a system call.
pub(crate) struct FdFile<'call> {
    file: NonNull<bindings::file>,
    counted: bool,
    _call: PhantomData<&'call ()>,
    _not_send: PhantomData<*mut ()>,
}

impl FdFile<'_> {
    /// Runs `f` on the file at `fd` in the caller's fd table, `O_PATH`
    /// files included; `EBADF` if there is none. The file is borrowed for
    /// `f` only, so it cannot outlive the system call.
    pub(crate) fn with_raw<R>(fd: i32, f: impl FnOnce(&FdFile<'_>) -> Result<R>) -> Result<R> {
        let fd = u32::try_from(fd).map_err(|_| EBADF)?;
        let mut counted = false;
        // SAFETY: Any fd number is accepted; the result is null, a file
        // we hold a reference on (`counted`), or a file held by the
        // caller's unshared fd table.
        let file = unsafe { bindings::msocket_fdget_raw(fd, &mut counted) };
        let file = NonNull::new(file).ok_or(EBADF)?;
        // INVARIANT: As the helper returned it; `f` runs within the
        // system call and the module closes no fd of the caller.
        let file = FdFile {
            file,
            counted,
            _call: PhantomData,
            _not_send: PhantomData,
        };
        f(&file)
    }

    /// The inode the file is open on.
    pub(crate) fn inode(&self) -> &Inode {
        // SAFETY: An open file keeps its inode alive (`f_inode` is set at
        // open and stable), and the file is live (type invariant).
        unsafe { Inode::from_ptr((*self.file.as_ptr()).f_inode) }
    }
}

impl Drop for FdFile<'_> {
    fn drop(&mut self) {
        if self.counted {
            // SAFETY: With `counted` we own one reference (type invariant).
            unsafe { bindings::fput(self.file.as_ptr()) };
        }
    }
}

/// A reserved, still unused fd number in the caller's fd table.
///
/// Dropping it gives the number back; [`FdReservation::install`] puts a
/// file there, after which user space can see it.
///
/// # Invariants
///
/// `fd` was returned by `get_unused_fd_flags` and nothing is installed yet.
pub(crate) struct FdReservation {
    fd: u32,
}

impl FdReservation {
    /// Reserves the lowest free fd; `flags` may hold `O_CLOEXEC`.
    /// `EMFILE` when the table is full (RLIMIT_NOFILE).
    pub(crate) fn new(flags: u32) -> Result<FdReservation> {
        // SAFETY: Any flags value is accepted.
        let fd = unsafe { bindings::get_unused_fd_flags(flags) };
        to_result(fd)?;
        // INVARIANT: `fd` is a fresh reservation.
        Ok(FdReservation { fd: fd as u32 })
    }

    /// Installs `file` at the reserved number and returns the fd.
    pub(crate) fn install(self, file: FileRef) -> i32 {
        let fd = ManuallyDrop::new(self).fd;
        // SAFETY: `fd` is reserved and empty (type invariant); `fd_install`
        // takes over the file reference.
        unsafe { bindings::fd_install(fd, file.into_raw()) };
        fd as i32
    }
}

impl Drop for FdReservation {
    fn drop(&mut self) {
        // SAFETY: The number is reserved and was never installed.
        unsafe { bindings::put_unused_fd(self.fd) };
    }
}
