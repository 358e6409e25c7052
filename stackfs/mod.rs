// SPDX-License-Identifier: GPL-2.0

//! stackfs: the file system of stack files.
//!
//! `mount -t stackfs none /dev/net` makes a new, empty instance. A stack
//! file is an `S_IFSTACK` file (a regular file inside the kernel, see
//! [`fs`]) bound to one network namespace, created with
//! the `MSOCKET_IOC_MKSTACK` ioctl of `/dev/msocket` (mknodat(2) cannot make
//! a file type it does not know). It holds a reference on the namespace for
//! as long as the inode exists, so the namespace lives on without any
//! process in it, and is freed once the file is removed and nothing else
//! holds it. The reference is an [`ActiveNet`]: as an `ip netns add` bind
//! mount does, it keeps the namespace active (listed by listns(2) and
//! lsns, reopenable by nsfs file handle). Directories group stacks; unlink, rename, link, chmod, chown
//! and statfs work as on any in-memory file system.

mod access;
mod socket;
mod stack;

pub(crate) use socket::Request;
pub(crate) use stack::{mkstack, msocket, StackId};

use crate::kernel_ext::{
    bindings,
    compat::code::estale,
    fs::{self, FileSystem, SpecialFile},
    net::ActiveNet,
    uaccess,
};
use kernel::{prelude::*, seq_file::SeqFile, seq_print, str::CStr, uaccess::UserPtr};
use socket::PackedArgs;

/// Mount option `seccomp=template` (see [`access`]).
const MOUNT_SECCOMP_TEMPLATE: u32 = 1 << 0;
/// Mount option `foreign_netns=allow` (see [`access`]).
const MOUNT_FOREIGN_NETNS: u32 = 1 << 1;

/// The mount options: (key, the flag, its value when off, when on).
const MOUNT_OPTIONS: [(&CStr, u32, &CStr, &CStr); 2] = [
    (c"seccomp", MOUNT_SECCOMP_TEMPLATE, c"refuse", c"template"),
    (c"foreign_netns", MOUNT_FOREIGN_NETNS, c"refuse", c"allow"),
];

/// The stackfs file system type.
pub(crate) static STACKFS: fs::Type<Stackfs> = fs::Type::new();

/// stackfs, as a [`FileSystem`].
pub(crate) struct Stackfs;

#[vtable]
impl FileSystem for Stackfs {
    const NAME: &'static CStr = c"stackfs";
    const MAGIC: u32 = bindings::STACKFS_MAGIC;
    const SPECIAL_TYPE: u32 = bindings::S_IFSTACK;
    /// Safe: a stack file only names a namespace its creator already had
    /// CAP_NET_ADMIN over, and a mount grants nothing beyond its files.
    const USERNS_MOUNT: bool = true;
    type Data = ActiveNet;

    /// The ioctls of an open stack file:
    ///
    /// - `STACKFS_IOC_NETNS_FD` and `STACKFS_IOC_NETNS_ID`, its namespace
    ///   as an nsfs fd or its id, need a file open for reading ("r" on the
    ///   stack file): `EBADF` otherwise, as read(2) says. The nsfs fd is a
    ///   way into the namespace (setns(2), binding it to another stack
    ///   file), so it also needs `CAP_NET_ADMIN` over the user namespace
    ///   that owns the network namespace, as `SIOCGSKNS` and
    ///   `TUNGETDEVNETNS` do: `EPERM` otherwise.
    /// - `STACKFS_IOC_SOCKET`, msocket on this stack, needs a file open for
    ///   writing: the open was the permission check ("w", the LSMs), and
    ///   the file is the capability, as any file open for writing is.
    ///   `EBADF` otherwise, as write(2) says.
    fn ioctl(file: &SpecialFile<'_, Self>, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            bindings::MSOCKET_CONST_STACKFS_IOC_SOCKET => {
                if !file.is_writable() {
                    return Err(EBADF);
                }
                let args = PackedArgs::unpack(arg)?;
                let stack = file.inode();
                if let Some(tag) = args.expect {
                    if stack.tag() != tag || !stack.is_linked() {
                        return Err(estale());
                    }
                }
                stack::use_stack(stack, &args.request)
            }
            bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_FD
            | bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_ID
                if !file.is_readable() =>
            {
                Err(EBADF)
            }
            bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_FD => {
                let net = file.inode().data();
                if !net.capable(bindings::CAP_NET_ADMIN) {
                    return Err(EPERM);
                }
                Ok(net.open_nsfs_fd()? as isize)
            }
            bindings::MSOCKET_CONST_STACKFS_IOC_NETNS_ID => {
                uaccess::write_u64(UserPtr::from_addr(arg), file.inode().data().id())?;
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }

    /// `seccomp=refuse|template` and `foreign_netns=refuse|allow`: which
    /// confined callers may use this mount's stacks ([`access`]).
    fn parse_option(flags: &mut u32, key: &CStr, value: Option<&CStr>) -> Result {
        let (_, flag, off, on) = MOUNT_OPTIONS
            .iter()
            .find(|(name, ..)| *name == key)
            .ok_or(ENOPARAM)?;
        match value {
            Some(v) if v == *off => *flags &= !flag,
            Some(v) if v == *on => *flags |= flag,
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    /// The options that differ from the default.
    fn show_options(flags: u32, m: &SeqFile) {
        for (name, flag, _, on) in MOUNT_OPTIONS.iter() {
            if flags & flag != 0 {
                seq_print!(
                    m,
                    ",{}={}",
                    name.to_str().unwrap_or("?"),
                    on.to_str().unwrap_or("?")
                );
            }
        }
    }
}
