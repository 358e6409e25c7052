// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// A Dialer connects from a stack with the options of a [net.Dialer]: the
// net package's Dialer makes its sockets with socket(2), in the caller's
// namespace, so it cannot be used for a stack; this one makes them in
// Stack and honours the same fields.
type Dialer struct {
	// Stack is the stack the connections are made from.
	Stack *Stack
	// Timeout bounds a whole dial (name lookup and every connect), as
	// net.Dialer's does; zero means none.
	Timeout time.Duration
	// Deadline is an absolute time after which dials fail.
	Deadline time.Time
	// LocalAddr is the address to bind to before connecting (a
	// *net.TCPAddr, *net.UDPAddr or *net.UnixAddr of the stack); nil picks
	// one.
	LocalAddr net.Addr
	// KeepAlive is the idle time of a TCP connection before the first
	// keep-alive probe, as net.Dialer's: zero means 15 s (the net
	// package's default), negative disables keep-alives (the socket is
	// left as it is: off, unless Control turned them on). It is ignored
	// if KeepAliveConfig.Enable is true; otherwise a KeepAlive d >= 0 is
	// KeepAliveConfig{Enable: true, Idle: d} (the interval and count are
	// the defaults, 15 s and 9), as in Go 1.23's net package.
	KeepAlive time.Duration
	// KeepAliveConfig is the TCP keep-alive configuration of the
	// connections, as Go 1.23's net.Dialer.KeepAliveConfig: used if its
	// Enable is true (then KeepAlive is ignored); if Enable is false, its
	// other fields are ignored too, and KeepAlive decides.
	KeepAliveConfig KeepAliveConfig
	// Control, if not nil, is called with the socket before it is bound
	// and connected, as net.Dialer.Control is: SO_MARK, IP_TRANSPARENT,
	// SO_BINDTODEVICE (with the stack's interface names)...
	Control func(network, address string, c syscall.RawConn) error
	// Resolver looks up host names; nil means the stack's own
	// ([Stack.Resolver]).
	Resolver *net.Resolver
}

// Dialer returns a Dialer of the stack with no options set.
func (s *Stack) Dialer() *Dialer { return &Dialer{Stack: s} }

