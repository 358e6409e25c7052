// SPDX-License-Identifier: GPL-2.0

//! stackfs: the file system of stack files.
//!
//! `mount -t stackfs none /dev/net` makes a new, empty instance. A stack
//! file is an `S_IFSTACK` inode bound to one network namespace, created with
//! the `MSOCKET_IOC_MKSTACK` ioctl of `/dev/msocket` (mknodat(2) cannot make
//! a file type it does not know). It holds a reference on the namespace for
//! as long as the inode exists, so the namespace lives on without any
//! process in it, and is freed once the file is removed and nothing else
//! holds it. Directories group stacks; unlink, rename, link, chmod, chown
//! and statfs work as on any in-memory file system.

mod access;
mod stack;

pub(crate) use stack::{mkstack, with_stack, StackId};

use crate::kernel_ext::{
    bindings,
    fs::{self, FileSystem},
    net::Net,
    uaccess,
};
use kernel::{fs::File, prelude::*, sync::aref::ARef, uaccess::UserPtr};

/// The stackfs file system type.
pub(crate) static STACKFS: fs::Type<Stackfs> = fs::Type::new();

/// stackfs, as a [`FileSystem`].
pub(crate) struct Stackfs;

impl FileSystem for Stackfs {
    const NAME: &'static CStr = c"stackfs";
    const MAGIC: u32 = bindings::STACKFS_MAGIC;
    const SPECIAL_TYPE: u32 = bindings::S_IFSTACK;
    /// Safe: a stack file only names a namespace its creator already had
    /// CAP_NET_ADMIN over, and a mount grants nothing beyond its files.
    const USERNS_MOUNT: bool = true;
    type Data = ARef<Net>;

    /// The ioctls of an open stack file: its namespace as an nsfs fd, or
    /// its namespace id. Both need a file open for reading ("r" on the
    /// stack file): `EBADF` otherwise, as read(2) says. The nsfs fd is a
    /// way into the namespace (setns(2), binding it to another stack file),
    /// so it also needs `CAP_NET_ADMIN` over the user namespace that owns
    /// the network namespace, as `SIOCGSKNS` and `TUNGETDEVNETNS` do:
    /// `EPERM` otherwise.
    fn ioctl(net: &Net, file: &File, cmd: u32, arg: UserPtr) -> Result<isize> {
        let readable = file.flags() & bindings::O_ACCMODE != bindings::O_WRONLY;
        match cmd {
            bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_FD
            | bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_ID
                if !readable =>
            {
                Err(EBADF)
            }
            bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_FD => {
                if !net.capable(bindings::CAP_NET_ADMIN) {
                    return Err(EPERM);
                }
                Ok(net.open_nsfs_fd()? as isize)
            }
            bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_ID => {
                uaccess::write_u64(arg, net.id())?;
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }
}
