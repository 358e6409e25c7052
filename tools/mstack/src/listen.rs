//! `mstack listen`: socket activation across stacks.
//!
//! Listening sockets are made in several stacks and handed to an
//! unmodified daemon the way systemd hands a socket unit's sockets to its
//! service (sd_listen_fds(3)): as fds 3, 4, ... with `LISTEN_FDS`,
//! `LISTEN_PID` and `LISTEN_FDNAMES` in the environment. The daemon needs
//! no privilege and no knowledge of msocket: one plain-user process serves
//! in several network namespaces, each socket made with the caller's
//! write permission on its stack file.
//!
//! ```text
//! mstack listen [-v] [NAME=]STACK:PROTO:ADDRESS... -- CMD [ARGS...]
//!   PROTO   tcp | udp | unix (stream) | unix-dgram
//!   ADDRESS 10.0.0.1:80, [::]:443 (tcp, udp); @name (abstract, the
//!           stack's own) or /path (unix)
//! ```
//!
//! Each fd's name (`LISTEN_FDNAMES`) is NAME, or else the stack file's
//! name, so the daemon can tell which stack a connection came through.

use std::ffi::OsString;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::Command;

use msocket::Stack;

use crate::error::{Context, Error};
use crate::names;

/// The first fd sd_listen_fds(3) reads (`SD_LISTEN_FDS_START`).
pub const LISTEN_FDS_START: RawFd = 3;

/// The kind of socket a listener is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// TCP: a listening stream socket.
    Tcp,
    /// UDP: a bound datagram socket.
    Udp,
    /// A listening `AF_UNIX` stream socket.
    Unix,
    /// A bound `AF_UNIX` datagram socket.
    UnixDgram,
}

/// Where a listener is bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// An IPv4 or IPv6 address and port.
    Inet(SocketAddr),
    /// An `AF_UNIX` name: abstract (`@name`, the stack's own) or a path.
    Unix(Vec<u8>),
}

/// One `[NAME=]STACK:PROTO:ADDRESS` of the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// The fd's name in `LISTEN_FDNAMES`.
    pub name: String,
    /// The stack as written (a NAME in the default stackfs, or a path).
    pub stack: PathBuf,
    /// The kind of socket.
    pub proto: Proto,
    /// Its address.
    pub address: Address,
}

/// Parses `[NAME=]STACK:PROTO:ADDRESS`.
pub fn parse(spec: &str) -> Result<Listener, String> {
    let bad = |why: &str| format!("'{spec}': {why} (expected [NAME=]STACK:PROTO:ADDRESS)");
    let (name, rest) = match spec.split_once('=') {
        Some((name, rest)) if !name.contains(':') => (Some(name), rest),
        _ => (None, spec),
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(stack), Some(proto), Some(address)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("too few fields"));
    };
    if stack.is_empty() {
        return Err(bad("no stack"));
    }
    let proto = match proto {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "unix" => Proto::Unix,
        "unix-dgram" => Proto::UnixDgram,
        _ => {
            return Err(bad(&format!(
                "unknown protocol '{proto}' (tcp, udp, unix, unix-dgram)"
            )))
        }
    };
    let address = match proto {
        Proto::Tcp | Proto::Udp => Address::Inet(address.parse().map_err(|_| {
            bad(&format!(
                "'{address}' is not ADDRESS:PORT ([::1]:80 for IPv6)"
            ))
        })?),
        Proto::Unix | Proto::UnixDgram => {
            let mut bytes = address.as_bytes().to_vec();
            if let Some(b'@') = bytes.first() {
                bytes[0] = 0;
            }
            if bytes.len() < 2 && bytes.first() == Some(&0) || bytes.is_empty() {
                return Err(bad("an empty unix socket name"));
            }
            if bytes.len() > 107 {
                return Err(bad("a unix socket name longer than 107 bytes"));
            }
            Address::Unix(bytes)
        }
    };
    let stack = PathBuf::from(stack);
    let name = match name {
        Some(name) => name.to_string(),
        None => stack
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| stack.to_string_lossy().into_owned()),
    };
    // sd_listen_fds_with_names(3) splits on ':'; systemd allows at most 255
    // printable characters.
    if name.is_empty()
        || name.len() > 255
        || name.bytes().any(|b| b == b':' || !b.is_ascii_graphic())
    {
        return Err(bad(&format!(
            "'{name}' cannot be an fd name (1 to 255 printable characters, no ':')"
        )));
    }
    Ok(Listener {
        name,
        stack,
        proto,
        address,
    })
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A `sockaddr` for `address`, and its length.
fn sockaddr(address: &Address) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero bytes are a valid sockaddr_storage.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match address {
        Address::Inet(SocketAddr::V4(a)) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*a.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in and aligned for it.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        Address::Inet(SocketAddr::V6(a)) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above, for sockaddr_in6.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
        Address::Unix(name) => {
            // SAFETY: all-zero bytes are a valid sockaddr_un.
            let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
            sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
            for (d, s) in sun.sun_path.iter_mut().zip(name) {
                *d = *s as libc::c_char;
            }
            // SAFETY: as above, for sockaddr_un.
            unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sun) };
            // Abstract names count their bytes exactly; paths end with a NUL.
            let nul = usize::from(name[0] != 0);
            std::mem::size_of::<libc::sa_family_t>() + name.len() + nul
        }
    };
    (ss, len as libc::socklen_t)
}

