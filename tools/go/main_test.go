// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket_test

import (
	"flag"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"msocket.invalid/msocket"
)

// The tests come in three groups, by name:
//
//	TestHost*, TestABI*, Example_errors: need no kernel module (go test on
//	  the host, part of make check's host checks);
//	TestVM*, the other examples: need the module and the stacks that
//	  selftests/go.sh sets up in the VM (MSOCKET_GO_VM=1), run as a user;
//	TestRoot*: the same, as root.
//
// Without MSOCKET_GO_VM=1 and without -test.run, only the first group
// runs. With MSOCKET_GO_COOKIE=1 the binary prints the namespace cookie of
// a socket(2) socket and exits: go.sh runs it so, through ip netns exec,
// to learn each stack's cookie independently of msocket. With
// MSOCKET_GO_HELPER=chmod it is the user side of
// TestRootWritableStackOutlivesChmod.
const hostOnly = "^(TestHost|TestABI|Example_errors$)"

func TestMain(m *testing.M) {
	if os.Getenv("MSOCKET_GO_COOKIE") == "1" {
		os.Exit(printCookie())
	}
	if os.Getenv("MSOCKET_GO_HELPER") == "chmod" {
		os.Exit(msocket.ChmodHelper())
	}
	flag.Parse()
	if run := flag.Lookup("test.run"); os.Getenv("MSOCKET_GO_VM") != "1" && run.Value.String() == "" {
		fmt.Fprintln(os.Stderr, "msocket: MSOCKET_GO_VM is not 1: only the host tests and examples run"+
			" (the others run in the VM: selftests/go.sh)")
		run.Value.Set(hostOnly)
	}
	os.Exit(m.Run())
}

func printCookie() int {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "socket:", err)
		return 1
	}
	f := os.NewFile(uintptr(fd), "cookie")
	defer f.Close()
	c, err := net.FilePacketConn(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	cookie, err := msocket.SocketNetnsCookie(c.(*net.UDPConn))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(cookie)
	return 0
}
