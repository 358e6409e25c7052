//! The kernel ABI of msocket, mirrored from `uapi/linux/msocket.h`, and the
//! raw calls on it. `tests/abi.rs` compares these values with the C header.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// `struct msocket_args`, the argument of [`MSOCKET_IOC_SOCKET`].
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct MsocketArgs {
    pub size: u32,
    pub flags: u32,
    pub dirfd: i32,
    pub domain: i32,
    pub type_: i32,
    pub protocol: i32,
    pub path: u64,
    pub stack_dev: u64,
    pub stack_ino: u64,
}

/// The size of the first version of `struct msocket_args`.
pub(crate) const MSOCKET_ARGS_SIZE_VER0: u32 = 32;

/// `struct msocket_mkstack_args`, the argument of [`MSOCKET_IOC_MKSTACK`].
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct MkstackArgs {
    pub size: u32,
    pub flags: u32,
    pub dirfd: i32,
    pub netns_fd: i32,
    pub mode: u32,
    pub reserved: u32,
    pub path: u64,
}

const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;
const IOC_MAGIC: u32 = 0xB9;

/// `_IOC(dir, type, nr, size)` of `asm-generic/ioctl.h`.
const fn ioc(dir: u32, nr: u32, size: u32) -> u32 {
    (dir << 30) | (size << 16) | (IOC_MAGIC << 8) | nr
}

pub(crate) const MSOCKET_IOC_SOCKET: u32 = ioc(IOC_WRITE, 0x01, 32);
pub(crate) const MSOCKET_IOC_MKSTACK: u32 = ioc(IOC_WRITE, 0x02, 32);
pub(crate) const STACKFS_IOC_NETNS_FD: u32 = ioc(IOC_NONE, 0x10, 0);
pub(crate) const STACKFS_IOC_NETNS_ID: u32 = ioc(IOC_READ, 0x11, 8);
/// `SIOCGSKNS`: an nsfs fd of the network namespace of a socket.
pub(crate) const SIOCGSKNS: u32 = 0x894C;

