# SPDX-License-Identifier: LGPL-2.1-or-later
"""msocket: sockets in the network stacks of the msocket kernel module.

A network stack is a network namespace named in the file system by a stack
file, an S_IFSTACK inode of a stackfs (``mount -t stackfs none /dev/net``).
msocket makes the socket in the stack: the process and its threads never
change namespace (no setns, no ``ip netns exec``), so one program, one
thread even, serves and connects in any number of stacks at once::

    import msocket

    red = msocket.Stack("/dev/net/red")          # one fd, kept (open for writing if w allows)
    server = red.create_server(("10.0.0.1", 8080))
    conn = msocket.Stack("/dev/net/blue").create_connection(("10.0.0.1", 8080))
    udp = red.socket(socket.AF_INET, socket.SOCK_DGRAM)

The sockets are ordinary :class:`socket.socket` objects: selectors,
asyncio, ssl and socketserver take them as they are; asyncio in one line::

    reader, writer = await red.open_connection("10.0.0.1", 8080)
    server = await blue.start_server(handle, "10.0.0.2", 8080)

pyroute2 configures a stack with no setns and no fork, through a netlink
socket made there: ``IPRoute(fileno=red.socket(socket.AF_NETLINK,
socket.SOCK_RAW, socket.NETLINK_ROUTE).detach())``.

Errors are :class:`OSError` with the errno (Python raises the subclasses:
FileNotFoundError for ENOENT, PermissionError for EACCES...): ENOENT (no
such stack file), EOPNOTSUPP (not a stack file), EACCES (no write
permission on the stack file, or no search permission on a directory of
its path), EAFNOSUPPORT (the stack has no such family), EINVAL (a bad
type; SOCK_DEFAULT to socket()), EPERM, EPROTONOSUPPORT... as socket(2)
gives them in the stack (raw sockets need CAP_NET_RAW there), and ENOSYS
when the msocket module is not loaded.

Default stacks: each address family has one, initially the native stack
(the process's own namespace), kept in the environment variable
MSOCKET_DEFAULTS as libmsocket keeps them, so that child processes (and
libmsocket's socket() in this process) follow them. :func:`socket`,
:func:`create_connection` and :func:`create_server` of this module use
them; :func:`set_default_stack` and :func:`default_stack` set and read
them.
"""

import errno
import os
import socket as _socket
import stat
import struct
import threading

from . import _abi
from ._abi import DEVICE, S_IFSTACK, SOCK_DEFAULT, STACKFS_MAGIC, is_stack
from ._defaults import ENV as DEFAULTS_ENV
from ._defaults import FAMILIES, Defaults, ParseError, family_name, family_parse

__all__ = [
    "Stack", "socket", "create_connection", "create_server", "open_connection",
    "start_server", "default_stack",
    "set_default_stack", "socket_netns_cookie", "socket_netns_id", "nsfs_id", "is_stack",
    "Defaults", "ParseError", "family_name", "family_parse", "DEFAULTS_ENV",
    "DEVICE", "S_IFSTACK", "SOCK_DEFAULT", "STACKFS_MAGIC", "FAMILIES",
]
__version__ = "0.1.0"

_TYPE_FLAGS = _socket.SOCK_CLOEXEC | _socket.SOCK_NONBLOCK


def _error(code, filename=None):
    return OSError(code, os.strerror(code), *([filename] if filename is not None else []))


def _wrap(fd, family, type, proto):
    """A socket.socket for the new fd *fd*, blocking or not as *type* says
    (and following socket.setdefaulttimeout(), as socket.socket does)."""
    try:
        return _socket.socket(family, type, proto, fileno=fd)
    except BaseException:
        os.close(fd)
        raise


