// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket_test

// The tests that need the msocket module and the stacks selftests/go.sh
// makes in the VM (as root, before running this binary as msuser):
//
//	namespaces msgo-a, msgo-b, msgo-c (ip netns add), loopback up,
//	joined in a triangle by veth pairs:
//	  a-b  10.8.1.1 (a) <-> 10.8.1.2 (b)
//	  b-c  10.8.2.2 (b) <-> 10.8.2.3 (c)
//	  c-a  10.8.3.3 (c) <-> 10.8.3.1 (a)
//	in a stackfs on /dev/net (a mount namespace of go.sh's own):
//	  a, b, c  mode 0666, bound to msgo-a, msgo-b, msgo-c
//	  red, blue  0666, bound to msgo-a and msgo-b (the examples)
//	  ro  0444, wo 0222, bound to msgo-a
//	MSOCKET_GO_NETNS="a=COOKIE,b=COOKIE,c=COOKIE": the namespaces' cookies,
//	read by a socket(2) socket made inside each through ip netns exec.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"msocket.invalid/msocket"
)

var stackNames = []string{"a", "b", "c"}

// link is the number of the veth link between stacks x and y (0, 1, 2).
func link(x, y int) int {
	switch x + y {
	case 1: // a-b
		return 1
	case 3: // b-c
		return 2
	}
	return 3 // c-a
}

// addrOn is the address of stack x on its link to y.
func addrOn(x, y int) string { return fmt.Sprintf("10.8.%d.%d", link(x, y), x+1) }

func cookies(t *testing.T) map[string]uint64 {
	t.Helper()
	env := os.Getenv("MSOCKET_GO_NETNS")
	out := map[string]uint64{}
	for _, kv := range strings.Split(env, ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 64)
		if !ok || err != nil {
			t.Fatalf("MSOCKET_GO_NETNS=%q: bad entry %q (run by selftests/go.sh)", env, kv)
		}
		out[k] = n
	}
	for _, n := range stackNames {
		if out[n] == 0 {
			t.Fatalf("MSOCKET_GO_NETNS=%q: no cookie for %s", env, n)
		}
	}
	return out
}

// nsID is the 64-bit id (NS_GET_ID) of the namespace of the nsfs file at
// path: what NetnsID gives, not the file's inode number.
func nsID(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, err := msocket.NsfsID(f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func openStacks(t *testing.T) []*msocket.Stack {
	t.Helper()
	var stacks []*msocket.Stack
	for _, n := range stackNames {
		s, err := msocket.Open("/dev/net/" + n)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stacks = append(stacks, s)
	}
	return stacks
}

func cookieOf(c syscall.Conn) uint64 {
	v, err := msocket.SocketNetnsCookie(c)
	if err != nil {
		return 0
	}
	return v
}

// The namespace (net:[N]) of every thread of this process.
func threadNamespaces(t *testing.T) map[string]int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads? %v", err)
	}
	out := map[string]int{}
	for _, p := range tasks {
		ns, err := os.Readlink(p)
		if err != nil {
			continue // the thread exited meanwhile
		}
		out[ns]++
	}
	return out
}