// Dial connects to address, as net.Dialer.Dial does.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects from d.Stack to address on network ("tcp",
// "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "unixgram",
// "unixpacket"). A host name is looked up with d's resolver, and each of
// its addresses (of the network's family) is tried in turn until one
// connects, within ctx, Timeout and Deadline; the error is the first
// attempt's.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if ctx == nil {
		panic("msocket: nil context")
	}
	if dl := d.deadline(ctx, time.Now()); !dl.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return d.Stack.dialLiteral(ctx, d, network, address)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Addr: unresolvedAddr(address), Err: err}
	}
	r := d.resolver()
	portnum, err := r.LookupPort(ctx, network, port)
	if err != nil {
		return nil, opErr(err)
	}
	var hosts []string
	if ip := net.ParseIP(strings.SplitN(host, "%", 2)[0]); ip != nil || host == "" {
		hosts = []string{host}
	} else {
		addrs, err := r.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, opErr(err)
		}
		for _, a := range addrs {
			if familyFits(network, a.IP) {
				hosts = append(hosts, (&net.IPAddr{IP: a.IP, Zone: a.Zone}).String())
			}
		}
		if len(hosts) == 0 {
			return nil, opErr(&net.AddrError{Err: "no suitable address found", Addr: host})
		}
	}
	var first error
	for _, h := range hosts {
		if err := ctx.Err(); err != nil {
			if first == nil {
				first = opErr(err)
			}
			break
		}
		c, err := d.Stack.dialLiteral(ctx, d, network, net.JoinHostPort(h, strconv.Itoa(portnum)))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// unresolvedAddr is an address as given, for errors.
type unresolvedAddr string

func (a unresolvedAddr) Network() string { return "" }
func (a unresolvedAddr) String() string  { return string(a) }

// familyFits says whether ip may be dialed on network ("tcp4" takes IPv4
// only, "tcp6" IPv6 only).
func familyFits(network string, ip net.IP) bool {
	switch network[len(network)-1] {
	case '4':
		return ip.To4() != nil
	case '6':
		return ip.To4() == nil
	}
	return true
}

// deadline is the earliest of ctx's deadline, now+Timeout and Deadline.
func (d *Dialer) deadline(ctx context.Context, now time.Time) time.Time {
	var earliest time.Time
	if d.Timeout != 0 {
		earliest = now.Add(d.Timeout)
	}
	if dl, ok := ctx.Deadline(); ok && (earliest.IsZero() || dl.Before(earliest)) {
		earliest = dl
	}
	if !d.Deadline.IsZero() && (earliest.IsZero() || d.Deadline.Before(earliest)) {
		earliest = d.Deadline
	}
	return earliest
}

func (d *Dialer) resolver() *net.Resolver {
	if d.Resolver != nil {
		return d.Resolver
	}
	return d.Stack.Resolver()
}

// prepare runs Control on the new socket f, then binds it to LocalAddr.
func (d *Dialer) prepare(f *os.File, network, address string, domain int) error {
	if d == nil {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if d.Control != nil {
		if err := d.Control(network, address, rc); err != nil {
			return err
		}
	}
	if d.LocalAddr == nil {
		return nil
	}
	ep, _, _, err := resolve(network, d.LocalAddr.String(), false)
	if err != nil {
		return err
	}
	if ep.domain != domain {
		return &net.AddrError{Err: "local address of another family", Addr: d.LocalAddr.String()}
	}
	var berr error
	if err := rc.Control(func(fd uintptr) { berr = syscall.Bind(int(fd), ep.sa) }); err != nil {
		return err
	}
	if berr != nil {
		return os.NewSyscallError("bind", berr)
	}
	return nil
}

// keepAliveBase reads the keep-alive options of the new socket f (after
// Control), which the connection keeps where KeepAlive and
// KeepAliveConfig leave them as they are; ok is false for a socket that is
// not TCP, or without a Dialer.
func (d *Dialer) keepAliveBase(f *os.File, network string) (base keepAliveState, ok bool, err error) {
	if d == nil || !strings.HasPrefix(network, "tcp") {
		return base, false, nil
	}
	base, err = readKeepAlive(f)
	return base, err == nil, err
}

// keepAlive sets the TCP keep-alive of a new connection as KeepAlive and
// KeepAliveConfig say, over base (see keepAliveBase).
func (d *Dialer) keepAlive(c net.Conn, base keepAliveState) error {
	tc, ok := c.(*net.TCPConn)
	if !ok || d == nil {
		return nil
	}
	return setKeepAlive(tc, keepAliveOpts(d.KeepAlive, d.KeepAliveConfig, base))
}

// KeepAliveConfig is the TCP keep-alive configuration of a connection: the
// fields and meaning of Go 1.23's net.KeepAliveConfig, which this package
// cannot name (it builds with Go 1.19). The fields have the same names,
// types and order, so a program built with Go 1.23 or later converts one
// into the other: msocket.KeepAliveConfig(cfg) for a net.KeepAliveConfig
// cfg (or copies the four fields over).
//
// If Idle, Interval or Count is zero, the net package's default is used
// (15 s, 15 s, 9). If one is negative, its socket option is left as the
// socket had it before the net package touched it: the system's default
// (the sysctls net.ipv4.tcp_keepalive_time, tcp_keepalive_intvl and
// tcp_keepalive_probes of the stack's namespace: 7200 s, 75 s, 9 unless
// changed), or what Control set (on a listener, for accepted
// connections). The times are rounded up to whole seconds, as the kernel
// takes them.
type KeepAliveConfig struct {
	// If Enable is true, keep-alive probes are enabled (SO_KEEPALIVE).
	Enable bool
	// Idle is the time that the connection must be idle before the
	// first keep-alive probe is sent (TCP_KEEPIDLE). If zero, 15 s.
	Idle time.Duration
	// Interval is the time between keep-alive probes (TCP_KEEPINTVL).
	// If zero, 15 s.
	Interval time.Duration
	// Count is the maximum number of keep-alive probes that can go
	// unanswered before dropping a connection (TCP_KEEPCNT). If zero, 9.
	Count int
}

// The net package's defaults (Go 1.23: defaultTCPKeepAliveIdle,
// defaultTCPKeepAliveInterval, defaultTCPKeepAliveCount).
const (
	defaultKeepAliveIdle     = 15 * time.Second
	defaultKeepAliveInterval = 15 * time.Second
	defaultKeepAliveCount    = 9
)

// keepAliveState is a socket's SO_KEEPALIVE (0 or 1), TCP_KEEPIDLE and
// TCP_KEEPINTVL (seconds) and TCP_KEEPCNT, as getsockopt reads them.
type keepAliveState struct {
	on, idle, interval, count int
}

// The keep-alive options, in the order they are set.
var keepAliveOptions = [4]struct {
	name       string
	level, opt int
}{
	{"SO_KEEPALIVE", syscall.SOL_SOCKET, syscall.SO_KEEPALIVE},
	{"TCP_KEEPIDLE", syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE},
	{"TCP_KEEPINTVL", syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL},
	{"TCP_KEEPCNT", syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT},
}

func (k *keepAliveState) values() [4]*int {
	return [4]*int{&k.on, &k.idle, &k.interval, &k.count}
}

// keepAliveOpts is what a new connection's keep-alive options become, by
// the net package's rule (Go 1.23's newTCPConn and SetKeepAliveConfig):
// KeepAliveConfig if it is enabled; else, KeepAlive d >= 0 as
// KeepAliveConfig{Enable: true, Idle: d}; else (KeepAlive negative)
// nothing is set: base, the socket's options before the net package
// touched them (off, unless Control turned keep-alive on). Zero fields are
// the defaults, negative ones base's; times are rounded up to seconds.
func keepAliveOpts(keepAlive time.Duration, cfg KeepAliveConfig, base keepAliveState) keepAliveState {
	if !cfg.Enable {
		if keepAlive < 0 {
			return base
		}
		cfg = KeepAliveConfig{Enable: true, Idle: keepAlive}
	}
	secs := func(d, def time.Duration, old int) int {
		switch {
		case d < 0:
			return old
		case d == 0:
			d = def
		}
		return int((d + time.Second - 1) / time.Second)
	}
	out := keepAliveState{
		on:       1,
		idle:     secs(cfg.Idle, defaultKeepAliveIdle, base.idle),
		interval: secs(cfg.Interval, defaultKeepAliveInterval, base.interval),
		count:    cfg.Count,
	}
	switch {
	case cfg.Count < 0:
		out.count = base.count
	case cfg.Count == 0:
		out.count = defaultKeepAliveCount
	}
	return out
}

// readKeepAlive reads c's keep-alive options.
func readKeepAlive(c syscall.Conn) (keepAliveState, error) {
	var k keepAliveState
	rc, err := c.SyscallConn()
	if err != nil {
		return k, err
	}
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		for i, v := range k.values() {
			o := keepAliveOptions[i]
			if *v, gerr = syscall.GetsockoptInt(int(fd), o.level, o.opt); gerr != nil {
				gerr = &keepAliveError{"get", o.name, 0, os.NewSyscallError("getsockopt", gerr)}
				return
			}
		}
	}); err != nil {
		return k, err
	}
	return k, gerr
}