class _Maker:
    """create_server and create_connection on top of self.socket()."""

    def create_connection(self, address, timeout=_socket._GLOBAL_DEFAULT_TIMEOUT,
                          source_address=None):
        """A TCP connection from this stack to *address* (host, port), as
        :func:`socket.create_connection`: every address the host name
        resolves to (by the resolver of the native stack) is tried in
        turn."""
        host, port = address
        err = None
        for family, type, proto, _, sa in _socket.getaddrinfo(host, port, 0,
                                                              _socket.SOCK_STREAM):
            sock = None
            try:
                sock = self.socket(family, type, proto)
                if timeout is not _socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sa)
                err = None
                return sock
            except OSError as e:
                err = e
                if sock is not None:
                    sock.close()
        if err is not None:
            try:
                raise err
            finally:
                err = None
        raise OSError("getaddrinfo returns an empty list")

    async def open_connection(self, host, port, *, limit=2 ** 16, **kwds):
        """asyncio's :func:`asyncio.open_connection` from this stack: a
        (StreamReader, StreamWriter) pair connected to *host*, *port*. The
        name is resolved without blocking the loop (by the native stack's
        resolver), and every address is tried in turn; *kwds* (ssl,
        server_hostname...) go to asyncio."""
        import asyncio

        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=_socket.SOCK_STREAM)
        err = None
        for family, type, proto, _, sa in infos:
            sock = self.socket(family, type | _socket.SOCK_NONBLOCK, proto)
            try:
                await loop.sock_connect(sock, sa)
            except OSError as e:
                sock.close()
                err = e
                continue
            except BaseException:
                sock.close()
                raise
            return await asyncio.open_connection(sock=sock, limit=limit, **kwds)
        if err is not None:
            raise err
        raise OSError("getaddrinfo returns an empty list")

    async def start_server(self, client_connected_cb, host=None, port=0, *,
                           family=_socket.AF_INET, backlog=100, reuse_port=False, **kwds):
        """asyncio's :func:`asyncio.start_server` listening in this stack on
        *host* (None: every address of *family*), *port*: an
        :class:`asyncio.Server` whose connections run
        *client_connected_cb(reader, writer)*; *kwds* (ssl, limit...) go to
        asyncio."""
        import asyncio

        address = ("" if host is None else host, port)
        sock = self.create_server(address, family=family, backlog=backlog,
                                  reuse_port=reuse_port)
        try:
            sock.setblocking(False)
            return await asyncio.start_server(client_connected_cb, sock=sock, **kwds)
        except BaseException:
            sock.close()
            raise

    def create_server(self, address, *, family=_socket.AF_INET, backlog=None,
                      reuse_port=False, dualstack_ipv6=False):
        """A listening TCP socket of this stack bound to *address*, as
        :func:`socket.create_server` (SO_REUSEADDR set; *dualstack_ipv6*
        with family AF_INET6 takes IPv4 too)."""
        if reuse_port and not hasattr(_socket, "SO_REUSEPORT"):
            raise ValueError("SO_REUSEPORT not supported on this platform")
        if dualstack_ipv6 and family != _socket.AF_INET6:
            raise ValueError("dualstack_ipv6 requires AF_INET6 family")
        sock = self.socket(family, _socket.SOCK_STREAM)
        try:
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT, 1)
            if family == _socket.AF_INET6:
                sock.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 0 if dualstack_ipv6 else 1)
            sock.bind(address)
            if backlog is None:
                sock.listen()
            else:
                sock.listen(backlog)
            return sock
        except BaseException:
            sock.close()
            raise


