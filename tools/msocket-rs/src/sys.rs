//! The kernel ABI of msocket, mirrored from `uapi/linux/msocket.h`, and the
//! raw calls on it. `tests/abi.rs` compares these values with the C header.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// `struct msocket_args`, the argument of [`MSOCKET_IOC_SOCKET`].
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
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
    pub template_fd: i32,
    pub reserved: u32,
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

/// `_IOC(dir, type, nr, size)` of `asm-generic/ioctl.h`, msocket's type.
const fn ioc(dir: u32, nr: u32, size: u32) -> u32 {
    ioc_of(dir, IOC_MAGIC, nr, size)
}

/// `_IOC(dir, type, nr, size)` for any type.
const fn ioc_of(dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
    (dir << 30) | (size << 16) | (ty << 8) | nr
}

pub(crate) const MSOCKET_IOC_SOCKET: u32 = ioc(IOC_WRITE, 0x01, 32);
pub(crate) const MSOCKET_IOC_MKSTACK: u32 = ioc(IOC_WRITE, 0x02, 32);
pub(crate) const STACKFS_IOC_NETNS_FD: u32 = ioc(IOC_NONE, 0x10, 0);
pub(crate) const STACKFS_IOC_NETNS_ID: u32 = ioc(IOC_READ, 0x11, 8);
pub(crate) const STACKFS_IOC_SOCKET: u32 = ioc(IOC_NONE, 0x12, 0);
/// `SIOCGSKNS`: an nsfs fd of the network namespace of a socket.
pub(crate) const SIOCGSKNS: u32 = 0x894C;
/// `NS_GET_ID` of `linux/nsfs.h` (`_IOR(0xb7, 13, __u64)`): the 64-bit id
/// of the namespace of an nsfs fd, the id `STACKFS_IOC_NETNS_ID` gives and
/// listns(2) lists.
pub(crate) const NS_GET_ID: u32 = ioc_of(IOC_READ, 0xb7, 13, 8);

/// The largest protocol, domain and type `STACKFS_IOC_SOCKET` takes.
pub(crate) const STACKFS_SOCKET_PROTOCOL_MAX: u64 = 0xffff;
pub(crate) const STACKFS_SOCKET_DOMAIN_MAX: u64 = 0xff;
pub(crate) const STACKFS_SOCKET_TYPE_MAX: u64 = 0xf;
/// `SOCK_NONBLOCK`, `SOCK_CLOEXEC` in the argument of `STACKFS_IOC_SOCKET`.
pub(crate) const STACKFS_SOCKET_NONBLOCK: u64 = 1 << 28;
pub(crate) const STACKFS_SOCKET_CLOEXEC: u64 = 1 << 29;
/// The stack file's tag is in bits 32-63 (`ESTALE` unless it matches).
pub(crate) const STACKFS_SOCKET_EXPECT: u64 = 1 << 30;

/// `STACKFS_SOCKET_ARG(domain, type, protocol)`: the argument of
/// `STACKFS_IOC_SOCKET` for a type without `SOCK_*` flags.
pub(crate) const fn stackfs_socket_arg(domain: u64, type_: u64, protocol: u64) -> u64 {
    ((type_ & STACKFS_SOCKET_TYPE_MAX) << 24)
        | ((domain & STACKFS_SOCKET_DOMAIN_MAX) << 16)
        | (protocol & STACKFS_SOCKET_PROTOCOL_MAX)
}

/// `STACKFS_SOCKET_TAG(dev, ino)`: the 32-bit tag of the stack file whose
/// `st_dev` and `st_ino` these are.
pub(crate) const fn stackfs_socket_tag(dev: u64, ino: u64) -> u32 {
    (ino as u32) ^ ((ino >> 32) as u32) ^ (dev as u32).rotate_left(16)
}

/// The argument of `STACKFS_IOC_SOCKET` for these arguments, without
/// `STACKFS_SOCKET_EXPECT`: `None` for arguments it cannot carry (a
/// protocol above 16 bits, a family above 8, flags beyond `SOCK_NONBLOCK`
/// and `SOCK_CLOEXEC`, type -1), which `MSOCKET_IOC_SOCKET` takes.
pub(crate) fn stack_arg(domain: i32, type_: i32, protocol: i32) -> Option<libc::c_ulong> {
    let base = type_ & !(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC);
    if !(0..=STACKFS_SOCKET_DOMAIN_MAX as i32).contains(&domain)
        || !(0..=STACKFS_SOCKET_PROTOCOL_MAX as i32).contains(&protocol)
        || !(0..=STACKFS_SOCKET_TYPE_MAX as i32).contains(&base)
    {
        return None;
    }
    let mut arg = stackfs_socket_arg(domain as u64, base as u64, protocol as u64);
    if type_ & libc::SOCK_NONBLOCK != 0 {
        arg |= STACKFS_SOCKET_NONBLOCK;
    }
    if type_ & libc::SOCK_CLOEXEC != 0 {
        arg |= STACKFS_SOCKET_CLOEXEC;
    }
    Some(arg as libc::c_ulong)
}

