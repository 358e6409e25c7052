//! Tests that need the msocket module and root: run in the test VM by
//! `selftests/msocket_rs.sh` (`--ignored`), skipped (ignored) elsewhere.

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// [`msocket::set_default`]: the tests that change the environment take
/// turns (the `ENV` lock) and no C code reads it meanwhile.
fn set_default(stack: Option<&Path>, domain: i32) -> std::io::Result<()> {
    // SAFETY: see above.
    unsafe { msocket::set_default(stack, domain) }
}

use msocket::Stack;

/// Tests that change the environment take turns.
static ENV: Mutex<()> = Mutex::new(());

fn errno(err: std::io::Error) -> i32 {
    err.raw_os_error().expect("an OS error")
}

fn check(ret: libc::c_int) -> std::io::Result<libc::c_int> {
    if ret < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A new network namespace with loopback up, made in a thread of its own
/// so that the test never enters it.
fn new_netns() -> OwnedFd {
    std::thread::spawn(|| {
        // SAFETY: plain system calls on this thread only.
        unsafe {
            check(libc::unshare(libc::CLONE_NEWNET)).unwrap();
            let sock = check(libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0)).unwrap();
            let mut ifr: libc::ifreq = std::mem::zeroed();
            ifr.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
            check(libc::ioctl(sock, libc::SIOCGIFFLAGS, &mut ifr)).unwrap();
            ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            check(libc::ioctl(sock, libc::SIOCSIFFLAGS, &ifr)).unwrap();
            libc::close(sock);
            let fd = check(libc::open(
                c"/proc/thread-self/ns/net".as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC,
            ))
            .unwrap();
            OwnedFd::from_raw_fd(fd)
        }
    })
    .join()
    .unwrap()
}

/// The 64-bit id of the namespace of an nsfs fd: `NS_GET_ID`
/// (`linux/nsfs.h`, `_IOR(0xb7, 13, __u64)`), what `STACKFS_IOC_NETNS_ID`
/// gives; not the nsfs inode number.
fn ns_id(fd: impl AsFd) -> u64 {
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes a u64 to its argument.
    let ret = unsafe {
        libc::ioctl(
            fd.as_fd().as_raw_fd(),
            0x8008_b70d as libc::Ioctl,
            &mut id as *mut u64,
        )
    };
    assert_eq!(ret, 0, "NS_GET_ID: {}", std::io::Error::last_os_error());
    id
}

/// A stackfs mounted on a new directory, with stacks "red" and "blue".
struct Fixture {
    dir: PathBuf,
    red: PathBuf,
    blue: PathBuf,
    red_id: u64,
    blue_id: u64,
}

