//! [`Stack`]: a network stack to make sockets in.

use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::{family, is_stack, sys, Defaults, SOCK_DEFAULT};

/// A network stack: a stack file of a stackfs, or the native stack (the
/// network namespace of the calling thread).
///
/// A stack opened from a file holds a descriptor of it, so it keeps naming
/// the same stack if the file is renamed or its directory changes. Using a
/// stack is opening its stack file for writing. [`Stack::open`] opens it
/// for writing once, when the caller may (the `w` bit, every LSM): the
/// descriptor is then a capability, as any file open for writing is, and
/// a later `chmod` does not take it back; sockets are made with it, by
/// `STACKFS_IOC_SOCKET` (no copy of an argument struct). When the caller
/// may not (`EACCES`, `EPERM`, `EROFS`), the stack holds an `O_PATH`
/// descriptor, through which the kernel opens the file for writing for
/// every socket, so each is checked, and refused, when it is made. Write
/// permission on the stack file allows sockets, read permission
/// [`Stack::netns_fd`] and [`Stack::netns_id`].
///
/// A stack made [from](Stack::from) a descriptor open for writing on the
/// stack file (`O_WRONLY` or `O_RDWR`, perhaps received from a process
/// that may open it) makes its sockets with that descriptor, which is the
/// permission: the kernel checked it when the file was opened.
///
/// ```no_run
/// use msocket::Stack;
///
/// let red = Stack::open("/dev/net/red")?;
/// let server = red.tcp_listener("0.0.0.0:8080")?;
/// let (conn, peer) = server.accept()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Stack {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Native,
    /// A stack file's fd (`O_PATH`, readable or writable); its path if it
    /// was opened by path; whether the fd is open for writing (then its
    /// sockets are made by `STACKFS_IOC_SOCKET` on it).
    File {
        fd: OwnedFd,
        path: Option<PathBuf>,
        writable: bool,
    },
}

/// `path` as a C string; `EINVAL` if it holds a NUL byte.
pub(crate) fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is a writable struct stat.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstat succeeded, so it filled `st`.
    Ok(unsafe { st.assume_init() })
}

/// The 64-bit id of the namespace of the nsfs fd `fd` (`NS_GET_ID`): the
/// id `STACKFS_IOC_NETNS_ID` gives and listns(2) lists, not the nsfs inode
/// number (the `N` of `net:[N]`). `ENOTTY` on kernels without namespace
/// ids (before Linux 6.18).
pub(crate) fn nsfs_id(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes a u64 to its argument.
    unsafe { sys::ioctl(fd.as_raw_fd(), sys::NS_GET_ID, (&mut id as *mut u64).cast())? };
    Ok(id)
}

/// Whether the open file `fd` is open for writing.
fn open_for_writing(fd: RawFd) -> bool {
    // SAFETY: F_GETFL takes no argument.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags >= 0
        && flags & libc::O_PATH == 0
        && matches!(flags & libc::O_ACCMODE, libc::O_WRONLY | libc::O_RDWR)
}

/// `O_EMPTYPATH` (Linux 7.x): `openat(fd, "", flags | O_EMPTYPATH)` opens
/// the file `fd` is open on (an `O_PATH` fd too) again, as
/// `/proc/self/fd/N` does. Older kernels ignore the flag, and the empty
/// path is `ENOENT`.
const O_EMPTYPATH: i32 = 0o400000000;

/// The file `fd` is open on (a stack file, checked by fstat), opened for
/// writing (`O_CLOEXEC`): by `O_EMPTYPATH`, else through `/proc/self/fd`.
/// Never by path: the file there may be another one by now.
pub(crate) fn reopen_for_writing(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    let flags = libc::O_WRONLY | libc::O_CLOEXEC;
    // SAFETY: a NUL-terminated (empty) path; openat has no other
    // preconditions.
    let ret = unsafe { libc::openat(fd.as_raw_fd(), c"".as_ptr(), flags | O_EMPTYPATH) };
    if ret >= 0 {
        // SAFETY: openat returned a new fd that nothing else owns.
        return Ok(unsafe { OwnedFd::from_raw_fd(ret) });
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::ENOENT) {
        return Err(err);
    }
    let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    sys::open(&c_path(Path::new(&proc_path))?, flags)
}

