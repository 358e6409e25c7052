// SPDX-License-Identifier: GPL-2.0

//! Naming a stack: resolving the stack argument of msocket to a network
//! namespace, with its permission check, and creating stack files.

use super::{access, STACKFS};
use crate::kernel_ext::{bindings, file::FdFile, fs::Inode, net::Net, path::Path};
use kernel::{prelude::*, uaccess::UserPtr};

/// The identity a caller expects the stack file to have: `st_dev` and
/// `st_ino` as stat(2) reports them (`MSOCKET_EXPECT_STACK`).
pub(crate) struct StackId {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

/// Resolves the stack of an msocket call and runs `f` on its namespace,
/// which stays alive during `f`. The stack is named like openat(2) names a
/// file: `path` (a user pointer, or 0) relative to `dirfd`, with
/// `AT_EMPTY_PATH` and `AT_SYMLINK_NOFOLLOW` in `flags`. With
/// `AT_EMPTY_PATH` and no path, `dirfd` is an fd opened (`O_PATH` is enough)
/// on the stack file. No path and no flags: the caller's own namespace, the
/// native stack.
///
/// With `expect`, the file named must be that stack file and still be
/// linked in a directory.
///
/// Errors: those of the path lookup (`ENOENT`, `ENOTDIR`, `ELOOP`,
/// `EFAULT`...), `EBADF` for a bad fd, `ESTALE` if the file is not the one
/// expected, `EOPNOTSUPP` if it is not a stack file, `EACCES` without write
/// permission on it, `EPERM` for a confined caller ([`access`]); then
/// `f`'s.
pub(crate) fn with_stack<R>(
    dirfd: i32,
    path: UserPtr,
    flags: u32,
    expect: Option<&StackId>,
    f: impl FnOnce(&Net) -> Result<R>,
) -> Result<R> {
    if path.as_const_ptr().is_null() {
        if flags & bindings::AT_EMPTY_PATH == 0 {
            // The native stack has no stack file to expect.
            if expect.is_some() {
                return Err(EINVAL);
            }
            let net = Net::current();
            access::may_use(None, &net)?;
            return f(&net);
        }
        return FdFile::with_raw(dirfd, |file| with_stack_file(file.inode(), expect, f));
    }
    let mut lookup = 0;
    if flags & bindings::AT_SYMLINK_NOFOLLOW == 0 {
        lookup |= bindings::MSOCKET_CONST_LOOKUP_FOLLOW;
    }
    if flags & bindings::AT_EMPTY_PATH != 0 {
        lookup |= bindings::MSOCKET_CONST_LOOKUP_EMPTY;
    }
    let path = Path::lookup_user(dirfd, path, lookup)?;
    with_stack_file(path.inode(), expect, f)
}

fn with_stack_file<R>(
    inode: &Inode,
    expect: Option<&StackId>,
    f: impl FnOnce(&Net) -> Result<R>,
) -> Result<R> {
    // First, so that a reused fd of another kind of file is ESTALE too.
    if let Some(id) = expect {
        if !inode.has_id(id.dev, id.ino) || !inode.is_linked() {
            return Err(ESTALE);
        }
    }
    let net = STACKFS.special_data(inode).ok_or(EOPNOTSUPP)?;
    access::may_use(Some(inode), net)?;
    f(net)
}

/// `MSOCKET_IOC_MKSTACK`: creates the stack file `path` (relative to
/// `dirfd`, as mknodat(2)) bound to the network namespace of the nsfs fd
/// `netns_fd`, with permission bits `mode` less the umask. The file is
/// made the way mknodat(2) makes files, so every LSM hook and audit record
/// happens as for any file.
///
/// Errors: `EINVAL` for mode bits beyond 07777 or a non-nsfs fd; `EBADF`;
/// `EPERM` without `CAP_NET_ADMIN` over the namespace's user namespace;
/// `EEXIST`; `ENOENT`; `EACCES` without write and search permission on the
/// directory; `EOPNOTSUPP` for a directory outside a stackfs; an LSM's
/// denial.
pub(crate) fn mkstack(dirfd: i32, path: UserPtr, netns_fd: i32, mode: u32) -> Result {
    if mode & !0o7777 != 0 {
        return Err(EINVAL);
    }
    let net = Net::from_nsfs_fd(netns_fd)?;
    if !net.capable(bindings::CAP_NET_ADMIN) {
        return Err(EPERM);
    }
    STACKFS.mknod(dirfd, path, mode, net)
}
