//! What works without the msocket module: errors for bad stack files, the
//! native stack, the defaults in the environment, and `ENOSYS` for the
//! system call itself when `/dev/msocket` is absent (as on a build host).

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::Mutex;

/// [`msocket::set_default`]: the tests that change the environment take
/// turns (the `ENV` lock) and no C code reads it meanwhile.
fn set_default(stack: Option<&Path>, domain: i32) -> std::io::Result<()> {
    // SAFETY: see above.
    unsafe { msocket::set_default(stack, domain) }
}

use msocket::{Defaults, Stack};

/// Tests that change the environment take turns.
static ENV: Mutex<()> = Mutex::new(());

fn errno(err: std::io::Error) -> i32 {
    err.raw_os_error().expect("an OS error")
}

#[test]
fn open_errors() {
    assert_eq!(
        errno(Stack::open("/nonexistent/x").unwrap_err()),
        libc::ENOENT
    );
    assert_eq!(
        errno(Stack::open("/etc/passwd").unwrap_err()),
        libc::EOPNOTSUPP
    );
    assert_eq!(errno(Stack::open("/").unwrap_err()), libc::EOPNOTSUPP);
    assert_eq!(
        errno(Stack::open("/etc/passwd/x").unwrap_err()),
        libc::ENOTDIR
    );
    assert_eq!(errno(Stack::open("/a\0b").unwrap_err()), libc::EINVAL);
    let err = Stack::open("/nonexistent/x").unwrap_err();
    assert_eq!(
        msocket::errno::describe(&err),
        "ENOENT (No such file or directory)"
    );
}

#[test]
fn system_call_needs_the_device() {
    let native = Stack::native();
    let checked = native.check(libc::AF_INET);
    if Path::new(msocket::DEVICE).exists() {
        checked.unwrap();
    } else {
        assert_eq!(errno(checked.unwrap_err()), libc::ENOSYS);
        assert_eq!(
            errno(native.supports(libc::AF_INET).unwrap_err()),
            libc::ENOSYS
        );
        let err = msocket::mkstack(
            "/tmp/x",
            std::fs::File::open("/proc/self/ns/net").unwrap(),
            0o600,
        )
        .unwrap_err();
        assert_eq!(errno(err), libc::ENOSYS);
    }
}

#[test]
fn native_stack_sockets() {
    let native = Stack::native();
    assert!(native.is_native());
    assert_eq!(native.path(), None);
    let fd = native
        .socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)
        .unwrap();
    assert!(fd.as_raw_fd() >= 0);
    assert_eq!(
        errno(
            native
                .socket(libc::AF_INET, msocket::SOCK_DEFAULT, 0)
                .unwrap_err()
        ),
        libc::EINVAL
    );
    assert_eq!(
        errno(native.socket(9999, libc::SOCK_DGRAM, 0).unwrap_err()),
        libc::EAFNOSUPPORT
    );
    // A TCP round trip over loopback with the std helpers.
    let listener = native.tcp_listener("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = native.tcp_connect(addr).unwrap();
    client.write_all(b"ping").unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    let mut buf = [0; 4];
    conn.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    let udp = native.udp_bind("127.0.0.1:0").unwrap();
    assert!(udp.local_addr().unwrap().port() > 0);
    // The native namespace id is NS_GET_ID of /proc/thread-self/ns/net
    // (linux/nsfs.h: _IOR(0xb7, 13, __u64)), not its inode number.
    let ns = std::fs::File::open("/proc/thread-self/ns/net").unwrap();
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes a u64 to its argument.
    let ret = unsafe {
        libc::ioctl(
            std::os::fd::AsRawFd::as_raw_fd(&ns),
            0x8008_b70d as libc::Ioctl,
            &mut id as *mut u64,
        )
    };
    match native.netns_id() {
        Ok(got) => {
            assert_eq!(ret, 0);
            assert_eq!(got, id);
            let ino = std::os::unix::fs::MetadataExt::ino(&ns.metadata().unwrap());
            assert_ne!(got, ino, "the namespace id is not the nsfs inode number");
        }
        // A kernel without namespace ids (before 6.18).
        Err(e) => {
            assert_eq!(ret, -1);
            assert_eq!(errno(e), libc::ENOTTY);
        }
    }
}

