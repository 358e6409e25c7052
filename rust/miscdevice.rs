// SPDX-License-Identifier: GPL-2.0

//! Misc character devices: `/dev/NAME` with a dynamic minor number.
//!
//! Modelled on upstream's `kernel::miscdevice` (Linux 6.13): a device is a
//! type implementing [`MiscDevice`], and a pinned [`Registration`] makes it
//! appear while it lives. Unlike 6.13, the file operations carry the module
//! as their owner, so the module cannot be unloaded while a file of the
//! device is open.

use super::bindings;
use core::{marker::PhantomData, mem::MaybeUninit, ptr::addr_of_mut};
use kernel::{
    error::{to_result, Error, Result},
    ffi::{c_long, c_uint, c_ulong},
    init::{pin_init_from_closure, PinInit},
    prelude::*,
    str::CStr,
    types::Opaque,
    uaccess::UserPtr,
    ThisModule,
};

/// What a misc device does with the system calls made on its files.
pub(crate) trait MiscDevice: 'static {
    /// Handles `ioctl(cmd, arg)` on an open file of the device; `arg` is the
    /// raw argument, usually a user pointer. The result is returned to user
    /// space as is (an error as its negative errno).
    fn ioctl(cmd: u32, arg: UserPtr) -> Result<isize>;
}

/// A registered misc device: `/dev/NAME` exists while this value lives.
///
/// # Invariants
///
/// `misc` is registered with `misc_register` and points at `fops`; both
/// stay pinned until `misc_deregister` in `drop`.
#[pin_data(PinnedDrop)]
pub(crate) struct Registration<T: MiscDevice> {
    #[pin]
    fops: Opaque<bindings::file_operations>,
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    _device: PhantomData<T>,
}

// SAFETY: After registration the two C structures are only read, by the
// kernel and by `drop`, which may run on any thread.
unsafe impl<T: MiscDevice> Send for Registration<T> {}

// SAFETY: A shared reference gives no access to the C structures.
unsafe impl<T: MiscDevice> Sync for Registration<T> {}

impl<T: MiscDevice> Registration<T> {
    /// Registers `/dev/NAME` with the given permission `mode`, owned by
    /// `module`.
    pub(crate) fn register(
        name: &'static CStr,
        mode: u16,
        module: &'static ThisModule,
    ) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Self| {
            // SAFETY: `slot` is valid for writes (the contract of
            // `pin_init_from_closure`), so are its fields.
            let fops = unsafe { Opaque::raw_get(addr_of_mut!((*slot).fops)) };
            // SAFETY: As above.
            let misc = unsafe { Opaque::raw_get(addr_of_mut!((*slot).misc)) };

            // SAFETY: All-zero is a valid `file_operations` (no operations).
            let mut ops: bindings::file_operations = unsafe { MaybeUninit::zeroed().assume_init() };
            ops.owner = module.as_ptr();
            ops.unlocked_ioctl = Some(ioctl_callback::<T>);
            #[cfg(CONFIG_COMPAT)]
            {
                ops.compat_ioctl = Some(bindings::compat_ptr_ioctl);
            }
            // SAFETY: `fops` is valid for writes.
            unsafe { fops.write(ops) };

            // SAFETY: All-zero is a valid `miscdevice`.
            let mut dev: bindings::miscdevice = unsafe { MaybeUninit::zeroed().assume_init() };
            dev.minor = bindings::MISC_DYNAMIC_MINOR as _;
            dev.name = name.as_char_ptr();
            dev.fops = fops;
            dev.mode = mode;
            // SAFETY: `misc` is valid for writes.
            unsafe { misc.write(dev) };

            // SAFETY: `misc` is fully initialised and, with `fops`, pinned
            // until `drop` deregisters it (the type's invariant).
            to_result(unsafe { bindings::misc_register(misc) })
        };
        // SAFETY: On success every field is initialised (`_device` is a
        // ZST); on failure nothing was registered and nothing needs dropping.
        unsafe { pin_init_from_closure(init) }
    }
}

#[pinned_drop]
impl<T: MiscDevice> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant the device is registered.
        unsafe { bindings::misc_deregister(self.misc.get()) };
    }
}

/// The `unlocked_ioctl` (and, through `compat_ptr_ioctl`, `compat_ioctl`)
/// file operation of devices of type `T`.
///
/// # Safety
///
/// Called by the VFS only, on an open file of the device.
unsafe extern "C" fn ioctl_callback<T: MiscDevice>(
    _file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    match T::ioctl(cmd, arg as UserPtr) {
        Ok(ret) => ret as c_long,
        Err(err) => err.to_errno() as c_long,
    }
}
