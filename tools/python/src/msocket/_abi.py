# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernel ABI of msocket, mirrored from uapi/linux/msocket.h (the host
tests compare it with the C header), and the raw calls on it."""

import errno
import fcntl
import os
import stat
import struct
import threading

S_IFSTACK = 0o160000
SOCK_DEFAULT = 0
STACKFS_MAGIC = 0x6D736B74
DEVICE = "/dev/msocket"

# struct msocket_args: size, flags, dirfd, domain, type, protocol (u32 u32
# s32 s32 s32 s32), path, stack_dev, stack_ino (aligned u64), template_fd,
# __reserved (s32 u32).
ARGS = struct.Struct("=IIiiiiQQQiI")
ARGS_SIZE_VER0 = 32
ARGS_SIZE_VER1 = 48
ARGS_SIZE_VER2 = 56
EXPECT_STACK = 0x1
TEMPLATE = 0x2

AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000

_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2
_MAGIC = 0xB9


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (_MAGIC << 8) | nr


MSOCKET_IOC_SOCKET = _ioc(_IOC_WRITE, 0x01, ARGS_SIZE_VER0)
MSOCKET_IOC_MKSTACK = _ioc(_IOC_WRITE, 0x02, 32)
STACKFS_IOC_NETNS_FD = _ioc(_IOC_NONE, 0x10, 0)
STACKFS_IOC_NETNS_ID = _ioc(_IOC_READ, 0x11, 8)
STACKFS_IOC_SOCKET = _ioc(_IOC_NONE, 0x12, 0)
SIOCGSKNS = 0x894C
SO_NETNS_COOKIE = 71
# NS_GET_ID of linux/nsfs.h, _IOR(0xb7, 13, __u64): the 64-bit id of the
# namespace of an nsfs fd (what STACKFS_IOC_NETNS_ID gives, listns(2) lists).
NS_GET_ID = (_IOC_READ << 30) | (8 << 16) | (0xB7 << 8) | 13
# NS_GET_NSTYPE of linux/nsfs.h: the CLONE_NEW* type of an nsfs fd's namespace.
NS_GET_NSTYPE = (_IOC_NONE << 30) | (0xB7 << 8) | 3
CLONE_NEWNET = 0x40000000


def nsfs_type(fd):
    """The CLONE_NEW* type of the namespace of the nsfs fd *fd*, or None if
    *fd* is not an nsfs fd."""
    try:
        return fcntl.ioctl(fd, NS_GET_NSTYPE, 0)
    except OSError:
        return None

# The argument of STACKFS_IOC_SOCKET (an ioctl of an fd open for writing on
# the stack file): protocol, domain and type packed, flags, and with
# SOCKET_EXPECT the stack file's tag in bits 32-63.
SOCKET_PROTOCOL_MAX = 0xFFFF
SOCKET_DOMAIN_MAX = 0xFF
SOCKET_TYPE_MAX = 0xF
SOCKET_NONBLOCK = 1 << 28
SOCKET_CLOEXEC = 1 << 29
SOCKET_EXPECT = 1 << 30


def socket_arg(domain, type, protocol):
    """STACKFS_SOCKET_ARG(domain, type, protocol)."""
    return (((type & SOCKET_TYPE_MAX) << 24) | ((domain & SOCKET_DOMAIN_MAX) << 16)
            | (protocol & SOCKET_PROTOCOL_MAX))


def socket_tag(dev, ino):
    """STACKFS_SOCKET_TAG(dev, ino): the 32-bit tag of the stack file whose
    st_dev and st_ino these are."""
    dev &= 0xFFFFFFFF
    return ((ino & 0xFFFFFFFF) ^ ((ino >> 32) & 0xFFFFFFFF)
            ^ (((dev << 16) | (dev >> 16)) & 0xFFFFFFFF))


def stack_ioctl_arg(dev, ino, domain, type, proto):
    """The argument of STACKFS_IOC_SOCKET with SOCKET_EXPECT and the tag of
    the stack file *dev*/*ino*, as libmsocket's stack_ioctl_arg() makes it;
    None for arguments it cannot carry (a protocol above 16 bits, a family
    above 8, flags beyond SOCK_NONBLOCK and SOCK_CLOEXEC, type -1)."""
    import socket as _socket

    flags = _socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC
    base = type & ~flags
    if not (0 <= domain <= SOCKET_DOMAIN_MAX and 0 <= proto <= SOCKET_PROTOCOL_MAX
            and 0 <= base <= SOCKET_TYPE_MAX):
        return None
    arg = socket_arg(domain, base, proto) | SOCKET_EXPECT | (socket_tag(dev, ino) << 32)
    if type & _socket.SOCK_NONBLOCK:
        arg |= SOCKET_NONBLOCK
    if type & _socket.SOCK_CLOEXEC:
        arg |= SOCKET_CLOEXEC
    return arg


# The largest integer argument fcntl.ioctl() passes (it converts it to a C
# int): the argument of STACKFS_IOC_SOCKET without SOCKET_EXPECT takes bits
# 0-29 only, so it always fits; one that did not would go by
# MSOCKET_IOC_SOCKET.
IOCTL_INT_MAX = 2**31 - 1


def stack_arg(domain, type, proto):
    """The argument of STACKFS_IOC_SOCKET without SOCKET_EXPECT, as a Stack
    open for writing sends it; None for arguments it cannot carry (a
    protocol above 16 bits, a family above 8, flags beyond SOCK_NONBLOCK
    and SOCK_CLOEXEC, type -1) or that fcntl.ioctl() cannot pass."""
    import socket as _socket

    base = type & ~(_socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC)
    if not (0 <= domain <= SOCKET_DOMAIN_MAX and 0 <= proto <= SOCKET_PROTOCOL_MAX
            and 0 <= base <= SOCKET_TYPE_MAX):
        return None
    arg = socket_arg(domain, base, proto)
    if type & _socket.SOCK_NONBLOCK:
        arg |= SOCKET_NONBLOCK
    if type & _socket.SOCK_CLOEXEC:
        arg |= SOCKET_CLOEXEC
    return arg if arg <= IOCTL_INT_MAX else None


def socket_route(writable, domain, type, proto):
    """How a Stack makes a socket: the argument of STACKFS_IOC_SOCKET on its
    fd open for writing, or None for MSOCKET_IOC_SOCKET by the fd (an
    O_PATH fd, or arguments the packed one cannot carry)."""
    return stack_arg(domain, type, proto) if writable else None


def stack_socket(stack_fd, writable, domain, type, proto):
    """msocket on the stack file open as *stack_fd*: STACKFS_IOC_SOCKET if
    the fd is open for writing and the arguments fit (under seccomp, an
    EPERM is retried by MSOCKET_IOC_SOCKET, which takes a template socket),
    else MSOCKET_IOC_SOCKET by the fd (the kernel opens an O_PATH fd for
    writing for the call). A new fd, or 0 for SOCK_DEFAULT."""
    arg = socket_route(writable, domain, type, proto)
    if arg is not None:
        try:
            return fcntl.ioctl(stack_fd, STACKFS_IOC_SOCKET, arg)
        except OSError as e:
            if e.errno != errno.EPERM or not _under_seccomp():
                raise
    return msocket_fd(stack_fd, domain, type, proto)


# O_EMPTYPATH (Linux 7.x): openat(fd, "", flags | O_EMPTYPATH) opens the file
# fd is open on (an O_PATH fd too) again, as /proc/self/fd/N does. Older
# kernels ignore the flag, and the empty path is ENOENT.
O_EMPTYPATH = 0o400000000


def reopen_for_writing(fd):
    """The file *fd* is open on (a stack file, checked by fstat) opened for
    writing, O_CLOEXEC: by O_EMPTYPATH, else through /proc/self/fd. Never by
    path: the file there may be another one by now."""
    flags = os.O_WRONLY | os.O_CLOEXEC
    try:
        return os.open("", flags | O_EMPTYPATH, dir_fd=fd)
    except FileNotFoundError:
        return os.open("/proc/self/fd/%d" % fd, flags)


def keeps_path_fd(code):
    """Whether the errno *code* of reopen_for_writing() leaves a Stack with
    its O_PATH fd, each call then checked (and refused) by the kernel: the
    caller may not open the file for writing (EACCES: no w, or an LSM;
    EPERM; EROFS: a read-only mount), or there is no way to reopen it
    (ENOENT: no O_EMPTYPATH and no /proc)."""
    return code in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT)


def open_stack(path):
    """(fd, writable) of the stack file *path*: opened O_PATH, checked to be
    a stack file (EOPNOTSUPP otherwise: a FIFO or a device is never opened
    for writing), then opened for writing through that fd; if that is
    refused (keeps_path_fd), the O_PATH fd."""
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not is_stack(os.fstat(fd).st_mode):
            raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP), path)
        try:
            wfd = reopen_for_writing(fd)
        except OSError as e:
            if not keeps_path_fd(e.errno):
                raise
            return fd, False
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return wfd, True


# Whether fcntl.ioctl() passes an integer argument above 2**31 - 1 (no
# Python up to 3.13 does: it converts the argument to a C int and raises
# OverflowError, before any system call). Without that, the tag of
# STACKFS_SOCKET_EXPECT cannot be sent, and MSOCKET_IOC_SOCKET (with
# MSOCKET_EXPECT_STACK) takes its place.
_wide_ioctl_arg = True


def _same_file(fd, dev, ino):
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def msocket_kept(stack_fd, dev, ino, domain, type, proto):
    """msocket on the fd *stack_fd* kept open for writing on the stack file
    *dev*/*ino*, as libmsocket's msocket_stack_fd(): STACKFS_IOC_SOCKET on
    the fd with STACKFS_SOCKET_EXPECT and the file's tag, or, for arguments
    that do not fit it (or a Python whose ioctl cannot pass them),
    MSOCKET_IOC_SOCKET with MSOCKET_EXPECT_STACK. ESTALE if the fd is no
    longer that stack file, linked; ENOTTY or EINVAL from an fd that fstat
    shows to be another file is ESTALE too (the answer of whatever file is
    there now, not the kernel's about the stack)."""
    global _wide_ioctl_arg
    arg = stack_ioctl_arg(dev, ino, domain, type, proto) if _wide_ioctl_arg else None
    if arg is not None:
        try:
            return fcntl.ioctl(stack_fd, STACKFS_IOC_SOCKET, arg)
        except OverflowError:
            _wide_ioctl_arg = False
        except OSError as e:
            if e.errno in (errno.ENOTTY, errno.EINVAL) and not _same_file(stack_fd, dev, ino):
                raise OSError(errno.ESTALE, os.strerror(errno.ESTALE)) from None
            if e.errno != errno.EPERM or not _under_seccomp():
                raise
    return msocket_expect(stack_fd, dev, ino, domain, type, proto)


_seccomp = False


def _under_seccomp():
    """Whether this process is under seccomp (the Seccomp: line of
    /proc/self/status; a filter cannot be taken off, so a yes is kept)."""
    global _seccomp
    if not _seccomp:
        try:
            with open("/proc/self/status", "rb") as f:
                for line in f:
                    if line.startswith(b"Seccomp:"):
                        _seccomp = line.split()[1] != b"0"
                        break
        except (OSError, IndexError):
            pass
    return _seccomp


def is_stack(mode):
    """Whether *mode* (an st_mode) is that of a stack file."""
    return stat.S_IFMT(mode) == S_IFSTACK


_device_lock = threading.Lock()
_device = None  # (fd, st_rdev) of /dev/msocket, opened once


def _open_device():
    global _device
    try:
        fd = os.open(DEVICE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
            raise OSError(errno.ENOSYS, "msocket: the module is not loaded (no %s)" % DEVICE) from None
        raise
    _device = (fd, os.fstat(fd).st_rdev)
    return fd


def _device_fd():
    dev = _device
    if dev is not None:
        return dev[0]
    with _device_lock:
        return _device[0] if _device is not None else _open_device()


def _device_is(fd):
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and _device is not None and st.st_rdev == _device[1]


def msocket_ioctl(args):
    """MSOCKET_IOC_SOCKET with the packed struct *args*: its result (an fd,
    or 0 for SOCK_DEFAULT). Under seccomp, an EPERM is retried once with a
    template socket (MSOCKET_TEMPLATE), as libmsocket does: a socket of the
    same family, type and protocol made here with socket(2), so that the
    seccomp filter decides (a stackfs mounted with "seccomp=template" takes
    it; the filter's errno is the call's)."""
    try:
        return _device_ioctl(args)
    except OSError as e:
        fields = ARGS.unpack(args)
        size, flags, dirfd, domain, type, proto, path, dev, ino = fields[:9]
        if e.errno != errno.EPERM or type == SOCK_DEFAULT or not _under_seccomp():
            raise
    import socket as _socket

    base = type & ~(_socket.SOCK_NONBLOCK | _socket.SOCK_CLOEXEC)
    template = _socket.socket(domain, base, proto)
    try:
        return _device_ioctl(ARGS.pack(ARGS_SIZE_VER2, flags | TEMPLATE, dirfd, domain, type,
                                       proto, path, dev, ino, template.fileno(), 0))
    finally:
        template.close()


def _device_ioctl(args):
    """MSOCKET_IOC_SOCKET with *args* on this process's /dev/msocket. If the
    program closed our /dev/msocket fd or put another file on its number, a
    fresh one is opened (the other file is left alone)."""
    buf = bytearray(args)
    fd = _device_fd()
    try:
        return fcntl.ioctl(fd, MSOCKET_IOC_SOCKET, buf)
    except OSError as e:
        if e.errno not in (errno.EBADF, errno.ENOTTY, errno.EINVAL) or _device_is(fd):
            raise
    with _device_lock:
        if _device is None or _device[0] == fd:
            fd = _open_device()
        else:
            fd = _device[0]
    return fcntl.ioctl(fd, MSOCKET_IOC_SOCKET, buf)


def pack_args(flags, dirfd, domain, type, proto, path=0, dev=0, ino=0, size=ARGS_SIZE_VER0):
    return ARGS.pack(size, flags, dirfd, domain, type, proto, path, dev, ino, 0, 0)


def msocket_fd(stack_fd, domain, type, proto):
    """A socket (or SOCK_DEFAULT's 0) in the stack file opened as *stack_fd*."""
    return msocket_ioctl(pack_args(AT_EMPTY_PATH, stack_fd, domain, type, proto))


def msocket_expect(stack_fd, dev, ino, domain, type, proto):
    """The same with MSOCKET_EXPECT_STACK: ESTALE unless the fd still is
    the stack file *dev*/*ino*, linked."""
    return msocket_ioctl(pack_args(AT_EMPTY_PATH | EXPECT_STACK, stack_fd, domain, type, proto,
                                   0, dev, ino, ARGS_SIZE_VER1))


def msocket_path(path, domain, type, proto):
    """msocket by path: the path's bytes live in an array whose address
    the struct carries (no compiled code)."""
    import array

    raw = os.fsencode(path)
    if b"\0" in raw:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), path)
    buf = array.array("B", raw + b"\0")
    addr, _ = buf.buffer_info()
    result = msocket_ioctl(pack_args(0, AT_FDCWD, domain, type, proto, addr))
    del buf  # alive until here
    return result