#[test]
fn defaults_from_the_environment() {
    let _turn = ENV.lock().unwrap();
    std::env::remove_var(msocket::defaults::ENV);
    assert_eq!(msocket::default_stack(libc::AF_INET).unwrap(), None);
    assert!(Stack::default_for(libc::AF_INET).unwrap().is_native());
    // With no default, socket() is the native socket(2).
    msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();

    std::env::set_var(msocket::defaults::ENV, "inet6=/dev/net/x,unix=");
    assert_eq!(
        msocket::default_stack(libc::AF_INET6).unwrap().as_deref(),
        Some(Path::new("/dev/net/x"))
    );
    assert_eq!(msocket::default_stack(libc::AF_UNIX).unwrap(), None);
    // A default that names no file: the socket fails, it does not fall
    // back to the native stack.
    assert_eq!(
        errno(msocket::socket(libc::AF_INET6, libc::SOCK_DGRAM, 0).unwrap_err()),
        libc::ENOENT
    );

    std::env::set_var(msocket::defaults::ENV, "inet=relative");
    assert_eq!(
        errno(msocket::default_stack(libc::AF_INET).unwrap_err()),
        libc::EINVAL
    );
    assert_eq!(
        errno(msocket::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap_err()),
        libc::EINVAL
    );
    assert!(Defaults::from_env().is_err());
    // Resetting every family works even then, and needs no module.
    set_default(None, libc::AF_UNSPEC).unwrap();
    assert_eq!(std::env::var_os(msocket::defaults::ENV), None);
    // Setting a stack checks it first.
    assert_eq!(
        errno(set_default(Some(Path::new("/etc/passwd")), libc::AF_INET).unwrap_err()),
        libc::EOPNOTSUPP
    );
    assert_eq!(
        errno(set_default(None, 64).unwrap_err()),
        libc::EAFNOSUPPORT
    );
    assert_eq!(std::env::var_os(msocket::defaults::ENV), None);
}

#[test]
fn native_sockets_are_close_on_exec_and_raw() {
    use std::os::fd::AsRawFd;
    let fd = Stack::native()
        .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
        .unwrap();
    // SAFETY: F_GETFD takes no argument.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    let clone = Stack::native().try_clone().unwrap();
    assert!(clone.is_native() && clone.fd().is_none());
    let err = std::os::fd::OwnedFd::try_from(Stack::native()).unwrap_err();
    assert!(err.is_native());
}

#[test]
#[should_panic(expected = "the native stack has no stack file")]
fn the_native_stack_has_no_fd_to_borrow() {
    use std::os::fd::AsFd;
    let _ = Stack::native().as_fd();
}

#[test]
fn a_stack_from_an_fd() {
    use std::os::fd::{AsFd, OwnedFd};
    let fd = OwnedFd::from(std::fs::File::open("/etc/passwd").unwrap());
    let stack = Stack::from(fd);
    assert!(!stack.is_native());
    assert_eq!(stack.path(), None);
    let again = stack.try_clone().unwrap();
    assert_ne!(
        std::os::fd::AsRawFd::as_raw_fd(&stack.as_fd()),
        std::os::fd::AsRawFd::as_raw_fd(&again.as_fd())
    );
}

/// A FIFO (or any file that is not a stack file) is never opened for
/// writing, which would block until a reader comes: `EOPNOTSUPP` at once.
#[test]
fn a_fifo_is_not_opened_for_writing() {
    let dir = std::env::temp_dir().join(format!("msocket-rs-fifo.{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(Stack::open(&path).map(drop));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("Stack::open of a FIFO blocked: it opened it for writing");
    assert_eq!(errno(got.unwrap_err()), libc::EOPNOTSUPP);
    std::fs::remove_dir_all(&dir).unwrap();
}