// One unprivileged process serves on three stacks at once, on the same
// port in each, and hundreds of goroutines dial across the veth links
// from every stack to the two others; every accepted and every dialed
// connection is checked to be in its stack (SO_NETNS_COOKIE against the
// cookies go.sh read inside each namespace with socket(2), and its
// addresses), every thread is still in the native namespace at the end,
// and nothing locks a goroutine to its thread.
func TestVMThreeStacks(t *testing.T) {
	const port = 7300
	dialers, rounds := 300, 2
	if v, err := strconv.Atoi(os.Getenv("MSOCKET_GO_DIALERS")); err == nil {
		dialers = v
	}
	if os.Geteuid() == 0 {
		t.Fatal("this test is for an unprivileged user (go.sh runs it as msuser)")
	}
	want := cookies(t)
	native, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	stacks := openStacks(t)
	var ck [3]uint64
	for i, s := range stacks {
		id, err := s.NetnsID()
		if err != nil {
			t.Fatal(err)
		}
		if nsid := nsID(t, "/run/netns/msgo-"+stackNames[i]); id != nsid {
			t.Fatalf("%s: NetnsID %d, /run/netns/msgo-%s is %d", s, id, stackNames[i], nsid)
		}
		if nsID(t, "/proc/thread-self/ns/net") == id {
			t.Fatalf("%s is the native namespace", s)
		}
		ck[i] = want[stackNames[i]]
		if c, err := s.NetnsCookie(); err != nil || c != ck[i] {
			t.Fatalf("%s: NetnsCookie %d, %v; want %d", s, c, err, ck[i])
		}
	}

	// Three listeners on one port: each stack has its own port space.
	var listeners []net.Listener
	for i, s := range stacks {
		ln, err := s.Listen("tcp4", fmt.Sprintf(":%d", port))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		defer ln.Close()
		if c := cookieOf(ln.(*net.TCPListener)); c != ck[i] {
			t.Fatalf("%s: the listener's namespace cookie is %d, want %d", s, c, ck[i])
		}
		listeners = append(listeners, ln)
	}

	var (
		accepted, served, dialed [3]int64
		bad                      int64
		maxGoroutines            int64
		tids                     sync.Map
		servers                  sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		if atomic.AddInt64(&bad, 1) <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i, ln := range listeners {
		i, ln := i, ln
		servers.Add(1)
		go func() {
			defer servers.Done()
			for {
				conn, err := ln.Accept()
				if err != nil {
					return // closed at the end
				}
				atomic.AddInt64(&accepted[i], 1)
				servers.Add(1)
				go func() {
					defer servers.Done()
					defer conn.Close()
					tids.Store(syscall.Gettid(), true)
					if c := cookieOf(conn.(*net.TCPConn)); c != ck[i] {
						fail("accepted by %s: namespace cookie %d, want %d", stacks[i], c, ck[i])
						return
					}
					conn.SetDeadline(time.Now().Add(60 * time.Second))
					line, err := bufio.NewReader(conn).ReadString('\n')
					if err != nil {
						fail("%s: read: %v", stacks[i], err)
						return
					}
					var src, dst, n int
					if _, err := fmt.Sscanf(line, "%d %d %d", &src, &dst, &n); err != nil || dst != i {
						fail("%s got %q", stacks[i], line)
						return
					}
					local := conn.LocalAddr().(*net.TCPAddr).IP.String()
					remote := conn.RemoteAddr().(*net.TCPAddr).IP.String()
					if local != addrOn(i, src) || remote != addrOn(src, i) {
						fail("%s: connection %s <- %s, want %s <- %s", stacks[i], local, remote, addrOn(i, src), addrOn(src, i))
						return
					}
					fmt.Fprintf(conn, "%d %d %d %d\n", i, src, n, ck[i])
					atomic.AddInt64(&served[i], 1)
				}()
			}
		}()
	}

	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for g := 0; g < dialers; g++ {
		g := g
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			for r := 0; r < rounds; r++ {
				src := g % 3
				dst := (src + 1 + (g/3+r)%2) % 3
				n := g*rounds + r
				tids.Store(syscall.Gettid(), true)
				conn, err := stacks[src].DialContext(ctx, "tcp4", fmt.Sprintf("%s:%d", addrOn(dst, src), port))
				if err != nil {
					fail("dial %s -> %s: %v", stacks[src], stacks[dst], err)
					continue
				}
				if c := cookieOf(conn.(*net.TCPConn)); c != ck[src] {
					fail("dialed from %s: namespace cookie %d, want %d", stacks[src], c, ck[src])
				}
				if l := conn.LocalAddr().(*net.TCPAddr).IP.String(); l != addrOn(src, dst) {
					fail("dialed from %s: local address %s, want %s", stacks[src], l, addrOn(src, dst))
				}
				conn.SetDeadline(time.Now().Add(60 * time.Second))
				fmt.Fprintf(conn, "%d %d %d\n", src, dst, n)
				line, err := bufio.NewReader(conn).ReadString('\n')
				conn.Close()
				var who, from, m int
				var cookie uint64
				if err != nil {
					fail("%s -> %s: %v", stacks[src], stacks[dst], err)
				} else if _, err := fmt.Sscanf(line, "%d %d %d %d", &who, &from, &m, &cookie); err != nil ||
					who != dst || from != src || m != n || cookie != ck[dst] {
					fail("%s -> %s: reply %q", stacks[src], stacks[dst], line)
				} else {
					atomic.AddInt64(&dialed[src], 1)
				}
				tids.Store(syscall.Gettid(), true)
			}
		}()
	}
	ready.Wait()
	maxGoroutines = int64(runtime.NumGoroutine())
	close(start)
	done.Wait()
	time.Sleep(100 * time.Millisecond)
	for _, ln := range listeners {
		ln.Close()
	}
	servers.Wait()

	total := int64(0)
	for i := range stacks {
		total += dialed[i]
		if served[i] != accepted[i] {
			t.Errorf("%s accepted %d connections and served %d", stacks[i], accepted[i], served[i])
		}
	}
	all := accepted[0] + accepted[1] + accepted[2]
	if want := int64(dialers * rounds); total != want || all != want {
		t.Errorf("%d connections dialed and checked, %d accepted; want %d", total, all, want)
	}
	threads := 0
	tids.Range(func(_, _ any) bool { threads++; return true })
	nss := threadNamespaces(t)
	if len(nss) != 1 || nss[native] == 0 {
		t.Errorf("threads' namespaces at the end: %v; all should be %s", nss, native)
	}
	t.Logf("%d goroutines at the start; %d connections dialed (%v per stack), %d accepted (%v), "+
		"on %d OS threads; every thread in %s", maxGoroutines, total, dialed, all, accepted, threads, native)
	if maxGoroutines < int64(dialers) {
		t.Errorf("only %d goroutines ran at once", maxGoroutines)
	}
	if threads < 2 {
		t.Errorf("the goroutines ran on %d OS thread(s): the test shows nothing", threads)
	}
}

