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

use stackfs::{Request, StackId};

use kernel_ext::{
    bindings::{self, msocket_args, msocket_mkstack_args},
    compat, fs,
    uaccess::read_sized_struct,
};

// The one parameter is a `bool` where the kernel crate has them (7.3 and
// later) and a `u8` on 7.2 (see kernel_ext::compat::allow_confined).
#[cfg(msocket_kernel_7_3)]
module! {
    type: MsocketModule,
    name: "msocket",
    authors: ["msocket developers"],
    description: "msocket: stack files (stackfs) and per-socket network stacks",
    license: "GPL",
    // `mount -t stackfs` loads the module (get_fs_type's request_module).
    alias: ["fs-stackfs"],
    params: {
        allow_confined: bool {
            default: false,
            description: "Let tasks under seccomp or in a network namespace other than the initial one use every stack their files allow (default: no, see msocket(2) SECURITY)",
        },
    },
}

#[cfg(not(msocket_kernel_7_3))]
module! {
    type: MsocketModule,
    name: "msocket",
    authors: ["msocket developers"],
    description: "msocket: stack files (stackfs) and per-socket network stacks",
    license: "GPL",
    // `mount -t stackfs` loads the module (get_fs_type's request_module).
    alias: ["fs-stackfs"],
    params: {
        allow_confined: u8 {
            default: 0,
            description: "1: let tasks under seccomp or in a network namespace other than the initial one use every stack their files allow (default 0: no, see msocket(2) SECURITY)",
        },
    },
}

/// `/dev/msocket`. It keeps no state per open file.
struct MsocketDevice;

#[vtable]
impl MiscDevice for MsocketDevice {
    type Ptr = ();

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result {
        compat::own_misc_file(file)
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

const MSOCKET_FLAGS: u32 = bindings::AT_EMPTY_PATH
    | bindings::AT_SYMLINK_NOFOLLOW
    | bindings::MSOCKET_EXPECT_STACK
    | bindings::MSOCKET_TEMPLATE;

/// The msocket system call: a socket of `args.type` in the stack the
/// arguments name, installed as a new fd; or, for `SOCK_DEFAULT`, a check
/// that the caller may use the stack for `args.domain`.
fn msocket(args: &msocket_args) -> Result<isize> {
    if args.flags & !MSOCKET_FLAGS != 0 || args.__reserved != 0 {
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
    let template = if args.flags & bindings::MSOCKET_TEMPLATE != 0 {
        if args.size < bindings::MSOCKET_ARGS_SIZE_VER2 {
            return Err(EINVAL);
        }
        Some(args.template_fd)
    } else {
        None
    };
    let req = Request {
        domain: args.domain,
        ty: args.type_,
        protocol: args.protocol,
        template,
    };
    let path = UserPtr::from_addr(args.path as usize);
    stackfs::msocket(args.dirfd, path, args.flags, expect.as_ref(), &req)
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