/// Whether an error of [`reopen_for_writing`] leaves the stack with its
/// `O_PATH` fd, each call then checked (and refused) by the kernel: the
/// caller may not open the file for writing (`EACCES`: no `w` or an LSM;
/// `EPERM`; `EROFS`: a read-only mount), or there is no way to reopen it
/// (`ENOENT`: no `O_EMPTYPATH` and no `/proc`).
pub(crate) fn keeps_path_fd(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EACCES | libc::EPERM | libc::EROFS | libc::ENOENT)
    )
}

/// How a stack makes a socket.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `STACKFS_IOC_SOCKET` on the fd open for writing, with this argument.
    Packed(libc::c_ulong),
    /// `MSOCKET_IOC_SOCKET` with the fd (`AT_EMPTY_PATH`): an `O_PATH` or
    /// read-only fd, or arguments the packed one cannot carry.
    ByFd,
}

/// The route of a socket of a stack whose fd is (or is not) `writable`.
pub(crate) fn route(writable: bool, domain: i32, ty: i32, protocol: i32) -> Route {
    match sys::stack_arg(domain, ty, protocol) {
        Some(arg) if writable => Route::Packed(arg),
        _ => Route::ByFd,
    }
}

/// The `st_dev` and `st_ino` of the file `fd` is open on.
pub(crate) fn dev_ino(fd: BorrowedFd<'_>) -> io::Result<(u64, u64)> {
    let st = fstat(fd.as_raw_fd())?;
    Ok((st.st_dev, st.st_ino))
}

/// `sockaddr_storage` and length for `addr`.
fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            let sin = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above.
            let sin6 = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr.s6_addr = a.ip().octets();
            sin6.sin6_scope_id = a.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

fn cvt(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

pub(crate) fn bind(fd: &OwnedFd, addr: &SocketAddr) -> io::Result<()> {
    let (ss, len) = sockaddr(addr);
    // SAFETY: a sockaddr of `len` bytes.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&ss as *const libc::sockaddr_storage).cast(),
            len,
        )
    })
}

fn connect(fd: &OwnedFd, addr: &SocketAddr) -> io::Result<()> {
    let (ss, len) = sockaddr(addr);
    loop {
        // SAFETY: a sockaddr of `len` bytes.
        let ret = unsafe {
            libc::connect(
                fd.as_raw_fd(),
                (&ss as *const libc::sockaddr_storage).cast(),
                len,
            )
        };
        match cvt(ret) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Waits until the non-blocking connect of `fd` ends, `timeout` at most:
/// its result (`SO_ERROR`), or `TimedOut`.
fn wait_connected(fd: &OwnedFd, timeout: std::time::Duration) -> io::Result<()> {
    let end = std::time::Instant::now() + timeout;
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
        }
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLOUT,
            revents: 0,
        };
        let ms = left.as_millis().clamp(1, libc::c_int::MAX as u128) as libc::c_int;
        // SAFETY: one pollfd, valid for the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            continue;
        }
        let mut err: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: an int option of its size.
        cvt(unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut err as *mut libc::c_int).cast(),
                &mut len,
            )
        })?;
        return if err == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(err))
        };
    }
}

/// Runs `f` on each address of `addr` until one succeeds.
pub(crate) fn each_addr<T>(
    addr: impl ToSocketAddrs,
    mut f: impl FnMut(&SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match f(&a) {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any addresses",
        )
    }))
}