// UDP from each stack to the two others, and the replies.
func TestVMPacket(t *testing.T) {
	want := cookies(t)
	stacks := openStacks(t)
	var pcs []net.PacketConn
	for i, s := range stacks {
		pc, err := s.ListenPacket("udp", ":7301")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		if c := cookieOf(pc.(*net.UDPConn)); c != want[stackNames[i]] {
			t.Fatalf("%s: cookie %d", s, c)
		}
		pcs = append(pcs, pc)
	}
	for src := range stacks {
		for dst := range stacks {
			if src == dst {
				continue
			}
			conn, err := stacks[src].Dial("udp4", fmt.Sprintf("%s:7301", addrOn(dst, src)))
			if err != nil {
				t.Fatal(err)
			}
			if c := cookieOf(conn.(*net.UDPConn)); c != want[stackNames[src]] {
				t.Errorf("%s: cookie %d", stacks[src], c)
			}
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			pcs[dst].SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := fmt.Fprintf(conn, "from %d", src); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, from, err := pcs[dst].ReadFrom(buf)
			if err != nil || string(buf[:n]) != fmt.Sprintf("from %d", src) ||
				from.(*net.UDPAddr).IP.String() != addrOn(src, dst) {
				t.Fatalf("%s got %q from %v: %v", stacks[dst], buf[:n], from, err)
			}
			if _, err := pcs[dst].WriteTo([]byte("back"), from); err != nil {
				t.Fatal(err)
			}
			n, err = conn.Read(buf)
			if err != nil || string(buf[:n]) != "back" {
				t.Fatalf("%s: reply %q, %v", stacks[src], buf[:n], err)
			}
			conn.Close()
		}
	}
}