class Stack(_Maker):
    """A network stack, opened from its stack file *path* (str, bytes or
    path-like): an fd of the file, opened once, by which every socket
    names the stack, so it keeps naming the same stack if the file is
    renamed. Using a stack is opening its file for writing. The file is
    opened O_PATH, checked to be a stack file (a FIFO or a device is never
    opened for writing), then opened for writing through that fd when the
    w bit and every LSM allow: that fd is a capability, as any file open
    for writing is, which a later chmod does not take back (close() gives
    it up), and sockets are made with it (STACKFS_IOC_SOCKET). If the open
    for writing is refused (EACCES, EPERM, EROFS), the Stack keeps the
    O_PATH fd, through which the kernel opens the file for writing for each
    socket, so each is checked (and refused) when it is made. Usable from
    any number of threads; a context manager.

    Raises OSError: those of open(2) (ENOENT, EACCES on a directory...),
    EOPNOTSUPP if *path* is not a stack file.
    """

    def __init__(self, path):
        self._path = os.fspath(path)
        self._fd = -1
        self._fd, self._writable = _abi.open_stack(self._path)

    @classmethod
    def from_fd(cls, fd):
        """A Stack from an fd the caller holds (received with SCM_RIGHTS,
        inherited, from systemd): a stack file's, open for writing (the
        capability, :attr:`writable`), read-only or O_PATH (then the kernel
        checks each call); or a network namespace's nsfs fd
        (``/proc/PID/ns/net``, ``/run/netns/NAME``), which msocket takes with
        setns(2)'s privilege (CAP_SYS_ADMIN over the namespace; EPERM at
        each socket otherwise). The fd is duplicated: the caller keeps its
        own. :attr:`path` is None.

        Raises OSError: EBADF; EOPNOTSUPP for any other file."""
        import fcntl

        dup = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 0)
        try:
            flags = fcntl.fcntl(dup, fcntl.F_GETFL)
            if is_stack(os.fstat(dup).st_mode):
                writable = not flags & os.O_PATH and flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)
            elif not flags & os.O_PATH and _abi.nsfs_type(dup) == _abi.CLONE_NEWNET:
                writable = False
            else:
                raise _error(errno.EOPNOTSUPP)
        except BaseException:
            os.close(dup)
            raise
        stack = cls.__new__(cls)
        stack._path, stack._fd, stack._writable = None, dup, bool(writable)
        return stack

    @property
    def path(self):
        """The path the stack was opened with (None for :meth:`from_fd`)."""
        return self._path

    @property
    def closed(self):
        return self._fd < 0

    @property
    def writable(self):
        """Whether the stack's fd is open for writing (the permission to
        make sockets, checked when the Stack was opened); else it is O_PATH
        and each call is checked."""
        return self._writable

    def fileno(self):
        """The fd of the stack file: open for writing (STACKFS_IOC_SOCKET),
        or O_PATH (for msocket's AT_EMPTY_PATH); see :attr:`writable`."""
        if self._fd < 0:
            raise ValueError("I/O operation on a closed Stack")
        return self._fd

    def close(self):
        """Closes the stack's fd; its sockets are not affected."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_fd", -1) >= 0:
            self.close()

    def __repr__(self):
        what = repr(self._path) if self._path is not None else "fd %d" % self._fd
        return "<msocket.Stack %s%s>" % (what, " closed" if self.closed else "")

    def socket(self, family=_socket.AF_INET, type=_socket.SOCK_STREAM, proto=0):
        """A new :class:`socket.socket` in this stack: socket(2) there.
        *type* may include SOCK_NONBLOCK (and SOCK_CLOEXEC, always added:
        Python's sockets are not inherited by exec)."""
        if type & ~_TYPE_FLAGS == SOCK_DEFAULT:
            raise _error(errno.EINVAL)
        fd = self._msocket(family, type | _socket.SOCK_CLOEXEC, proto)
        return _wrap(fd, family, type, proto)

    def _msocket(self, family, type, proto):
        return _abi.stack_socket(self.fileno(), self._writable, family, type, proto)

    def check(self, family=_socket.AF_UNSPEC):
        """Checks, as msocket's SOCK_DEFAULT does, that the caller may make
        sockets of *family* (AF_UNSPEC: of any) in this stack: OSError
        EACCES, EAFNOSUPPORT... otherwise."""
        self._msocket(family, SOCK_DEFAULT, 0)

    def supports(self, family):
        """Whether the stack has *family* (probed with socket type -1)."""
        try:
            fd = self._msocket(family, -1, 0)
        except OSError as e:
            if e.errno == errno.EINVAL:
                return True
            if e.errno == errno.EAFNOSUPPORT:
                return False
            raise
        os.close(fd)
        return True

    def _open_for_reading(self):
        try:
            return os.open("/proc/self/fd/%d" % self.fileno(), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if self._path is None:
                raise
            return os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)

    def netns_id(self):
        """The id of the stack's network namespace (STACKFS_IOC_NETNS_ID;
        needs read permission on the stack file): its 64-bit namespace id,
        the one NS_GET_ID (linux/nsfs.h) gives for its nsfs files and
        listns(2) lists, never reused while the system runs; comparable with
        :func:`socket_netns_id`. Not the nsfs inode number (the N of
        net:[N] in /proc/PID/ns/net and lsns)."""
        import fcntl

        fd = self._open_for_reading()
        try:
            buf = bytearray(8)
            fcntl.ioctl(fd, _abi.STACKFS_IOC_NETNS_ID, buf)
            return struct.unpack("=Q", buf)[0]
        finally:
            os.close(fd)

    def netns_fd(self):
        """A new nsfs fd of the stack's namespace (STACKFS_IOC_NETNS_FD), for
        setns(2) or iproute2; needs read permission on the stack file and
        CAP_NET_ADMIN over the namespace. The caller closes it."""
        import fcntl

        fd = self._open_for_reading()
        try:
            return fcntl.ioctl(fd, _abi.STACKFS_IOC_NETNS_FD, 0)
        finally:
            os.close(fd)

    def netns_cookie(self):
        """The cookie of the stack's namespace (SO_NETNS_COOKIE of a socket
        made in it): comparable with :func:`socket_netns_cookie`."""
        with self.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM) as s:
            return socket_netns_cookie(s)