impl Stack {
    /// Opens the stack file `path`: `O_PATH` first, and once fstat shows a
    /// stack file (a FIFO or a device is never opened for writing), for
    /// writing through that descriptor. If the open for writing is refused
    /// (`EACCES`: no `w`, or an LSM; `EPERM`; `EROFS`: a read-only mount)
    /// the stack keeps the `O_PATH` descriptor, and each socket gets the
    /// kernel's answer when it is made.
    ///
    /// A stack opened for writing holds a capability: the permission was
    /// checked at this open, and a later `chmod` of the file does not take
    /// it back (as for any file open for writing). Drop the `Stack` to give
    /// it up.
    ///
    /// Errors: those of `open(2)` (`ENOENT`, `EACCES` on a directory...),
    /// and `EOPNOTSUPP` if `path` is not a stack file.
    pub fn open<P: AsRef<Path>>(path: P) -> io::Result<Stack> {
        let path = path.as_ref();
        let fd = sys::open(&c_path(path)?, libc::O_PATH)?;
        if !is_stack(fstat(fd.as_raw_fd())?.st_mode) {
            return Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP));
        }
        let (fd, writable) = match reopen_for_writing(fd.as_fd()) {
            Ok(wr) => (wr, true),
            Err(e) if keeps_path_fd(&e) => (fd, false),
            Err(e) => return Err(e),
        };
        Ok(Stack {
            inner: Inner::File {
                fd,
                path: Some(path.to_path_buf()),
                writable,
            },
        })
    }

    /// The stack's descriptor if it is open for writing (the one a default
    /// stack keeps); `None` for the native stack and an `O_PATH` or
    /// read-only one.
    pub(crate) fn into_writable_fd(self) -> Option<OwnedFd> {
        match self.inner {
            Inner::File {
                fd, writable: true, ..
            } => Some(fd),
            _ => None,
        }
    }

    /// A second handle on the same stack: the stack file's fd duplicated
    /// (`F_DUPFD_CLOEXEC`).
    pub fn try_clone(&self) -> io::Result<Stack> {
        Ok(Stack {
            inner: match &self.inner {
                Inner::Native => Inner::Native,
                Inner::File { fd, path, writable } => Inner::File {
                    fd: fd.try_clone()?,
                    path: path.clone(),
                    writable: *writable,
                },
            },
        })
    }

    /// The stack file's fd (open for writing if [`Stack::open`] could
    /// open it so, else `O_PATH`); `None` for the native stack, which has
    /// none.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        match &self.inner {
            Inner::Native => None,
            Inner::File { fd, .. } => Some(fd.as_fd()),
        }
    }

    /// The native stack: sockets of the calling thread's own network
    /// namespace, as `socket(2)` makes them.
    pub fn native() -> Stack {
        Stack {
            inner: Inner::Native,
        }
    }

    /// The default stack of `domain`, from [`crate::defaults::ENV`]: the
    /// stack `socket(2)` uses in a program linked with libmsocket.
    ///
    /// Errors: `EINVAL` if the variable does not parse, and those of
    /// [`Stack::open`].
    pub fn default_for(domain: i32) -> io::Result<Stack> {
        let defaults =
            Defaults::from_env().map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        match defaults.stack(domain) {
            Some(path) => Stack::open(path),
            None => Ok(Stack::native()),
        }
    }

    /// The path the stack was opened with; `None` for the native stack
    /// and for a stack made from an fd.
    pub fn path(&self) -> Option<&Path> {
        match &self.inner {
            Inner::Native => None,
            Inner::File { path, .. } => path.as_deref(),
        }
    }

    /// Whether this is the native stack.
    pub fn is_native(&self) -> bool {
        matches!(self.inner, Inner::Native)
    }

    /// The msocket system call on this stack: `STACKFS_IOC_SOCKET` on an
    /// fd open for writing when the arguments fit it, else
    /// `MSOCKET_IOC_SOCKET` with the fd (which the kernel opens for
    /// writing for the call if it is `O_PATH` or read-only). Under
    /// seccomp, an `EPERM` of the first is retried by the second, which
    /// takes a template socket.
    fn msocket(&self, domain: i32, ty: i32, protocol: i32) -> io::Result<Option<OwnedFd>> {
        let (fd, writable) = match &self.inner {
            Inner::Native => {
                return sys::msocket(libc::AT_FDCWD, None, 0, domain, ty, protocol);
            }
            Inner::File { fd, writable, .. } => (fd, *writable),
        };
        let by_fd = || {
            sys::msocket(
                fd.as_raw_fd(),
                None,
                libc::AT_EMPTY_PATH as u32,
                domain,
                ty,
                protocol,
            )
        };
        match route(writable, domain, ty, protocol) {
            Route::Packed(arg) => match sys::stack_socket(fd.as_fd(), arg, ty) {
                Err(e) if e.raw_os_error() == Some(libc::EPERM) && sys::under_seccomp() => by_fd(),
                other => other,
            },
            Route::ByFd => by_fd(),
        }
    }

    /// A new socket of this stack: `socket(domain, ty, protocol)` there.
    /// The socket is close-on-exec (`SOCK_CLOEXEC` is added, as std and
    /// socket2 do; clear `FD_CLOEXEC` with `fcntl` for a socket a child
    /// should inherit); `ty` may include `SOCK_NONBLOCK`. The native
    /// stack's socket is the raw system call, never an interposed
    /// `socket()` (a preloaded libmsocket's follows the default stacks).
    ///
    /// Errors: those of `socket(2)`, `EACCES` without write permission on
    /// the stack file, `ENOSYS` if the msocket module is not loaded.
    ///
    /// ```no_run
    /// let stack = msocket::Stack::open("/dev/net/red")?;
    /// let fd = stack.socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn socket(&self, domain: i32, ty: i32, protocol: i32) -> io::Result<OwnedFd> {
        if ty == SOCK_DEFAULT {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let ty = ty | libc::SOCK_CLOEXEC;
        if self.is_native() {
            return sys::socket_raw(domain, ty, protocol);
        }
        self.msocket(domain, ty, protocol)?
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
    }

    /// Checks, as `SOCK_DEFAULT` does, that the caller may make sockets of
    /// `domain` (`AF_UNSPEC`: of any family) in this stack.
    ///
    /// Errors: `EACCES`, `EAFNOSUPPORT` for a family the stack lacks.
    pub fn check(&self, domain: i32) -> io::Result<()> {
        self.msocket(domain, SOCK_DEFAULT, 0).map(drop)
    }

    /// Whether the stack supports `domain`, probed as `vustack -s` does:
    /// a socket of type -1 fails with `EINVAL` for a family the stack has,
    /// `EAFNOSUPPORT` for one it lacks.
    pub fn supports(&self, domain: i32) -> io::Result<bool> {
        match self.msocket(domain, -1, 0) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) => Ok(false),
            Err(e) => Err(e),
            Ok(_) => Ok(true),
        }
    }

    /// Every family below [`family::FAMILIES`] the stack supports, in order.
    pub fn families(&self) -> io::Result<Vec<i32>> {
        let mut out = Vec::new();
        for f in 1..family::FAMILIES {
            if self.supports(f)? {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// Opens the stack file again with `flags`: through `/proc/self/fd`
    /// (the same file, wherever it is now), else by path.
    fn open_again(fd: &OwnedFd, path: Option<&Path>, flags: i32) -> io::Result<OwnedFd> {
        let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
        match (sys::open(&c_path(Path::new(&proc_path))?, flags), path) {
            (Err(e), Some(path)) if e.raw_os_error() == Some(libc::ENOENT) => {
                sys::open(&c_path(path)?, flags)
            }
            (other, _) => other,
        }
    }

    /// Opens the stack file for reading, which the namespace ioctls need.
    fn open_for_reading(fd: &OwnedFd, path: Option<&Path>) -> io::Result<OwnedFd> {
        Stack::open_again(fd, path, libc::O_RDONLY)
    }

    /// An nsfs descriptor of the stack's network namespace, for `setns(2)`
    /// or iproute2; the native stack's is the calling thread's namespace.
    ///
    /// Errors: `EACCES` without read permission on the stack file.
    pub fn netns_fd(&self) -> io::Result<OwnedFd> {
        match &self.inner {
            Inner::Native => sys::open(c"/proc/thread-self/ns/net", libc::O_RDONLY),
            Inner::File { fd, path, .. } => {
                let file = Stack::open_for_reading(fd, path.as_deref())?;
                // SAFETY: STACKFS_IOC_NETNS_FD takes no argument.
                let ns = unsafe {
                    sys::ioctl(
                        file.as_raw_fd(),
                        sys::STACKFS_IOC_NETNS_FD,
                        std::ptr::null_mut(),
                    )?
                };
                // SAFETY: the ioctl returned a new fd for the caller.
                Ok(unsafe { OwnedFd::from_raw_fd(ns) })
            }
        }
    }

    /// The id of the stack's network namespace: its 64-bit namespace id,
    /// the one `NS_GET_ID` (`linux/nsfs.h`) gives for its nsfs files and
    /// listns(2) lists, never reused while the system runs; comparable with
    /// [`crate::socket_netns_id`]. It is not the nsfs inode number (the `N`
    /// of `net:[N]` in `/proc/PID/ns/net` and `lsns`), which is reused once
    /// the namespace is gone.
    ///
    /// Errors: `EACCES` without read permission on the stack file; for the
    /// native stack, `ENOTTY` on kernels without namespace ids (before
    /// Linux 6.18).
    pub fn netns_id(&self) -> io::Result<u64> {
        match &self.inner {
            Inner::Native => {
                let ns = self.netns_fd()?;
                nsfs_id(std::os::fd::AsFd::as_fd(&ns))
            }
            Inner::File { fd, path, .. } => {
                let file = Stack::open_for_reading(fd, path.as_deref())?;
                let mut id = 0u64;
                // SAFETY: STACKFS_IOC_NETNS_ID writes a u64 to its argument.
                unsafe {
                    sys::ioctl(
                        file.as_raw_fd(),
                        sys::STACKFS_IOC_NETNS_ID,
                        (&mut id as *mut u64).cast(),
                    )?
                };
                Ok(id)
            }
        }
    }

    /// A socket of this stack for `addr`'s family.
    fn socket_for(&self, addr: &SocketAddr, ty: i32) -> io::Result<OwnedFd> {
        let domain = if addr.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        self.socket(domain, ty, 0)
    }

    /// A socket2 socket of this stack (feature `socket2`): as
    /// [`Stack::socket`], close-on-exec.
    ///
    /// ```no_run
    /// use socket2::{Domain, Type};
    /// let s = msocket::Stack::open("/dev/net/red")?.socket2(Domain::IPV4, Type::STREAM, None)?;
    /// s.set_reuse_address(true)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "socket2")]
    pub fn socket2(
        &self,
        domain: socket2::Domain,
        ty: socket2::Type,
        protocol: Option<socket2::Protocol>,
    ) -> io::Result<socket2::Socket> {
        let fd = self.socket(domain.into(), ty.into(), protocol.map_or(0, Into::into))?;
        Ok(socket2::Socket::from(fd))
    }

    /// A TCP listener of this stack bound to `addr`, like
    /// [`TcpListener::bind`] (with `SO_REUSEADDR`, backlog 128). Host names
    /// are resolved in the native stack.
    ///
    /// ```no_run
    /// let listener = msocket::Stack::open("/dev/net/red")?.tcp_listener("10.0.0.1:80")?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tcp_listener(&self, addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |a| {
            let s = self.socket_for(a, libc::SOCK_STREAM)?;
            let one: libc::c_int = 1;
            // SAFETY: an int option of its size.
            cvt(unsafe {
                libc::setsockopt(
                    s.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_REUSEADDR,
                    (&one as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            })?;
            bind(&s, a)?;
            // SAFETY: listen takes no pointers.
            cvt(unsafe { libc::listen(s.as_raw_fd(), 128) })?;
            Ok(TcpListener::from(s))
        })
    }

    /// A TCP connection from this stack to `addr`, like
    /// [`TcpStream::connect`].
    ///
    /// ```no_run
    /// use std::io::Write;
    /// let mut conn = msocket::Stack::open("/dev/net/blue")?.tcp_connect("10.0.0.1:80")?;
    /// conn.write_all(b"hello")?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tcp_connect(&self, addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        each_addr(addr, |a| {
            let s = self.socket_for(a, libc::SOCK_STREAM)?;
            connect(&s, a)?;
            Ok(TcpStream::from(s))
        })
    }

    /// A TCP connection from this stack to `addr` within `timeout` for
    /// each address, like [`TcpStream::connect_timeout`] (which takes one
    /// address); each address of `addr` is tried in turn. The stream is
    /// blocking, as `tcp_connect`'s.
    ///
    /// Errors: `TimedOut` (`ETIMEDOUT`) when an address did not answer in
    /// time; `InvalidInput` for a zero timeout; the connect's errno.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let blue = msocket::Stack::open("/dev/net/blue")?;
    /// let conn = blue.tcp_connect_timeout("10.0.0.1:80", Duration::from_secs(3))?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tcp_connect_timeout(
        &self,
        addr: impl ToSocketAddrs,
        timeout: std::time::Duration,
    ) -> io::Result<TcpStream> {
        if timeout.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cannot connect with a zero timeout",
            ));
        }
        each_addr(addr, |a| {
            let s = self.socket_for(a, libc::SOCK_STREAM | libc::SOCK_NONBLOCK)?;
            match connect(&s, a) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                    wait_connected(&s, timeout)?
                }
                Err(e) => return Err(e),
            }
            let stream = TcpStream::from(s);
            stream.set_nonblocking(false)?;
            Ok(stream)
        })
    }

    /// A UDP socket of this stack bound to `addr`, like
    /// [`UdpSocket::bind`].
    ///
    /// ```no_run
    /// let udp = msocket::Stack::open("/dev/net/red")?.udp_bind("0.0.0.0:5353")?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn udp_bind(&self, addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |a| {
            let s = self.socket_for(a, libc::SOCK_DGRAM)?;
            bind(&s, a)?;
            Ok(UdpSocket::from(s))
        })
    }
}

