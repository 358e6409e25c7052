// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// The package's copy of the ABI by the names of uapi/linux/msocket.h.
func abiValues() map[string]uint64 {
	var a msocketArgs
	return map[string]uint64{
		"MSOCKET_IOC_SOCKET":                         iocSocket,
		"MSOCKET_IOC_MKSTACK":                        iocMkstack,
		"STACKFS_IOC_NETNS_FD":                       iocNetnsFD,
		"STACKFS_IOC_NETNS_ID":                       iocNetnsID,
		"STACKFS_IOC_SOCKET":                         iocStackSocket,
		"STACKFS_SOCKET_PROTOCOL_MAX":                stackSocketProtocolMax,
		"STACKFS_SOCKET_DOMAIN_MAX":                  stackSocketDomainMax,
		"STACKFS_SOCKET_TYPE_MAX":                    stackSocketTypeMax,
		"STACKFS_SOCKET_NONBLOCK":                    stackSocketNonblock,
		"STACKFS_SOCKET_CLOEXEC":                     stackSocketCloexec,
		"STACKFS_SOCKET_EXPECT":                      stackSocketExpect,
		"MSOCKET_ARGS_SIZE_VER2":                     argsSizeVer2,
		"MSOCKET_TEMPLATE":                           template,
		"offsetof(struct msocket_args, template_fd)": uint64(unsafe.Offsetof(a.TemplateFD)),
		"offsetof(struct msocket_args, __reserved)":  uint64(unsafe.Offsetof(a.Reserved)),
		"S_IFSTACK":                                  S_IFSTACK,
		"SOCK_DEFAULT":                               SOCK_DEFAULT,
		"STACKFS_MAGIC":                              STACKFS_MAGIC,
		"MSOCKET_ARGS_SIZE_VER0":                     argsSizeVer0,
		"MSOCKET_ARGS_SIZE_VER1":                     argsSizeVer1,
		"MSOCKET_EXPECT_STACK":                       expectStack,
		"AT_EMPTY_PATH":                              atEmptyPath,
		"O_PATH":                                     oPath,
		"SIOCGSKNS":                                  siocgskns,
		"SO_NETNS_COOKIE":                            soNetnsCookie,
		"sizeof(struct msocket_args)":                uint64(unsafe.Sizeof(a)),
		"offsetof(struct msocket_args, size)":        uint64(unsafe.Offsetof(a.Size)),
		"offsetof(struct msocket_args, flags)":       uint64(unsafe.Offsetof(a.Flags)),
		"offsetof(struct msocket_args, dirfd)":       uint64(unsafe.Offsetof(a.Dirfd)),
		"offsetof(struct msocket_args, domain)":      uint64(unsafe.Offsetof(a.Domain)),
		"offsetof(struct msocket_args, type)":        uint64(unsafe.Offsetof(a.Type)),
		"offsetof(struct msocket_args, protocol)":    uint64(unsafe.Offsetof(a.Protocol)),
		"offsetof(struct msocket_args, path)":        uint64(unsafe.Offsetof(a.Path)),
		"offsetof(struct msocket_args, stack_dev)":   uint64(unsafe.Offsetof(a.StackDev)),
		"offsetof(struct msocket_args, stack_ino)":   uint64(unsafe.Offsetof(a.StackIno)),
	}
}

// abiMacroValues: the header's macros with arguments, on samples (both
// halves of a 64-bit st_ino, st_dev with bits above 32, which are
// dropped, and in both 16-bit halves, which are swapped; fields beyond
// their masks), and what libmsocket's stack_ioctl_arg() sends for a kept
// fd.
func abiMacroValues() map[string]uint64 {
	v := map[string]uint64{}
	for _, s := range [][2]uint64{{0, 0}, {0x803, 0x123456789},
		{0xfedcba9876543210, 0x9abcdef012345678}, {0x10300003, 0xffffffffffffffff}} {
		v[fmt.Sprintf("STACKFS_SOCKET_TAG(%#xULL, %#xULL)", s[0], s[1])] =
			uint64(stackSocketTag(s[0], s[1]))
	}
	for _, a := range [][3]uint64{{10, 5, 0x84}, {0x1ff, 0x1f, 0x12345}} {
		v[fmt.Sprintf("STACKFS_SOCKET_ARG(%#x, %#x, %#x)", a[0], a[1], a[2])] =
			stackSocketArg(a[0], a[1], a[2])
	}
	arg, _ := stackIoctlArg(0x803, 0x123456789, 2, 1|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 6)
	v["STACKFS_SOCKET_ARG(2, 1, 6) | STACKFS_SOCKET_EXPECT | STACKFS_SOCKET_NONBLOCK"+
		" | STACKFS_SOCKET_CLOEXEC | (unsigned long)STACKFS_SOCKET_TAG(0x803ULL, 0x123456789ULL) << 32"] = arg
	return v
}

