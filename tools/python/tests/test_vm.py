# SPDX-License-Identifier: LGPL-2.1-or-later
"""The msocket package with the kernel module, in the VM (selftests/
python.sh runs these as root, after making, in a mount namespace of its
own, a stackfs on /dev/net with two stacks joined by a veth pair:
red 10.0.0.1/24 (namespace mspy-red) <-> blue 10.0.0.2/24 (mspy-blue),
both mode 0666, and ro (0444, red's namespace)). Tests of an unprivileged
user run in a forked child that becomes msuser (uid 1000, group msocket)."""

import asyncio
import errno
import os
import pathlib
import pickle
import re
import socket
import subprocess
import threading

import pytest

import msocket

RED, BLUE = "/dev/net/red", "/dev/net/blue"
RED_IP, BLUE_IP = "10.0.0.1", "10.0.0.2"
HERE = pathlib.Path(__file__).resolve().parent


def nsfile_id(path):
    """The 64-bit id (NS_GET_ID) of the namespace of the nsfs file *path*:
    what Stack.netns_id() gives, not the file's inode number."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return msocket.nsfs_id(fd)
    finally:
        os.close(fd)


def ns_ino(name):
    return nsfile_id("/run/netns/" + name)


def native_ino():
    return nsfile_id("/proc/thread-self/ns/net")


def cookie_inside(name):
    """The namespace's cookie, read by socket(2) inside it (ip netns exec):
    independent of msocket."""
    code = ("import socket, struct; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "print(struct.unpack('=Q', s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])")
    out = subprocess.run(["ip", "netns", "exec", name, "/usr/bin/python3", "-c", code],
                         check=True, capture_output=True, text=True).stdout
    return int(out)


def as_user(fn, *args):
    """fn(*args) in a child that is msuser (uid 1000, gid 1000, groups
    msocket): its result, or its exception raised here."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([1002])
            os.setgid(1000)
            os.setuid(1000)
            try:
                result = ("ok", fn(*args))
            except BaseException as e:  # noqa: B902
                result = ("err", e)
            os.write(w, pickle.dumps(result))
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(data)
    if kind == "err":
        raise value
    return value


@pytest.fixture
def red():
    with msocket.Stack(RED) as s:
        yield s


@pytest.fixture
def blue():
    with msocket.Stack(BLUE) as s:
        yield s


@pytest.fixture(autouse=True)
def no_defaults(monkeypatch):
    monkeypatch.delenv("MSOCKET_DEFAULTS", raising=False)


def test_sockets_are_in_their_stack(red, blue):
    assert red.netns_id() == ns_ino("mspy-red") != native_ino()
    assert blue.netns_id() == ns_ino("mspy-blue")
    for stack in (red, blue):
        for family, type in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                             (socket.AF_UNIX, socket.SOCK_SEQPACKET), (socket.AF_NETLINK, socket.SOCK_RAW)):
            with stack.socket(family, type) as s:
                assert msocket.socket_netns_id(s) == stack.netns_id()
                assert (s.family, s.type) == (family, type)


def test_socket_objects_are_ordinary(red):
    with red.socket() as s:
        assert s.family == socket.AF_INET and s.type == socket.SOCK_STREAM
        assert s.getblocking() and not s.get_inheritable()
    with red.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK) as s:
        assert not s.getblocking() and s.type == socket.SOCK_DGRAM
        with pytest.raises(BlockingIOError):
            s.bind((RED_IP, 0))
            s.recv(1)
    socket.setdefaulttimeout(2.5)
    try:
        with red.socket() as s:
            assert s.gettimeout() == 2.5
    finally:
        socket.setdefaulttimeout(None)


def test_server_in_red_client_in_blue(red, blue):
    with red.create_server((RED_IP, 7500)) as server:
        with blue.create_connection((RED_IP, 7500), timeout=20) as client:
            conn, peer = server.accept()
            with conn:
                assert peer[0] == BLUE_IP
                assert msocket.socket_netns_id(conn) == red.netns_id()
                assert msocket.socket_netns_id(client) == blue.netns_id()
                client.sendall(b"ping")
                assert conn.recv(4) == b"ping"


