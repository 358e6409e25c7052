// SPDX-License-Identifier: GPL-2.0

//! A file of the caller's fd table, borrowed for one system call.
//!
//! Upstream's `kernel::fs::LocalFile::fget` takes a reference and refuses
//! `O_PATH` files (it is `fget`); msocket names stacks by fds that may be
//! `O_PATH`, on its fastest path, so it needs `fdget_raw`, which has no
//! Rust equivalent and is not exported (see `msocket_fdget_raw` in
//! `helpers.c`).

use super::{bindings, fs::Inode};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::error::{code::EBADF, Result};

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
        // SAFETY: An open file keeps its inode alive, `f_inode` is set at
        // open and never changes, and the file is live (type invariant).
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
