// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// A Stack is a network stack opened from its stack file: an fd of the
// file, opened once, by which every socket names the stack. It keeps
// naming the same stack if the file is renamed. Using a stack is opening
// its stack file for writing. Open does that once, when the caller may
// (the file's w bit, every LSM): the fd is then a capability, as any file
// open for writing is, which a later chmod does not take back, and sockets
// are made with it (STACKFS_IOC_SOCKET, no argument struct to copy). When
// the caller may not, the Stack keeps an O_PATH fd, through which the
// kernel opens the file for writing for each socket, so each is checked
// (and refused) when it is made. A Stack may be used by any number of
// goroutines at once.
type Stack struct {
	path     string
	file     *os.File // O_WRONLY or O_PATH, O_CLOEXEC: owns fd (and closes it if s is lost)
	fd       int      // file's fd, while mu is held for reading and !closed
	writable bool     // fd is open for writing: STACKFS_IOC_SOCKET
	// Held for reading while fd is in use, for writing by Close: a
	// call never uses an fd number that Close has given back (and that
	// may name another file by then). Cheaper per call than the
	// file's SyscallConn and Control, which allocate.
	mu     sync.RWMutex
	closed bool
}

// Open opens the stack file at path: O_PATH first, and once fstat shows a
// stack file (a FIFO or a device is never opened for writing), for writing
// through that fd. If the open for writing is refused (EACCES: no w, or an
// LSM; EPERM; EROFS: a read-only mount), the Stack keeps the O_PATH fd and
// each socket gets the kernel's answer when it is made. A Stack opened for
// writing holds a capability: the permission was checked at Open, and a
// later chmod of the file does not take it back (as for any file open for
// writing); Close gives it up.
//
// Errors (*os.PathError): those of open(2) (ENOENT, EACCES on a
// directory...), EOPNOTSUPP if path is not a stack file.
func Open(path string) (*Stack, error) {
	fd, err := syscall.Open(path, oPath|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if !IsStack(st.Mode) {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EOPNOTSUPP}
	}
	writable := false
	if w, err := reopenForWriting(fd); err == nil {
		syscall.Close(fd)
		fd, writable = w, true
	} else if !keepsPathFD(err) {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &Stack{path: path, file: os.NewFile(uintptr(fd), path), fd: fd, writable: writable}, nil
}

// msocket is the msocket call on fd, the stack's: STACKFS_IOC_SOCKET when
// the fd is open for writing and the arguments fit its packed argument,
// else MSOCKET_IOC_SOCKET by the fd (which the kernel opens for writing
// for the call if it is O_PATH).
func (s *Stack) msocket(fd, domain, typ, proto int) (int, error) {
	if arg, packed := socketRoute(s.writable, domain, typ, proto); packed {
		return stackSocket(fd, arg)
	}
	return msocketFD(fd, domain, typ, proto)
}

// socketRoute says how a Stack makes a socket: packed (STACKFS_IOC_SOCKET
// with arg) on an fd open for writing when the arguments fit, else by
// MSOCKET_IOC_SOCKET.
func socketRoute(writable bool, domain, typ, proto int) (arg uint64, packed bool) {
	if !writable {
		return 0, false
	}
	return stackArg(domain, typ, proto)
}

// Path returns the path the stack was opened with.
func (s *Stack) Path() string { return s.path }

// Close closes the stack's fd. Sockets made in it are not affected.
func (s *Stack) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.file.Close()
}

// String returns the path of the stack file.
func (s *Stack) String() string { return s.path }

// withFD runs f on the stack's fd, which cannot be closed meanwhile.
func (s *Stack) withFD(f func(fd int) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return &os.PathError{Op: "msocket", Path: s.path, Err: os.ErrClosed}
	}
	return f(s.fd)
}

