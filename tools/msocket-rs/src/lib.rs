//! Sockets in a chosen network stack: the user-space API of msocket.
//!
//! Linux gives a process one network stack, its network namespace. The
//! msocket kernel module names network namespaces in the file system, by
//! *stack files* of a stackfs (`mount -t stackfs none /dev/net`), and makes
//! sockets in any of them for whoever may write the stack file, without
//! `setns(2)` and without privileges. This crate is its Rust API:
//!
//! - [`Stack`]: open a stack file and make sockets there, raw
//!   ([`Stack::socket`]) or as std types ([`Stack::tcp_listener`],
//!   [`Stack::tcp_connect`], [`Stack::udp_bind`]); read its namespace
//!   ([`Stack::netns_fd`], [`Stack::netns_id`]) and probe its families.
//! - Default stacks per address family ([`set_default`], [`socket`],
//!   [`Defaults`]), kept in the environment variable `MSOCKET_DEFAULTS` and
//!   shared with the C library libmsocket, whose `socket()` follows them,
//!   and with `mstack exec` and `vustack`.
//! - [`mkstack`]: make a stack file for a network namespace.
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use msocket::Stack;
//!
//! // A server in the stack "red" and a client in the stack "blue".
//! let server = Stack::open("/dev/net/red")?.tcp_listener("10.0.0.1:7777")?;
//! let mut client = Stack::open("/dev/net/blue")?.tcp_connect("10.0.0.1:7777")?;
//! client.write_all(b"hello")?;
//! let (mut conn, _) = server.accept()?;
//! let mut buf = [0; 5];
//! conn.read_exact(&mut buf)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Errors are [`io::Error`]s carrying the kernel's errno: `ENOENT` for a
//! missing stack file, `EOPNOTSUPP` for a file that is not a stack,
//! `EACCES`, `EAFNOSUPPORT` for a family the stack lacks, `ENOSYS` when the
//! module is not loaded. [`errno::describe`] prints them the way msocket's
//! tools do.

#![warn(missing_docs)]

pub mod defaults;
pub mod errno;
pub mod family;
mod stack;
mod sys;

use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use defaults::Defaults;
pub use stack::Stack;

/// The socket type that sets a default stack instead of making a socket
/// (`SOCK_DEFAULT` of `<linux/msocket.h>`).
pub const SOCK_DEFAULT: i32 = 0;

/// The file type of a stack file in `st_mode`.
pub const S_IFSTACK: u32 = 0o160000;

/// `f_type` of `statfs(2)` on a stackfs.
pub const STACKFS_MAGIC: i64 = 0x6d73_6b74;

/// The msocket device, the entry point of the system call.
pub const DEVICE: &str = "/dev/msocket";

/// Whether `mode` (an `st_mode`) is that of a stack file (`S_ISSTACK`).
///
/// ```
/// assert!(msocket::is_stack(0o160644));
/// assert!(!msocket::is_stack(0o100644));
/// ```
pub fn is_stack(mode: u32) -> bool {
    mode & libc::S_IFMT == S_IFSTACK
}

/// Serializes this process's read-modify-write of the defaults.
static DEFAULTS_LOCK: Mutex<()> = Mutex::new(());

/// Sets the default stack of `domain` (`AF_UNSPEC`: of every family) to
/// the stack file `stack`, or to the native stack for `None`, in this
/// process's environment: later calls of [`socket`], libmsocket's
/// `socket()` in this process, and children started afterwards use it.
/// This is `msocket(path, domain, SOCK_DEFAULT, 0)` of the C library.
///
/// The kernel first checks that the caller may use the stack for `domain`;
/// the path is stored absolute and canonical.
///
/// Errors: those of [`Stack::open`] and [`Stack::check`]; `EINVAL` if
/// `MSOCKET_DEFAULTS` holds a value that does not parse and `domain` is not
/// `AF_UNSPEC`. See [`Defaults::export`] for the caveats of changing the
/// environment in a threaded program.
///
/// ```no_run
/// msocket::set_default(Some("/dev/net/red".as_ref()), libc::AF_INET)?;
/// let fd = msocket::socket(libc::AF_INET, libc::SOCK_STREAM, 0)?; // in red
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn set_default(stack: Option<&Path>, domain: i32) -> io::Result<()> {
    if !(0..family::FAMILIES).contains(&domain) {
        return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
    }
    let canonical = match stack {
        Some(path) => {
            Stack::open(path)?.check(domain)?;
            Some(std::fs::canonicalize(path)?)
        }
        None => None,
    };
    let _guard = DEFAULTS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut defaults = if domain == libc::AF_UNSPEC {
        Defaults::new()
    } else {
        Defaults::from_env().map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?
    };
    defaults.set(domain, canonical.as_deref())?;
    defaults.export();
    Ok(())
}

/// The default stack of `domain` in this process's environment; `None`
/// for the native stack.
///
/// Errors: `EINVAL` if `MSOCKET_DEFAULTS` does not parse.
pub fn default_stack(domain: i32) -> io::Result<Option<PathBuf>> {
    let defaults = Defaults::from_env().map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    Ok(defaults.stack(domain).map(Path::to_path_buf))
}

/// A socket of the default stack of `domain`: `msocket(NULL, domain, ty,
/// protocol)` of the C library, or `socket(2)` in a program linked with
/// libmsocket.
pub fn socket(domain: i32, ty: i32, protocol: i32) -> io::Result<OwnedFd> {
    Stack::default_for(domain)?.socket(domain, ty, protocol)
}

/// Creates the stack file `path` (in a directory of a stackfs) for the
/// network namespace of the nsfs descriptor `netns` (an open
/// `/proc/PID/ns/net`, `/run/netns/NAME`, or [`Stack::netns_fd`]), with
/// permission bits `mode` less the umask.
///
/// Errors: `EPERM` without `CAP_NET_ADMIN` over the namespace, `EEXIST`,
/// `ENOENT`, `EACCES` on the directory, `EOPNOTSUPP` outside a stackfs,
/// `EINVAL` if `netns` is not a network namespace.
///
/// ```no_run
/// let ns = std::fs::File::open("/proc/1/ns/net")?;
/// msocket::mkstack("/dev/net/init", &ns, 0o600)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn mkstack<P: AsRef<Path>>(path: P, netns: impl AsFd, mode: u32) -> io::Result<()> {
    let path = stack::c_path(path.as_ref())?;
    sys::mkstack(libc::AT_FDCWD, &path, netns.as_fd().as_raw_fd(), mode)
}

/// The id of the network namespace a socket belongs to (`SIOCGSKNS`),
/// comparable with [`Stack::netns_id`]. Needs `CAP_NET_ADMIN` over that
/// namespace.
pub fn socket_netns_id(socket: impl AsFd) -> io::Result<u64> {
    // SAFETY: SIOCGSKNS takes no argument.
    let ns = unsafe {
        sys::ioctl(
            socket.as_fd().as_raw_fd(),
            sys::SIOCGSKNS,
            std::ptr::null_mut(),
        )?
    };
    // SAFETY: SIOCGSKNS returned a new nsfs fd for the caller.
    let ns = unsafe { OwnedFd::from_raw_fd(ns) };
    stack::nsfs_id(ns.as_fd())
}

/// The kernel ABI values this crate uses, for its ABI test against the C
/// header; not part of the API.
#[doc(hidden)]
pub mod abi {
    /// `(C name, value)` pairs.
    pub fn values() -> Vec<(&'static str, u64)> {
        crate::sys::values()
    }
}
