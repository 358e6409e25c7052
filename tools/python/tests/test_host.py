# SPDX-License-Identifier: LGPL-2.1-or-later
"""The msocket package without the kernel module: the ABI against the C
header, the MSOCKET_DEFAULTS format, family names, errors of Stack()."""

import errno
import os
import pathlib
import socket
import struct
import subprocess

import pytest

import msocket
from msocket import Defaults, ParseError, _abi

TOP = pathlib.Path(__file__).resolve().parents[3]


def test_abi_matches_the_c_header(tmp_path):
    values = _abi.values()
    offsets = {
        "size": 0, "flags": 1, "dirfd": 2, "domain": 3, "type": 4, "protocol": 5,
        "path": 6, "stack_dev": 7, "stack_ino": 8, "template_fd": 9, "__reserved": 10,
    }
    fmt = _abi.ARGS.format.lstrip("=")
    for field, i in offsets.items():
        values["offsetof(struct msocket_args, %s)" % field] = struct.calcsize("=" + fmt[:i])
    # The macros with arguments, on samples: both halves of a 64-bit
    # st_ino, st_dev with bits above 32 (dropped) and in both 16-bit halves
    # (swapped), fields beyond their masks; and what libmsocket's
    # stack_ioctl_arg() sends for a kept fd.
    for dev, ino in ((0, 0), (0x803, 0x123456789), (0xFEDCBA9876543210, 0x9ABCDEF012345678),
                     (0x10300003, 0xFFFFFFFFFFFFFFFF)):
        values["STACKFS_SOCKET_TAG(%#xULL, %#xULL)" % (dev, ino)] = _abi.socket_tag(dev, ino)
    for args in ((10, 5, 0x84), (0x1FF, 0x1F, 0x12345)):
        values["STACKFS_SOCKET_ARG(%#x, %#x, %#x)" % args] = _abi.socket_arg(*args)
    values["STACKFS_SOCKET_ARG(2, 1, 6) | STACKFS_SOCKET_EXPECT | STACKFS_SOCKET_NONBLOCK"
           " | STACKFS_SOCKET_CLOEXEC | (unsigned long)STACKFS_SOCKET_TAG(0x803ULL,"
           " 0x123456789ULL) << 32"] = _abi.stack_ioctl_arg(
        0x803, 0x123456789, 2, 1 | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC, 6)
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <fcntl.h>",
             "#include <sys/socket.h>", "#include <linux/sockios.h>", "#include <linux/msocket.h>",
             "#ifndef SO_NETNS_COOKIE", "#define SO_NETNS_COOKIE 71", "#endif",
             "int main(void)", "{"]
    for name in values:
        lines.append('\tprintf("%%s=%%llu\\n", "%s", (unsigned long long)(%s));' % (name, name))
    lines += ["\treturn 0;", "}"]
    src = tmp_path / "abi.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "abi"
    subprocess.run([os.environ.get("CC", "cc"), "-D_GNU_SOURCE", "-I", str(TOP / "uapi"),
                    "-o", str(exe), str(src)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    c = dict(line.split("=") for line in out.splitlines())
    assert len(c) == len(values)
    for name, v in values.items():
        assert int(c[name]) == v, name


def test_struct_layout():
    assert _abi.ARGS.size == 56 == _abi.ARGS_SIZE_VER2
    assert _abi.MSOCKET_IOC_SOCKET == 0x4020B901
    assert _abi.STACKFS_IOC_NETNS_ID == 0x8008B911
    assert _abi.STACKFS_IOC_SOCKET == 0xB912
    assert _abi.NS_GET_ID == 0x8008B70D


def test_stack_ioctl_arg_refuses_what_does_not_fit():
    arg = _abi.stack_ioctl_arg
    assert arg(1, 2, socket.AF_INET, -1, 0) is None
    assert arg(1, 2, 256, socket.SOCK_DGRAM, 0) is None
    assert arg(1, 2, socket.AF_INET, socket.SOCK_DGRAM, 0x10000) is None
    assert arg(1, 2, socket.AF_INET, 16, 0) is None
    a = arg(1, 2, socket.AF_UNIX, socket.SOCK_DGRAM, 0)
    assert a & 0xFFFFFFFF == 0x42010000 | 0x02000000
    assert a >> 32 == _abi.socket_tag(1, 2)
    # SOCK_DEFAULT fits: the check by fd.
    assert arg(1, 2, 0, 0, 0) & 0xFFFFFFFF == _abi.SOCKET_EXPECT


def test_namespace_ids_are_not_inode_numbers():
    fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            nsid = msocket.nsfs_id(fd)
        except OSError as e:
            assert e.errno == errno.ENOTTY  # a kernel before 6.18
            return
        assert nsid != os.fstat(fd).st_ino
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            try:
                assert msocket.socket_netns_id(s) == nsid
            except PermissionError:
                pass  # SIOCGSKNS needs CAP_NET_ADMIN
    finally:
        os.close(fd)


def p(d, family):
    return d.stack(family)


def test_defaults_empty_and_unset():
    d = Defaults.parse("")
    assert d.is_empty() and d.stack(socket.AF_INET) is None and str(d) == ""
    assert Defaults.parse(",,") == Defaults()
    assert Defaults.from_env({}) == Defaults()


def test_defaults_all_and_families():
    d = Defaults.parse("inet6=/b,*=/a,netlink=")
    assert d.stack(socket.AF_INET) == "/a"
    assert d.stack(socket.AF_UNIX) == "/a"
    assert d.stack(socket.AF_INET6) == "/b"
    assert d.stack(socket.AF_NETLINK) is None
    assert d.stack(200) == "/a"
    assert str(d) == "*=/a,inet6=/b,netlink="


def test_defaults_keys_numbers_names_case_later_wins():
    d = Defaults.parse("2=/x,AF_INET=/y,Inet6=/z,local=/u,10=/w")
    assert d.stack(socket.AF_INET) == "/y"
    assert d.stack(socket.AF_INET6) == "/w"
    assert d.stack(socket.AF_UNIX) == "/u"
    assert str(d) == "unix=/u,inet=/y,inet6=/w"
    assert str(Defaults.parse("50=/n")) == "50=/n"
    assert Defaults.parse("*=").is_empty()


def test_defaults_escapes_round_trip():
    d = Defaults.parse("inet=/n/a%2Cb%25c%2cd=e")
    assert d.stack(socket.AF_INET) == "/n/a,b%c,d=e"
    assert str(d) == "inet=/n/a%2Cb%25c%2Cd=e"
    d = Defaults()
    d.set(0, "/odd/,%,")
    assert str(d) == "*=/odd/%2C%25%2C"
    assert Defaults.parse(str(d)) == d
    raw = b"inet=/n/\xff\xfe"
    d = Defaults.parse(raw)
    assert os.fsencode(d.stack(socket.AF_INET)) == b"/n/\xff\xfe"
    assert d.to_bytes() == raw


@pytest.mark.parametrize("bad,reason", [
    ("inet=relative", "the path is not absolute"),
    ("bogus=/x", "unknown address family"),
    ("inet", "no '='"),
    ("0=/x", "unknown address family"),
    ("unspec=/x", "unknown address family"),
    ("64=/x", "unknown address family"),
    ("=/x", "unknown address family"),
    ("inet=/a%zz", "bad %-escape"),
    ("inet=/a%2", "bad %-escape"),
    ("inet=/a%00b", "%00 in a path"),
    ("ip=/x", "unknown address family"),
])
def test_defaults_rejects(bad, reason):
    with pytest.raises(ParseError) as e:
        Defaults.parse(bad)
    assert e.value.reason == reason
    assert str(e.value).startswith("MSOCKET_DEFAULTS: entry")


def test_defaults_set_follows_the_c_library():
    d = Defaults()
    d.set(socket.AF_INET, "/r")
    assert str(d) == "inet=/r"
    d.set(socket.AF_INET, None)
    assert d.is_empty()
    d.set(socket.AF_UNSPEC, "/b")
    d.set(socket.AF_INET6, "/r")
    assert str(d) == "*=/b,inet6=/r"
    d.set(socket.AF_INET, None)
    assert str(d) == "*=/b,inet=,inet6=/r"
    d.set(socket.AF_UNSPEC, "/g")
    assert str(d) == "*=/g"
    d.set(socket.AF_UNSPEC, None)
    assert d.is_empty()
    with pytest.raises(OSError) as e:
        d.set(socket.AF_INET, "relative")
    assert e.value.errno == errno.EINVAL
    for f in (64, -1):
        with pytest.raises(OSError) as e:
            d.set(f, "/x")
        assert e.value.errno == errno.EAFNOSUPPORT


def test_defaults_export():
    env = {}
    d = Defaults.parse("inet=/dev/net/x")
    d.export(env)
    assert env == {"MSOCKET_DEFAULTS": "inet=/dev/net/x"}
    Defaults().export(env)
    assert env == {}


def test_family_names():
    assert msocket.family_name(socket.AF_INET6) == "inet6"
    assert msocket.family_name(63) is None
    assert msocket.family_parse("AF_INET6") == socket.AF_INET6
    assert msocket.family_parse("pf_unix") == socket.AF_UNIX
    assert msocket.family_parse("local") == socket.AF_UNIX
    assert msocket.family_parse("16") == socket.AF_NETLINK
    assert msocket.family_parse("ip") is None
    assert msocket.family_parse("af_") is None
    for name in ("unix", "inet", "inet6", "netlink", "packet", "bluetooth", "vsock"):
        assert msocket.family_parse(name) == getattr(socket, "AF_" + name.upper()), name


def test_family_table_matches_libmsocket():
    text = (TOP / "tools" / "libmsocket" / "families.c").read_text()
    for n, name in enumerate(msocket._defaults.NAMES):
        if name:
            assert '"%s"' % name in text, name


def test_stack_errors_without_the_module():
    with pytest.raises(FileNotFoundError):
        msocket.Stack("/nonexistent/stack")
    for path in ("/", "/dev/null"):
        with pytest.raises(OSError) as e:
            msocket.Stack(path)
        assert e.value.errno == errno.EOPNOTSUPP
    assert msocket.is_stack(0o160644) and not msocket.is_stack(0o100644)


def test_default_stack_reads_the_environment(monkeypatch):
    monkeypatch.setenv("MSOCKET_DEFAULTS", "*=/dev/net/a,inet6=")
    assert msocket.default_stack(socket.AF_INET) == "/dev/net/a"
    assert msocket.default_stack(socket.AF_INET6) is None
    monkeypatch.setenv("MSOCKET_DEFAULTS", "bogus")
    with pytest.raises(OSError) as e:
        msocket.default_stack(socket.AF_INET)
    assert e.value.errno == errno.EINVAL
    monkeypatch.delenv("MSOCKET_DEFAULTS")
    assert msocket.default_stack(socket.AF_INET) is None
    # The native stack: a plain socket, no module needed.
    with msocket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        assert s.family == socket.AF_INET


def test_socket_route_packs_what_fits_on_a_writable_fd():
    route = _abi.socket_route
    cloexec = socket.SOCK_CLOEXEC
    assert route(True, socket.AF_INET, socket.SOCK_STREAM | cloexec, 0) == 0x21020000
    assert route(True, socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | cloexec,
                 17) == 0x320A0011
    assert route(True, socket.AF_UNSPEC, msocket.SOCK_DEFAULT, 0) == 0  # check()
    # Every packed argument fits fcntl.ioctl()'s C int: bits 0-29 at most.
    top = route(True, 0xFF, 0xF | socket.SOCK_NONBLOCK | cloexec, 0xFFFF)
    assert top == 0x3FFFFFFF <= _abi.IOCTL_INT_MAX
    # An O_PATH fd: MSOCKET_IOC_SOCKET, the kernel opens the file per call.
    assert route(False, socket.AF_INET, socket.SOCK_STREAM, 0) is None
    # What the packed argument cannot carry goes by MSOCKET_IOC_SOCKET.
    for domain, type, proto in ((socket.AF_INET, socket.SOCK_STREAM, 0x10000),
                                (0x100, socket.SOCK_DGRAM, 0), (-1, socket.SOCK_DGRAM, 0),
                                (socket.AF_INET, -1, 0), (socket.AF_INET, 16, 0),
                                (socket.AF_INET, socket.SOCK_DGRAM | 0x40000, 0)):
        assert route(True, domain, type, proto) is None, (domain, type, proto)


def test_stack_arg_that_ioctl_cannot_pass_is_refused(monkeypatch):
    monkeypatch.setattr(_abi, "IOCTL_INT_MAX", 0x00FFFFFF)
    assert _abi.stack_arg(socket.AF_INET, socket.SOCK_DGRAM, 0) is None
    assert _abi.stack_arg(socket.AF_INET, msocket.SOCK_DEFAULT, 0) == 0x00020000


def test_which_refusals_keep_the_path_fd():
    for code in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT):
        assert _abi.keeps_path_fd(code)
    for code in (errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EINVAL):
        assert not _abi.keeps_path_fd(code)


def test_reopen_for_writing_reopens_the_same_file(tmp_path):
    import fcntl

    (tmp_path / "f").write_bytes(b"")
    pfd = os.open(tmp_path / "f", os.O_PATH | os.O_CLOEXEC)
    try:
        os.rename(tmp_path / "f", tmp_path / "g")
        w = _abi.reopen_for_writing(pfd)
        try:
            assert fcntl.fcntl(w, fcntl.F_GETFL) & (os.O_ACCMODE | os.O_PATH) == os.O_WRONLY
            assert not os.get_inheritable(w)
            a, b = os.fstat(pfd), os.fstat(w)
            assert (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
        finally:
            os.close(w)
    finally:
        os.close(pfd)


def test_a_fifo_is_not_opened_for_writing(tmp_path):
    """Opened for writing, a FIFO would block until a reader comes."""
    import signal

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    def blocked(*_):
        raise TimeoutError("Stack() of a FIFO blocked: it opened it for writing")

    old = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)
    try:
        with pytest.raises(OSError) as e:
            msocket.Stack(fifo)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert e.value.errno == errno.EOPNOTSUPP