// socketFD makes a raw socket fd in the stack (type flags as given).
func (s *Stack) socketFD(domain, typ, proto int) (int, error) {
	if typ&^(syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK) == SOCK_DEFAULT {
		return -1, sysErr(syscall.EINVAL)
	}
	sock := -1
	err := s.withFD(func(fd int) error {
		var err error
		sock, err = s.msocket(fd, domain, typ, proto)
		return err
	})
	if err != nil {
		if errors.Is(err, os.ErrClosed) {
			return -1, err
		}
		return -1, sysErr(err)
	}
	return sock, nil
}

// Socket makes a socket in the stack: socket(domain, typ, proto) there.
// SOCK_CLOEXEC and SOCK_NONBLOCK are always added, as for the net
// package's own sockets, so that the file uses the runtime's poller (its
// deadlines work, and a blocked read parks the goroutine, not a thread).
//
// Errors: *os.SyscallError "msocket" (see the package documentation).
func (s *Stack) Socket(domain, typ, proto int) (*os.File, error) {
	fd, err := s.socketFD(domain, typ|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "msocket:"+s.path), nil
}

// Check checks, as msocket's SOCK_DEFAULT does, that the caller may make
// sockets of domain (syscall.AF_UNSPEC: of any family) in the stack.
//
// Errors: *os.SyscallError "msocket": EACCES, EAFNOSUPPORT...
func (s *Stack) Check(domain int) error {
	err := s.withFD(func(fd int) error {
		_, err := s.msocket(fd, domain, SOCK_DEFAULT, 0)
		return err
	})
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return sysErr(err)
	}
	return err
}

// openForReading opens the stack file O_RDONLY, which the namespace
// ioctls need: through /proc/self/fd (the same file, wherever it is now),
// else by path.
func (s *Stack) openForReading() (int, error) {
	fd := -1
	err := s.withFD(func(pfd int) error {
		var err error
		fd, err = syscall.Open("/proc/self/fd/"+strconv.Itoa(pfd), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.ENOENT {
			fd, err = syscall.Open(s.path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		}
		return err
	})
	return fd, err
}

// NetnsID returns the id of the stack's network namespace
// (STACKFS_IOC_NETNS_ID): its 64-bit namespace id, the one NS_GET_ID
// (linux/nsfs.h) gives for its nsfs files and listns(2) lists, never
// reused while the system runs; comparable with SocketNetnsID and NsfsID.
// It is not the nsfs inode number (the N of net:[N] in /proc/PID/ns/net
// and lsns). Needs read permission on the stack file.
func (s *Stack) NetnsID() (uint64, error) {
	fd, err := s.openForReading()
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: s.path, Err: err}
	}
	defer syscall.Close(fd)
	var id uint64
	if _, err := ioctl(fd, iocNetnsID, unsafe.Pointer(&id)); err != nil {
		return 0, os.NewSyscallError("ioctl", err)
	}
	return id, nil
}

// NetnsCookie returns the cookie of the stack's network namespace
// (SO_NETNS_COOKIE of a socket made in it), comparable with the cookies
// that SocketNetnsCookie reads; needs only write permission.
func (s *Stack) NetnsCookie() (uint64, error) {
	f, err := s.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return SocketNetnsCookie(f)
}

// SocketNetnsCookie returns the cookie of the network namespace that the
// socket c belongs to (getsockopt SO_NETNS_COOKIE, Linux 5.14): a 64-bit
// number that no other namespace of this boot has. Any user may read it.
func SocketNetnsCookie(c syscall.Conn) (uint64, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cookie uint64
	var serr error
	err = rc.Control(func(fd uintptr) {
		size := uint32(unsafe.Sizeof(cookie))
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.SOL_SOCKET,
			soNetnsCookie, uintptr(unsafe.Pointer(&cookie)), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 {
			serr = os.NewSyscallError("getsockopt", errno)
		}
	})
	if err == nil {
		err = serr
	}
	return cookie, err
}