/// The same with `STACKFS_SOCKET_EXPECT` and the tag of the stack file
/// `dev`/`ino`, as libmsocket's `stack_ioctl_arg()` makes it; `None` also
/// where an ioctl argument has no bits 32-63 (32-bit targets).
pub(crate) fn stack_ioctl_arg(
    dev: u64,
    ino: u64,
    domain: i32,
    type_: i32,
    protocol: i32,
) -> Option<libc::c_ulong> {
    if std::mem::size_of::<libc::c_ulong>() < 8 {
        return None;
    }
    let arg = stack_arg(domain, type_, protocol)?
        | STACKFS_SOCKET_EXPECT
        | (u64::from(stackfs_socket_tag(dev, ino)) << 32);
    Some(arg as libc::c_ulong)
}

/// `STACKFS_IOC_SOCKET` on `stack` (open for writing) with the argument
/// `arg`: a new socket fd, or `None` for `SOCK_DEFAULT`.
pub(crate) fn stack_socket(
    stack: BorrowedFd<'_>,
    arg: libc::c_ulong,
    type_: i32,
) -> io::Result<Option<OwnedFd>> {
    // SAFETY: STACKFS_IOC_SOCKET takes its argument by value, no pointer.
    let ret = unsafe { libc::ioctl(stack.as_raw_fd(), STACKFS_IOC_SOCKET as libc::Ioctl, arg) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    if type_ & !(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) == 0 {
        return Ok(None);
    }
    // SAFETY: the ioctl installed a new socket fd for the caller.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(ret) }))
}

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
/// The size of the third version of `struct msocket_args` (`template_fd`).
pub(crate) const MSOCKET_ARGS_SIZE_VER2: u32 = 56;
/// `MSOCKET_EXPECT_STACK`.
pub(crate) const MSOCKET_EXPECT_STACK: u32 = 1;
/// `MSOCKET_TEMPLATE`: `template_fd` is a socket the caller made with
/// socket(2), for a stackfs mounted with `seccomp=template`.
pub(crate) const MSOCKET_TEMPLATE: u32 = 2;

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
        ..Default::default()
    };
    // SAFETY: `args` has no path.
    let fd = unsafe { socket_ioctl(&mut args)? };
    // SAFETY: the ioctl installed a new socket fd for the caller.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// msocket on the fd `stack` kept open for writing on the stack file
/// `dev`/`ino` (a default stack's), as libmsocket's `msocket_stack_fd()`:
/// `STACKFS_IOC_SOCKET` with `STACKFS_SOCKET_EXPECT` and the file's tag,
/// or `MSOCKET_IOC_SOCKET` with `MSOCKET_EXPECT_STACK` for arguments that
/// do not fit it (and under seccomp, where only that one takes a template
/// socket). `ESTALE` if the fd is no longer that stack file, linked; an
/// `ENOTTY` or `EINVAL` from an fd that fstat shows to be another file is
/// `ESTALE` too (the answer of whatever file is there now, not the
/// kernel's about the stack).
pub(crate) fn msocket_kept(
    stack: BorrowedFd<'_>,
    dev: u64,
    ino: u64,
    domain: i32,
    type_: i32,
    protocol: i32,
) -> io::Result<OwnedFd> {
    let Some(arg) = stack_ioctl_arg(dev, ino, domain, type_, protocol) else {
        return msocket_expect(stack, dev, ino, domain, type_, protocol);
    };
    match stack_socket(stack, arg, type_) {
        Ok(Some(fd)) => Ok(fd),
        Ok(None) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        Err(e)
            if matches!(e.raw_os_error(), Some(libc::ENOTTY | libc::EINVAL))
                && !same_file(stack, dev, ino) =>
        {
            Err(io::Error::from_raw_os_error(libc::ESTALE))
        }
        Err(e) if e.raw_os_error() == Some(libc::EPERM) && under_seccomp() => {
            msocket_expect(stack, dev, ino, domain, type_, protocol)
        }
        Err(e) => Err(e),
    }
}

