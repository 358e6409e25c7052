// SPDX-License-Identifier: GPL-2.0

//! msocket: multiple network stacks for the Berkeley socket API.
//!
//! `/dev/msocket` is the system call. `MSOCKET_IOC_SOCKET` creates a socket
//! in the network namespace of a stack file (or of the caller) and returns
//! its fd; `MSOCKET_IOC_MKSTACK` creates stack files in a stackfs. The C ABI
//! is `uapi/linux/msocket.h`.

use kernel::{
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
    uaccess::UserPtr,
};

#[path = "rust/mod.rs"]
mod kernel_ext;
mod stackfs;

use stackfs::StackId;

use kernel_ext::{
    bindings::{self, msocket_args, msocket_mkstack_args},
    fs,
    socket::Socket,
    uaccess::read_sized_struct,
};

module! {
    type: MsocketModule,
    name: "msocket",
    authors: ["msocket developers"],
    description: "msocket: stack files (stackfs) and per-socket network stacks",
    license: "GPL",
    params: {
        allow_confined: bool {
            default: false,
            description: "Let tasks under seccomp or in a network namespace other than the initial one use every stack their files allow (default: no, see msocket(2) SECURITY)",
        },
    },
}

/// `/dev/msocket`. It keeps no state per open file.
struct MsocketDevice;

#[vtable]
impl MiscDevice for MsocketDevice {
    type Ptr = ();

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result {
        Ok(())
    }

    fn ioctl(_device: (), _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let arg = UserPtr::from_addr(arg);
        match cmd {
            bindings::MSOCKET_CONST_IOC_SOCKET => {
                let args: msocket_args =
                    read_sized_struct(arg, bindings::MSOCKET_ARGS_SIZE_VER0 as usize)?;
                msocket(&args)
            }
            bindings::MSOCKET_CONST_IOC_MKSTACK => {
                let args: msocket_mkstack_args =
                    read_sized_struct(arg, bindings::MSOCKET_MKSTACK_ARGS_SIZE_VER0 as usize)?;
                if args.flags != 0 || args.__reserved != 0 {
                    return Err(EINVAL);
                }
                let path = UserPtr::from_addr(args.path as usize);
                stackfs::mkstack(args.dirfd, path, args.netns_fd, args.mode)?;
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }
}

const SOCK_TYPE_MASK: i32 = bindings::SOCK_TYPE_MASK as i32;
const SOCK_FLAGS: i32 = (bindings::SOCK_CLOEXEC | bindings::SOCK_NONBLOCK) as i32;
const MSOCKET_FLAGS: u32 =
    bindings::AT_EMPTY_PATH | bindings::AT_SYMLINK_NOFOLLOW | bindings::MSOCKET_EXPECT_STACK;

/// The msocket system call: a socket of `args.type` in the stack the
/// arguments name, installed as a new fd; or, for `SOCK_DEFAULT`, a check
/// that the caller may use the stack for `args.domain`.
fn msocket(args: &msocket_args) -> Result<isize> {
    if args.flags & !MSOCKET_FLAGS != 0 {
        return Err(EINVAL);
    }
    let expect = if args.flags & bindings::MSOCKET_EXPECT_STACK != 0 {
        if args.size < bindings::MSOCKET_ARGS_SIZE_VER1 {
            return Err(EINVAL);
        }
        Some(StackId {
            dev: args.stack_dev,
            ino: args.stack_ino,
        })
    } else {
        None
    };
    let ty = args.type_ & SOCK_TYPE_MASK;
    let flags = args.type_ & !SOCK_TYPE_MASK;
    let path = UserPtr::from_addr(args.path as usize);
    stackfs::with_stack(args.dirfd, path, args.flags, expect.as_ref(), |net| {
        if args.type_ == bindings::SOCK_DEFAULT as i32 {
            if args.protocol != 0 {
                return Err(EINVAL);
            }
            if args.domain != bindings::AF_UNSPEC as i32 {
                Socket::probe_family(net, args.domain)?;
            }
            return Ok(0);
        }
        if flags & !SOCK_FLAGS != 0 || ty == 0 || ty >= bindings::MSOCKET_CONST_SOCK_MAX {
            // A bad type: EINVAL, but only for a family the stack has, so
            // that type -1 probes families (as vustack -s does).
            Socket::probe_family(net, args.domain)?;
            return Err(EINVAL);
        }
        // The SOCK_* flags are O_* flags on most architectures, not all.
        let mut file_flags = 0;
        if flags & bindings::SOCK_NONBLOCK as i32 != 0 {
            file_flags |= bindings::O_NONBLOCK;
        }
        if flags & bindings::SOCK_CLOEXEC as i32 != 0 {
            file_flags |= bindings::O_CLOEXEC;
        }
        let fd = Socket::create(net, args.domain, ty, args.protocol)?.install(file_flags)?;
        Ok(fd as isize)
    })
}

/// The module: what it registers, unregistered in reverse order when it
/// is unloaded.
///
/// Fields drop in declaration order: `/dev/msocket` goes first, then
/// stackfs, the reverse of their registration in `init`.
#[pin_data]
struct MsocketModule {
    #[pin]
    device: MiscDeviceRegistration<MsocketDevice>,
    stackfs: fs::Registration<stackfs::Stackfs>,
}

impl kernel::InPlaceModule for MsocketModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(MsocketModule {
            stackfs: fs::Registration::register(&stackfs::STACKFS)?,
            device <- MiscDeviceRegistration::register(MiscDeviceOptions { name: c"msocket" }),
        })
        .pin_chain(|_| {
            pr_info!("loaded: /dev/msocket and file system stackfs\n");
            Ok(())
        })
    }
}
