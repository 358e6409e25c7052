// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the parts of the kernel's C API that msocket uses
//! and that Linux 6.12's `kernel` crate does not wrap yet.
//!
//! Every `unsafe` block of the module lives here, under this directory; the
//! msocket and stackfs logic above these types is safe Rust. The shapes
//! follow upstream Rust-for-Linux where it later grew the same pieces
//! (`kernel::miscdevice` in 6.13, `kernel::fs::file`).

pub(crate) mod bindings;
pub(crate) mod errno;
pub(crate) mod file;
pub(crate) mod fs;
pub(crate) mod miscdevice;
pub(crate) mod net;
pub(crate) mod path;
pub(crate) mod socket;
pub(crate) mod uaccess;
