// SPDX-License-Identifier: GPL-2.0

//! Extensible argument structs from user space, as openat2(2) and clone3(2)
//! read theirs: the struct says its own size in its first field (a `u32`),
//! older (smaller) structs are zero-extended and newer (larger) ones are
//! accepted only if the fields this kernel does not know are zero.

use super::bindings;
use core::mem::{size_of, MaybeUninit};
use kernel::{
    error::{code::*, to_result, Result},
    page::PAGE_SIZE,
    types::FromBytes,
    uaccess::{UserPtr, UserSlice},
};

/// Reads a `T` whose first field is its size in bytes as user space knows
/// it, at least `min_size` (the size of the struct's first version).
///
/// Errors: `EFAULT` for a bad pointer; `EINVAL` if the size is below
/// `min_size`; `E2BIG` if it is above a page, or if the bytes past
/// `size_of::<T>()` are not all zero.
pub(crate) fn read_sized_struct<T: FromBytes>(ptr: UserPtr, min_size: usize) -> Result<T> {
    let size: u32 = UserSlice::new(ptr, size_of::<u32>()).reader().read()?;
    let size = size as usize;
    if size < min_size {
        return Err(EINVAL);
    }
    if size > PAGE_SIZE {
        return Err(E2BIG);
    }
    let mut value = MaybeUninit::<T>::zeroed();
    // SAFETY: `value` is valid for `size_of::<T>()` bytes of writes; the
    // helper reads at most `size` bytes from user space, zero-fills the
    // rest and checks that any bytes past `size_of::<T>()` are zero.
    to_result(unsafe {
        bindings::msocket_copy_struct_from_user(
            value.as_mut_ptr().cast(),
            size_of::<T>(),
            ptr as *const _,
            size,
        )
    })?;
    // SAFETY: Every byte of `value` is initialised (copied or zeroed) and
    // any bytes are a valid `T` (`FromBytes`).
    Ok(unsafe { value.assume_init() })
}

/// Writes `value` to user space at `ptr`: `EFAULT` for a bad pointer.
pub(crate) fn write_u64(ptr: UserPtr, value: u64) -> Result {
    UserSlice::new(ptr, size_of::<u64>()).writer().write(&value)
}
