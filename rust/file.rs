// SPDX-License-Identifier: GPL-2.0

//! A file of the caller's fd table, borrowed for one system call.
//!
//! Upstream's `kernel::fs::LocalFile::fget` takes a reference and refuses
//! `O_PATH` files (it is `fget`); msocket names stacks by fds that may be
//! `O_PATH`, on its fastest path, so it needs `fdget_raw`, which has no
//! Rust equivalent and is not exported (see `msocket_fdget_raw` in
//! `helpers.c`).

use super::{bindings, fs::Inode};
use core::{
    marker::PhantomData,
    ptr::{addr_of, NonNull},
};
use kernel::{
    error::{code::EBADF, from_err_ptr, Result},
    fs::File,
    sync::aref::ARef,
};

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

    /// Whether the file was opened for writing.
    pub(crate) fn is_writable(&self) -> bool {
        // SAFETY: The file is live (type invariant); its access mode bits
        // are set at open and never change, and a single aligned load of
        // `f_mode` is not torn.
        let mode = unsafe { addr_of!((*self.file.as_ptr()).f_mode).read_volatile() };
        mode & bindings::MSOCKET_CONST_FMODE_WRITE != 0
    }

    /// Whether the file is an `O_PATH` one, which names a file but gives
    /// no access to it.
    pub(crate) fn is_path(&self) -> bool {
        // SAFETY: As in `is_writable`.
        let mode = unsafe { addr_of!((*self.file.as_ptr()).f_mode).read_volatile() };
        mode & bindings::MSOCKET_CONST_FMODE_PATH != 0
    }

    /// Opens the file this one is open on (whatever its mode, `O_PATH`
    /// included) once more, for writing, as openat(O_WRONLY) of its path
    /// would: see [`Path::open_for_writing`](super::path::Path::open_for_writing).
    pub(crate) fn reopen_for_writing(&self) -> Result<ARef<File>> {
        let file =
            // SAFETY: The file is live (type invariant); the helper takes
            // its own references for the new file.
            from_err_ptr(unsafe { bindings::msocket_reopen_for_writing(self.file.as_ptr()) })?;
        // SAFETY: A new file with one reference, now ours, never installed
        // in an fd table, so no `fdget_pos` can be active on it.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
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