/// Whether `fd` is still open on the file `dev`/`ino`.
fn same_file(fd: BorrowedFd<'_>, dev: u64, ino: u64) -> bool {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is a writable struct stat.
    if unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) } < 0 {
        return false;
    }
    // SAFETY: fstat succeeded, so it filled `st`.
    let st = unsafe { st.assume_init() };
    st.st_dev == dev && st.st_ino == ino
}

/// Whether this process is under seccomp (a filter, or strict mode). A
/// filter cannot be taken off, so a yes is kept.
pub(crate) fn under_seccomp() -> bool {
    use std::sync::atomic::{AtomicBool, Ordering};
    static SECCOMP: AtomicBool = AtomicBool::new(false);

    if !SECCOMP.load(Ordering::Relaxed) {
        // SAFETY: PR_GET_SECCOMP takes no pointers.
        if unsafe { libc::prctl(libc::PR_GET_SECCOMP) } != 0 {
            SECCOMP.store(true, Ordering::Relaxed);
        }
    }
    SECCOMP.load(Ordering::Relaxed)
}

/// `MSOCKET_IOC_SOCKET` with `args` on this process's `/dev/msocket`:
/// the new fd, or the kernel's answer for SOCK_DEFAULT (0). Under seccomp,
/// an `EPERM` is retried once with a template socket (`MSOCKET_TEMPLATE`),
/// as libmsocket does: a socket of the same family, type and protocol that
/// this process makes with socket(2), so that its seccomp filter decides
/// (a stackfs mounted with `seccomp=template` takes it; its errno, such as
/// `EAFNOSUPPORT` from `RestrictAddressFamilies=`, is the call's).
///
/// # Safety
///
/// `args.path` is 0 or a NUL-terminated string that outlives the call.
unsafe fn socket_ioctl(args: &mut MsocketArgs) -> io::Result<i32> {
    let dev = device()?;
    // SAFETY: `args` is a complete struct msocket_args of the size it
    // says, and its path is as the caller guarantees.
    let ret = unsafe {
        ioctl(
            dev.as_raw_fd(),
            MSOCKET_IOC_SOCKET,
            (args as *mut MsocketArgs).cast(),
        )
    };
    match ret {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) && args.type_ != 0 && under_seccomp() => {}
        other => return other,
    }
    let template = socket_raw(
        args.domain,
        (args.type_ & !(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)) | libc::SOCK_CLOEXEC,
        args.protocol,
    )?;
    let mut with = MsocketArgs {
        size: MSOCKET_ARGS_SIZE_VER2,
        flags: args.flags | MSOCKET_TEMPLATE,
        template_fd: template.as_raw_fd(),
        path: args.path,
        stack_dev: args.stack_dev,
        stack_ino: args.stack_ino,
        ..*args
    };
    // SAFETY: as above; the template fd stays open until after the call.
    unsafe {
        ioctl(
            dev.as_raw_fd(),
            MSOCKET_IOC_SOCKET,
            (&mut with as *mut MsocketArgs).cast(),
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
        ("STACKFS_IOC_SOCKET", STACKFS_IOC_SOCKET.into()),
        ("STACKFS_SOCKET_PROTOCOL_MAX", STACKFS_SOCKET_PROTOCOL_MAX),
        ("STACKFS_SOCKET_DOMAIN_MAX", STACKFS_SOCKET_DOMAIN_MAX),
        ("STACKFS_SOCKET_TYPE_MAX", STACKFS_SOCKET_TYPE_MAX),
        ("STACKFS_SOCKET_NONBLOCK", STACKFS_SOCKET_NONBLOCK),
        ("STACKFS_SOCKET_CLOEXEC", STACKFS_SOCKET_CLOEXEC),
        ("STACKFS_SOCKET_EXPECT", STACKFS_SOCKET_EXPECT),
        ("S_IFSTACK", crate::S_IFSTACK.into()),
        ("SOCK_DEFAULT", crate::SOCK_DEFAULT as u64),
        ("STACKFS_MAGIC", crate::STACKFS_MAGIC as u64),
        ("MSOCKET_ARGS_SIZE_VER0", MSOCKET_ARGS_SIZE_VER0.into()),
        ("MSOCKET_ARGS_SIZE_VER1", MSOCKET_ARGS_SIZE_VER1.into()),
        ("MSOCKET_ARGS_SIZE_VER2", MSOCKET_ARGS_SIZE_VER2.into()),
        ("MSOCKET_EXPECT_STACK", MSOCKET_EXPECT_STACK.into()),
        ("MSOCKET_TEMPLATE", MSOCKET_TEMPLATE.into()),
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
            "offsetof(struct msocket_args, template_fd)",
            offset_of!(MsocketArgs, template_fd) as u64,
        ),
        (
            "offsetof(struct msocket_args, __reserved)",
            offset_of!(MsocketArgs, reserved) as u64,
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
        // The macros with arguments, on samples: both halves of a 64-bit
        // st_ino, st_dev with bits above 32 (dropped) and in both 16-bit
        // halves (swapped), fields beyond their masks.
        ("STACKFS_SOCKET_TAG(0ULL, 0ULL)", stackfs_socket_tag(0, 0).into()),
        (
            "STACKFS_SOCKET_TAG(0x803ULL, 0x123456789ULL)",
            stackfs_socket_tag(0x803, 0x1_2345_6789).into(),
        ),
        (
            "STACKFS_SOCKET_TAG(0xfedcba9876543210ULL, 0x9abcdef012345678ULL)",
            stackfs_socket_tag(0xfedc_ba98_7654_3210, 0x9abc_def0_1234_5678).into(),
        ),
        (
            "STACKFS_SOCKET_TAG(0x10300003ULL, 0xffffffffffffffffULL)",
            stackfs_socket_tag(0x1030_0003, u64::MAX).into(),
        ),
        (
            "STACKFS_SOCKET_ARG(10, 5, 0x84)",
            stackfs_socket_arg(10, 5, 0x84),
        ),
        (
            "STACKFS_SOCKET_ARG(0x1ff, 0x1f, 0x12345)",
            stackfs_socket_arg(0x1ff, 0x1f, 0x12345),
        ),
        // What libmsocket's stack_ioctl_arg() sends for a kept fd.
        (
            "STACKFS_SOCKET_ARG(2, 1, 6) | STACKFS_SOCKET_EXPECT | STACKFS_SOCKET_NONBLOCK \
             | STACKFS_SOCKET_CLOEXEC | (unsigned long)STACKFS_SOCKET_TAG(0x803ULL, 0x123456789ULL) << 32",
            stack_ioctl_arg(
                0x803,
                0x1_2345_6789,
                2,
                1 | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                6,
            )
            .map_or(0, u64::from),
        ),
        (
            "STACKFS_SOCKET_ARG(16, 3, 0) | STACKFS_SOCKET_EXPECT \
             | (unsigned long)STACKFS_SOCKET_TAG(0xfd00ULL, 0x2ULL) << 32",
            stack_ioctl_arg(0xfd00, 2, 16, 3, 0).map_or(0, u64::from),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ns_get_id_is_nsfs_ioctl_13() {
        assert_eq!(NS_GET_ID, 0x8008_b70d);
        assert_eq!(STACKFS_IOC_SOCKET, 0xb912);
    }

    #[test]
    fn stack_arg_refuses_what_does_not_fit() {
        assert_eq!(
            stack_arg(libc::AF_INET, libc::SOCK_STREAM, 0),
            Some(0x0102_0000)
        );
        assert_eq!(stack_arg(libc::AF_INET, -1, 0), None);
        assert_eq!(stack_arg(256, libc::SOCK_DGRAM, 0), None);
        assert_eq!(stack_arg(-1, libc::SOCK_DGRAM, 0), None);
        assert_eq!(stack_arg(libc::AF_INET, libc::SOCK_DGRAM, 0x10000), None);
        assert_eq!(stack_arg(libc::AF_INET, libc::SOCK_DGRAM, -1), None);
        assert_eq!(stack_arg(libc::AF_INET, 16, 0), None);
        // SOCK_DEFAULT (0) fits: the check by fd.
        assert_eq!(stack_arg(libc::AF_UNSPEC, 0, 0), Some(0));
        let with_tag = stack_ioctl_arg(1, 2, libc::AF_UNIX, libc::SOCK_DGRAM, 0).unwrap();
        assert_eq!(with_tag & 0xffff_ffff, 0x4201_0000 | 0x0200_0000);
        assert_eq!(with_tag >> 32, u64::from(stackfs_socket_tag(1, 2)));
    }
}
