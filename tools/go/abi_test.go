// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// The package's copy of the ABI by the names of uapi/linux/msocket.h.
func abiValues() map[string]uint64 {
	var a msocketArgs
	return map[string]uint64{
		"MSOCKET_IOC_SOCKET":                       iocSocket,
		"MSOCKET_IOC_MKSTACK":                      iocMkstack,
		"STACKFS_IOC_NETNS_FD":                     iocNetnsFD,
		"STACKFS_IOC_NETNS_ID":                     iocNetnsID,
		"S_IFSTACK":                                S_IFSTACK,
		"SOCK_DEFAULT":                             SOCK_DEFAULT,
		"STACKFS_MAGIC":                            STACKFS_MAGIC,
		"MSOCKET_ARGS_SIZE_VER0":                   argsSizeVer0,
		"MSOCKET_ARGS_SIZE_VER1":                   argsSizeVer1,
		"MSOCKET_EXPECT_STACK":                     expectStack,
		"AT_EMPTY_PATH":                            atEmptyPath,
		"O_PATH":                                   oPath,
		"SIOCGSKNS":                                siocgskns,
		"SO_NETNS_COOKIE":                          soNetnsCookie,
		"sizeof(struct msocket_args)":              uint64(unsafe.Sizeof(a)),
		"offsetof(struct msocket_args, size)":      uint64(unsafe.Offsetof(a.Size)),
		"offsetof(struct msocket_args, flags)":     uint64(unsafe.Offsetof(a.Flags)),
		"offsetof(struct msocket_args, dirfd)":     uint64(unsafe.Offsetof(a.Dirfd)),
		"offsetof(struct msocket_args, domain)":    uint64(unsafe.Offsetof(a.Domain)),
		"offsetof(struct msocket_args, type)":      uint64(unsafe.Offsetof(a.Type)),
		"offsetof(struct msocket_args, protocol)":  uint64(unsafe.Offsetof(a.Protocol)),
		"offsetof(struct msocket_args, path)":      uint64(unsafe.Offsetof(a.Path)),
		"offsetof(struct msocket_args, stack_dev)": uint64(unsafe.Offsetof(a.StackDev)),
		"offsetof(struct msocket_args, stack_ino)": uint64(unsafe.Offsetof(a.StackIno)),
	}
}

// The values the header gives, written down: the layout is the ABI, so a
// change here is a change of the kernel interface.
func TestABIConstants(t *testing.T) {
	want := map[string]uint64{
		"sizeof(struct msocket_args)":              48,
		"offsetof(struct msocket_args, size)":      0,
		"offsetof(struct msocket_args, flags)":     4,
		"offsetof(struct msocket_args, dirfd)":     8,
		"offsetof(struct msocket_args, domain)":    12,
		"offsetof(struct msocket_args, type)":      16,
		"offsetof(struct msocket_args, protocol)":  20,
		"offsetof(struct msocket_args, path)":      24,
		"offsetof(struct msocket_args, stack_dev)": 32,
		"offsetof(struct msocket_args, stack_ino)": 40,
		"MSOCKET_ARGS_SIZE_VER0":                   32,
		"MSOCKET_ARGS_SIZE_VER1":                   48,
		"MSOCKET_IOC_SOCKET":                       0x4020b901,
		"STACKFS_IOC_NETNS_ID":                     0x8008b911,
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
	var prog strings.Builder
	prog.WriteString("#include <stddef.h>\n#include <stdio.h>\n#include <fcntl.h>\n" +
		"#include <sys/socket.h>\n#include <linux/sockios.h>\n#include <linux/msocket.h>\n" +
		"#ifndef SO_NETNS_COOKIE\n#define SO_NETNS_COOKIE 71\n#endif\n" +
		"int main(void)\n{\n")
	for name := range values {
		prog.WriteString("\tprintf(\"%s=%llu\\n\", " + strconv.Quote(name) +
			", (unsigned long long)(" + name + "));\n")
	}
	prog.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	src := filepath.Join(dir, "abi.c")
	exe := filepath.Join(dir, "abi")
	if err := os.WriteFile(src, []byte(prog.String()), 0o644); err != nil {
		t.Fatal(err)
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
		name, v, _ := strings.Cut(line, "=")
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