/// The stack file's fd, for `msocketat`-style calls and `fstat`.
///
/// # Panics
///
/// On the native stack, which has no stack file: use [`Stack::fd`] where
/// a stack may be native.
impl AsFd for Stack {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
            .expect("the native stack has no stack file to borrow an fd of")
    }
}

/// A stack of an fd opened on a stack file (even `O_PATH`), such as one
/// received over a unix socket. It is not checked here: a call on an fd
/// that is not a stack file fails with `EOPNOTSUPP`. An fd open for writing
/// (`O_WRONLY`, `O_RDWR`) is the permission to use the stack: sockets are
/// made with it as it is (`STACKFS_IOC_SOCKET`), whoever opened it.
impl From<OwnedFd> for Stack {
    fn from(fd: OwnedFd) -> Stack {
        let writable = open_for_writing(fd.as_raw_fd());
        Stack {
            inner: Inner::File {
                fd,
                path: None,
                writable,
            },
        }
    }
}

/// The stack file's fd; the native stack has none.
impl TryFrom<Stack> for OwnedFd {
    type Error = Stack;

    fn try_from(stack: Stack) -> Result<OwnedFd, Stack> {
        match stack.inner {
            Inner::File { fd, .. } => Ok(fd),
            Inner::Native => Err(stack),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_packs_what_fits_on_a_writable_fd() {
        let tcp = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
        assert_eq!(
            route(true, libc::AF_INET, tcp, 0),
            Route::Packed(0x2102_0000)
        );
        assert_eq!(
            route(
                true,
                libc::AF_INET6,
                libc::SOCK_DGRAM | libc::SOCK_NONBLOCK,
                17
            ),
            Route::Packed(0x120a_0011)
        );
        // SOCK_DEFAULT (check) fits too.
        assert_eq!(route(true, libc::AF_UNSPEC, 0, 0), Route::Packed(0));
        // An O_PATH (or read-only) fd: the kernel opens the file per call.
        assert_eq!(route(false, libc::AF_INET, tcp, 0), Route::ByFd);
        // What the packed argument cannot carry goes by MSOCKET_IOC_SOCKET.
        assert_eq!(route(true, libc::AF_INET, tcp, 0x10000), Route::ByFd);
        assert_eq!(route(true, 0x100, tcp, 0), Route::ByFd);
        assert_eq!(route(true, libc::AF_INET, -1, 0), Route::ByFd);
        assert_eq!(route(true, libc::AF_INET, tcp | 0x40000, 0), Route::ByFd);
        assert_eq!(route(true, libc::AF_INET, 16, 0), Route::ByFd);
    }

    #[test]
    fn which_refusals_keep_the_path_fd() {
        for e in [libc::EACCES, libc::EPERM, libc::EROFS, libc::ENOENT] {
            assert!(keeps_path_fd(&io::Error::from_raw_os_error(e)), "{e}");
        }
        for e in [
            libc::EMFILE,
            libc::ENFILE,
            libc::ENOMEM,
            libc::EINVAL,
            libc::ENXIO,
        ] {
            assert!(!keeps_path_fd(&io::Error::from_raw_os_error(e)), "{e}");
        }
    }

    #[test]
    fn reopen_for_writing_reopens_the_same_file() {
        let dir = std::env::temp_dir().join(format!("msocket-rs-reopen.{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"").unwrap();
        let path_fd = sys::open(&c_path(&file).unwrap(), libc::O_PATH).unwrap();
        // Renamed: the fd, not the path, is reopened.
        let moved = dir.join("g");
        std::fs::rename(&file, &moved).unwrap();
        let wr = reopen_for_writing(path_fd.as_fd()).unwrap();
        assert!(open_for_writing(wr.as_raw_fd()));
        assert!(!open_for_writing(path_fd.as_raw_fd()));
        // SAFETY: F_GETFD takes no argument.
        let fdfl = unsafe { libc::fcntl(wr.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(fdfl & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        assert_eq!(
            dev_ino(wr.as_fd()).unwrap(),
            dev_ino(path_fd.as_fd()).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
