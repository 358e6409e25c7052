// SPDX-License-Identifier: GPL-2.0

//! Open files and file descriptors: a counted file reference taken from
//! the caller's fd table ([`FileRef`]) and a reserved fd number that a new
//! file is installed at ([`FdReservation`]), the two halves of every system
//! call that returns a new fd.

use super::{bindings, fs::Inode};
use core::{mem::ManuallyDrop, ptr::NonNull};
use kernel::error::{code::EBADF, to_result, Result};

/// A counted reference to an open file (`fget_raw`/`fput`).
///
/// # Invariants
///
/// The pointer is a live file on which this value owns one reference.
pub(crate) struct FileRef(NonNull<bindings::file>);

impl FileRef {
    /// The file at `fd` in the caller's fd table, `O_PATH` files included;
    /// `EBADF` if there is none.
    pub(crate) fn get_raw(fd: i32) -> Result<FileRef> {
        let fd = u32::try_from(fd).map_err(|_| EBADF)?;
        // SAFETY: `fget_raw` accepts any fd number; it returns a counted
        // reference or null.
        let file = unsafe { bindings::fget_raw(fd) };
        // INVARIANT: A non-null result carries one reference for us.
        NonNull::new(file).map(FileRef).ok_or(EBADF)
    }

    /// Takes ownership of one reference to `file`.
    ///
    /// # Safety
    ///
    /// `file` is live and the caller gives its reference to the new value.
    pub(crate) unsafe fn from_raw(file: NonNull<bindings::file>) -> FileRef {
        // INVARIANT: The caller gives us the reference.
        FileRef(file)
    }

    /// The inode the file is open on.
    pub(crate) fn inode(&self) -> &Inode {
        // SAFETY: An open file keeps its inode alive (`f_inode` is set at
        // open and stable), and `self` keeps the file open.
        unsafe { Inode::from_ptr((*self.0.as_ptr()).f_inode) }
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