// Abstract unix names are per namespace: one name in every stack, each
// reached only from its own.
func TestVMUnixAbstract(t *testing.T) {
	stacks := openStacks(t)
	name := fmt.Sprintf("@msocket-go-%d", os.Getpid())
	for i, s := range stacks {
		ln, err := s.Listen("unix", name)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		defer ln.Close()
		go func(i int) {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				fmt.Fprintf(c, "%d\n", i)
				c.Close()
			}
		}(i)
	}
	for i, s := range stacks {
		c, err := s.Dial("unix", name)
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || line != fmt.Sprintf("%d\n", i) {
			t.Errorf("%s reached %q, %v", s, line, err)
		}
	}
	if _, err := net.Dial("unix", name); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("the native stack: %v, want ECONNREFUSED", err)
	}
}

func wantErrno(t *testing.T, what string, err error, errno syscall.Errno, syscallName string) {
	t.Helper()
	var se *os.SyscallError
	if !errors.Is(err, errno) {
		t.Errorf("%s: %v, want %v", what, err, errno)
	} else if syscallName != "" && (!errors.As(err, &se) || se.Syscall != syscallName) {
		t.Errorf("%s: %#v, want an *os.SyscallError %q", what, err, syscallName)
	}
}

// The errors of the package documentation, as a user.
func TestVMErrors(t *testing.T) {
	ro, err := msocket.Open("/dev/net/ro")
	if err != nil {
		t.Fatal(err) // O_PATH needs no permission on the file
	}
	defer ro.Close()
	_, err = ro.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	wantErrno(t, "Socket without w", err, syscall.EACCES, "msocket")
	_, err = ro.Listen("tcp", ":7302")
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "listen" {
		t.Errorf("Listen without w: %#v, want a *net.OpError", err)
	}
	wantErrno(t, "Listen without w", err, syscall.EACCES, "msocket")
	_, err = ro.Dial("tcp", "10.8.1.2:7302")
	wantErrno(t, "Dial without w", err, syscall.EACCES, "msocket")
	wantErrno(t, "Check without w", ro.Check(syscall.AF_INET), syscall.EACCES, "msocket")
	if _, err := ro.NetnsID(); err != nil {
		t.Errorf("NetnsID with r: %v", err)
	}

	wo, err := msocket.Open("/dev/net/wo")
	if err != nil {
		t.Fatal(err)
	}
	defer wo.Close()
	if err := wo.Check(syscall.AF_UNSPEC); err != nil {
		t.Errorf("Check with w: %v", err)
	}
	_, err = wo.NetnsID()
	wantErrno(t, "NetnsID without r", err, syscall.EACCES, "")

	a, err := msocket.Open("/dev/net/a")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Socket(63, syscall.SOCK_STREAM, 0)
	wantErrno(t, "a family the stack lacks", err, syscall.EAFNOSUPPORT, "msocket")
	wantErrno(t, "Check of a family the stack lacks", a.Check(63), syscall.EAFNOSUPPORT, "msocket")
	_, err = a.Socket(syscall.AF_INET, msocket.SOCK_DEFAULT, 0)
	wantErrno(t, "SOCK_DEFAULT to Socket", err, syscall.EINVAL, "msocket")
	_, err = a.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, 0)
	wantErrno(t, "a packet socket without CAP_NET_RAW", err, syscall.EPERM, "msocket")
	_, err = a.Listen("udp", ":1")
	if !errors.As(err, new(net.UnknownNetworkError)) {
		t.Errorf("Listen udp: %v", err)
	}
	a.Close()
	if _, err := a.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Socket on a closed Stack: %v", err)
	}

	if _, err := msocket.Open("/dev/net/nothing"); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Open of nothing: %v", err)
	}
	if _, err := msocket.Open("/dev/net"); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("Open of a stackfs directory: %v", err)
	}
}

