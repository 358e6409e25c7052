// SPDX-License-Identifier: GPL-2.0

//! The socket call of a stack: what msocket does once the stack is known
//! and the caller may use it, whether the call came by `/dev/msocket`
//! (`MSOCKET_IOC_SOCKET`) or by the stack file (`STACKFS_IOC_SOCKET`).

use crate::kernel_ext::{
    bindings,
    net::Net,
    socket::{Socket, SocketKind},
};
use kernel::prelude::*;

const SOCK_TYPE_MASK: i32 = bindings::SOCK_TYPE_MASK as i32;
const SOCK_FLAGS: i32 = (bindings::SOCK_CLOEXEC | bindings::SOCK_NONBLOCK) as i32;

/// One msocket call once its stack is named: socket(2)'s arguments, and
/// the template socket a confined caller shows (`MSOCKET_TEMPLATE`).
pub(crate) struct Request {
    pub(crate) domain: i32,
    /// A socket(2) type, with its `SOCK_NONBLOCK` and `SOCK_CLOEXEC`; or
    /// `SOCK_DEFAULT`.
    pub(crate) ty: i32,
    pub(crate) protocol: i32,
    /// The fd of a socket of the caller the new one must be like.
    pub(crate) template: Option<i32>,
}

impl Request {
    /// Whether the call makes a socket (`SOCK_DEFAULT` does not).
    pub(crate) fn makes_socket(&self) -> bool {
        self.ty != bindings::SOCK_DEFAULT as i32
    }
}

/// The socket of `req` in `net`, installed as a new fd of the caller,
/// which is returned; or, for `SOCK_DEFAULT`, the check that `net` has
/// `req.domain` (`AF_UNSPEC`: the stack as a whole), which returns 0. With
/// a template, the socket must be of the template's family, type and
/// protocol.
///
/// Errors: `EINVAL` for a bad type or flags, or a protocol with
/// `SOCK_DEFAULT`; `EAFNOSUPPORT` for a family the stack lacks; `EPERM` for
/// a socket unlike the template, `EBADF`, `ENOTSOCK` or `EXDEV` for a
/// template that is no socket of the caller's namespace; those of
/// socket(2) (`EPROTONOSUPPORT`, `EACCES`, `EMFILE`...).
pub(crate) fn socket(net: &Net, req: &Request) -> Result<isize> {
    let template = req.template.map(SocketKind::of_fd).transpose()?;
    if !req.makes_socket() {
        if req.protocol != 0 {
            return Err(EINVAL);
        }
        if req.domain != bindings::AF_UNSPEC as i32 {
            Socket::probe_family(net, req.domain)?;
        }
        return Ok(0);
    }
    let flags = req.ty & !SOCK_TYPE_MASK;
    let ty = req.ty & SOCK_TYPE_MASK;
    if flags & !SOCK_FLAGS != 0 || ty == 0 || ty >= bindings::MSOCKET_CONST_SOCK_MAX {
        // A bad type: EINVAL, but only for a family the stack has, so that
        // type -1 probes families (as vustack -s does).
        Socket::probe_family(net, req.domain)?;
        return Err(EINVAL);
    }
    if let Some(t) = &template {
        // A protocol asked for must be the template's; 0 is compared once
        // the family resolved it.
        if t.family != req.domain || t.ty != ty || (req.protocol != 0 && req.protocol != t.protocol)
        {
            return Err(EPERM);
        }
    }
    // The SOCK_* flags are O_* flags on most architectures, not all.
    let mut file_flags = 0;
    if flags & bindings::SOCK_NONBLOCK as i32 != 0 {
        file_flags |= bindings::O_NONBLOCK;
    }
    if flags & bindings::SOCK_CLOEXEC as i32 != 0 {
        file_flags |= bindings::O_CLOEXEC;
    }
    let sock = Socket::create(net, req.domain, ty, req.protocol)?;
    // The protocol as the family resolved it (0 is its default).
    if let Some(t) = &template {
        if t.protocol != sock.protocol() {
            return Err(EPERM);
        }
    }
    Ok(sock.install(file_flags)? as isize)
}

/// The arguments of `STACKFS_IOC_SOCKET`, unpacked from its ioctl argument
/// (see `uapi/linux/msocket.h`).
pub(crate) struct PackedArgs {
    pub(crate) request: Request,
    /// With `STACKFS_SOCKET_EXPECT`: the tag the stack file must have.
    pub(crate) expect: Option<u32>,
}

const PROTOCOL_MAX: u64 = bindings::STACKFS_SOCKET_PROTOCOL_MAX as u64;
const DOMAIN_MAX: u64 = bindings::STACKFS_SOCKET_DOMAIN_MAX as u64;
const TYPE_MAX: u64 = bindings::STACKFS_SOCKET_TYPE_MAX as u64;
const NONBLOCK: u64 = bindings::MSOCKET_CONST_STACKFS_SOCKET_NONBLOCK;
const CLOEXEC: u64 = bindings::MSOCKET_CONST_STACKFS_SOCKET_CLOEXEC;
const EXPECT: u64 = bindings::MSOCKET_CONST_STACKFS_SOCKET_EXPECT;
const PACKED_KNOWN: u64 =
    PROTOCOL_MAX | (DOMAIN_MAX << 16) | (TYPE_MAX << 24) | NONBLOCK | CLOEXEC | EXPECT;

impl PackedArgs {
    /// Unpacks `arg`: `EINVAL` if a bit the kernel does not know is set.
    pub(crate) fn unpack(arg: usize) -> Result<PackedArgs> {
        let arg = arg as u64;
        let low = arg & 0xffff_ffff;
        if low & !PACKED_KNOWN != 0 {
            return Err(EINVAL);
        }
        let expect = low & EXPECT != 0;
        if !expect && arg >> 32 != 0 {
            return Err(EINVAL);
        }
        let mut ty = ((low >> 24) & TYPE_MAX) as i32;
        if low & NONBLOCK != 0 {
            ty |= bindings::SOCK_NONBLOCK as i32;
        }
        if low & CLOEXEC != 0 {
            ty |= bindings::SOCK_CLOEXEC as i32;
        }
        Ok(PackedArgs {
            request: Request {
                domain: ((low >> 16) & DOMAIN_MAX) as i32,
                ty,
                protocol: (low & PROTOCOL_MAX) as i32,
                template: None,
            },
            expect: expect.then_some((arg >> 32) as u32),
        })
    }
}