/// An ioctl whose argument is a pointer; returns its non-negative result.
///
/// # Safety
///
/// `arg` must be valid for what `request` reads or writes through it.
pub(crate) unsafe fn ioctl(fd: RawFd, request: u32, arg: *mut libc::c_void) -> io::Result<i32> {
    // SAFETY: the caller vouches for `arg`; a bad fd is only an error.
    let ret = unsafe { libc::ioctl(fd, request as libc::Ioctl, arg) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Opens `path` with `flags` (`O_CLOEXEC` added).
pub(crate) fn open(path: &CStr, flags: i32) -> io::Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated; open has no other preconditions.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: open returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `/dev/msocket`, opened once per process image (`O_CLOEXEC`) and kept:
/// Rust's I/O safety rules forbid other code to close an fd it does not
/// own, so the cached fd stays the device. Without the device (the module
/// is not loaded) the msocket system call does not exist: `ENOSYS`, and
/// the next call tries again.
pub(crate) fn device() -> io::Result<BorrowedFd<'static>> {
    static DEVICE: OnceLock<OwnedFd> = OnceLock::new();

    if let Some(fd) = DEVICE.get() {
        return Ok(fd.as_fd());
    }
    let fd = open(c"/dev/msocket", libc::O_RDONLY).map_err(|err| match err.raw_os_error() {
        Some(libc::ENOENT | libc::ENXIO | libc::ENODEV) => {
            io::Error::from_raw_os_error(libc::ENOSYS)
        }
        _ => err,
    })?;
    // A thread that got there first wins; ours is closed.
    Ok(DEVICE.get_or_init(|| fd).as_fd())
}

/// `MSOCKET_IOC_SOCKET`: a new socket fd, or `None` for `SOCK_DEFAULT`.
pub(crate) fn msocket(
    dirfd: RawFd,
    path: Option<&CStr>,
    flags: u32,
    domain: i32,
    type_: i32,
    protocol: i32,
) -> io::Result<Option<OwnedFd>> {
    let mut args = MsocketArgs {
        // Only fields of the first version are used: the kernel copies
        // those alone.
        size: MSOCKET_ARGS_SIZE_VER0,
        flags,
        dirfd,
        domain,
        type_,
        protocol,
        path: path.map_or(0, |p| p.as_ptr() as u64),
        ..Default::default()
    };
    // SAFETY: a path, if any, is a NUL-terminated string that outlives
    // the call.
    let fd = unsafe { socket_ioctl(&mut args)? };
    if type_ == 0 {
        return Ok(None);
    }
    // SAFETY: the ioctl installed a new socket fd for the caller.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// The size of the second version of `struct msocket_args`.
pub(crate) const MSOCKET_ARGS_SIZE_VER1: u32 = 48;
/// `MSOCKET_EXPECT_STACK`.
pub(crate) const MSOCKET_EXPECT_STACK: u32 = 1;

/// `MSOCKET_IOC_SOCKET` by the fd `stack`, which must still be the stack
/// file `dev`/`ino` and linked (`ESTALE` otherwise): how a kept fd of a
/// default stack is used.
pub(crate) fn msocket_expect(
    stack: BorrowedFd<'_>,
    dev: u64,
    ino: u64,
    domain: i32,
    type_: i32,
    protocol: i32,
) -> io::Result<OwnedFd> {
    let mut args = MsocketArgs {
        size: MSOCKET_ARGS_SIZE_VER1,
        flags: libc::AT_EMPTY_PATH as u32 | MSOCKET_EXPECT_STACK,
        dirfd: stack.as_raw_fd(),
        domain,
        type_,
        protocol,
        path: 0,
        stack_dev: dev,
        stack_ino: ino,
    };
    // SAFETY: `args` has no path.
    let fd = unsafe { socket_ioctl(&mut args)? };
    // SAFETY: the ioctl installed a new socket fd for the caller.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `MSOCKET_IOC_SOCKET` with `args` on this process's `/dev/msocket`:
/// the new fd, or the kernel's answer for SOCK_DEFAULT (0).
///
/// # Safety
///
/// `args.path` is 0 or a NUL-terminated string that outlives the call.
unsafe fn socket_ioctl(args: &mut MsocketArgs) -> io::Result<i32> {
    let dev = device()?;
    // SAFETY: `args` is a complete struct msocket_args of the size it
    // says, and its path is as the caller guarantees.
    unsafe {
        ioctl(
            dev.as_raw_fd(),
            MSOCKET_IOC_SOCKET,
            (args as *mut MsocketArgs).cast(),
        )
    }
}

/// `socket(2)` as the raw system call, so that a preloaded libmsocket's
/// `socket()` (which follows the default stacks) is not the one called.
pub(crate) fn socket_raw(domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers.
    let fd = unsafe { libc::syscall(libc::SYS_socket, domain, type_, protocol) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `MSOCKET_IOC_MKSTACK`.
pub(crate) fn mkstack(dirfd: RawFd, path: &CStr, netns_fd: RawFd, mode: u32) -> io::Result<()> {
    let mut args = MkstackArgs {
        size: std::mem::size_of::<MkstackArgs>() as u32,
        dirfd,
        netns_fd,
        mode,
        path: path.as_ptr() as u64,
        ..Default::default()
    };
    let dev = device()?;
    // SAFETY: a complete struct msocket_mkstack_args with a valid path.
    unsafe {
        ioctl(
            dev.as_raw_fd(),
            MSOCKET_IOC_MKSTACK,
            (&mut args as *mut MkstackArgs).cast(),
        )?
    };
    Ok(())
}

/// The ABI values, by the names of the C header, for `tests/abi.rs`.
pub(crate) fn values() -> Vec<(&'static str, u64)> {
    use std::mem::{offset_of, size_of};
    vec![
        ("MSOCKET_IOC_SOCKET", MSOCKET_IOC_SOCKET.into()),
        ("MSOCKET_IOC_MKSTACK", MSOCKET_IOC_MKSTACK.into()),
        ("STACKFS_IOC_NETNS_FD", STACKFS_IOC_NETNS_FD.into()),
        ("STACKFS_IOC_NETNS_ID", STACKFS_IOC_NETNS_ID.into()),
        ("S_IFSTACK", crate::S_IFSTACK.into()),
        ("SOCK_DEFAULT", crate::SOCK_DEFAULT as u64),
        ("STACKFS_MAGIC", crate::STACKFS_MAGIC as u64),
        ("MSOCKET_ARGS_SIZE_VER0", MSOCKET_ARGS_SIZE_VER0.into()),
        ("MSOCKET_ARGS_SIZE_VER1", MSOCKET_ARGS_SIZE_VER1.into()),
        ("MSOCKET_EXPECT_STACK", MSOCKET_EXPECT_STACK.into()),
        (
            "sizeof(struct msocket_args)",
            size_of::<MsocketArgs>() as u64,
        ),
        (
            "offsetof(struct msocket_args, domain)",
            offset_of!(MsocketArgs, domain) as u64,
        ),
        (
            "offsetof(struct msocket_args, type)",
            offset_of!(MsocketArgs, type_) as u64,
        ),
        (
            "offsetof(struct msocket_args, path)",
            offset_of!(MsocketArgs, path) as u64,
        ),
        (
            "offsetof(struct msocket_args, stack_dev)",
            offset_of!(MsocketArgs, stack_dev) as u64,
        ),
        (
            "offsetof(struct msocket_args, stack_ino)",
            offset_of!(MsocketArgs, stack_ino) as u64,
        ),
        (
            "sizeof(struct msocket_mkstack_args)",
            size_of::<MkstackArgs>() as u64,
        ),
        (
            "offsetof(struct msocket_mkstack_args, netns_fd)",
            offset_of!(MkstackArgs, netns_fd) as u64,
        ),
        (
            "offsetof(struct msocket_mkstack_args, mode)",
            offset_of!(MkstackArgs, mode) as u64,
        ),
        (
            "offsetof(struct msocket_mkstack_args, path)",
            offset_of!(MkstackArgs, path) as u64,
        ),
    ]
}