// As root: every socket's namespace by SIOCGSKNS (which needs
// CAP_NET_ADMIN over it) is its stack's NetnsID, accepted ones too.
func TestRootSocketNetnsID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("run as root (go.sh does)")
	}
	stacks := openStacks(t)
	for i, s := range stacks {
		id, err := s.NetnsID()
		if err != nil {
			t.Fatal(err)
		}
		ln, err := s.Listen("tcp4", addrOn(i, (i+1)%3)+":7303")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		peer := stacks[(i+1)%3]
		c, err := peer.Dial("tcp4", addrOn(i, (i+1)%3)+":7303")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ac, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer ac.Close()
		peerID, _ := peer.NetnsID()
		for _, x := range []struct {
			what string
			conn syscall.Conn
			want uint64
		}{
			{"listener", ln.(*net.TCPListener), id},
			{"accepted", ac.(*net.TCPConn), id},
			{"dialed", c.(*net.TCPConn), peerID},
		} {
			got, err := msocket.SocketNetnsID(x.conn)
			if err != nil || got != x.want {
				t.Errorf("%s %s: SIOCGSKNS %d, %v; want %d", s, x.what, got, err, x.want)
			}
		}
	}
}

// sockopt reads an int socket option of c.
func sockopt(t *testing.T, c syscall.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

// setsockopt is a Control function setting an int option.
func setsockopt(level, opt, value int) func(string, string, syscall.RawConn) error {
	return func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), level, opt, value) }); err != nil {
			return err
		}
		return serr
	}
}

// serveDNS answers A queries for multi.test with 127.0.0.1 then 10.8.1.1
// (AAAA and others: no answer) until pc is closed.
func serveDNS(pc net.PacketConn) {
	buf := make([]byte, 512)
	for {
		n, peer, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := buf[:n]
		if n < 17 {
			continue
		}
		end := 12
		for end < n && q[end] != 0 {
			end += int(q[end]) + 1
		}
		if end+5 > n {
			continue
		}
		qtype := int(q[end+1])<<8 | int(q[end+2])
		name := strings.ToLower(string(q[12:end]))
		resp := append([]byte{}, q[:end+5]...)
		resp[2], resp[3] = 0x81, 0x80 // response, recursion available, NOERROR
		resp[6], resp[7], resp[8], resp[9], resp[10], resp[11] = 0, 0, 0, 0, 0, 0
		if qtype == 1 && name == "\x05multi\x04test" {
			resp[7] = 2
			for _, ip := range [][]byte{{127, 0, 0, 1}, {10, 8, 1, 1}} {
				resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
				resp = append(resp, ip...)
			}
		}
		pc.WriteTo(resp, peer)
	}
}