def test_same_port_in_both_stacks(red, blue):
    with red.create_server(("", 7501)) as a, blue.create_server(("", 7501)) as b:
        assert a.getsockname() == b.getsockname() == ("0.0.0.0", 7501)
        with pytest.raises(OSError) as e:
            red.create_server(("", 7501), reuse_port=False).close()
        assert e.value.errno == errno.EADDRINUSE


def test_dualstack_ipv6(red, blue):
    with red.create_server(("::", 7502), family=socket.AF_INET6, dualstack_ipv6=True) as server:
        with blue.create_connection((RED_IP, 7502), timeout=20):
            conn, peer = server.accept()
            conn.close()
            assert peer[0] == "::ffff:" + BLUE_IP


def test_native_stack_cannot_reach_red(red):
    with red.create_server((RED_IP, 7503)):
        with pytest.raises(OSError):
            socket.create_connection((RED_IP, 7503), timeout=3).close()


def test_errors(red):
    with pytest.raises(FileNotFoundError):
        msocket.Stack("/dev/net/nothing")
    with pytest.raises(OSError) as e:
        msocket.Stack("/dev/net")
    assert e.value.errno == errno.EOPNOTSUPP
    with pytest.raises(OSError) as e:
        red.socket(63, socket.SOCK_STREAM)
    assert e.value.errno == errno.EAFNOSUPPORT
    assert not red.supports(63) and red.supports(socket.AF_INET6)
    with pytest.raises(OSError) as e:
        red.socket(socket.AF_INET, msocket.SOCK_DEFAULT)
    assert e.value.errno == errno.EINVAL
    red.check(socket.AF_INET)
    red.close()
    with pytest.raises(ValueError):
        red.socket()


def _user_errors():
    out = {}
    ro = msocket.Stack("/dev/net/ro")  # O_PATH: no permission needed
    for what, call in (("socket", ro.socket), ("check", ro.check),
                       ("server", lambda: ro.create_server(("", 7504)))):
        try:
            call()
            out[what] = 0
        except OSError as e:
            out[what] = e.errno
    out["netns_id"] = ro.netns_id() == msocket.Stack(RED).netns_id()
    try:
        with msocket.Stack(RED).socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
            out["packet"] = 0
    except PermissionError as e:
        out["packet"] = e.errno
    with msocket.Stack(RED).socket() as s:
        out["cookie"] = msocket.socket_netns_cookie(s)
    try:
        with msocket.Stack(RED).socket() as s:
            msocket.socket_netns_id(s)
        out["siocgskns"] = 0
    except OSError as e:
        out["siocgskns"] = e.errno
    return out


def test_user_permissions_and_cookies():
    out = as_user(_user_errors)
    assert out["socket"] == out["check"] == out["server"] == errno.EACCES
    assert out["netns_id"] is True
    assert out["packet"] == errno.EPERM
    assert out["cookie"] == cookie_inside("mspy-red")
    # SIOCGSKNS needs CAP_NET_ADMIN over the namespace: a user has it not.
    assert out["siocgskns"] == errno.EPERM


def test_default_stack_set_and_used(red, blue):
    msocket.set_default_stack(RED, socket.AF_INET)
    assert os.environ["MSOCKET_DEFAULTS"] == "inet=/dev/net/red"
    assert msocket.default_stack(socket.AF_INET) == RED
    assert msocket.default_stack(socket.AF_INET6) is None
    with msocket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        assert msocket.socket_netns_id(s) == red.netns_id()
    with msocket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        assert msocket.socket_netns_id(s) == native_ino()
    msocket.set_default_stack(BLUE)  # AF_UNSPEC: every family
    assert os.environ["MSOCKET_DEFAULTS"] == "*=/dev/net/blue"
    with msocket.socket(socket.AF_INET6) as s:
        assert msocket.socket_netns_id(s) == blue.netns_id()
    msocket.set_default_stack(None, socket.AF_INET6)
    assert os.environ["MSOCKET_DEFAULTS"] == "*=/dev/net/blue,inet6="
    with msocket.socket(socket.AF_INET6) as s:
        assert msocket.socket_netns_id(s) == native_ino()
    with pytest.raises(OSError) as e:
        msocket.socket(socket.AF_INET, msocket.SOCK_DEFAULT)
    assert e.value.errno == errno.EINVAL
    msocket.set_default_stack(None)
    assert "MSOCKET_DEFAULTS" not in os.environ