// SocketNetnsID returns the id of the network namespace that the socket c
// belongs to: NS_GET_ID on the nsfs fd SIOCGSKNS gives, the namespace's
// 64-bit id, comparable with NetnsID (not the nsfs inode number of
// net:[N]). The kernel allows SIOCGSKNS only with CAP_NET_ADMIN over that
// namespace; SocketNetnsCookie works for anyone.
func SocketNetnsID(c syscall.Conn) (uint64, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var id uint64
	var serr error
	err = rc.Control(func(fd uintptr) {
		ns, err := ioctl(int(fd), siocgskns, nil)
		if err != nil {
			serr = os.NewSyscallError("ioctl", err)
			return
		}
		defer syscall.Close(ns)
		id, serr = nsfsID(ns)
	})
	if err == nil {
		err = serr
	}
	return id, err
}

// nsfsID is NS_GET_ID on the nsfs fd ns.
func nsfsID(ns int) (uint64, error) {
	var id uint64
	if _, err := ioctl(ns, nsGetID, unsafe.Pointer(&id)); err != nil {
		return 0, os.NewSyscallError("ioctl NS_GET_ID", err)
	}
	return id, nil
}

// NsfsID returns the 64-bit id of the namespace of the nsfs file f
// (/proc/PID/ns/net, /run/netns/NAME; NS_GET_ID of linux/nsfs.h): the id
// NetnsID gives for a stack of that namespace, not the file's inode
// number. ENOTTY on kernels without namespace ids (before Linux 6.18).
func NsfsID(f *os.File) (uint64, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var id uint64
	var serr error
	if err := rc.Control(func(fd uintptr) { id, serr = nsfsID(int(fd)) }); err != nil {
		return 0, err
	}
	return id, serr
}

// --- the net package's side -------------------------------------------------

// A socket of the stack for an address: its family, its sockaddr.
type endpoint struct {
	domain int
	sa     syscall.Sockaddr
	// For a wildcard "tcp"/"udp" listener: AF_INET6 with IPV6_V6ONLY off,
	// AF_INET if the stack has no IPv6.
	dual bool
	// IPV6_V6ONLY on: "tcp6"/"udp6".
	v6only bool
}

// ipEndpoint: the family of the address (IPv4 for "tcp4"/"udp4" and for
// IPv4 addresses, else IPv6; no host is the IPv6 wildcard, which a
// listener of "tcp"/"udp" opens to IPv4 too).
func ipEndpoint(network string, ip net.IP, port int, zone string, listen bool) (endpoint, error) {
	last := network[len(network)-1]
	ip4 := ip.To4()
	switch {
	case last == '4' || (last != '6' && ip4 != nil):
		if ip == nil {
			ip4 = net.IPv4zero.To4()
		}
		if ip4 == nil {
			return endpoint{}, &net.AddrError{Err: "not an IPv4 address", Addr: ip.String()}
		}
		sa := &syscall.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return endpoint{domain: syscall.AF_INET, sa: sa}, nil
	default:
		sa := &syscall.SockaddrInet6{Port: port}
		if ip != nil {
			copy(sa.Addr[:], ip.To16())
		}
		if zone != "" {
			// Interface names are the stack's, which the native
			// stack cannot look up: numeric zones only.
			n, err := strconv.ParseUint(zone, 10, 32)
			if err != nil {
				return endpoint{}, &net.AddrError{Err: "zone must be an interface index in a stack", Addr: zone}
			}
			sa.ZoneId = uint32(n)
		}
		wild := ip == nil || ip.IsUnspecified()
		return endpoint{
			domain: syscall.AF_INET6,
			sa:     sa,
			dual:   listen && last != '6' && wild,
			v6only: last == '6',
		}, nil
	}
}

