//! Just enough rtnetlink to list a stack's interfaces and addresses, and
//! to move an interface from one stack to another, through a
//! `NETLINK_ROUTE` socket made in the stack with msocket: no `setns(2)`.
//! Listing needs no privilege beyond write permission on the stack file;
//! moving needs what `ip link set DEV netns` needs (`CAP_NET_ADMIN` over
//! both namespaces).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use msocket::Stack;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLM_F_DUMP: u16 = 0x300;
const RTM_GETLINK: u16 = 18;
const RTM_NEWLINK: u16 = 16;
const RTM_GETADDR: u16 = 22;
const RTM_NEWADDR: u16 = 20;
const IFINFOMSG_LEN: usize = 16;
const IFADDRMSG_LEN: usize = 8;
const IFLA_IFNAME: u16 = 3;
const IFLA_OPERSTATE: u16 = 16;
const IFLA_NET_NS_FD: u16 = 28;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;

/// A network interface of a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Interface index.
    pub index: i32,
    /// Interface name.
    pub name: String,
    /// Whether it is administratively up (`IFF_UP`).
    pub up: bool,
    /// RFC 2863 operational state (`IF_OPER_*`; 6 is up).
    pub oper_state: u8,
    /// Its addresses with their prefix lengths.
    pub addresses: Vec<(IpAddr, u8)>,
}