def test_default_stack_checks_and_canonical(red):
    old = os.getcwd()
    os.chdir("/dev/net")
    try:
        msocket.set_default_stack("./red", socket.AF_INET)
    finally:
        os.chdir(old)
    assert msocket.default_stack(socket.AF_INET) == RED
    for path, code in (("/dev/net/nothing", errno.ENOENT), ("/dev/net", errno.EOPNOTSUPP)):
        with pytest.raises(OSError) as e:
            msocket.set_default_stack(path, socket.AF_INET)
        assert e.value.errno == code
    with pytest.raises(OSError) as e:
        msocket.set_default_stack(RED, 64)
    assert e.value.errno == errno.EAFNOSUPPORT
    with pytest.raises(OSError) as e:
        as_user(msocket.set_default_stack, "/dev/net/ro", socket.AF_INET)
    assert e.value.errno == errno.EACCES
    os.environ["MSOCKET_DEFAULTS"] = "bogus"
    with pytest.raises(OSError) as e:
        msocket.socket()
    assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError) as e:
        msocket.set_default_stack(RED, socket.AF_INET)
    assert e.value.errno == errno.EINVAL
    msocket.set_default_stack(RED, socket.AF_UNSPEC)  # replaces everything
    assert os.environ["MSOCKET_DEFAULTS"] == "*=/dev/net/red"


def test_default_follows_its_file_and_replacement(red, blue):
    """As libmsocket: the kept fd, open for writing, names the stack with
    MSOCKET_EXPECT_STACK (or STACKFS_SOCKET_EXPECT);
    a file replaced by another stack makes the kernel say ESTALE, and the
    call goes by path, to the new stack."""
    subprocess.run(["mstack", "add", "-m", "0666", "/dev/net/moving", "--netns", "/run/netns/mspy-red"],
                   check=True)
    try:
        msocket.set_default_stack("/dev/net/moving", socket.AF_INET)
        with msocket.socket() as s:
            assert msocket.socket_netns_id(s) == red.netns_id()
        # The kept fd is open for writing: the open was the permission check.
        import fcntl

        kept = msocket._kept["/dev/net/moving"][0]
        assert fcntl.fcntl(kept, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
        subprocess.run(["mstack", "rm", "/dev/net/moving"], check=True)
        subprocess.run(["mstack", "add", "-m", "0666", "/dev/net/moving", "--netns",
                        "/run/netns/mspy-blue"], check=True)
        with msocket.socket() as s:
            assert msocket.socket_netns_id(s) == blue.netns_id()
        with msocket.socket() as s:
            assert msocket.socket_netns_id(s) == blue.netns_id()
        subprocess.run(["mstack", "rm", "/dev/net/moving"], check=True)
        with pytest.raises(FileNotFoundError):
            msocket.socket()
    finally:
        subprocess.run(["mstack", "rm", "/dev/net/moving"], capture_output=True)


def test_defaults_shared_with_libmsocket_and_mstack(red):
    """Children see the defaults Python sets: an unmodified nc under
    libmsocket (LD_PRELOAD) follows them into blue, where it reaches red's
    server; and a value mstack exec writes is the one Python reads."""
    with red.create_server((RED_IP, 7505)) as server:
        env = dict(os.environ, LD_PRELOAD="/usr/lib/libmsocket.so.0")
        nc = ["nc.openbsd", "-z", "-w", "5", RED_IP, "7505"]
        assert subprocess.run(nc, env=env, capture_output=True).returncode != 0
        msocket.set_default_stack(BLUE, socket.AF_INET)
        env = dict(os.environ, LD_PRELOAD="/usr/lib/libmsocket.so.0")
        assert subprocess.run(nc, env=env, capture_output=True).returncode == 0
        server.accept()[0].close()
    code = "import msocket, socket; print(msocket.default_stack(socket.AF_INET))"
    out = subprocess.run(["mstack", "exec", "--preload", "-f", "inet", RED, "--", "/usr/bin/python3", "-c", code],
                         check=True, capture_output=True, text=True).stdout
    assert out.strip() == RED


def test_asyncio(red, blue):
    async def main():
        async def handle(reader, writer):
            line = await reader.readline()
            sock = writer.get_extra_info("socket")
            writer.write(b"red got %s from %s\n" % (line.strip(), writer.get_extra_info("peername")[0].encode()))
            writer.write(b"%d\n" % msocket.socket_netns_id(sock))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, sock=red.create_server((RED_IP, 7506)))
        async with server:
            loop = asyncio.get_running_loop()
            results = []
            for i in range(20):
                sock = blue.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
                await loop.sock_connect(sock, (RED_IP, 7506))
                reader, writer = await asyncio.open_connection(sock=sock)
                writer.write(b"hello %d\n" % i)
                results.append((reader, writer))
            out = []
            for reader, writer in results:
                out.append((await reader.readline(), int(await reader.readline())))
                writer.close()
            return out

    out = asyncio.run(main())
    assert [line for line, _ in out] == [b"red got hello %d from %s\n" % (i, BLUE_IP.encode()) for i in range(20)]
    assert {ns for _, ns in out} == {red.netns_id()}