// resolve turns network and address into an endpoint and the net.Addr the
// errors name; typ is the socket type.
func resolve(network, address string, listen bool) (ep endpoint, typ int, addr net.Addr, err error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		a, err := net.ResolveTCPAddr(network, address)
		if err != nil {
			return ep, 0, nil, err
		}
		ep, err = ipEndpoint(network, a.IP, a.Port, a.Zone, listen)
		return ep, syscall.SOCK_STREAM, a, err
	case "udp", "udp4", "udp6":
		a, err := net.ResolveUDPAddr(network, address)
		if err != nil {
			return ep, 0, nil, err
		}
		ep, err = ipEndpoint(network, a.IP, a.Port, a.Zone, listen)
		return ep, syscall.SOCK_DGRAM, a, err
	case "unix", "unixgram", "unixpacket":
		a, err := net.ResolveUnixAddr(network, address)
		if err != nil {
			return ep, 0, nil, err
		}
		typ := map[string]int{"unix": syscall.SOCK_STREAM, "unixgram": syscall.SOCK_DGRAM,
			"unixpacket": syscall.SOCK_SEQPACKET}[network]
		return endpoint{domain: syscall.AF_UNIX, sa: &syscall.SockaddrUnix{Name: a.Name}}, typ, a, nil
	}
	return ep, 0, nil, net.UnknownNetworkError(network)
}

