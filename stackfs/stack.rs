// SPDX-License-Identifier: GPL-2.0

//! Naming a stack: resolving the stack argument of msocket to a network
//! namespace the caller may use, and creating stack files.
//!
//! A stack is used through a file open for writing on its stack file: one
//! the caller opened itself (the stack fd is the capability), or one opened
//! here for the call as openat(O_WRONLY) would open it, so that the w bit
//! and every LSM's open hook decide (AppArmor, Landlock and TOMOYO mediate
//! files at open, not in `inode_permission`).

use super::{
    access,
    socket::{socket, Request},
    Stackfs, STACKFS,
};
use crate::kernel_ext::{
    bindings,
    compat::code::{eopnotsupp, estale},
    file::FdFile,
    fs::{Inode, SpecialInode},
    net::{ActiveNet, Net},
    path::Path,
};
use kernel::{prelude::*, uaccess::UserPtr};

/// The identity a caller expects the stack file to have: `st_dev` and
/// `st_ino` as stat(2) reports them (`MSOCKET_EXPECT_STACK`).
pub(crate) struct StackId {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

/// Resolves the stack of an msocket call and makes its socket there (see
/// [`socket`]). The stack is named like openat(2) names a
/// file: `path` (a user pointer, or 0) relative to `dirfd`, with
/// `AT_EMPTY_PATH` and `AT_SYMLINK_NOFOLLOW` in `flags`. With
/// `AT_EMPTY_PATH` and no path, `dirfd` is an fd on the stack file: used
/// as it is if it is open for writing, otherwise (`O_PATH`, `O_RDONLY`)
/// opened for writing for the call, as a path is. No path and no flags: the
/// caller's own namespace, the native stack.
///
/// With `expect`, the file named must be that stack file and still be
/// linked in a directory.
///
/// Without `expect`, the file may also be a network namespace's nsfs file
/// (`/proc/PID/ns/net`, `/run/netns/NAME`): see [`use_netns`]. Its fd must
/// not be `O_PATH`, and a path is opened for reading, as setns(2)'s caller
/// opens it.
///
/// Errors: those of the path lookup (`ENOENT`, `ENOTDIR`, `ELOOP`,
/// `EFAULT`...), `EBADF` for a bad fd, `ESTALE` if the file is not the one
/// expected, `EOPNOTSUPP` if it is neither a stack file nor an nsfs file,
/// `EINVAL` for the nsfs file of another kind of namespace, those of an
/// open for writing (`EACCES` without `w`, an LSM's denial, `EROFS` on a
/// read-only mount) or, for an nsfs path, for reading, `EPERM` without
/// setns(2)'s privilege over an nsfs file's namespace or for a confined
/// caller ([`access`]); then [`socket`]'s.
pub(crate) fn msocket(
    dirfd: i32,
    path: UserPtr,
    flags: u32,
    expect: Option<&StackId>,
    req: &Request,
) -> Result<isize> {
    if path.as_const_ptr().is_null() {
        if flags & bindings::AT_EMPTY_PATH == 0 {
            // The native stack has no stack file to expect.
            if expect.is_some() {
                return Err(EINVAL);
            }
            return Net::with_current(|net| {
                access::may_use(net, None, req)?;
                socket(net, req)
            });
        }
        return FdFile::with_raw(dirfd, |file| {
            if expect.is_none() {
                if let Some(net) = Net::of_nsfs_inode(file.inode())? {
                    // As for setns(2): an O_PATH fd gives no access.
                    if file.is_path() {
                        return Err(EBADF);
                    }
                    return use_netns(net, req);
                }
            }
            let stack = stack_file(file.inode(), expect)?;
            // Kept open for the call, as the path's below.
            let _reopened = if file.is_writable() {
                None
            } else {
                Some(file.reopen_for_writing()?)
            };
            use_stack(stack, req)
        });
    }
    let mut lookup = 0;
    if flags & bindings::AT_SYMLINK_NOFOLLOW == 0 {
        lookup |= bindings::MSOCKET_CONST_LOOKUP_FOLLOW;
    }
    if flags & bindings::AT_EMPTY_PATH != 0 {
        lookup |= bindings::MSOCKET_CONST_LOOKUP_EMPTY;
    }
    let path = Path::lookup_user(dirfd, path, lookup)?;
    if expect.is_none() {
        if let Some(net) = Net::of_nsfs_inode(path.inode())? {
            // Opened as a caller of setns(2) opens it first.
            let _opened = path.open_for_reading()?;
            return use_netns(net, req);
        }
    }
    let stack = stack_file(path.inode(), expect)?;
    let _opened = path.open_for_writing()?;
    use_stack(stack, req)
}

/// `inode` as a stack file, after the `expect` check.
fn stack_file<'a>(inode: &'a Inode, expect: Option<&StackId>) -> Result<&'a SpecialInode<Stackfs>> {
    // First, so that a reused fd of another kind of file is ESTALE too.
    if let Some(id) = expect {
        if !inode.has_id(id.dev, id.ino) || !inode.is_linked() {
            return Err(estale());
        }
    }
    STACKFS.special(inode).ok_or_else(eopnotsupp)
}

/// Makes `req` in the namespace of `stack`, which the caller has opened for
/// writing, if the confinement rules let the caller use it.
pub(crate) fn use_stack(stack: &SpecialInode<Stackfs>, req: &Request) -> Result<isize> {
    let net = stack.data();
    access::may_use(net, Some(stack), req)?;
    socket(net, req)
}

/// Makes `req` in `net`, named by an nsfs file (an fd or a path, as held
/// by `ip netns`, CNI and container runtimes): with setns(2)'s privilege,
/// which entering `net` to call socket(2) there would take, so an nsfs file
/// gives no one a socket they could not make already; then the confinement
/// rules of a stack file on a mount without options.
fn use_netns(net: &Net, req: &Request) -> Result<isize> {
    if !net.may_enter() {
        return Err(EPERM);
    }
    access::may_use(net, None, req)?;
    socket(net, req)
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
    let net = ActiveNet::from_nsfs_fd(netns_fd)?;
    if !net.net().capable(bindings::CAP_NET_ADMIN) {
        return Err(EPERM);
    }
    STACKFS.mknod(dirfd, path, mode, net)
}