def test_asyncio_one_line_idioms(red, blue):
    """Stack.start_server and Stack.open_connection, and the module's
    open_connection in the default stack: one line each."""
    async def main():
        async def handle(reader, writer):
            line = await reader.readline()
            writer.write(b"%s %d\n" % (line.strip(), msocket.socket_netns_id(writer.get_extra_info("socket"))))
            await writer.drain()
            writer.close()

        server = await red.start_server(handle, RED_IP, 7507)
        async with server:
            reader, writer = await blue.open_connection(RED_IP, 7507)
            writer.write(b"from-blue\n")
            first = await reader.readline()
            writer.close()
            msocket.set_default_stack(BLUE, socket.AF_INET)
            try:
                reader, writer = await msocket.open_connection(RED_IP, 7507)
                writer.write(b"from-default\n")
                second = await reader.readline()
                writer.close()
            finally:
                msocket.set_default_stack(None)
            with pytest.raises(ConnectionRefusedError):
                await blue.open_connection(RED_IP, 7599)
            return first, second

    first, second = asyncio.run(main())
    assert first == b"from-blue %d\n" % red.netns_id()
    assert second == b"from-default %d\n" % red.netns_id()


def test_stack_from_fd(red):
    fd = os.open(RED, os.O_WRONLY | os.O_CLOEXEC)
    try:
        with msocket.Stack.from_fd(fd) as s:
            assert s.writable and s.path is None
            with s.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                assert msocket.socket_netns_id(sock) == red.netns_id()
        os.fstat(fd)  # the caller's fd stays open
    finally:
        os.close(fd)
    for flags in (os.O_PATH, os.O_RDONLY):
        fd = os.open(BLUE, flags | os.O_CLOEXEC)
        with msocket.Stack.from_fd(fd) as s:
            assert not s.writable
            with s.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                assert msocket.socket_netns_id(sock) == ns_ino("mspy-blue")
        os.close(fd)
    # A network namespace's nsfs fd, as CNI and ip netns hold it (root: setns's privilege).
    fd = os.open("/run/netns/mspy-red", os.O_RDONLY | os.O_CLOEXEC)
    with msocket.Stack.from_fd(fd) as s:
        with s.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            assert msocket.socket_netns_id(sock) == red.netns_id()
        # A user without CAP_SYS_ADMIN: EPERM, as setns(2) would give.
        with pytest.raises(PermissionError):
            as_user(lambda: s.socket(socket.AF_INET, socket.SOCK_DGRAM).close())
    os.close(fd)
    for path in ("/etc/passwd", "/proc/self/ns/uts"):
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        with pytest.raises(OSError) as e:
            msocket.Stack.from_fd(fd)
        assert e.value.errno == errno.EOPNOTSUPP
        os.close(fd)
    with pytest.raises(OSError) as e:
        msocket.Stack.from_fd(9999)
    assert e.value.errno == errno.EBADF


