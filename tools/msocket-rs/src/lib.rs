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
//!   ([`Stack::netns_fd`], [`Stack::netns_id`]: the 64-bit namespace id of
//!   `NS_GET_ID` and listns(2)) and probe its families.
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
#[cfg(feature = "tokio")]
mod tokio_io;

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
/// `AF_UNSPEC`.
///
/// # Safety
///
/// This changes the process's environment ([`std::env::set_var`]): no
/// other thread may read or write the environment at the same time
/// through C (`getenv(3)`, `setenv(3)`, libmsocket's `socket()`, the
/// resolver...), which Rust's own lock does not cover. Call it before
/// starting threads, or in a single-threaded program.
///
/// ```no_run
/// // SAFETY: single-threaded here.
/// unsafe { msocket::set_default(Some("/dev/net/red".as_ref()), libc::AF_INET)? };
/// let fd = msocket::socket(libc::AF_INET, libc::SOCK_STREAM, 0)?; // in red
/// # Ok::<(), std::io::Error>(())
/// ```
pub unsafe fn set_default(stack: Option<&Path>, domain: i32) -> io::Result<()> {
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
    // SAFETY: the caller's promise.
    unsafe { defaults.export() };
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

/// The default stacks' files, kept open as libmsocket keeps them: for the
/// value of [`defaults::ENV`] last seen, its parse and the stacks opened.
struct Kept {
    value: Option<std::ffi::OsString>,
    defaults: Result<Defaults, defaults::ParseError>,
    stacks: std::collections::HashMap<PathBuf, std::sync::Arc<KeptStack>>,
}

/// A kept stack file, open for writing, and its `st_dev`/`st_ino` when it
/// was opened.
struct KeptStack {
    fd: OwnedFd,
    dev: u64,
    ino: u64,
}

static KEPT: Mutex<Option<Kept>> = Mutex::new(None);

/// The default of `domain` now: `None` for the native stack, else its
/// path and the kept fd of it (opened on first use), if it could be opened.
fn default_kept(domain: i32) -> io::Result<Option<(PathBuf, Option<std::sync::Arc<KeptStack>>)>> {
    let value = std::env::var_os(defaults::ENV);
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if kept.as_ref().map_or(true, |k| k.value != value) {
        // A new value: its parse, and no kept stacks (dropped here).
        let defaults = match &value {
            Some(v) => Defaults::parse_bytes(std::os::unix::ffi::OsStrExt::as_bytes(v.as_os_str())),
            None => Ok(Defaults::new()),
        };
        *kept = Some(Kept {
            value,
            defaults,
            stacks: Default::default(),
        });
    }
    let k = kept.as_mut().expect("set above");
    let defaults = k
        .defaults
        .as_ref()
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let Some(path) = defaults.stack(domain).map(Path::to_path_buf) else {
        return Ok(None);
    };
    if let Some(s) = k.stacks.get(&path) {
        return Ok(Some((path, Some(s.clone()))));
    }
    // The errors of the open are those the kernel would give by path.
    // Stack::open checks that the file is a stack file (O_PATH) before it
    // opens it for writing, through that fd: the open for writing is the
    // permission check (the w bit, every LSM's), and one that fails
    // (EACCES, EROFS) leaves the call to be made by path, which gives the
    // kernel's error.
    let opened = Stack::open(&path)?.into_writable_fd().and_then(|fd| {
        let (dev, ino) = stack::dev_ino(fd.as_fd()).ok()?;
        Some(std::sync::Arc::new(KeptStack { fd, dev, ino }))
    });
    if let Some(s) = &opened {
        k.stacks.insert(path.clone(), s.clone());
    }
    Ok(Some((path, opened)))
}

/// Forgets the kept fd of `path` if it is still `stale`.
fn forget_kept(path: &Path, stale: &std::sync::Arc<KeptStack>) {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = kept.as_mut() {
        if k.stacks
            .get(path)
            .is_some_and(|s| std::sync::Arc::ptr_eq(s, stale))
        {
            k.stacks.remove(path);
        }
    }
}

/// A socket of the default stack of `domain`: `msocket(NULL, domain, ty,
/// protocol)` of the C library, or `socket(2)` in a program linked with
/// libmsocket. Close-on-exec, as [`Stack::socket`].
///
/// As libmsocket does, the default's stack file is opened for writing once,
/// at its first use, and sockets are made with that fd
/// (`STACKFS_IOC_SOCKET` with `STACKFS_SOCKET_EXPECT` and the file's tag,
/// or `MSOCKET_IOC_SOCKET` with `MSOCKET_EXPECT_STACK` for arguments that
/// do not fit): if the file was since unlinked or replaced, the kernel says
/// so (`ESTALE`), the call is made by path and the file opened again next
/// time. A change of [`defaults::ENV`] lets the kept files go.
pub fn socket(domain: i32, ty: i32, protocol: i32) -> io::Result<OwnedFd> {
    if ty == SOCK_DEFAULT {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let ty = ty | libc::SOCK_CLOEXEC;
    match default_kept(domain)? {
        None => Stack::native().socket(domain, ty, protocol),
        Some((path, Some(kept))) => {
            match sys::msocket_kept(kept.fd.as_fd(), kept.dev, kept.ino, domain, ty, protocol) {
                Err(e) if e.raw_os_error() == Some(libc::ESTALE) => {
                    forget_kept(&path, &kept);
                    let c = stack::c_path(&path)?;
                    sys::msocket(libc::AT_FDCWD, Some(&c), 0, domain, ty, protocol)?
                        .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
                }
                other => other,
            }
        }
        Some((path, None)) => {
            let c = stack::c_path(&path)?;
            sys::msocket(libc::AT_FDCWD, Some(&c), 0, domain, ty, protocol)?
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
        }
    }
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

/// The id of the network namespace a socket belongs to: `NS_GET_ID` on
/// the nsfs fd `SIOCGSKNS` gives, the 64-bit namespace id, comparable with
/// [`Stack::netns_id`] (not the nsfs inode number of `net:[N]`). Needs
/// `CAP_NET_ADMIN` over that namespace; `ENOTTY` on kernels without
/// namespace ids (before Linux 6.18).
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