// setKeepAlive sets c's keep-alive options to k. Errors: a *keepAliveError
// naming the option and value, with the *os.SyscallError "setsockopt" and
// its errno inside (EINVAL for a time or count beyond the kernel's limits:
// 32767 s, 127 probes).
func setKeepAlive(c syscall.Conn, k keepAliveState) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for i, v := range k.values() {
			o := keepAliveOptions[i]
			if err := syscall.SetsockoptInt(int(fd), o.level, o.opt, *v); err != nil {
				serr = &keepAliveError{"set", o.name, *v, os.NewSyscallError("setsockopt", err)}
				return
			}
		}
	}); err != nil {
		return err
	}
	return serr
}

// A keepAliveError is a keep-alive option that could not be read or set.
type keepAliveError struct {
	op, option string
	value      int
	err        error // *os.SyscallError
}

func (e *keepAliveError) Error() string {
	if e.op == "get" {
		return "keep-alive: reading " + e.option + ": " + e.err.Error()
	}
	return "keep-alive: " + e.option + " " + strconv.Itoa(e.value) + ": " + e.err.Error()
}

func (e *keepAliveError) Unwrap() error { return e.err }

// A ListenConfig listens in a stack with the options of a
// [net.ListenConfig].
type ListenConfig struct {
	// Stack is the stack the listeners are made in.
	Stack *Stack
	// Control, if not nil, is called with the socket before it is bound,
	// as net.ListenConfig.Control is: SO_REUSEPORT, SO_MARK,
	// IP_FREEBIND, IP_TRANSPARENT...
	Control func(network, address string, c syscall.RawConn) error
	// KeepAlive is the idle time before the first keep-alive probe of
	// accepted TCP connections, as net.ListenConfig's and with the rules
	// of Dialer.KeepAlive: zero means 15 s, negative disables keep-alives
	// (an accepted connection keeps the listener's options: off, unless
	// Control turned them on); ignored if KeepAliveConfig.Enable.
	KeepAlive time.Duration
	// KeepAliveConfig is the TCP keep-alive configuration of accepted
	// connections, as Go 1.23's net.ListenConfig.KeepAliveConfig: used if
	// its Enable is true (see Dialer.KeepAliveConfig).
	KeepAliveConfig KeepAliveConfig
}

