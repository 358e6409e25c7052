// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

// VM tests of a Stack's fd open for writing (see vm_test.go for the stacks
// selftests/go.sh makes): TestVM* run as msuser, TestRoot* as root.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// socketByPath makes a socket by path (MSOCKET_IOC_SOCKET, dirfd
// AT_FDCWD), as libmsocket's msocket(path, ...) makes it.
func socketByPath(path string, domain, typ int) (int, error) {
	dev, err := device()
	if err != nil {
		return -1, err
	}
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return -1, err
	}
	args := msocketArgs{
		Size:   argsSizeVer0,
		Dirfd:  -100, // AT_FDCWD
		Domain: int32(domain),
		Type:   int32(typ | syscall.SOCK_CLOEXEC),
		Path:   uint64(uintptr(unsafe.Pointer(p))),
	}
	r, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(dev), iocSocket, uintptr(unsafe.Pointer(&args)))
	runtime.KeepAlive(p)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// fdCookie is SO_NETNS_COOKIE of the socket fd, which it closes; 0 on
// error.
func fdCookie(fd int) uint64 {
	defer syscall.Close(fd)
	var cookie uint64
	size := uint32(unsafe.Sizeof(cookie))
	_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET,
		soNetnsCookie, uintptr(unsafe.Pointer(&cookie)), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 {
		return 0
	}
	return cookie
}

// accessMode is the O_ACCMODE and O_PATH bits of the stack's fd.
func (s *Stack) accessMode() int {
	fl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(s.fd), syscall.F_GETFL, 0)
	return int(fl) & (syscall.O_ACCMODE | oPath)
}