impl Link {
    /// `UP`, `DOWN`, or `UP,NO-CARRIER` as `ip link` says it.
    pub fn state(&self) -> &'static str {
        match (self.up, self.oper_state) {
            (false, _) => "DOWN",
            // Loopback reports "unknown", which means working.
            (true, 6 | 0) => "UP",
            (true, _) => "UP,NO-CARRIER",
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// The attributes `(type, payload)` in `b`.
fn attributes(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = u16_at(b, 0) as usize;
        if len < 4 || len > b.len() {
            break;
        }
        out.push((u16_at(b, 2) & 0x3fff, &b[4..len]));
        b = &b[align4(len).min(b.len())..];
    }
    out
}

/// Sends a dump request of `kind` with a zeroed `body_len`-byte header and
/// returns the payloads of the answers of type `answer`.
fn dump(sock: &OwnedFd, kind: u16, body_len: usize, answer: u16) -> io::Result<Vec<Vec<u8>>> {
    let len = NLMSG_HDRLEN + body_len;
    let mut req = vec![0u8; len];
    req[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
    req[4..6].copy_from_slice(&kind.to_ne_bytes());
    req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req[8..12].copy_from_slice(&1u32.to_ne_bytes());
    // SAFETY: `req` is a readable buffer of `len` bytes.
    if unsafe { libc::send(sock.as_raw_fd(), req.as_ptr().cast(), len, 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32768];
    loop {
        // SAFETY: `buf` is a writable buffer of its length.
        let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut msgs = &buf[..n as usize];
        while msgs.len() >= NLMSG_HDRLEN {
            let mlen = u32_at(msgs, 0) as usize;
            if mlen < NLMSG_HDRLEN || mlen > msgs.len() {
                return Err(io::Error::from_raw_os_error(libc::EBADMSG));
            }
            let mtype = u16_at(msgs, 4);
            let payload = &msgs[NLMSG_HDRLEN..mlen];
            match mtype {
                NLMSG_DONE => return Ok(out),
                NLMSG_ERROR => {
                    let errno = if payload.len() >= 4 {
                        -(u32_at(payload, 0) as i32)
                    } else {
                        libc::EBADMSG
                    };
                    if errno != 0 {
                        return Err(io::Error::from_raw_os_error(errno));
                    }
                }
                t if t == answer => out.push(payload.to_vec()),
                _ => {}
            }
            msgs = &msgs[align4(mlen).min(msgs.len())..];
        }
    }
}

fn ip_from(family: u8, b: &[u8]) -> Option<IpAddr> {
    match (i32::from(family), b.len()) {
        (libc::AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        (libc::AF_INET6, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// The interfaces of `stack` with their addresses, in index order.
pub fn links(stack: &Stack) -> io::Result<Vec<Link>> {
    let sock = stack.socket(
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC,
        libc::NETLINK_ROUTE,
    )?;
    let mut links = Vec::new();
    for msg in dump(&sock, RTM_GETLINK, IFINFOMSG_LEN, RTM_NEWLINK)? {
        if msg.len() < IFINFOMSG_LEN {
            continue;
        }
        let mut link = Link {
            index: u32_at(&msg, 4) as i32,
            name: String::new(),
            up: u32_at(&msg, 8) & libc::IFF_UP as u32 != 0,
            oper_state: 0,
            addresses: Vec::new(),
        };
        for (ty, data) in attributes(&msg[IFINFOMSG_LEN..]) {
            match ty {
                IFLA_IFNAME => {
                    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                    link.name = String::from_utf8_lossy(&data[..end]).into_owned();
                }
                IFLA_OPERSTATE if !data.is_empty() => link.oper_state = data[0],
                _ => {}
            }
        }
        links.push(link);
    }
    for msg in dump(&sock, RTM_GETADDR, IFADDRMSG_LEN, RTM_NEWADDR)? {
        if msg.len() < IFADDRMSG_LEN {
            continue;
        }
        let (family, prefix, index) = (msg[0], msg[1], u32_at(&msg, 4) as i32);
        let attrs = attributes(&msg[IFADDRMSG_LEN..]);
        // IFA_LOCAL is the interface's own address on point-to-point links.
        let addr = [IFA_LOCAL, IFA_ADDRESS]
            .iter()
            .find_map(|&want| attrs.iter().find(|(t, _)| *t == want))
            .and_then(|(_, data)| ip_from(family, data));
        if let (Some(addr), Some(link)) = (addr, links.iter_mut().find(|l| l.index == index)) {
            link.addresses.push((addr, prefix));
        }
    }
    links.sort_by_key(|l| l.index);
    Ok(links)
}

/// Appends the attribute `kind` with `payload` to `msg`, padded.
fn put_attribute(msg: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    let len = 4 + payload.len();
    msg.extend_from_slice(&(len as u16).to_ne_bytes());
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(payload);
    msg.resize(align4(msg.len()), 0);
}

/// Sends the request `msg` (its header's length is set here) with
/// `NLM_F_ACK` and waits for the kernel's answer: `Ok` or its errno.
fn request(sock: &OwnedFd, mut msg: Vec<u8>) -> io::Result<()> {
    let len = msg.len() as u32;
    msg[0..4].copy_from_slice(&len.to_ne_bytes());
    // SAFETY: `msg` is a readable buffer of its length.
    if unsafe { libc::send(sock.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut buf = vec![0u8; 8192];
    loop {
        // SAFETY: `buf` is a writable buffer of its length.
        let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let b = &buf[..n as usize];
        if b.len() >= NLMSG_HDRLEN + 4 && u16_at(b, 4) == NLMSG_ERROR {
            let errno = -(u32_at(b, NLMSG_HDRLEN) as i32);
            return if errno == 0 {
                Ok(())
            } else {
                Err(io::Error::from_raw_os_error(errno))
            };
        }
    }
}

/// The `RTM_NEWLINK` request that moves the interface `name` into the
/// namespace of the nsfs fd `netns` (what `ip link set NAME netns` sends).
fn move_link_request(name: &str, netns: i32) -> io::Result<Vec<u8>> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(['/', ' ', '\0']) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut msg = vec![0u8; NLMSG_HDRLEN + IFINFOMSG_LEN];
    msg[4..6].copy_from_slice(&RTM_NEWLINK.to_ne_bytes());
    msg[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
    msg[8..12].copy_from_slice(&1u32.to_ne_bytes());
    let mut ifname = name.as_bytes().to_vec();
    ifname.push(0);
    put_attribute(&mut msg, IFLA_IFNAME, &ifname);
    put_attribute(&mut msg, IFLA_NET_NS_FD, &(netns as u32).to_ne_bytes());
    Ok(msg)
}

/// Moves the interface `name` of the stack `from` into the namespace of the
/// nsfs fd `to`, through a route socket made in `from`.
///
/// Errors: `ENODEV` if `from` has no such interface, `EPERM` without
/// `CAP_NET_ADMIN` over both namespaces, `EINVAL` for a bad name or an
/// interface that cannot move (loopback: `EINVAL` too).
pub fn move_link(from: &Stack, name: &str, to: &OwnedFd) -> io::Result<()> {
    let msg = move_link_request(name, to.as_raw_fd())?;
    let sock = from.socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0)?;
    request(&sock, msg)
}

/// Brings the interface `name` of `stack` up (`SIOCSIFFLAGS` on a socket
/// of the stack).
pub fn set_up(stack: &Stack, name: &str) -> io::Result<()> {
    let sock = stack.socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)?;
    // SAFETY: an all-zero ifreq is valid.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= ifr.ifr_name.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    for (dst, &src) in ifr.ifr_name.iter_mut().zip(name.as_bytes()) {
        *dst = src as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS reads the name and writes the flags of `ifr`.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut ifr) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    unsafe { ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
    // SAFETY: SIOCSIFFLAGS reads `ifr`.
    if unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &ifr) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_attributes() {
        // IFLA_IFNAME "lo\0" (len 7, padded to 8), then IFLA_OPERSTATE 6.
        let mut b = vec![7, 0, 3, 0, b'l', b'o', 0, 0];
        b.extend_from_slice(&[5, 0, 16, 0, 6, 0, 0, 0]);
        let attrs = attributes(&b);
        assert_eq!(attrs, vec![(3, &b"lo\0"[..]), (16, &[6u8][..])]);
        // A truncated attribute ends the list.
        assert_eq!(attributes(&[200, 0, 3, 0, 1]).len(), 0);
    }

    #[test]
    fn move_request() {
        let m = move_link_request("veth1", 7).unwrap();
        // Header, ifinfomsg, IFLA_IFNAME "veth1\0" padded to 12, IFLA_NET_NS_FD.
        assert_eq!(m.len(), 16 + 16 + 12 + 8);
        assert_eq!(u16_at(&m, 4), RTM_NEWLINK);
        assert_eq!(u16_at(&m, 6), NLM_F_REQUEST | NLM_F_ACK);
        let attrs = attributes(&m[32..]);
        assert_eq!(attrs[0], (IFLA_IFNAME, &b"veth1\0"[..]));
        assert_eq!(attrs[1], (IFLA_NET_NS_FD, &7u32.to_ne_bytes()[..]));
        assert!(move_link_request("", 7).is_err());
        assert!(move_link_request("a-name-far-too-long", 7).is_err());
    }

    #[test]
    fn addresses_and_states() {
        assert_eq!(
            ip_from(libc::AF_INET as u8, &[10, 0, 0, 1]),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(ip_from(libc::AF_INET as u8, &[10, 0, 0]), None);
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(
            ip_from(libc::AF_INET6 as u8, &v6),
            Some("::1".parse().unwrap())
        );
        let mut l = Link {
            index: 1,
            name: "lo".into(),
            up: true,
            oper_state: 0,
            addresses: vec![],
        };
        assert_eq!(l.state(), "UP");
        l.oper_state = 2;
        assert_eq!(l.state(), "UP,NO-CARRIER");
        l.up = false;
        assert_eq!(l.state(), "DOWN");
    }
}