// ListenConfig returns a ListenConfig of the stack with no options set.
func (s *Stack) ListenConfig() *ListenConfig { return &ListenConfig{Stack: s} }

func (lc *ListenConfig) control(network, address string) func(*os.File) error {
	if lc.Control == nil {
		return nil
	}
	return func(f *os.File) error {
		rc, err := f.SyscallConn()
		if err != nil {
			return err
		}
		return lc.Control(network, address, rc)
	}
}

// Listen listens in lc.Stack as [Stack.Listen] does, with lc's options.
// The context is not used after the listener is made, as with the net
// package.
func (lc *ListenConfig) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	f, addr, err := lc.Stack.listening(network, address, false, lc.control(network, address))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Both zero is what the net package's own Accept does already
	// (SO_KEEPALIVE, 15 s idle and interval; the count is 9 from Go 1.23
	// on, the namespace's tcp_keepalive_probes before): the listener
	// stays a *net.TCPListener. Otherwise each accepted connection gets
	// its options over those it inherits from the listener, read here
	// after Control.
	var base keepAliveState
	wrap := strings.HasPrefix(network, "tcp") && (lc.KeepAlive != 0 || lc.KeepAliveConfig != (KeepAliveConfig{}))
	if wrap {
		if base, err = readKeepAlive(f); err != nil {
			return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
		}
	}
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
	}
	switch l := ln.(type) {
	case *net.UnixListener:
		l.SetUnlinkOnClose(true)
	case *net.TCPListener:
		if wrap {
			return &keepAliveListener{l, keepAliveOpts(lc.KeepAlive, lc.KeepAliveConfig, base)}, nil
		}
	}
	return ln, nil
}

// ListenPacket makes a packet socket in lc.Stack as [Stack.ListenPacket]
// does, with lc's Control.
func (lc *ListenConfig) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	f, addr, err := lc.Stack.listening(network, address, true, lc.control(network, address))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
	}
	return pc, nil
}

// keepAliveListener sets the keep-alive options of each accepted
// connection: those of its ListenConfig, over the listener's.
type keepAliveListener struct {
	*net.TCPListener
	opts keepAliveState
}

// Accept accepts a connection and sets its keep-alive options (the net
// package's own Accept has set its default, 15 s, which this overrides).
func (l *keepAliveListener) Accept() (net.Conn, error) {
	c, err := l.TCPListener.AcceptTCP()
	if err != nil {
		return nil, err
	}
	if err := setKeepAlive(c, l.opts); err != nil {
		c.Close()
		return nil, &net.OpError{Op: "accept", Net: l.Addr().Network(), Addr: l.Addr(), Err: err}
	}
	return c, nil
}

// Resolver returns a resolver that looks names up through the stack: the
// Go resolver (with /etc/hosts), whose connections to name servers are
// made in the stack. The name servers are those of
// /etc/netns/NAME/resolv.conf when it exists (NAME is the stack file's
// name, as `ip netns exec NAME` uses it), else /etc/resolv.conf's.
func (s *Stack) Resolver() *net.Resolver {
	var next uint32
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			if servers := s.nameservers(); len(servers) > 0 {
				i := atomic.AddUint32(&next, 1) - 1
				address = net.JoinHostPort(servers[int(i)%len(servers)], "53")
			}
			return s.dialLiteral(ctx, nil, network, address)
		},
	}
}

