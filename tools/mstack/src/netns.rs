//! Network namespaces for `mstack add`: from a file, a process, or new.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use msocket::Stack;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn open_ro(path: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: a NUL-terminated path.
    let fd = check(unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) })?;
    // SAFETY: a new fd nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The namespace of `path`: an nsfs file (`/proc/PID/ns/net`,
/// `/run/netns/NAME`) or another stack file.
pub fn from_file(path: &Path) -> io::Result<OwnedFd> {
    match Stack::open(path) {
        Ok(stack) => stack.netns_fd(),
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => open_ro(path),
        Err(e) => Err(e),
    }
}

/// The namespace of process `pid`.
pub fn of_pid(pid: u32) -> io::Result<OwnedFd> {
    open_ro(Path::new(&format!("/proc/{pid}/ns/net")))
}

/// Brings loopback up in the calling thread's namespace.
fn loopback_up() -> io::Result<()> {
    crate::rtnl::set_up(&Stack::native(), "lo")
}

/// A new network namespace with loopback up. The caller never enters it:
/// with `CAP_SYS_ADMIN` a short-lived thread unshares its own namespace;
/// without, a child process makes a user namespace owned by the caller and
/// a network namespace in it, which the caller (as the user namespace's
/// owner) may then bind to a stack file and administer.
pub fn new() -> io::Result<OwnedFd> {
    let in_thread = std::thread::spawn(|| -> io::Result<OwnedFd> {
        // SAFETY: unshare affects this thread only, which ends here.
        check(unsafe { libc::unshare(libc::CLONE_NEWNET) })?;
        loopback_up()?;
        open_ro(Path::new("/proc/thread-self/ns/net"))
    })
    .join()
    .map_err(|_| io::Error::other("namespace thread panicked"))?;
    match in_thread {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => new_in_user_namespace(),
        other => other,
    }
}

fn write_file(path: &str, text: &str) -> io::Result<()> {
    File::options()
        .write(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// In the child: a user namespace mapping the caller's ids to root, a
/// network namespace in it, loopback up.
fn child_setup(uid: libc::uid_t, gid: libc::gid_t) -> io::Result<()> {
    // SAFETY: unshare of the (single-threaded) child.
    check(unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) })?;
    write_file("/proc/self/setgroups", "deny")?;
    write_file("/proc/self/uid_map", &format!("0 {uid} 1"))?;
    write_file("/proc/self/gid_map", &format!("0 {gid} 1"))?;
    loopback_up()
}

fn new_in_user_namespace() -> io::Result<OwnedFd> {
    let mut fds = [0; 2];
    let mut back = [0; 2];
    // SAFETY: pipe2 fills the arrays.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 returned two new fds each time.
    let (mut ready_r, ready_w) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
    check(unsafe { libc::pipe2(back.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: as above.
    let (mut done_r, done_w) = unsafe { (File::from_raw_fd(back[0]), File::from_raw_fd(back[1])) };
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: mstack is single-threaded here (the namespace thread has
    // ended), so the child may run ordinary code before it exits.
    let pid = check(unsafe { libc::fork() })?;
    if pid == 0 {
        drop(ready_r);
        drop(done_w);
        let mut ready_w = ready_w;
        let status = match child_setup(uid, gid) {
            Ok(()) => [0u8; 4],
            Err(e) => e.raw_os_error().unwrap_or(libc::EIO).to_ne_bytes(),
        };
        let _ = ready_w.write_all(&status);
        // Wait until the parent has opened the namespace.
        let _ = done_r.read(&mut [0u8]);
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(0) };
    }
    drop(ready_w);
    drop(done_r);
    let mut status = [0u8; 4];
    let result = match ready_r.read_exact(&mut status) {
        Ok(()) if status == [0; 4] => of_pid(pid as u32),
        Ok(()) => Err(io::Error::from_raw_os_error(i32::from_ne_bytes(status))),
        Err(e) => Err(e),
    };
    drop(done_w);
    let mut wstatus = 0;
    // SAFETY: waits for our own child.
    unsafe { libc::waitpid(pid, &mut wstatus, 0) };
    result
}
