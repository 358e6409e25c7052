// SPDX-License-Identifier: GPL-2.0

//! Raw bindings: the kernel crate's bindings plus the module's own bindgen
//! output (`bindings_generated.rs`, built by Kbuild from
//! `bindings_helper.h` and `bindgen_allowlist`) for the C API the kernel
//! crate's bindings do not cover.
//!
//! Only the abstractions of this directory use these items.

#![allow(
    clippy::all,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

// The generated items come first; what they do not define (the types their
// functions refer to) resolves to the kernel crate's definitions.
pub(crate) use kernel::bindings::*;
use kernel::ffi;

include!("bindings_generated.rs");

// SAFETY: The argument structs of the uapi are plain integers with no
// padding: any bytes are a valid value.
unsafe impl kernel::transmute::FromBytes for msocket_args {}
// SAFETY: As above.
unsafe impl kernel::transmute::FromBytes for msocket_mkstack_args {}
