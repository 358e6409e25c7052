// SPDX-License-Identifier: GPL-2.0

//! Error codes that 6.12's `kernel::error::code` does not name.

use super::bindings;
use kernel::error::Error;

/// `EAFNOSUPPORT`: address family not supported.
pub(crate) fn eafnosupport() -> Error {
    Error::from_errno(-(bindings::EAFNOSUPPORT as i32))
}

/// `EOPNOTSUPP` (`ENOTSUP` in user space): operation not supported.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// `ESTALE`: the file is not the one the caller expected.
pub(crate) fn estale() -> Error {
    Error::from_errno(-(bindings::ESTALE as i32))
}
