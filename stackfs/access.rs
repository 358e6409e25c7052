// SPDX-License-Identifier: GPL-2.0

//! Who may make sockets in a stack, beyond the open for writing of its stack
//! file (see [`stack`](super::stack)): the rule that keeps msocket from
//! opening a way around a sandbox.
//!
//! Two kinds of task are *confined*:
//!
//! - A task under seccomp (a filter, or strict mode). Its filter sees an
//!   ioctl of `/dev/msocket` or of a stack file, not the socket it makes,
//!   so a filter that denies `socket(AF_INET, ...)` (systemd's
//!   `RestrictAddressFamilies=`, container profiles) would be bypassed:
//!   such a task gets `EPERM`, for every stack, its own namespace's
//!   included. On a stackfs mounted with `seccomp=template` it may make a
//!   socket like a template socket of its own (`MSOCKET_TEMPLATE`): one its
//!   filter let it make with socket(2), so a family, type or protocol the
//!   filter refuses stays refused.
//! - A task outside the initial network namespace (systemd's
//!   `PrivateNetwork=`, a container). It was put in its namespace so that it
//!   would not reach others: it may use a stack of its own namespace, or of
//!   a namespace it administers (`CAP_NET_ADMIN` over the user namespace
//!   owning it, as for a stack it made itself), and gets `EPERM` for any
//!   other, unless the stack file's stackfs was mounted with
//!   `foreign_netns=allow`.
//!
//! An administrator who wants confined tasks to use every stack their
//! files allow, everywhere, loads the module with `allow_confined=1`.

use super::{socket::Request, Stackfs, MOUNT_FOREIGN_NETNS, MOUNT_SECCOMP_TEMPLATE};
use crate::kernel_ext::{bindings, compat, fs::SpecialInode, net::Net};
use kernel::prelude::*;

/// Checks that the caller may make `req` in `net`, the stack of the stack
/// file `stack` (`None` for the caller's own namespace, the native stack),
/// which it has opened for writing. The options of the stack file's mount
/// open each rule (see the module documentation).
///
/// Errors: `EPERM` for a confined caller.
pub(crate) fn may_use(net: &Net, stack: Option<&SpecialInode<Stackfs>>, req: &Request) -> Result {
    if compat::allow_confined() {
        return Ok(());
    }
    let mount = stack.map_or(0, |stack| stack.mount_flags());
    let confined = net.confinement();
    // With a template, the socket is checked against the one the filter
    // let the caller make (see `socket`); SOCK_DEFAULT makes none.
    if confined & bindings::MSOCKET_UNDER_SECCOMP != 0
        && !(mount & MOUNT_SECCOMP_TEMPLATE != 0 && (req.template.is_some() || !req.makes_socket()))
    {
        return Err(EPERM);
    }
    if confined & bindings::MSOCKET_FOREIGN_NETNS != 0
        && mount & MOUNT_FOREIGN_NETNS == 0
        && !net.capable(bindings::CAP_NET_ADMIN)
    {
        return Err(EPERM);
    }
    Ok(())
}