func TestStackIoctlArgRefusesWhatDoesNotFit(t *testing.T) {
	for _, c := range [][3]int{{syscall.AF_INET, -1, 0}, {256, syscall.SOCK_DGRAM, 0},
		{syscall.AF_INET, syscall.SOCK_DGRAM, 0x10000}, {syscall.AF_INET, 16, 0}} {
		if _, ok := stackIoctlArg(1, 2, c[0], c[1], c[2]); ok {
			t.Errorf("%v fits?", c)
		}
	}
	arg, ok := stackIoctlArg(1, 2, syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if !ok || arg&0xffffffff != 0x42010000|0x02000000 || arg>>32 != uint64(stackSocketTag(1, 2)) {
		t.Errorf("AF_UNIX SOCK_DGRAM: %#x %v", arg, ok)
	}
	if nsGetID != 0x8008b70d || iocStackSocket != 0xb912 {
		t.Errorf("NS_GET_ID %#x, STACKFS_IOC_SOCKET %#x", nsGetID, iocStackSocket)
	}
}

// The values the header gives, written down: the layout is the ABI, so a
// change here is a change of the kernel interface.
func TestABIConstants(t *testing.T) {
	want := map[string]uint64{
		"sizeof(struct msocket_args)":                56,
		"offsetof(struct msocket_args, size)":        0,
		"offsetof(struct msocket_args, flags)":       4,
		"offsetof(struct msocket_args, dirfd)":       8,
		"offsetof(struct msocket_args, domain)":      12,
		"offsetof(struct msocket_args, type)":        16,
		"offsetof(struct msocket_args, protocol)":    20,
		"offsetof(struct msocket_args, path)":        24,
		"offsetof(struct msocket_args, stack_dev)":   32,
		"offsetof(struct msocket_args, stack_ino)":   40,
		"MSOCKET_ARGS_SIZE_VER0":                     32,
		"MSOCKET_ARGS_SIZE_VER1":                     48,
		"MSOCKET_ARGS_SIZE_VER2":                     56,
		"offsetof(struct msocket_args, template_fd)": 48,
		"offsetof(struct msocket_args, __reserved)":  52,
		"MSOCKET_IOC_SOCKET":                         0x4020b901,
		"STACKFS_IOC_NETNS_ID":                       0x8008b911,
	}
	got := abiValues()
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %d, want %d", name, got[name], v)
		}
	}
}

// The same values as a C compiler reads them from the header.
func TestABIHeader(t *testing.T) {
	values := abiValues()
	for name, v := range abiMacroValues() {
		values[name] = v
	}
	var prog strings.Builder
	prog.WriteString("#include <stddef.h>\n#include <stdio.h>\n#include <fcntl.h>\n" +
		"#include <sys/socket.h>\n#include <linux/sockios.h>\n#include <linux/msocket.h>\n" +
		"#ifndef SO_NETNS_COOKIE\n#define SO_NETNS_COOKIE 71\n#endif\n" +
		"int main(void)\n{\n")
	for name := range values {
		prog.WriteString("\tprintf(\"%s\\t%llu\\n\", " + strconv.Quote(name) +
			", (unsigned long long)(" + name + "));\n")
	}
	prog.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	src := filepath.Join(dir, "abi.c")
	exe := filepath.Join(dir, "abi")
	if err := os.WriteFile(src, []byte(prog.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// In a copy of the module that go get unpacked (its directory is
	// PATH@VERSION) there is no ../../uapi: the repository's header is
	// not there to compare with. In the repository it always is.
	if _, err := os.Stat("../../uapi/linux/msocket.h"); err != nil {
		if wd, _ := os.Getwd(); strings.Contains(filepath.Base(wd), "@v") {
			t.Skipf("%s is the module outside its repository: no uapi/linux/msocket.h to compare with", wd)
		}
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	out, err := exec.Command(cc, "-D_GNU_SOURCE", "-I", "../../uapi", "-o", exe, src).CombinedOutput()
	if err != nil {
		t.Fatalf("a C compiler is needed for this test: %v\n%s", err, out)
	}
	out, err = exec.Command(exe).Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, v, _ := strings.Cut(line, "\t")
		c, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		seen++
		if values[name] != c {
			t.Errorf("%s: Go %d, C %d", name, values[name], c)
		}
	}
	if seen != len(values) {
		t.Errorf("%d values from C, %d in Go", seen, len(values))
	}
}