def socket_netns_cookie(sock):
    """The cookie of the namespace the socket *sock* belongs to
    (SO_NETNS_COOKIE, Linux 5.14): unique in this boot, readable by
    anyone."""
    raw = sock.getsockopt(_socket.SOL_SOCKET, _abi.SO_NETNS_COOKIE, 8)
    return struct.unpack("=Q", raw)[0]


def nsfs_id(fd):
    """The 64-bit id of the namespace of the nsfs fd *fd* (NS_GET_ID of
    linux/nsfs.h): what :meth:`Stack.netns_id` gives, not the inode number.
    OSError ENOTTY on kernels without namespace ids (before Linux 6.18)."""
    import fcntl

    buf = bytearray(8)
    fcntl.ioctl(fd, _abi.NS_GET_ID, buf)
    return struct.unpack("=Q", buf)[0]


def socket_netns_id(sock):
    """The id of the namespace the socket *sock* belongs to: NS_GET_ID on
    the nsfs fd SIOCGSKNS gives, the namespace's 64-bit id, comparable
    with :meth:`Stack.netns_id` (not the nsfs inode number of net:[N]);
    needs CAP_NET_ADMIN over that namespace."""
    import fcntl

    ns = fcntl.ioctl(sock.fileno(), _abi.SIOCGSKNS, 0)
    try:
        return nsfs_id(ns)
    finally:
        os.close(ns)


# --- default stacks ----------------------------------------------------------

_defaults_lock = threading.Lock()
# The fds kept open for writing on the stack files of the defaults, as
# libmsocket keeps them: path -> (fd, st_dev, st_ino), for the value of the
# variable in _kept_for; dropped when the variable changes.
_kept = {}
_kept_for = None


def _current_defaults():
    try:
        return Defaults.from_env()
    except ParseError:
        raise _error(errno.EINVAL) from None


def default_stack(family=_socket.AF_INET):
    """The path of *family*'s default stack in this process's environment,
    or None for the native stack. OSError EINVAL if MSOCKET_DEFAULTS does
    not parse."""
    return _current_defaults().stack(family)


def set_default_stack(path, family=_socket.AF_UNSPEC):
    """Sets the default stack of *family* (AF_UNSPEC: of every family) to
    the stack file *path*, or to the native stack for None: this is
    ``msocket(path, family, SOCK_DEFAULT, 0)`` of libmsocket. The kernel
    first checks that the caller may use the stack for *family*; the path
    is stored canonical (realpath) in os.environ[MSOCKET_DEFAULTS], which
    children and libmsocket in this process see too.

    Raises OSError: those of :class:`Stack` and :meth:`Stack.check`,
    EAFNOSUPPORT for a family outside 0..63, EINVAL if the variable does not
    parse (unless *family* is AF_UNSPEC). Like any change of os.environ, not
    for threads that read the environment in C at the same moment."""
    if not 0 <= family < FAMILIES:
        raise _error(errno.EAFNOSUPPORT)
    canonical = None
    if path is not None:
        _abi.msocket_path(path, family, SOCK_DEFAULT, 0)
        canonical = os.path.realpath(path)
    with _defaults_lock:
        d = Defaults() if family == _socket.AF_UNSPEC else _current_defaults()
        d.set(family, canonical)
        d.export()