/// Makes `l`'s socket in its stack (`stack`, resolved): bound, and
/// listening for the stream kinds, `O_CLOEXEC` until it is handed over.
fn make(l: &Listener, stack: &Path) -> Result<OwnedFd, Error> {
    let shown = format!("{}: {}", stack.display(), describe(l));
    let (domain, ty) = match (&l.proto, &l.address) {
        (Proto::Tcp, Address::Inet(a)) => (family_of(a), libc::SOCK_STREAM),
        (Proto::Udp, Address::Inet(a)) => (family_of(a), libc::SOCK_DGRAM),
        (Proto::Unix, _) => (libc::AF_UNIX, libc::SOCK_STREAM),
        (Proto::UnixDgram, _) => (libc::AF_UNIX, libc::SOCK_DGRAM),
        _ => unreachable!("parse() pairs protocols and addresses"),
    };
    let fd = Stack::open(stack)
        .and_then(|s| s.socket(domain, ty | libc::SOCK_CLOEXEC, 0))
        .about(&shown)?;
    if l.proto == Proto::Tcp {
        let one: libc::c_int = 1;
        // SAFETY: an int option of its size.
        cvt(unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_REUSEADDR,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        })
        .about(&shown)?;
    }
    let (ss, len) = sockaddr(&l.address);
    // SAFETY: `ss` holds a sockaddr of `len` bytes.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&ss as *const libc::sockaddr_storage).cast(),
            len,
        )
    })
    .about(&shown)?;
    if ty == libc::SOCK_STREAM {
        // SAFETY: listen takes no pointers.
        cvt(unsafe { libc::listen(fd.as_raw_fd(), libc::SOMAXCONN) }).about(&shown)?;
    }
    Ok(fd)
}

fn family_of(a: &SocketAddr) -> libc::c_int {
    if a.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    }
}

/// `tcp 10.0.0.1:80`, `unix @name`...
fn describe(l: &Listener) -> String {
    let proto = match l.proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Unix => "unix",
        Proto::UnixDgram => "unix-dgram",
    };
    match &l.address {
        Address::Inet(a) => format!("{proto} {a}"),
        Address::Unix(n) if n[0] == 0 => {
            format!("{proto} @{}", String::from_utf8_lossy(&n[1..]))
        }
        Address::Unix(n) => format!("{proto} {}", String::from_utf8_lossy(n)),
    }
}