// The net-package idioms on a stack, as an unprivileged user: a resolver
// whose queries go through the stack to a name server that exists only in
// another stack (b's /etc/netns/b/resolv.conf names c's 10.8.2.3, which
// only b and c reach), a dial that tries each address of a name (the
// first refuses), Dialer's Control, LocalAddr, KeepAlive and Timeout, and
// ListenConfig's Control and KeepAlive.
func TestVMDialerResolverListenConfig(t *testing.T) {
	stacks := openStacks(t)
	a, b, c := stacks[0], stacks[1], stacks[2]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	dns, err := c.ListenPacket("udp4", "10.8.2.3:53")
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	go serveDNS(dns)
	addrs, err := b.Resolver().LookupHost(ctx, "multi.test")
	if err != nil || len(addrs) != 2 {
		t.Fatalf("b's resolver: %v, %v; want the two addresses c's name server gives", addrs, err)
	}
	if _, err := net.DefaultResolver.LookupHost(ctx, "multi.test"); err == nil {
		t.Error("the native stack's resolver found multi.test: its queries reached c's name server")
	}

	ln, err := a.Listen("tcp4", "10.8.1.1:7320")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- conn
		}
	}()
	// multi.test is 127.0.0.1 (b's own loopback: refused), then 10.8.1.1.
	conn, err := b.DialContext(ctx, "tcp", "multi.test:7320")
	if err != nil {
		t.Fatalf("dial of a name whose first address refuses: %v", err)
	}
	if got := conn.RemoteAddr().String(); got != "10.8.1.1:7320" {
		t.Errorf("connected to %s", got)
	}
	if sockopt(t, conn.(*net.TCPConn), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) != 1 {
		t.Error("keep-alive is not on by default")
	}
	conn.Close()
	(<-accepted).Close()

	d := &msocket.Dialer{
		Stack:     b,
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("10.8.1.2"), Port: 7321},
		KeepAlive: -1,
		Control:   setsockopt(syscall.SOL_SOCKET, syscall.SO_PRIORITY, 5),
	}
	conn, err = d.DialContext(ctx, "tcp4", "10.8.1.1:7320")
	if err != nil {
		t.Fatal(err)
	}
	if got := conn.LocalAddr().String(); got != "10.8.1.2:7321" {
		t.Errorf("LocalAddr: bound to %s", got)
	}
	if v := sockopt(t, conn.(*net.TCPConn), syscall.SOL_SOCKET, syscall.SO_PRIORITY); v != 5 {
		t.Errorf("Control: SO_PRIORITY %d", v)
	}
	if sockopt(t, conn.(*net.TCPConn), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) != 0 {
		t.Error("KeepAlive -1: keep-alive is on")
	}
	if ac := <-accepted; ac.RemoteAddr().String() != "10.8.1.2:7321" {
		t.Errorf("the server saw %s", ac.RemoteAddr())
	}
	conn.Close()

	// Timeout: 10.8.1.77 answers no ARP, the connect would wait seconds.
	_, err = (&msocket.Dialer{Stack: b, Timeout: 200 * time.Millisecond}).Dial("tcp4", "10.8.1.77:7320")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Timeout: %v, want a timeout", err)
	}

	lc := &msocket.ListenConfig{Stack: a, KeepAlive: -1,
		Control: setsockopt(syscall.SOL_SOCKET, soReuseport, 1)}
	l1, err := lc.Listen(ctx, "tcp4", "10.8.1.1:7322")
	if err != nil {
		t.Fatal(err)
	}
	defer l1.Close()
	l2, err := lc.Listen(ctx, "tcp4", "10.8.1.1:7322")
	if err != nil {
		t.Fatalf("ListenConfig.Control: a second SO_REUSEPORT listener: %v", err)
	}
	l2.Close()
	if l3, err := a.Listen("tcp4", "10.8.1.1:7322"); err == nil {
		l3.Close()
		t.Error("a listener without SO_REUSEPORT shares the address")
	}
	conn, err = b.Dial("tcp4", "10.8.1.1:7322")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ac, err := l1.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer ac.Close()
	if sockopt(t, ac.(*net.TCPConn), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) != 0 {
		t.Error("ListenConfig.KeepAlive -1: an accepted connection has keep-alive on")
	}
}

// As root: Mkstack, NetnsFD and FromFile (a stack file's fd, an nsfs
// fd), and a Dialer's Control setting SO_MARK, read back.
func TestRootMkstackFromFileNetnsFD(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("run as root (go.sh does)")
	}
	stacks := openStacks(t)
	aID, _ := stacks[0].NetnsID()
	ns, err := stacks[0].NetnsFD()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if id, err := msocket.NsfsID(ns); err != nil || id != aID {
		t.Errorf("NetnsFD: namespace %d, %v; want a's %d", id, err, aID)
	}
	if err := msocket.Mkstack("/dev/net/gomade", ns, 0600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove("/dev/net/gomade")
	if err := msocket.Mkstack("/dev/net/gomade", ns, 0600); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("Mkstack over an existing file: %v", err)
	}
	made, err := msocket.Open("/dev/net/gomade")
	if err != nil {
		t.Fatal(err)
	}
	defer made.Close()
	if id, _ := made.NetnsID(); id != aID {
		t.Errorf("Mkstack: namespace %d, want %d", id, aID)
	}
	for _, x := range []struct {
		path string
		flag int
		ns   string
	}{{"/dev/net/c", os.O_WRONLY, "/run/netns/msgo-c"}, {"/run/netns/msgo-b", os.O_RDONLY, "/run/netns/msgo-b"}} {
		f, err := os.OpenFile(x.path, x.flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := msocket.FromFile(f)
		f.Close()
		if err != nil {
			t.Fatalf("FromFile(%s): %v", x.path, err)
		}
		sock, err := s.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatalf("FromFile(%s).Socket: %v", x.path, err)
		}
		conn, _ := net.FilePacketConn(sock)
		sock.Close()
		if id, err := msocket.SocketNetnsID(conn.(*net.UDPConn)); err != nil || id != nsID(t, x.ns) {
			t.Errorf("FromFile(%s): socket in %d, %v", x.path, id, err)
		}
		conn.Close()
		s.Close()
	}
	f, _ := os.Open("/etc/passwd")
	if _, err := msocket.FromFile(f); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("FromFile(/etc/passwd): %v", err)
	}
	f.Close()

	ln, err := stacks[0].Listen("tcp4", "10.8.1.1:7323")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &msocket.Dialer{Stack: stacks[1], Control: setsockopt(syscall.SOL_SOCKET, syscall.SO_MARK, 42)}
	conn, err := d.Dial("tcp4", "10.8.1.1:7323")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if v := sockopt(t, conn.(*net.TCPConn), syscall.SOL_SOCKET, syscall.SO_MARK); v != 42 {
		t.Errorf("Control: SO_MARK %d, want 42", v)
	}
}

