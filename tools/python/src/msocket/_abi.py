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
# s32 s32 s32 s32), path, stack_dev, stack_ino (aligned u64).
ARGS = struct.Struct("=IIiiiiQQQ")
ARGS_SIZE_VER0 = 32
ARGS_SIZE_VER1 = 48
EXPECT_STACK = 0x1

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
SIOCGSKNS = 0x894C
SO_NETNS_COOKIE = 71


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
    or 0 for SOCK_DEFAULT). If the program closed our /dev/msocket fd or
    put another file on its number, a fresh one is opened (the other file
    is left alone)."""
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
    return ARGS.pack(size, flags, dirfd, domain, type, proto, path, dev, ino)


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
        "S_IFSTACK": S_IFSTACK,
        "SOCK_DEFAULT": SOCK_DEFAULT,
        "STACKFS_MAGIC": STACKFS_MAGIC,
        "MSOCKET_ARGS_SIZE_VER0": ARGS_SIZE_VER0,
        "MSOCKET_ARGS_SIZE_VER1": ARGS_SIZE_VER1,
        "MSOCKET_EXPECT_STACK": EXPECT_STACK,
        "AT_FDCWD": AT_FDCWD & 0xFFFFFFFFFFFFFFFF,
        "AT_EMPTY_PATH": AT_EMPTY_PATH,
        "SIOCGSKNS": SIOCGSKNS,
        "SO_NETNS_COOKIE": SO_NETNS_COOKIE,
        "sizeof(struct msocket_args)": ARGS.size,
    }
