// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// How a Stack makes a socket: packed on an fd open for writing when the
// arguments fit, else MSOCKET_IOC_SOCKET.
func TestHostSocketRoute(t *testing.T) {
	tcp := syscall.SOCK_STREAM | syscall.SOCK_CLOEXEC | syscall.SOCK_NONBLOCK
	for _, c := range []struct {
		writable           bool
		domain, typ, proto int
		packed             bool
		arg                uint64
	}{
		{true, syscall.AF_INET, tcp, 0, true, 0x31020000},
		{true, syscall.AF_INET6, syscall.SOCK_DGRAM, 17, true, 0x020a0011},
		{true, syscall.AF_NETLINK, syscall.SOCK_RAW | syscall.SOCK_CLOEXEC, 0, true, 0x23100000},
		{true, syscall.AF_UNSPEC, SOCK_DEFAULT, 0, true, 0}, // Check
		{false, syscall.AF_INET, tcp, 0, false, 0},          // O_PATH: per call
		{true, syscall.AF_INET, tcp, 0x10000, false, 0},     // protocol above 16 bits
		{true, 0x100, tcp, 0, false, 0},                     // family above 8 bits
		{true, -1, tcp, 0, false, 0},
		{true, syscall.AF_INET, -1, 0, false, 0},                           // the type -1 probe
		{true, syscall.AF_INET, 16, 0, false, 0},                           // type above 4 bits
		{true, syscall.AF_INET, syscall.SOCK_DGRAM | 0x40000, 0, false, 0}, // unknown flags
	} {
		arg, packed := socketRoute(c.writable, c.domain, c.typ, c.proto)
		if packed != c.packed || arg != c.arg {
			t.Errorf("socketRoute(%v, %d, %#x, %#x) = %#x, %v; want %#x, %v",
				c.writable, c.domain, c.typ, c.proto, arg, packed, c.arg, c.packed)
		}
		if packed && arg >= 1<<30 {
			t.Errorf("%#x has bits above 29", arg)
		}
	}
}

func TestHostKeepsPathFD(t *testing.T) {
	for _, e := range []syscall.Errno{syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.ENOENT} {
		if !keepsPathFD(e) {
			t.Errorf("%v should keep the O_PATH fd", e)
		}
	}
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EINVAL} {
		if keepsPathFD(e) {
			t.Errorf("%v should fail Open", e)
		}
	}
}

// reopenForWriting opens the file the O_PATH fd is on, wherever it is now.
func TestHostReopenForWriting(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pfd, err := syscall.Open(file, oPath|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(pfd)
	if err := os.Rename(file, filepath.Join(dir, "g")); err != nil {
		t.Fatal(err)
	}
	w, err := reopenForWriting(pfd)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(w)
	fl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(w), syscall.F_GETFL, 0)
	fd, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(w), syscall.F_GETFD, 0)
	if fl&(syscall.O_ACCMODE|oPath) != syscall.O_WRONLY || fd&syscall.FD_CLOEXEC == 0 {
		t.Errorf("flags %#o, fd flags %#x", fl, fd)
	}
	var a, b syscall.Stat_t
	syscall.Fstat(pfd, &a)
	syscall.Fstat(w, &b)
	if a.Dev != b.Dev || a.Ino != b.Ino {
		t.Error("another file was opened")
	}
}

// A FIFO (or any file that is not a stack file) is never opened for
// writing, which would block until a reader comes: EOPNOTSUPP at once.
func TestHostFIFONotOpenedForWriting(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Open(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if pe, ok := err.(*os.PathError); !ok || pe.Err != syscall.EOPNOTSUPP {
			t.Errorf("Open of a FIFO: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open of a FIFO blocked: it opened it for writing")
	}
}