// nameservers are the name servers of /etc/netns/NAME/resolv.conf, or
// none (then the Go resolver's own, from /etc/resolv.conf).
func (s *Stack) nameservers() []string {
	if s.path == "" {
		return nil
	}
	f, err := os.Open(filepath.Join("/etc/netns", filepath.Base(s.path), "resolv.conf"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "nameserver" && net.ParseIP(fields[1]) != nil {
			out = append(out, fields[1])
		}
	}
	return out
}

// FromFile returns a Stack for a file the caller holds (received with
// SCM_RIGHTS, inherited, from systemd): a stack file's, open for writing
// (the capability), read-only or O_PATH (then the kernel checks each
// socket); or a network namespace's nsfs file (/proc/PID/ns/net,
// /run/netns/NAME), which msocket takes with setns(2)'s privilege
// (CAP_SYS_ADMIN over the namespace; EPERM at each socket otherwise). The
// fd is duplicated: f stays the caller's.
//
// Errors (*os.PathError): EBADF; EOPNOTSUPP for any other file.
func FromFile(f *os.File) (*Stack, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, &os.PathError{Op: "dup", Path: f.Name(), Err: err}
	}
	fd := -1
	var derr error
	if err := rc.Control(func(raw uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, raw, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
		} else {
			fd = int(r)
		}
	}); err != nil {
		derr = err
	}
	if derr != nil {
		return nil, &os.PathError{Op: "dup", Path: f.Name(), Err: derr}
	}
	fail := func(err error) (*Stack, error) {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: f.Name(), Err: err}
	}
	flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if e != 0 {
		return fail(e)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fail(err)
	}
	writable := false
	switch {
	case IsStack(st.Mode):
		acc := flags & syscall.O_ACCMODE
		writable = flags&oPath == 0 && (acc == syscall.O_WRONLY || acc == syscall.O_RDWR)
	case flags&oPath == 0 && nsType(fd) == syscall.CLONE_NEWNET:
	default:
		return fail(syscall.EOPNOTSUPP)
	}
	return &Stack{path: f.Name(), file: os.NewFile(uintptr(fd), f.Name()), fd: fd, writable: writable}, nil
}

// nsGetNstype is NS_GET_NSTYPE of linux/nsfs.h.
const nsGetNstype = iocNone<<30 | 0xb7<<8 | 3

// nsType is the CLONE_NEW* type of the namespace of the nsfs fd, or -1.
func nsType(fd int) int {
	r, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), nsGetNstype, 0)
	if e != 0 {
		return -1
	}
	return int(r)
}

// NetnsFD returns a new nsfs file of the stack's namespace
// (STACKFS_IOC_NETNS_FD), for setns(2), iproute2 (`ip link set DEV netns
// /proc/self/fd/N`) or systemd's NetworkNamespacePath=. It needs read
// permission on the stack file and CAP_NET_ADMIN over the namespace.
func (s *Stack) NetnsFD() (*os.File, error) {
	fd, err := s.openForReading()
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	ns, err := ioctl(fd, iocNetnsFD, nil)
	if err != nil {
		return nil, &os.PathError{Op: "STACKFS_IOC_NETNS_FD", Path: s.path, Err: err}
	}
	return os.NewFile(uintptr(ns), "netns:"+s.path), nil
}

// mkstackArgs is struct msocket_mkstack_args.
type mkstackArgs struct {
	size, flags    uint32
	dirfd, netnsFD int32
	mode, reserved uint32
	path           uint64
}

// Mkstack makes the stack file path, bound to the network namespace of
// the nsfs file netns (/proc/PID/ns/net, /run/netns/NAME, a Stack's
// NetnsFD), with permission bits mode less the umask (MSOCKET_IOC_MKSTACK).
// The caller needs CAP_NET_ADMIN over the namespace, and write permission
// on the directory, which must be in a stackfs.
//
// Errors (*os.PathError): EEXIST, ENOENT, EACCES, EPERM, EOPNOTSUPP
// (not in a stackfs), EINVAL (netns is not a network namespace's).
func Mkstack(path string, netns *os.File, mode uint32) error {
	dev, err := device()
	if err != nil {
		return &os.PathError{Op: "mkstack", Path: path, Err: err}
	}
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return &os.PathError{Op: "mkstack", Path: path, Err: err}
	}
	rc, err := netns.SyscallConn()
	if err != nil {
		return &os.PathError{Op: "mkstack", Path: path, Err: err}
	}
	var merr error
	if err := rc.Control(func(ns uintptr) {
		args := mkstackArgs{size: 32, dirfd: atFDCWD, netnsFD: int32(ns), mode: mode,
			path: uint64(uintptr(unsafe.Pointer(p)))}
		_, merr = ioctl(dev, iocMkstack, unsafe.Pointer(&args))
	}); err != nil {
		merr = err
	}
	// The path's bytes stay reachable until the ioctl has read them.
	runtime.KeepAlive(p)
	if merr != nil {
		return &os.PathError{Op: "mkstack", Path: path, Err: merr}
	}
	return nil
}

// atFDCWD is AT_FDCWD.
const atFDCWD = -100
