// SPDX-License-Identifier: GPL-2.0

//! Who may make sockets in a stack: the stack file's `w` bit, and the rule
//! that keeps msocket from opening a way around a sandbox.
//!
//! Two kinds of task are *confined*:
//!
//! - A task under seccomp (a filter, or strict mode). Its filter sees an
//!   ioctl of `/dev/msocket`, not the socket it makes, so a filter that
//!   denies `socket(AF_INET, ...)` (systemd's `RestrictAddressFamilies=`,
//!   container profiles) would be bypassed: such a task gets `EPERM`, for
//!   every stack, its own namespace's included.
//! - A task outside the initial network namespace (systemd's
//!   `PrivateNetwork=`, a container). It was put in its namespace so that it
//!   would not reach others: it may use a stack of its own namespace, or of
//!   a namespace it administers (`CAP_NET_ADMIN` over the user namespace
//!   owning it, as for a stack it made itself), and gets `EPERM` for any
//!   other.
//!
//! An administrator who wants confined tasks to use every stack their
//! files allow loads the module with `allow_confined=1`.

use crate::kernel_ext::{bindings, fs::Inode, net::Net};
use kernel::prelude::*;

/// Checks that the caller may make sockets in `net`, the stack of
/// `stack_file` (`None` for the caller's own namespace, the native stack).
///
/// Errors: `EACCES` without `w` on the stack file; `EPERM` for a confined
/// caller (see the module documentation).
pub(crate) fn may_use(stack_file: Option<&Inode>, net: &Net) -> Result {
    if let Some(inode) = stack_file {
        // "w" on a stack file: may create sockets in the stack.
        inode.permission(bindings::MAY_WRITE)?;
    }
    if crate::module_parameters::allow_confined.value() {
        return Ok(());
    }
    if current_has_seccomp() {
        return Err(EPERM);
    }
    if !Net::current_is_initial() && !net.is_current() && !net.capable(bindings::CAP_NET_ADMIN) {
        return Err(EPERM);
    }
    Ok(())
}

/// Whether the caller runs under seccomp.
fn current_has_seccomp() -> bool {
    // SAFETY: Reads the caller's own seccomp mode.
    unsafe { bindings::msocket_current_has_seccomp() }
}