// A Stack that a user opens on a 0666 stack holds an fd open for writing,
// and its sockets (STACKFS_IOC_SOCKET) are in the stack's namespace: the
// one of a socket made by path, and of one made inside by socket(2)
// (go.sh's cookies).
func TestVMWritableStack(t *testing.T) {
	s, err := Open("/dev/net/a")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.writable || s.accessMode() != syscall.O_WRONLY {
		t.Fatalf("writable %v, access mode %#o: want an O_WRONLY fd", s.writable, s.accessMode())
	}
	fd, err := socketByPath("/dev/net/a", syscall.AF_INET, syscall.SOCK_DGRAM)
	if err != nil {
		t.Fatal(err)
	}
	byPath := fdCookie(fd)
	if want := fmt.Sprintf("a=%d", byPath); byPath == 0 ||
		!strings.Contains(","+os.Getenv("MSOCKET_GO_NETNS")+",", ","+want+",") {
		t.Fatalf("by path: cookie %d; MSOCKET_GO_NETNS=%q", byPath, os.Getenv("MSOCKET_GO_NETNS"))
	}
	for _, c := range [][3]int{
		{syscall.AF_INET, syscall.SOCK_STREAM, 0},
		{syscall.AF_INET6, syscall.SOCK_DGRAM, 0},
		{syscall.AF_UNIX, syscall.SOCK_SEQPACKET, 0},
		{syscall.AF_NETLINK, syscall.SOCK_RAW, syscall.NETLINK_ROUTE},
	} {
		f, err := s.Socket(c[0], c[1], c[2])
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		// Not f.Fd(), which makes the file blocking.
		rc, err := f.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var fl uintptr
		nfd := -1
		rc.Control(func(fd uintptr) {
			fl, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
			nfd, err = syscall.Dup(int(fd))
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := fdCookie(nfd); got != byPath || fl&syscall.O_NONBLOCK == 0 {
			t.Errorf("%v: cookie %d (by path %d), flags %#o", c, got, byPath, fl)
		}
	}
	if err := s.Check(syscall.AF_UNSPEC); err != nil {
		t.Errorf("Check: %v", err)
	}
	// Arguments that do not fit the packed one go by MSOCKET_IOC_SOCKET
	// on the same fd: a family above 255.
	if _, err := s.Socket(300, syscall.SOCK_DGRAM, 0); !isErrno(err, syscall.EAFNOSUPPORT) {
		t.Errorf("family 300: %v, want EAFNOSUPPORT", err)
	}
	if id, err := s.NetnsID(); err != nil || id == 0 {
		t.Errorf("NetnsID: %d, %v", id, err)
	}
}

func isErrno(err error, errno syscall.Errno) bool {
	se, ok := err.(*os.SyscallError)
	return ok && se.Err == errno
}

// chmodHelper is the msuser side of TestRootWritableStackOutlivesChmod,
// run as the test binary with MSOCKET_GO_HELPER=chmod: it opens the stack
// file MSOCKET_GO_STACK (0666), says "opened", waits for a line (root's
// chmod 0600), checks the Stack it opened before still makes sockets and
// a new one gets EACCES, and prints "ok" or what failed.
func chmodHelper() int {
	path := os.Getenv("MSOCKET_GO_STACK")
	fail := func(format string, args ...any) int {
		fmt.Printf("fail: "+format+"\n", args...)
		return 1
	}
	early, err := Open(path)
	if err != nil {
		return fail("Open: %v", err)
	}
	defer early.Close()
	if !early.writable || early.accessMode() != syscall.O_WRONLY {
		return fail("the Stack opened with w has access mode %#o", early.accessMode())
	}
	fd, err := socketByPath(path, syscall.AF_INET, syscall.SOCK_DGRAM)
	if err != nil {
		return fail("by path: %v", err)
	}
	byPath := fdCookie(fd)
	sock := func(s *Stack) (uint64, error) {
		f, err := s.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		nfd, err := syscall.Dup(int(f.Fd()))
		if err != nil {
			return 0, err
		}
		return fdCookie(nfd), nil
	}
	if c, err := sock(early); err != nil || c != byPath {
		return fail("before the chmod: cookie %d, %v; by path %d", c, err, byPath)
	}
	fmt.Println("opened")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fail("no go-ahead: %v", err)
	}
	// The fd opened before is the capability.
	if c, err := sock(early); err != nil || c != byPath {
		return fail("after the chmod, the Stack opened before: cookie %d, %v; by path %d", c, err, byPath)
	}
	if err := early.Check(syscall.AF_INET); err != nil {
		return fail("after the chmod, Check of the Stack opened before: %v", err)
	}
	// A Stack opened now keeps an O_PATH fd, refused at each call.
	late, err := Open(path)
	if err != nil {
		return fail("Open after the chmod: %v", err)
	}
	defer late.Close()
	if late.writable || late.accessMode() != oPath {
		return fail("the Stack opened without w has access mode %#o", late.accessMode())
	}
	if _, err := sock(late); !isErrno(err, syscall.EACCES) {
		return fail("a socket of the Stack opened after the chmod: %v, want EACCES", err)
	}
	if err := late.Check(syscall.AF_INET); !isErrno(err, syscall.EACCES) {
		return fail("Check of the Stack opened after the chmod: %v, want EACCES", err)
	}
	if _, err := socketByPath(path, syscall.AF_INET, syscall.SOCK_DGRAM); err != syscall.EACCES {
		return fail("by path after the chmod: %v, want EACCES", err)
	}
	fmt.Println("ok")
	return 0
}

// A Stack a user opened with w keeps working after root's chmod 0600 (the
// fd is a capability); one opened afterwards gets EACCES at each call.
func TestRootWritableStackOutlivesChmod(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("run as root (go.sh does)")
	}
	const path = "/dev/net/gocap"
	out, err := exec.Command("mstack", "add", "-m", "0666", path, "--netns", "/run/netns/msgo-a").CombinedOutput()
	if err != nil {
		t.Fatalf("mstack add: %v: %s", err, out)
	}
	defer exec.Command("mstack", "rm", path).Run()
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("su", "-s", "/bin/sh", "msuser", "-c",
		"exec env MSOCKET_GO_HELPER=chmod MSOCKET_GO_STACK="+path+" "+exe)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(stdout)
	first, _ := lines.ReadString('\n')
	if first == "opened\n" {
		if err := os.Chmod(path, 0o600); err != nil {
			t.Error(err)
		}
	}
	stdin.Write([]byte("go\n"))
	stdin.Close()
	rest, _ := lines.ReadString('\n')
	err = cmd.Wait()
	if first != "opened\n" || rest != "ok\n" || err != nil {
		t.Errorf("the user's helper: %q %q, %v; stderr %q", first, rest, err, stderr.String())
	}
}