def test_pyroute2_configures_a_stack(red):
    """pyroute2's IPRoute on a netlink socket made in the stack: no setns,
    no fork. Listing needs only w on the stack file; changing, CAP_NET_ADMIN
    over the namespace."""
    from pyroute2 import IPRoute

    def links(stack):
        nl = stack.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        with IPRoute(fileno=nl.detach()) as ipr:
            return sorted(link.get_attr("IFLA_IFNAME") for link in ipr.get_links())

    assert links(red) == ["lo", "vred"]
    nl = red.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    with IPRoute(fileno=nl.detach()) as ipr:
        ipr.link("add", ifname="pyd0", kind="dummy")
        idx = ipr.link_lookup(ifname="pyd0")[0]
        ipr.addr("add", index=idx, address="10.9.0.1", prefixlen=24)
        ipr.link("set", index=idx, state="up")
    out = subprocess.run(["ip", "-n", "mspy-red", "-o", "addr", "show", "pyd0"],
                         check=True, capture_output=True, text=True).stdout
    assert "10.9.0.1/24" in out
    assert "pyd0" not in subprocess.run(["ip", "-o", "link"], check=True, capture_output=True,
                                        text=True).stdout
    # A user with w on the stack file lists it, and may not change it.
    assert as_user(links, red) == ["lo", "pyd0", "vred"]

    def add_as_user():
        nl = red.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        with IPRoute(fileno=nl.detach()) as ipr:
            ipr.link("add", ifname="pyd1", kind="dummy")

    with pytest.raises(Exception) as e:
        as_user(add_as_user)
    assert getattr(e.value, "code", None) == errno.EPERM, repr(e.value)
    nl = red.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    with IPRoute(fileno=nl.detach()) as ipr:
        ipr.link("del", index=ipr.link_lookup(ifname="pyd0")[0])


def test_threads_make_sockets_in_both_stacks(red, blue):
    """50 threads, each making sockets in both stacks in turn: no thread
    changes namespace."""
    errors = []

    def work(i):
        try:
            for n in range(10):
                stack = (red, blue)[(i + n) % 2]
                with stack.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    if msocket.socket_netns_id(s) != stack.netns_id():
                        errors.append((i, n))
                if native_ino() != nsfile_id("/proc/self/ns/net"):
                    errors.append(("moved", i))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def python_blocks(readme, heading):
    """The ```python blocks of README section *heading*."""
    text = (HERE / readme).read_text()
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    section = text[start:end if end > 0 else None]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "no python example in %s %s" % (readme, heading)
    return blocks


@pytest.mark.parametrize("readme,heading", [
    ("README.md", "### Python"),
    ("README-python.md", "# msocket for Python"),
], ids=["README.md", "tools-python-README.md"])
def test_readme_example(readme, heading):
    for block in python_blocks(readme, heading):
        exec(compile(block, readme, "exec"), {"__name__": "readme"})


def _by_path_cookie(path):
    """SO_NETNS_COOKIE of a socket made by path (MSOCKET_IOC_SOCKET with
    dirfd AT_FDCWD, as libmsocket's msocket(path, ...))."""
    fd = msocket._abi.msocket_path(path, socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, 0)
    with socket.socket(fileno=fd) as s:
        return msocket.socket_netns_cookie(s)


def _access_mode(fd):
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_GETFL) & (os.O_ACCMODE | os.O_PATH)


