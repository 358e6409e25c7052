// SPDX-License-Identifier: GPL-2.0

//! Path lookup of user-supplied names, resolved like openat(2).
//!
//! Upstream's `kernel` crate has no path lookup yet.

use super::{bindings, fs::Inode};
use core::{mem::MaybeUninit, ptr::NonNull};
use kernel::{
    error::{from_err_ptr, to_result},
    fs::File,
    prelude::*,
    sync::aref::ARef,
    uaccess::UserPtr,
};

/// A looked-up path: a mount and a positive dentry, both held.
///
/// # Invariants
///
/// `0` holds a reference on its mount and dentry, and the dentry has an
/// inode.
pub(crate) struct Path(bindings::path);

impl Path {
    /// Resolves the user-space string at `name` relative to `dirfd`
    /// (`AT_FDCWD` or a directory fd) with `LOOKUP_*` `flags`
    /// (`LOOKUP_FOLLOW`, `LOOKUP_EMPTY`), as the *at() system calls do.
    pub(crate) fn lookup_user(dirfd: i32, name: UserPtr, flags: u32) -> Result<Path> {
        let mut path = MaybeUninit::<bindings::path>::zeroed();
        // SAFETY: `user_path_at` copies the string from user space itself and
        // fills `path` on success.
        to_result(unsafe {
            bindings::user_path_at(dirfd, name.as_const_ptr().cast(), flags, path.as_mut_ptr())
        })?;
        // INVARIANT: Success means a held, positive path.
        // SAFETY: Filled by `user_path_at`.
        Ok(Path(unsafe { path.assume_init() }))
    }

    /// Opens the file at the path for writing, as openat(O_WRONLY) does
    /// once its lookup is done: the permission check (`MAY_WRITE |
    /// MAY_OPEN`), the LSMs' `file_open` hook (AppArmor, Landlock, TOMOYO,
    /// SELinux), write access to the mount, fsnotify's events. The file is
    /// the caller's until dropped; it is never installed in an fd table.
    ///
    /// Errors: `EACCES`, `EPERM` (an LSM), `EROFS` (a read-only mount),
    /// `ETXTBSY`, `ENOMEM`, `ENFILE`.
    pub(crate) fn open_for_writing(&self) -> Result<ARef<File>> {
        // SAFETY: The path is held (type invariant); the helper takes its
        // own references for the new file.
        let file = from_err_ptr(unsafe { bindings::msocket_open_for_writing(&self.0) })?;
        // SAFETY: A new file with one reference, now ours, never installed
        // in an fd table, so no `fdget_pos` can be active on it.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
    }

    /// Opens the file at the path for reading, as openat(O_RDONLY) does
    /// once its lookup is done: the permission check (`MAY_READ |
    /// MAY_OPEN`) and the LSMs' `file_open` hook. The file is the caller's
    /// until dropped; it is never installed in an fd table.
    ///
    /// Errors: `EACCES`, `EPERM` (an LSM), `ENOMEM`, `ENFILE`.
    pub(crate) fn open_for_reading(&self) -> Result<ARef<File>> {
        // SAFETY: The path is held (type invariant); the helper takes its
        // own references for the new file.
        let file = from_err_ptr(unsafe { bindings::msocket_open_for_reading(&self.0) })?;
        // SAFETY: A new file with one reference, now ours, never installed
        // in an fd table, so no `fdget_pos` can be active on it.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
    }

    /// The inode the path leads to.
    pub(crate) fn inode(&self) -> &Inode {
        // SAFETY: The dentry is held and positive (type invariant), so its
        // inode stays alive while `self` does.
        unsafe { Inode::from_ptr((*self.0.dentry).d_inode) }
    }
}

impl Drop for Path {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold the path.
        unsafe { bindings::path_put(&self.0) };
    }
}