// bound makes a socket of ep in the stack, bound to it (listeners and
// packet conns). The socket is left blocking, so that its *os.File stays
// out of the runtime's poller: the caller hands it to net.FileListener or
// net.FilePacketConn, which make a non-blocking, polled duplicate, and
// closes it; registering this one too would cost two more system calls.
func (s *Stack) bound(ep endpoint, typ int, control func(*os.File) error) (*os.File, error) {
	fd, err := s.socketFD(ep.domain, typ|syscall.SOCK_CLOEXEC, 0)
	if err != nil && ep.dual && errors.Is(err, syscall.EAFNOSUPPORT) {
		// No IPv6 in the stack: the wildcard of IPv4.
		ep = endpoint{domain: syscall.AF_INET, sa: &syscall.SockaddrInet4{Port: ep.sa.(*syscall.SockaddrInet6).Port}}
		fd, err = s.socketFD(ep.domain, typ|syscall.SOCK_CLOEXEC, 0)
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "msocket:"+s.path)
	if control != nil {
		if err := control(f); err != nil {
			f.Close()
			return nil, err
		}
	}
	if err := bindListen(fd, ep, typ); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// bindListen sets fd's options as the net package does, binds it to ep and,
// for a stream or seqpacket socket, listens.
func bindListen(fd int, ep endpoint, typ int) error {
	if ep.domain == syscall.AF_INET6 {
		v6only := 0
		if ep.v6only {
			v6only = 1
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, v6only); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if ep.domain != syscall.AF_UNIX && typ == syscall.SOCK_STREAM {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if ep.domain != syscall.AF_UNIX && typ == syscall.SOCK_DGRAM {
		// As the net package does: broadcasts may be sent.
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	}
	if err := syscall.Bind(fd, ep.sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if typ == syscall.SOCK_STREAM || typ == syscall.SOCK_SEQPACKET {
		// The kernel lowers the backlog to the stack's
		// net.core.somaxconn.
		if err := syscall.Listen(fd, 65535); err != nil {
			return os.NewSyscallError("listen", err)
		}
	}
	return nil
}

// Listen listens in the stack, as net.Listen does in the native one:
// network is "tcp", "tcp4", "tcp6", "unix" or "unixpacket". A "tcp"
// listener on the IPv6 wildcard (or no host) takes IPv4 too; "0.0.0.0" is
// IPv4 only. Listeners have SO_REUSEADDR; a unix socket's file is removed
// when the listener is closed, as with net.Listen; abstract unix names
// ("@name") are the stack's own.
//
// Errors: *net.OpError with an *os.SyscallError inside ("msocket" if the
// socket could not be made).
func (s *Stack) Listen(network, address string) (net.Listener, error) {
	return s.ListenConfig().Listen(context.Background(), network, address)
}

// listening makes the bound socket of Listen (dgram false) or ListenPacket
// (dgram true), refusing a network of the other kind; errors as they
// return them.
func (s *Stack) listening(network, address string, dgram bool, control func(*os.File) error) (*os.File, net.Addr, error) {
	ep, typ, addr, err := resolve(network, address, true)
	if err == nil && (typ == syscall.SOCK_DGRAM) != dgram {
		err = net.UnknownNetworkError(network)
	}
	var f *os.File
	if err == nil {
		f, err = s.bound(ep, typ, control)
	}
	if err != nil {
		return nil, addr, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
	}
	return f, addr, nil
}

// ListenPacket makes a packet socket in the stack, as net.ListenPacket does
// in the native one: network is "udp", "udp4", "udp6" or "unixgram".
func (s *Stack) ListenPacket(network, address string) (net.PacketConn, error) {
	return s.ListenConfig().ListenPacket(context.Background(), network, address)
}

// Dial connects from the stack to address, as net.Dial does from the
// native one: network is "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6",
// "unix", "unixgram" or "unixpacket". The connect waits in the runtime's
// poller, not in a thread.
func (s *Stack) Dial(network, address string) (net.Conn, error) {
	return s.DialContext(context.Background(), network, address)
}

// aLongTimeAgo is a deadline in the past: it wakes a waiting connect.
var aLongTimeAgo = time.Unix(1, 0)

// DialContext is Dial with a context: its deadline bounds the name lookup
// and the connects, and cancelling it aborts them. A host name is resolved
// by the stack's own resolver ([Stack.Resolver]) and every address it has
// is tried in turn, as [Dialer.DialContext] does with no options.
func (s *Stack) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return (&Dialer{Stack: s}).DialContext(ctx, network, address)
}

// dialLiteral connects to address, whose host is an IP literal (or a unix
// socket's name), with d's options.
func (s *Stack) dialLiteral(ctx context.Context, d *Dialer, network, address string) (net.Conn, error) {
	ep, typ, addr, err := resolve(network, address, false)
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
	}
	if err != nil {
		return nil, opErr(err)
	}
	f, err := s.Socket(ep.domain, typ, 0)
	if err != nil {
		return nil, opErr(err)
	}
	defer f.Close()
	if err := d.prepare(f, network, address, ep.domain); err != nil {
		return nil, opErr(err)
	}
	// The keep-alive options as Control left them, before net.FileConn
	// (which sets its own from Go 1.23 on).
	base, ok, err := d.keepAliveBase(f, network)
	if err != nil {
		return nil, opErr(err)
	}
	if err := connect(ctx, f, ep.sa); err != nil {
		return nil, opErr(err)
	}
	c, err := net.FileConn(f)
	if err != nil {
		return nil, opErr(err)
	}
	if ok {
		if err := d.keepAlive(c, base); err != nil {
			c.Close()
			return nil, opErr(err)
		}
	}
	return c, nil
}

// connect connects the non-blocking socket f to sa, waiting for it in the
// runtime's poller, as the net package does.
func connect(ctx context.Context, f *os.File, sa syscall.Sockaddr) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var cerr error
	if err := rc.Control(func(fd uintptr) { cerr = syscall.Connect(int(fd), sa) }); err != nil {
		return err
	}
	switch cerr {
	case nil, syscall.EISCONN:
		return nil
	case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
	default:
		return os.NewSyscallError("connect", cerr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		f.SetWriteDeadline(d)
	}
	stop := make(chan struct{})
	stopped := make(chan struct{})
	if ctx.Done() == nil {
		// Never cancelled (context.Background): nothing to watch.
		close(stopped)
	} else {
		go func() {
			defer close(stopped)
			select {
			case <-ctx.Done():
				f.SetWriteDeadline(aLongTimeAgo)
			case <-stop:
			}
		}()
	}
	var serr error
	werr := rc.Write(func(fd uintptr) bool {
		v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		if err != nil {
			serr = os.NewSyscallError("getsockopt", err)
			return true
		}
		switch e := syscall.Errno(v); e {
		case 0, syscall.EISCONN:
		case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
			return false
		default:
			serr = os.NewSyscallError("connect", e)
			return true
		}
		// No error yet: connected only if there is a peer.
		if _, err := syscall.Getpeername(int(fd)); err != nil {
			if err == syscall.ENOTCONN {
				return false
			}
			serr = os.NewSyscallError("getpeername", err)
		}
		return true
	})
	close(stop)
	<-stopped
	if werr != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		return werr
	}
	f.SetWriteDeadline(time.Time{})
	return serr
}