def _user_writable_stack():
    out = {"by_path": _by_path_cookie(RED)}
    with msocket.Stack(RED) as red:
        out["writable"] = red.writable
        out["mode"] = _access_mode(red.fileno())
        out["cookies"] = []
        for family, type, proto in ((socket.AF_INET, socket.SOCK_STREAM, 0),
                                    (socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK, 0),
                                    (socket.AF_UNIX, socket.SOCK_SEQPACKET, 0),
                                    (socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)):
            with red.socket(family, type, proto) as s:
                out["cookies"].append((msocket.socket_netns_cookie(s), s.getblocking(),
                                       s.get_inheritable()))
        red.check()
        out["supports"] = (red.supports(socket.AF_INET), red.supports(63))
        # A family above 255 does not fit the packed argument:
        # MSOCKET_IOC_SOCKET on the same fd.
        try:
            red.socket(300, socket.SOCK_DGRAM).close()
            out["family300"] = 0
        except OSError as e:
            out["family300"] = e.errno
    return out


def test_stack_opened_with_w_holds_a_writable_fd():
    """A user's Stack of a 0666 stack holds an fd open for writing, and its
    sockets (STACKFS_IOC_SOCKET) are in the stack: the namespace of a socket
    made by path, and of one made inside by socket(2)."""
    out = as_user(_user_writable_stack)
    assert out["writable"] is True and out["mode"] == os.O_WRONLY
    assert out["by_path"] == cookie_inside("mspy-red")
    assert out["cookies"] == [(out["by_path"], True, False), (out["by_path"], False, False),
                              (out["by_path"], True, False), (out["by_path"], True, False)]
    assert out["supports"] == (True, False)
    assert out["family300"] == errno.EAFNOSUPPORT


def test_writable_stack_outlives_a_chmod():
    """A Stack a user opened with w keeps making sockets after root's chmod
    0600 (its fd is a capability, as any file open for writing); a Stack
    opened afterwards keeps an O_PATH fd and gets EACCES at each call."""
    path = "/dev/net/capy"
    subprocess.run(["mstack", "add", "-m", "0666", path, "--netns", "/run/netns/mspy-red"], check=True)
    try:
        os.chmod(path, 0o666)
        opened_r, opened_w = os.pipe()
        go_r, go_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(opened_r)
                os.close(go_w)
                os.close(result_r)
                os.setgroups([1002])
                os.setgid(1000)
                os.setuid(1000)
                out = {}
                try:
                    out["by_path"] = _by_path_cookie(path)
                    early = msocket.Stack(path)
                    out["early"] = (early.writable, _access_mode(early.fileno()))
                    with early.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                        out["before"] = msocket.socket_netns_cookie(s)
                    os.write(opened_w, b"x")
                    os.read(go_r, 1)  # root's chmod 0600
                    with early.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                        out["after"] = msocket.socket_netns_cookie(s)
                    early.check(socket.AF_INET)
                    late = msocket.Stack(path)
                    out["late"] = (late.writable, _access_mode(late.fileno()))
                    for what, call in (("late_socket", late.socket), ("late_check", late.check),
                                       ("by_path_after", lambda: _by_path_cookie(path))):
                        try:
                            call()
                            out[what] = 0
                        except OSError as e:
                            out[what] = e.errno
                    result = ("ok", out)
                except BaseException as e:  # noqa: B902
                    result = ("err", (repr(e), out))
                os.write(result_w, pickle.dumps(result))
            finally:
                os._exit(0)
        os.close(opened_w)
        os.close(go_r)
        os.close(result_w)
        opened = os.read(opened_r, 1) == b"x"
        if opened:
            os.chmod(path, 0o600)
        try:
            os.write(go_w, b"x")
        except BrokenPipeError:
            pass  # the child failed before: its result says why
        os.close(go_w)
        with os.fdopen(result_r, "rb") as f:
            data = f.read()
        os.close(opened_r)
        os.waitpid(pid, 0)
        kind, out = pickle.loads(data)
        assert kind == "ok", out
        assert opened
        assert out["by_path"] == out["before"] == out["after"] == cookie_inside("mspy-red")
        assert out["early"] == (True, os.O_WRONLY)
        assert out["late"] == (False, os.O_PATH)
        assert out["late_socket"] == out["late_check"] == out["by_path_after"] == errno.EACCES
    finally:
        subprocess.run(["mstack", "rm", path], capture_output=True)