/// Moves `fds` to 3, 4, ... without `O_CLOEXEC`, whatever numbers they
/// have now (some may already sit where another must go).
fn place(fds: Vec<OwnedFd>) -> io::Result<()> {
    let n = fds.len() as RawFd;
    // First out of the way: above every target.
    let mut high = Vec::with_capacity(fds.len());
    for fd in fds {
        // SAFETY: F_DUPFD_CLOEXEC takes an int and returns a new fd.
        let h = cvt(unsafe {
            libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, LISTEN_FDS_START + n)
        })?;
        // SAFETY: a new fd, ours alone.
        high.push(unsafe { OwnedFd::from_raw_fd(h) });
    }
    for (i, fd) in high.iter().enumerate() {
        let target = LISTEN_FDS_START + i as RawFd;
        // SAFETY: dup2 onto a number this process hands over; the new fd
        // has no O_CLOEXEC. What was there (an inherited fd) is closed.
        cvt(unsafe { libc::dup2(fd.as_raw_fd(), target) })?;
    }
    Ok(())
}

/// Makes the listeners, then replaces this process by `command` with
/// them. Returns only on failure.
pub fn run(listeners: &[Listener], verbose: bool, command: &[OsString]) -> Error {
    match prepare(listeners, verbose, command) {
        Ok(cmd) => crate::exec::replace_process(cmd, &command[0]),
        Err(e) => e,
    }
}

fn prepare(listeners: &[Listener], verbose: bool, command: &[OsString]) -> Result<Command, Error> {
    let mut fds = Vec::with_capacity(listeners.len());
    for l in listeners {
        let stack = names::resolve(&l.stack)?;
        let fd = make(l, &stack)?;
        if verbose {
            note!(
                "mstack: fd {} ({}): {} in {}",
                LISTEN_FDS_START + fds.len() as RawFd,
                l.name,
                describe(l),
                stack.display()
            );
        }
        fds.push(fd);
    }
    place(fds).about("mstack listen: passing the sockets")?;
    let names: Vec<&str> = listeners.iter().map(|l| l.name.as_str()).collect();
    let mut cmd = Command::new(&command[0]);
    cmd.args(&command[1..])
        .env("LISTEN_FDS", listeners.len().to_string())
        .env("LISTEN_PID", std::process::id().to_string())
        .env("LISTEN_FDNAMES", names.join(":"));
    // exec() replaces this process: the pid stays, as LISTEN_PID says.
    if verbose {
        note!(
            "mstack: exec {} with LISTEN_FDS={}",
            command[0].to_string_lossy(),
            listeners.len()
        );
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let l = parse("blue:tcp:10.0.0.1:80").unwrap();
        assert_eq!(l.name, "blue");
        assert_eq!(l.stack, PathBuf::from("blue"));
        assert_eq!(l.proto, Proto::Tcp);
        assert_eq!(l.address, Address::Inet("10.0.0.1:80".parse().unwrap()));
        let l = parse("web=/dev/net/red:udp:[::1]:53").unwrap();
        assert_eq!((l.name.as_str(), l.proto), ("web", Proto::Udp));
        assert_eq!(l.stack, PathBuf::from("/dev/net/red"));
        assert_eq!(l.address, Address::Inet("[::1]:53".parse().unwrap()));
        let l = parse("/dev/net/red:unix:@ctl").unwrap();
        assert_eq!(l.name, "red");
        assert_eq!(l.address, Address::Unix(b"\0ctl".to_vec()));
        let l = parse("red:unix-dgram:/run/x.sock").unwrap();
        assert_eq!(l.address, Address::Unix(b"/run/x.sock".to_vec()));
    }

    #[test]
    fn bad_specs() {
        for spec in [
            "blue",
            "blue:tcp",
            ":tcp:1.2.3.4:5",
            "blue:sctp:1.2.3.4:5",
            "blue:tcp:1.2.3.4",
            "blue:tcp:::1:80",
            "blue:unix:@",
            "blue:unix:",
            "a b=blue:tcp:1.2.3.4:5",
            "=blue:tcp:1.2.3.4:5",
        ] {
            assert!(parse(spec).is_err(), "{spec}");
        }
        assert!(parse(&format!("blue:unix:/{}", "x".repeat(107))).is_err());
    }

    #[test]
    fn unix_lengths() {
        let (_, len) = sockaddr(&Address::Unix(b"\0ctl".to_vec()));
        assert_eq!(len as usize, 2 + 4);
        let (_, len) = sockaddr(&Address::Unix(b"/x".to_vec()));
        assert_eq!(len as usize, 2 + 2 + 1);
    }
}
