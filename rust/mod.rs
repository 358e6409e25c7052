// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the parts of the kernel's C API that msocket uses
//! and that the `kernel` crate of Linux 7.x does not wrap yet.
//!
//! Upstream has no equivalent of any of these yet: file-system
//! registration, super blocks and inodes ([`fs`]), network namespaces
//! ([`net`]), path lookup of user names ([`path`]), socket creation in a
//! chosen namespace ([`socket`]), fd lookup that accepts `O_PATH` files
//! ([`file`]; upstream's `LocalFile::fget` refuses them) and extensible
//! argument structs ([`uaccess`]). What upstream has — the misc device,
//! `File`, fd reservation, credentials, error codes, pin-init — the module
//! takes from the `kernel` crate.
//!
//! Every `unsafe` block of the module lives here, under this directory; the
//! msocket and stackfs logic above these types is safe Rust.

pub(crate) mod bindings;
pub(crate) mod compat;
pub(crate) mod file;
pub(crate) mod fs;
pub(crate) mod net;
pub(crate) mod path;
pub(crate) mod socket;
pub(crate) mod uaccess;