def _drop_kept():
    for fd, dev, ino in _kept.values():
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) == (dev, ino):
                os.close(fd)
        except OSError:
            pass
    _kept.clear()


def _kept_fd(path):
    """The fd kept on the stack file *path*, opened on first use; None if it
    cannot be opened (the call by path then gives the error). Locked."""
    global _kept_for
    value = os.environ.get(DEFAULTS_ENV)
    if value != _kept_for:
        _drop_kept()
        _kept_for = value
    k = _kept.get(path)
    if k is None:
        # Checked to be a stack file (O_PATH), then opened for writing
        # through that fd: the open for writing is the permission check
        # (the w bit, every LSM's); one that fails (EACCES, EROFS) leaves
        # the call to be made by path, which gives the kernel's error.
        try:
            fd, writable = _abi.open_stack(path)
        except OSError:
            return None
        if not writable:
            os.close(fd)
            return None
        st = os.fstat(fd)
        k = _kept[path] = (fd, st.st_dev, st.st_ino)
    return k


def socket(family=_socket.AF_INET, type=_socket.SOCK_STREAM, proto=0):
    """A socket of *family*'s default stack: ``msocket(NULL, ...)`` of
    libmsocket, or plain socket.socket() when the default is the native
    stack. Like libmsocket, the default's stack file is opened for writing
    once and kept, and sockets are made with that fd
    (STACKFS_IOC_SOCKET with STACKFS_SOCKET_EXPECT where the interpreter's
    fcntl.ioctl can pass the stack file's tag, else MSOCKET_IOC_SOCKET
    with MSOCKET_EXPECT_STACK): if the file was removed or replaced, or the
    fd closed, the kernel says so (ESTALE) and the call is made by path."""
    path = default_stack(family)
    if path is None:
        return _socket.socket(family, type, proto)
    if type & ~_TYPE_FLAGS == SOCK_DEFAULT:
        raise _error(errno.EINVAL)
    flags = type | _socket.SOCK_CLOEXEC
    with _defaults_lock:
        k = _kept_fd(path)
    if k is not None:
        try:
            return _wrap(_abi.msocket_kept(k[0], k[1], k[2], family, flags, proto),
                         family, type, proto)
        except OSError as e:
            if e.errno not in (errno.ESTALE, errno.EBADF):
                raise
            with _defaults_lock:
                if _kept.get(path) == k:
                    del _kept[path]
                    try:
                        st = os.fstat(k[0])
                        if (st.st_dev, st.st_ino) == (k[1], k[2]):
                            os.close(k[0])
                    except OSError:
                        pass
    return _wrap(_abi.msocket_path(path, family, flags, proto), family, type, proto)


class _DefaultStacks(_Maker):
    def socket(self, family=_socket.AF_INET, type=_socket.SOCK_STREAM, proto=0):
        return socket(family, type, proto)


_default_stacks = _DefaultStacks()


def create_connection(address, timeout=_socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """:meth:`Stack.create_connection` in the default stack of each
    address's family."""
    return _default_stacks.create_connection(address, timeout, source_address)


async def open_connection(host, port, **kwds):
    """:meth:`Stack.open_connection` from the default stack of each
    address's family."""
    return await _default_stacks.open_connection(host, port, **kwds)


async def start_server(client_connected_cb, host=None, port=0, **kwds):
    """:meth:`Stack.start_server` in the default stack of *family*
    (a keyword, AF_INET by default)."""
    return await _default_stacks.start_server(client_connected_cb, host, port, **kwds)


def create_server(address, *, family=_socket.AF_INET, backlog=None, reuse_port=False,
                  dualstack_ipv6=False):
    """:meth:`Stack.create_server` in the default stack of *family*."""
    return _default_stacks.create_server(address, family=family, backlog=backlog,
                                         reuse_port=reuse_port, dualstack_ipv6=dualstack_ipv6)