// soReuseport is SO_REUSEPORT, which package syscall does not name.
const soReuseport = 15

// keepAlive is a connection's SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL
// and TCP_KEEPCNT, read back with getsockopt.
type keepAlive struct{ on, idle, interval, count int }

func keepAliveOf(t *testing.T, c syscall.Conn) keepAlive {
	t.Helper()
	return keepAlive{
		sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE),
		sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE),
		sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL),
		sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT),
	}
}

// controls is a Control function running each of fns.
func controls(fns ...func(string, string, syscall.RawConn) error) func(string, string, syscall.RawConn) error {
	return func(network, address string, rc syscall.RawConn) error {
		for _, f := range fns {
			if err := f(network, address, rc); err != nil {
				return err
			}
		}
		return nil
	}
}

// Dialer's and ListenConfig's KeepAlive and KeepAliveConfig, as Go 1.23's
// net package has them, read back with getsockopt on connections dialed
// from b and accepted in a, as a user: the defaults (15 s, 15 s, 9), a
// KeepAlive period, a full config, negative fields that keep the
// namespace's defaults or what Control set (on the listener: inherited by
// accepted connections), a config not enabled (ignored), keep-alive
// disabled, and a value the kernel refuses.
func TestVMKeepAliveConfig(t *testing.T) {
	stacks := openStacks(t)
	a, b := stacks[0], stacks[1]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The namespaces' own defaults (tcp_keepalive_time, _intvl,
	// _probes), from a new socket in each stack.
	sysDefault := func(s *msocket.Stack) keepAlive {
		f, err := s.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return keepAliveOf(t, f)
	}
	aDef, bDef := sysDefault(a), sysDefault(b)
	if aDef.on != 0 || bDef.on != 0 || aDef.idle == 15 || bDef.idle == 15 {
		t.Fatalf("a new socket's keep-alive: %+v in a, %+v in b; want off, and the system's idle time", aDef, bDef)
	}
	port := 7330
	// check listens in a with lc, dials from b with d, and compares what
	// each end has with dialed and accepted.
	check := func(what string, lc *msocket.ListenConfig, d *msocket.Dialer, dialed, accepted keepAlive) {
		t.Helper()
		port++
		addr := "10.8.1.1:" + strconv.Itoa(port)
		lc.Stack, d.Stack = a, b
		ln, err := lc.Listen(ctx, "tcp4", addr)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer ln.Close()
		conn, err := d.DialContext(ctx, "tcp4", addr)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer conn.Close()
		ac, err := ln.Accept()
		if err != nil {
			t.Fatalf("%s: accept: %v", what, err)
		}
		defer ac.Close()
		if got := keepAliveOf(t, conn.(syscall.Conn)); got != dialed {
			t.Errorf("%s: dialed %+v, want %+v", what, got, dialed)
		}
		if got := keepAliveOf(t, ac.(syscall.Conn)); got != accepted {
			t.Errorf("%s: accepted %+v, want %+v", what, got, accepted)
		}
	}
	defaults := keepAlive{1, 15, 15, 9}
	off := func(def keepAlive) keepAlive { def.on = 0; return def }
	check("zero: the net package's defaults",
		&msocket.ListenConfig{}, &msocket.Dialer{}, defaults, defaults)
	check("KeepAlive: the idle time, rounded up; interval and count the defaults",
		&msocket.ListenConfig{KeepAlive: 40 * time.Second},
		&msocket.Dialer{KeepAlive: 1500 * time.Millisecond},
		keepAlive{1, 2, 15, 9}, keepAlive{1, 40, 15, 9})
	check("KeepAliveConfig, every field (KeepAlive ignored)",
		&msocket.ListenConfig{KeepAlive: -1,
			KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: 61 * time.Second, Interval: 7 * time.Second, Count: 4}},
		&msocket.Dialer{KeepAlive: time.Hour,
			KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: 3 * time.Second, Interval: 2 * time.Second, Count: 5}},
		keepAlive{1, 3, 2, 5}, keepAlive{1, 61, 7, 4})
	check("KeepAliveConfig, zero fields: the defaults",
		&msocket.ListenConfig{KeepAliveConfig: msocket.KeepAliveConfig{Enable: true}},
		&msocket.Dialer{KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Count: 3}},
		keepAlive{1, 15, 15, 3}, defaults)
	check("KeepAliveConfig, negative fields: the namespace's defaults",
		&msocket.ListenConfig{KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}},
		&msocket.Dialer{KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: -1, Interval: 4 * time.Second, Count: -1}},
		keepAlive{1, bDef.idle, 4, bDef.count}, keepAlive{1, aDef.idle, aDef.interval, aDef.count})
	check("KeepAliveConfig, negative fields: what Control set (the listener's, for accepted connections)",
		&msocket.ListenConfig{Control: controls(setsockopt(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 100),
			setsockopt(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, 33)),
			KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: 6}},
		&msocket.Dialer{Control: setsockopt(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 8),
			KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: time.Minute, Count: -1}},
		keepAlive{1, 60, 15, 8}, keepAlive{1, 100, 33, 6})
	check("KeepAliveConfig not enabled: ignored (KeepAlive's defaults)",
		&msocket.ListenConfig{KeepAliveConfig: msocket.KeepAliveConfig{Idle: time.Minute, Count: 2}},
		&msocket.Dialer{KeepAliveConfig: msocket.KeepAliveConfig{Interval: time.Minute}},
		defaults, defaults)
	check("disabled: KeepAlive -1, KeepAliveConfig not enabled",
		&msocket.ListenConfig{KeepAlive: -1, KeepAliveConfig: msocket.KeepAliveConfig{Idle: time.Minute}},
		&msocket.Dialer{KeepAlive: -1},
		off(bDef), off(aDef))
	check("KeepAlive -1 leaves what Control set",
		&msocket.ListenConfig{KeepAlive: -1, Control: setsockopt(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1)},
		&msocket.Dialer{KeepAlive: -1, Control: controls(setsockopt(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1),
			setsockopt(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 90))},
		keepAlive{1, 90, bDef.interval, bDef.count}, keepAlive{1, aDef.idle, aDef.interval, aDef.count})

	// The kernel takes at most 32767 s: the dial fails with EINVAL, and
	// the error names the option.
	ln, err := a.Listen("tcp4", "10.8.1.1:7340")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &msocket.Dialer{Stack: b, KeepAliveConfig: msocket.KeepAliveConfig{Enable: true, Idle: 40000 * time.Second}}
	conn, err := d.DialContext(ctx, "tcp4", "10.8.1.1:7340")
	var oe *net.OpError
	if err == nil {
		conn.Close()
		t.Error("an idle time of 40000 s: the dial succeeded")
	} else if !errors.Is(err, syscall.EINVAL) || !errors.As(err, &oe) || oe.Op != "dial" ||
		!strings.Contains(err.Error(), "TCP_KEEPIDLE 40000") {
		t.Errorf("an idle time of 40000 s: %v; want a dial error, EINVAL from setsockopt TCP_KEEPIDLE 40000", err)
	}
}