def values():
    """The ABI values by the names of the C header, for the host tests."""
    return {
        "MSOCKET_IOC_SOCKET": MSOCKET_IOC_SOCKET,
        "MSOCKET_IOC_MKSTACK": MSOCKET_IOC_MKSTACK,
        "STACKFS_IOC_NETNS_FD": STACKFS_IOC_NETNS_FD,
        "STACKFS_IOC_NETNS_ID": STACKFS_IOC_NETNS_ID,
        "STACKFS_IOC_SOCKET": STACKFS_IOC_SOCKET,
        "STACKFS_SOCKET_PROTOCOL_MAX": SOCKET_PROTOCOL_MAX,
        "STACKFS_SOCKET_DOMAIN_MAX": SOCKET_DOMAIN_MAX,
        "STACKFS_SOCKET_TYPE_MAX": SOCKET_TYPE_MAX,
        "STACKFS_SOCKET_NONBLOCK": SOCKET_NONBLOCK,
        "STACKFS_SOCKET_CLOEXEC": SOCKET_CLOEXEC,
        "STACKFS_SOCKET_EXPECT": SOCKET_EXPECT,
        "S_IFSTACK": S_IFSTACK,
        "SOCK_DEFAULT": SOCK_DEFAULT,
        "STACKFS_MAGIC": STACKFS_MAGIC,
        "MSOCKET_ARGS_SIZE_VER0": ARGS_SIZE_VER0,
        "MSOCKET_ARGS_SIZE_VER1": ARGS_SIZE_VER1,
        "MSOCKET_ARGS_SIZE_VER2": ARGS_SIZE_VER2,
        "MSOCKET_EXPECT_STACK": EXPECT_STACK,
        "MSOCKET_TEMPLATE": TEMPLATE,
        "AT_FDCWD": AT_FDCWD & 0xFFFFFFFFFFFFFFFF,
        "AT_EMPTY_PATH": AT_EMPTY_PATH,
        "SIOCGSKNS": SIOCGSKNS,
        "SO_NETNS_COOKIE": SO_NETNS_COOKIE,
        "sizeof(struct msocket_args)": ARGS.size,
    }
