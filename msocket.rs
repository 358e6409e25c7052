// SPDX-License-Identifier: GPL-2.0

//! msocket: multiple network stacks for the Berkeley socket API.
//!
//! `/dev/msocket` is the system call: its ioctls create sockets in the
//! network namespace a stack file names.

use kernel::{c_str, prelude::*, uaccess::UserPtr};

#[path = "rust/mod.rs"]
mod kernel_ext;

use kernel_ext::miscdevice::{self, MiscDevice};

module! {
    type: MsocketModule,
    name: "msocket",
    author: "msocket developers",
    description: "msocket: stack files (stackfs) and per-socket network stacks",
    license: "GPL",
}

/// `/dev/msocket`.
struct MsocketDevice;

impl MiscDevice for MsocketDevice {
    fn ioctl(_cmd: u32, _arg: UserPtr) -> Result<isize> {
        Err(ENOTTY)
    }
}

/// What the module registers, unregistered in reverse order when dropped.
#[pin_data]
struct Registrations {
    #[pin]
    device: miscdevice::Registration<MsocketDevice>,
}

struct MsocketModule {
    _registrations: Pin<KBox<Registrations>>,
}

impl kernel::Module for MsocketModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let registrations = KBox::try_pin_init(
            try_pin_init!(Registrations {
                device <- miscdevice::Registration::register(c_str!("msocket"), 0o666, module),
            }),
            GFP_KERNEL,
        )?;
        pr_info!("loaded: /dev/msocket\n");
        Ok(MsocketModule {
            _registrations: registrations,
        })
    }
}