impl Fixture {
    fn new() -> Fixture {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = PathBuf::from(format!("/tmp/msocket-rs.{}.{n}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        let c = CString::new(dir.as_os_str().as_bytes()).unwrap();
        // SAFETY: NUL-terminated strings; no data argument.
        check(unsafe {
            libc::mount(
                c"none".as_ptr(),
                c.as_ptr(),
                c"stackfs".as_ptr(),
                0,
                std::ptr::null(),
            )
        })
        .unwrap();
        let (red, blue) = (dir.join("red"), dir.join("blue"));
        let (red_ns, blue_ns) = (new_netns(), new_netns());
        msocket::mkstack(&red, &red_ns, 0o666).unwrap();
        msocket::mkstack(&blue, &blue_ns, 0o666).unwrap();
        Fixture {
            dir,
            red,
            blue,
            red_id: ns_id(&red_ns),
            blue_id: ns_id(&blue_ns),
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let c = CString::new(self.dir.as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn open_and_make_sockets() {
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    assert_eq!(red.path(), Some(f.red.as_path()));
    assert!(!red.is_native());
    assert_eq!(red.netns_id().unwrap(), f.red_id);
    assert_eq!(ns_id(red.netns_fd().unwrap()), f.red_id);
    let fd = red.socket(libc::AF_INET6, libc::SOCK_STREAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    let fd = Stack::open(&f.blue)
        .unwrap()
        .socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)
        .unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.blue_id);
    let native = Stack::native()
        .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
        .unwrap();
    assert_ne!(msocket::socket_netns_id(&native).unwrap(), f.red_id);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn the_stack_follows_the_file_not_the_name() {
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    std::fs::rename(&f.red, f.dir.join("moved")).unwrap();
    let fd = red.socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    assert_eq!(red.netns_id().unwrap(), f.red_id);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn tcp_and_udp_in_a_stack() {
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    let listener = red.tcp_listener("127.0.0.1:7100").unwrap();
    assert_eq!(msocket::socket_netns_id(&listener).unwrap(), f.red_id);
    let mut client = red.tcp_connect("127.0.0.1:7100").unwrap();
    client.write_all(b"hello").unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    let mut buf = [0; 5];
    conn.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    // The port is red's: neither blue nor the native stack reach it.
    let blue = Stack::open(&f.blue).unwrap();
    let err = blue.tcp_connect("127.0.0.1:7100").unwrap_err();
    assert_eq!(errno(err), libc::ECONNREFUSED);
    let err = Stack::native().tcp_connect("127.0.0.1:7100").unwrap_err();
    assert_eq!(errno(err), libc::ECONNREFUSED);
    // The same port is free in blue.
    let _blue_listener = blue.tcp_listener("127.0.0.1:7100").unwrap();

    let a = red.udp_bind("127.0.0.1:7101").unwrap();
    let b = red.udp_bind("[::1]:7102").unwrap();
    assert_eq!(msocket::socket_netns_id(&b).unwrap(), f.red_id);
    let c = red.udp_bind("127.0.0.1:0").unwrap();
    c.send_to(b"x", "127.0.0.1:7101").unwrap();
    let mut one = [0; 1];
    assert_eq!(a.recv(&mut one).unwrap(), 1);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn probing_families() {
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    assert!(red.supports(libc::AF_INET).unwrap());
    assert!(red.supports(libc::AF_UNIX).unwrap());
    assert!(!red.supports(libc::AF_IRDA).unwrap());
    let families = red.families().unwrap();
    for f in [
        libc::AF_UNIX,
        libc::AF_INET,
        libc::AF_INET6,
        libc::AF_NETLINK,
        libc::AF_PACKET,
    ] {
        assert!(families.contains(&f), "{f} in {families:?}");
    }
    assert!(!families.contains(&libc::AF_IRDA));
    red.check(libc::AF_INET).unwrap();
    red.check(libc::AF_UNSPEC).unwrap();
    assert_eq!(
        errno(red.check(libc::AF_IRDA).unwrap_err()),
        libc::EAFNOSUPPORT
    );
    // The native stack answers the same way.
    assert!(Stack::native().supports(libc::AF_INET).unwrap());
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn defaults_and_socket() {
    let _turn = ENV.lock().unwrap();
    let f = Fixture::new();
    set_default(Some(&f.red), libc::AF_INET).unwrap();
    assert_eq!(
        std::env::var(msocket::defaults::ENV).unwrap(),
        format!("inet={}", f.red.display())
    );
    let fd = msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    let fd = msocket::socket(libc::AF_INET6, libc::SOCK_DGRAM, 0).unwrap();
    assert_ne!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    // A relative path is stored canonical.
    let cwd = std::env::current_dir().unwrap();
    std::env::set_current_dir(&f.dir).unwrap();
    set_default(Some(Path::new("blue")), libc::AF_UNSPEC).unwrap();
    std::env::set_current_dir(cwd).unwrap();
    assert_eq!(
        std::env::var(msocket::defaults::ENV).unwrap(),
        format!("*={}", f.blue.display())
    );
    let fd = msocket::socket(libc::AF_INET6, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.blue_id);
    // Errors leave the defaults alone.
    assert_eq!(
        errno(set_default(Some(&f.red), libc::AF_IRDA).unwrap_err()),
        libc::EAFNOSUPPORT
    );
    assert_eq!(
        errno(set_default(Some(&f.dir.join("none")), libc::AF_INET).unwrap_err()),
        libc::ENOENT
    );
    set_default(None, libc::AF_INET).unwrap();
    assert_eq!(
        std::env::var(msocket::defaults::ENV).unwrap(),
        format!("*={},inet=", f.blue.display())
    );
    set_default(None, libc::AF_UNSPEC).unwrap();
    assert_eq!(std::env::var_os(msocket::defaults::ENV), None);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn netns_fd_enters_the_stack() {
    let f = Fixture::new();
    let ns = Stack::open(&f.blue).unwrap().netns_fd().unwrap();
    let inside = std::thread::spawn(move || {
        // SAFETY: setns on this thread only, with a valid nsfs fd.
        check(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) }).unwrap();
        Stack::native().netns_id().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(inside, f.blue_id);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn permissions_and_errors() {
    let f = Fixture::new();
    assert_eq!(
        errno(msocket::mkstack(&f.red, new_netns(), 0o600).unwrap_err()),
        libc::EEXIST
    );
    assert_eq!(
        errno(msocket::mkstack("/tmp/not-stackfs", new_netns(), 0o600).unwrap_err()),
        libc::EOPNOTSUPP
    );
    let red = Stack::open(&f.red).unwrap();
    assert_eq!(
        errno(red.socket(libc::AF_INET, -1, 0).unwrap_err()),
        libc::EINVAL
    );
    assert_eq!(
        errno(red.socket(libc::AF_IRDA, libc::SOCK_DGRAM, 0).unwrap_err()),
        libc::EAFNOSUPPORT
    );
    // A user without write permission: EACCES from the kernel. (The user
    // opens the stack: root's `red` holds an fd open for writing, which
    // would be the permission.)
    std::fs::set_permissions(&f.red, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&f.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: fork in a test process; the child only makes system calls
    // and exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: plain system calls in the child.
        unsafe {
            if libc::setgid(1000) != 0 || libc::setuid(1000) != 0 {
                libc::_exit(10);
            }
        }
        let Ok(red) = Stack::open(&f.red) else {
            // SAFETY: ends the child.
            unsafe { libc::_exit(3) };
        };
        let code = match red.socket(libc::AF_INET, libc::SOCK_STREAM, 0) {
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => match red.netns_id() {
                // Read permission (0644) still names the namespace.
                Ok(_) => 0,
                Err(_) => 2,
            },
            _ => 1,
        };
        // SAFETY: ends the child.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status));
    assert_eq!(libc::WEXITSTATUS(status), 0);
}

/// Set in the child that `native_is_native_under_preload` starts.
const CHILD: &str = "MSOCKET_RS_VM_CHILD";

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn native_is_native_under_preload() {
    if let Some(red_id) = std::env::var_os(CHILD) {
        // The child, run with libmsocket preloaded and every default red:
        // the native stack's socket is the raw system call.
        let red_id: u64 = red_id.to_str().unwrap().parse().unwrap();
        let own = ns_id(std::fs::File::open("/proc/self/ns/net").unwrap());
        let fd = Stack::native()
            .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
            .unwrap();
        assert_eq!(msocket::socket_netns_id(&fd).unwrap(), own);
        // While libc's socket() is libmsocket's, and follows the default.
        // SAFETY: socket(2) takes no pointers.
        let fd = check(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) }).unwrap();
        // SAFETY: a new fd.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        assert_eq!(msocket::socket_netns_id(&fd).unwrap(), red_id);
        return;
    }
    let f = Fixture::new();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "native_is_native_under_preload"])
        .env("LD_PRELOAD", "/usr/lib/libmsocket.so.0")
        .env(msocket::defaults::ENV, format!("*={}", f.red.display()))
        .env(CHILD, f.red_id.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
}

/// The fds this process has open on `path`.
fn fds_on(path: &Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.unwrap().path()).ok())
        .filter(|target| target == path)
        .count()
}

/// The access mode (`O_ACCMODE` bits) of the fd this process has open on
/// `path`, if any.
fn kept_access_mode(path: &Path) -> Option<i32> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let target = std::fs::read_link(e.path()).ok()?;
            let fd: i32 = e.file_name().to_str()?.parse().ok()?;
            // SAFETY: F_GETFL takes no argument.
            (target == path).then(|| unsafe { libc::fcntl(fd, libc::F_GETFL) } & libc::O_ACCMODE)
        })
        .next()
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn default_stack_files_are_kept_open() {
    let _turn = ENV.lock().unwrap();
    let f = Fixture::new();
    set_default(Some(&f.red), libc::AF_UNSPEC).unwrap();
    for _ in 0..10 {
        let fd = msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
        // SAFETY: F_GETFD takes no argument.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }
    // Opened once, for writing, and kept.
    assert_eq!(fds_on(&f.red), 1);
    assert_eq!(kept_access_mode(&f.red), Some(libc::O_WRONLY));
    // Renamed, it stays the default (the fd follows the file)...
    let moved = f.dir.join("moved");
    std::fs::rename(&f.red, &moved).unwrap();
    let fd = msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    // ...replaced, the path is looked up again (ESTALE from the kernel).
    let blue_ns = Stack::open(&f.blue).unwrap().netns_fd().unwrap();
    msocket::mkstack(&f.red, &blue_ns, 0o666).unwrap();
    std::fs::remove_file(&moved).unwrap();
    let fd = msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.blue_id);
    let fd = msocket::socket(libc::AF_INET6, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.blue_id);
    assert_eq!(fds_on(&f.red), 1);
    // A change of the defaults lets the kept file go.
    set_default(None, libc::AF_UNSPEC).unwrap();
    let fd = msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_ne!(msocket::socket_netns_id(&fd).unwrap(), f.blue_id);
    assert_eq!(fds_on(&f.red), 0);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn stack_fd_clone_and_conversions() {
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    let clone = red.try_clone().unwrap();
    drop(red);
    let fd = clone.socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    // Through an OwnedFd (as one received over a unix socket would be).
    let owned = OwnedFd::try_from(clone).unwrap();
    let back = Stack::from(owned);
    assert_eq!(back.path(), None);
    assert_eq!(back.netns_id().unwrap(), f.red_id);
    assert!(msocket::is_stack(
        std::fs::File::from(back.as_fd().try_clone_to_owned().unwrap())
            .metadata()
            .unwrap()
            .mode()
    ));
    let fd = back.socket(libc::AF_INET6, libc::SOCK_STREAM, 0).unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    // An fd of something else: the kernel says it is no stack.
    let other = Stack::from(OwnedFd::from(std::fs::File::open("/etc/passwd").unwrap()));
    assert_eq!(
        errno(
            other
                .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
                .unwrap_err()
        ),
        libc::EOPNOTSUPP
    );
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn a_stack_fd_open_for_writing_is_the_permission() {
    let f = Fixture::new();
    let wr = OwnedFd::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open(&f.red)
            .unwrap(),
    );
    let stack = Stack::from(wr);
    // STACKFS_IOC_SOCKET on the fd; its arguments packed, flags included.
    let fd = stack
        .socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_NONBLOCK, 0)
        .unwrap();
    assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
    // SAFETY: F_GETFL takes no argument.
    let fl = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert_eq!(fl & libc::O_NONBLOCK, libc::O_NONBLOCK);
    stack.check(libc::AF_UNSPEC).unwrap();
    assert!(stack.supports(libc::AF_INET).unwrap());
    // A protocol above 16 bits does not fit the packed argument:
    // MSOCKET_IOC_SOCKET takes it (and the kernel refuses it).
    assert!(stack
        .socket(libc::AF_INET, libc::SOCK_DGRAM, 0x10000)
        .is_err());
}

/// `SO_NETNS_COOKIE` of a socket: its namespace's cookie, readable by
/// anyone.
fn cookie(fd: impl AsFd) -> u64 {
    let mut v = 0u64;
    let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
    // SAFETY: a u64 and its size.
    let ret = unsafe {
        libc::getsockopt(
            fd.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            71, // SO_NETNS_COOKIE
            (&mut v as *mut u64).cast(),
            &mut len,
        )
    };
    assert_eq!(
        ret,
        0,
        "SO_NETNS_COOKIE: {}",
        std::io::Error::last_os_error()
    );
    v
}

/// A socket made by path (`MSOCKET_IOC_SOCKET`, `dirfd` `AT_FDCWD`), as
/// libmsocket's `msocket(path, ...)` makes it. `/dev/msocket` is opened
/// once, so that a child forked later (and made a user) uses root's.
fn socket_by_path(path: &Path, domain: i32, ty: i32) -> std::io::Result<OwnedFd> {
    #[repr(C)]
    struct Args {
        size: u32,
        flags: u32,
        dirfd: i32,
        domain: i32,
        type_: i32,
        protocol: i32,
        path: u64,
    }
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    let mut args = Args {
        size: 32,
        flags: 0,
        dirfd: libc::AT_FDCWD,
        domain,
        type_: ty | libc::SOCK_CLOEXEC,
        protocol: 0,
        path: c.as_ptr() as u64,
    };
    static DEVICE: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();
    let dev = DEVICE.get_or_init(|| std::fs::File::open(msocket::DEVICE).unwrap());
    // SAFETY: a struct msocket_args of its first version, with a path
    // that outlives the call. MSOCKET_IOC_SOCKET is _IOW(0xB9, 1, 32).
    let fd = check(unsafe {
        libc::ioctl(
            dev.as_raw_fd(),
            0x4020_b901 as libc::Ioctl,
            &mut args as *mut Args,
        )
    })?;
    // SAFETY: a new socket fd.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The access mode and `O_PATH` bit of an fd's open flags.
fn access_mode(fd: impl AsFd) -> i32 {
    // SAFETY: F_GETFL takes no argument.
    let fl = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) };
    assert!(fl >= 0);
    fl & (libc::O_ACCMODE | libc::O_PATH)
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn a_stack_opened_with_w_holds_a_writable_fd() {
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    assert_eq!(access_mode(red.fd().unwrap()), libc::O_WRONLY);
    let by_path = cookie(socket_by_path(&f.red, libc::AF_INET, libc::SOCK_DGRAM).unwrap());
    assert_ne!(
        by_path,
        cookie(
            Stack::native()
                .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
                .unwrap()
        )
    );
    // STACKFS_IOC_SOCKET, type flags packed.
    for (domain, ty, protocol) in [
        (libc::AF_INET, libc::SOCK_STREAM, 0),
        (libc::AF_INET6, libc::SOCK_DGRAM | libc::SOCK_NONBLOCK, 0),
        (libc::AF_UNIX, libc::SOCK_SEQPACKET, 0),
        (libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE),
    ] {
        let fd = red.socket(domain, ty, protocol).unwrap();
        assert_eq!(cookie(&fd), by_path, "{domain} {ty} {protocol}");
        assert_eq!(msocket::socket_netns_id(&fd).unwrap(), f.red_id);
        // SAFETY: F_GETFL, F_GETFD take no argument.
        let (fl, fdfl) = unsafe {
            (
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFL),
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFD),
            )
        };
        assert_eq!(fl & libc::O_NONBLOCK != 0, ty & libc::SOCK_NONBLOCK != 0);
        assert_eq!(fdfl & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }
    red.check(libc::AF_UNSPEC).unwrap();
    // What does not fit the packed argument goes by MSOCKET_IOC_SOCKET on
    // the same fd: type -1 probes, a family above 255.
    assert!(red.supports(libc::AF_INET).unwrap());
    assert!(!red.supports(libc::AF_IRDA).unwrap());
    assert_eq!(
        errno(red.socket(300, libc::SOCK_DGRAM, 0).unwrap_err()),
        libc::EAFNOSUPPORT
    );
    // The fd follows the file, and reads its namespace through /proc.
    std::fs::rename(&f.red, f.dir.join("moved")).unwrap();
    let fd = red.socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(cookie(&fd), by_path);
    assert_eq!(red.netns_id().unwrap(), f.red_id);
}

/// Reads one byte from `fd` (a pipe): false at its end.
fn read_byte(fd: i32) -> bool {
    let mut b = [0u8; 1];
    // SAFETY: a one-byte buffer.
    unsafe { libc::read(fd, b.as_mut_ptr().cast(), 1) == 1 }
}

/// Writes one byte to `fd` (a pipe).
fn write_byte(fd: i32) {
    // SAFETY: a one-byte buffer.
    assert_eq!(unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) }, 1);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn a_writable_stack_fd_outlives_a_chmod() {
    let f = Fixture::new();
    std::fs::set_permissions(&f.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // mkstack's mode is less the umask.
    std::fs::set_permissions(&f.red, std::fs::Permissions::from_mode(0o666)).unwrap();
    let by_path = cookie(socket_by_path(&f.red, libc::AF_INET, libc::SOCK_DGRAM).unwrap());
    let (mut opened, mut go) = ([0; 2], [0; 2]);
    // SAFETY: arrays of two fds.
    check(unsafe { libc::pipe2(opened.as_mut_ptr(), libc::O_CLOEXEC) }).unwrap();
    check(unsafe { libc::pipe2(go.as_mut_ptr(), libc::O_CLOEXEC) }).unwrap();
    // SAFETY: fork in a test process; the child makes system calls and
    // exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: plain system calls in the child.
        unsafe {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(1000) != 0
                || libc::setuid(1000) != 0
            {
                libc::_exit(10);
            }
        }
        // The user opens the 0666 stack: for writing.
        let code = (|| {
            let early = Stack::open(&f.red).map_err(|_| 11)?;
            if access_mode(early.fd().unwrap()) != libc::O_WRONLY {
                return Err(12);
            }
            let fd = early
                .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
                .map_err(|_| 13)?;
            if cookie(fd) != by_path {
                return Err(14);
            }
            write_byte(opened[1]);
            // Root takes w away (chmod 0600).
            if !read_byte(go[0]) {
                return Err(15);
            }
            // The fd opened before is the capability: it still works.
            let fd = early
                .socket(libc::AF_INET6, libc::SOCK_STREAM, 0)
                .map_err(|_| 16)?;
            if cookie(fd) != by_path {
                return Err(17);
            }
            early.check(libc::AF_INET).map_err(|_| 18)?;
            // A stack opened now keeps an O_PATH fd, and each call is
            // refused by the kernel.
            let late = Stack::open(&f.red).map_err(|_| 19)?;
            if access_mode(late.fd().unwrap()) != libc::O_PATH {
                return Err(20);
            }
            match late.socket(libc::AF_INET, libc::SOCK_DGRAM, 0) {
                Err(e) if e.raw_os_error() == Some(libc::EACCES) => {}
                _ => return Err(21),
            }
            match late.check(libc::AF_INET) {
                Err(e) if e.raw_os_error() == Some(libc::EACCES) => {}
                _ => return Err(22),
            }
            // As by path.
            match socket_by_path(&f.red, libc::AF_INET, libc::SOCK_DGRAM) {
                Err(e) if e.raw_os_error() == Some(libc::EACCES) => {}
                _ => return Err(23),
            }
            Ok(())
        })();
        // SAFETY: ends the child.
        unsafe { libc::_exit(code.err().unwrap_or(0)) };
    }
    // SAFETY: the child's ends of the pipes.
    unsafe {
        libc::close(opened[1]);
        libc::close(go[0]);
    }
    let child_opened = read_byte(opened[0]);
    if child_opened {
        std::fs::set_permissions(&f.red, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_byte(go[1]);
    }
    // SAFETY: our ends.
    unsafe {
        libc::close(opened[0]);
        libc::close(go[1]);
    }
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "status {status:#x}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "the child's step that failed");
    assert!(child_opened);
}

#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn connect_timeout() {
    use std::time::Duration;
    let f = Fixture::new();
    let red = Stack::open(&f.red).unwrap();
    // A listener whose accept queue is full (backlog 0, one connection
    // waiting) drops the next SYN: a connect that does not end.
    let full = red.socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
    let addr: std::net::SocketAddrV4 = "127.0.0.1:7110".parse().unwrap();
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: addr.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*addr.ip()).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: a sockaddr_in of its size; listen takes no pointer.
    check(unsafe {
        libc::bind(
            full.as_raw_fd(),
            (&sin as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    })
    .unwrap();
    // SAFETY: as above.
    check(unsafe { libc::listen(full.as_raw_fd(), 0) }).unwrap();
    let _waiting = red.tcp_connect("127.0.0.1:7110").unwrap();
    let err = red
        .tcp_connect_timeout("127.0.0.1:7110", Duration::from_millis(300))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    // Refused at once, whatever the timeout.
    let err = red
        .tcp_connect_timeout("127.0.0.1:7111", Duration::from_secs(30))
        .unwrap_err();
    assert_eq!(errno(err), libc::ECONNREFUSED);
    assert_eq!(
        red.tcp_connect_timeout("127.0.0.1:7110", Duration::ZERO)
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::InvalidInput
    );
    // A connection that is made: blocking, in red.
    let listener = red.tcp_listener("127.0.0.1:7112").unwrap();
    let conn = red
        .tcp_connect_timeout("127.0.0.1:7112", Duration::from_secs(30))
        .unwrap();
    assert_eq!(msocket::socket_netns_id(&conn).unwrap(), f.red_id);
    conn.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut b = [0; 1];
    // Blocking: a read waits (and times out) instead of EAGAIN at once.
    assert_eq!(
        (&conn).read(&mut b).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    drop(listener);
}

#[cfg(feature = "tokio")]
#[test]
#[ignore = "needs the msocket module and root: run in the VM"]
fn tokio_sockets() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = Fixture::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let red = Stack::open(&f.red).unwrap();
        let blue = Stack::open(&f.blue).unwrap();
        let listener = red.tokio_tcp_listener("127.0.0.1:7120").unwrap();
        assert_eq!(msocket::socket_netns_id(&listener).unwrap(), f.red_id);
        let mut client = red.tokio_tcp_connect("127.0.0.1:7120").await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        assert_eq!(msocket::socket_netns_id(&server).unwrap(), f.red_id);
        client.write_all(b"hello").await.unwrap();
        let mut buf = [0; 5];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
        // The port is red's only.
        let err = blue.tokio_tcp_connect("127.0.0.1:7120").await.unwrap_err();
        assert_eq!(errno(err), libc::ECONNREFUSED);
        // Each address in turn: the first refuses.
        let addrs: Vec<std::net::SocketAddr> = vec![
            "127.0.0.1:7129".parse().unwrap(),
            "127.0.0.1:7120".parse().unwrap(),
        ];
        let _second = red.tokio_tcp_connect(&addrs[..]).await.unwrap();
        // A time limit, tokio's way, on a connect that cannot end (blue has
        // no route to 10.0.0.1: refused at once, so the limit is not hit).
        let timed = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            blue.tokio_tcp_connect("10.0.0.1:7120"),
        )
        .await
        .unwrap();
        assert!(timed.is_err());
        let a = red.tokio_udp_bind("127.0.0.1:7121").unwrap();
        let b = red.tokio_udp_bind("127.0.0.1:0").unwrap();
        assert_eq!(msocket::socket_netns_id(&b).unwrap(), f.red_id);
        b.send_to(b"x", "127.0.0.1:7121").await.unwrap();
        let mut one = [0; 1];
        let (n, _) = a.recv_from(&mut one).await.unwrap();
        assert_eq!(n, 1);
    });
}
