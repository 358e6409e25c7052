// SPDX-License-Identifier: GPL-2.0

//! Extensible argument structs from user space, with the rules of
//! `copy_struct_from_user()` (openat2(2), clone3(2)): the struct says its
//! own size in its first field (a `u32`); older (smaller) structs are
//! zero-extended and newer (larger) ones are accepted only if the fields
//! this kernel does not know are zero.
//!
//! Unlike `copy_struct_from_user()`, the common case costs one user copy:
//! the first version of a struct is always there in a valid call, so it is
//! read before its size is known.
//!
//! Upstream's `kernel::uaccess` has no `copy_struct_from_user()` yet.

use super::bindings;
use core::mem::{size_of, MaybeUninit};
use kernel::{
    error::{code::*, Result},
    page::PAGE_SIZE,
    transmute::FromBytes,
    uaccess::{UserPtr, UserSlice},
};

/// Reads a `T` whose first field is its size in bytes as user space knows
/// it, at least `min_size`: the size of the struct's first version.
///
/// Errors: `EFAULT` for a bad pointer; `EINVAL` if the size is below
/// `min_size`; `E2BIG` if it is above a page, or if the bytes past
/// `size_of::<T>()` are not all zero.
pub(crate) fn read_sized_struct<T: FromBytes>(ptr: UserPtr, min_size: usize) -> Result<T> {
    let ksize = size_of::<T>();
    debug_assert!(min_size >= size_of::<u32>() && min_size <= ksize);
    let mut value = MaybeUninit::<T>::zeroed();
    // SAFETY: `value` is `ksize` bytes, all initialised (zeroed), so any
    // prefix of it may be viewed as bytes and written.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<MaybeUninit<u8>>(), ksize)
    };
    UserSlice::new(ptr, min_size)
        .reader()
        .read_raw(&mut bytes[..min_size])?;
    // SAFETY: The first `u32` of the struct was just read.
    let user_size = unsafe { bytes.as_ptr().cast::<u32>().read_unaligned() } as usize;
    if user_size < min_size {
        return Err(EINVAL);
    }
    if user_size > PAGE_SIZE {
        return Err(E2BIG);
    }
    // Fields newer than the first version that both sides know.
    let common = user_size.min(ksize);
    if common > min_size {
        let mut reader = UserSlice::new(ptr, common).reader();
        reader.skip(min_size)?;
        reader.read_raw(&mut bytes[min_size..common])?;
    }
    // Fields only user space knows must be zero.
    if user_size > ksize {
        // SAFETY: `check_zeroed_user` reads user memory safely (0 if not
        // all zero, 1 if zero, -EFAULT).
        match unsafe {
            bindings::check_zeroed_user(
                ptr.wrapping_byte_add(ksize).as_const_ptr(),
                user_size - ksize,
            )
        } {
            1 => {}
            0 => return Err(E2BIG),
            _ => return Err(EFAULT),
        }
    }
    // SAFETY: Every byte of `value` is initialised (read or zeroed), and
    // any bytes are a valid `T` (`FromBytes`).
    Ok(unsafe { value.assume_init() })
}

/// Writes `value` to user space at `ptr`: `EFAULT` for a bad pointer.
pub(crate) fn write_u64(ptr: UserPtr, value: u64) -> Result {
    UserSlice::new(ptr, size_of::<u64>()).writer().write(&value)
}
