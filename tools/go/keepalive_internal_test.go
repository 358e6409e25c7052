// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"errors"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The options a connection gets from KeepAlive and KeepAliveConfig, by Go
// 1.23's rules: the config when enabled, else KeepAlive d >= 0 as {Enable,
// Idle: d}, else nothing (the socket's own options, base); zero fields are
// the defaults, negative ones base's, times rounded up to seconds.
func TestHostKeepAliveOpts(t *testing.T) {
	base := keepAliveState{on: 0, idle: 7200, interval: 75, count: 9}
	controlled := keepAliveState{on: 1, idle: 100, interval: 33, count: 5}
	for _, c := range []struct {
		what      string
		keepAlive time.Duration
		cfg       KeepAliveConfig
		base      keepAliveState
		want      keepAliveState
	}{
		{"zero: the defaults", 0, KeepAliveConfig{}, base, keepAliveState{1, 15, 15, 9}},
		{"KeepAlive is the idle time", 30 * time.Second, KeepAliveConfig{}, base, keepAliveState{1, 30, 15, 9}},
		{"KeepAlive rounded up", 1500 * time.Millisecond, KeepAliveConfig{}, base, keepAliveState{1, 2, 15, 9}},
		{"KeepAlive -1: as it was", -1, KeepAliveConfig{}, base, base},
		{"KeepAlive -1 keeps Control's", -1, KeepAliveConfig{}, controlled, controlled},
		{"a config not enabled is ignored", 0, KeepAliveConfig{Idle: time.Minute, Count: 3}, base,
			keepAliveState{1, 15, 15, 9}},
		{"a config not enabled, KeepAlive -1: off", -1, KeepAliveConfig{Idle: time.Minute}, base, base},
		{"enabled: KeepAlive ignored", -1, KeepAliveConfig{Enable: true}, base, keepAliveState{1, 15, 15, 9}},
		{"enabled, every field", 30 * time.Second,
			KeepAliveConfig{Enable: true, Idle: time.Minute, Interval: 7 * time.Second, Count: 4}, base,
			keepAliveState{1, 60, 7, 4}},
		{"enabled, negative fields: as they were", 0,
			KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}, base, keepAliveState{1, 7200, 75, 9}},
		{"enabled, negative fields keep Control's", 0,
			KeepAliveConfig{Enable: true, Idle: -1, Interval: time.Nanosecond, Count: -1}, controlled,
			keepAliveState{1, 100, 1, 5}},
	} {
		if got := keepAliveOpts(c.keepAlive, c.cfg, c.base); got != c.want {
			t.Errorf("%s: keepAliveOpts(%v, %+v, %+v) = %+v; want %+v", c.what, c.keepAlive, c.cfg, c.base, got, c.want)
		}
	}
}

// KeepAliveConfig has net.KeepAliveConfig's fields (Go 1.23), in its
// order: one converts into the other.
func TestHostKeepAliveConfigFields(t *testing.T) {
	want := []struct {
		name string
		typ  reflect.Type
	}{
		{"Enable", reflect.TypeOf(false)},
		{"Idle", reflect.TypeOf(time.Duration(0))},
		{"Interval", reflect.TypeOf(time.Duration(0))},
		{"Count", reflect.TypeOf(0)},
	}
	typ := reflect.TypeOf(KeepAliveConfig{})
	if typ.NumField() != len(want) {
		t.Fatalf("%d fields, want %d", typ.NumField(), len(want))
	}
	for i, w := range want {
		if f := typ.Field(i); f.Name != w.name || f.Type != w.typ {
			t.Errorf("field %d: %s %s; want %s %s", i, f.Name, f.Type, w.name, w.typ)
		}
	}
}

// sysctlInt reads an int from /proc/sys.
func sysctlInt(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// readKeepAlive and setKeepAlive on sockets of the host's own stack (no
// module needed): a new socket has keep-alive off and the namespace's
// sysctls (what negative fields keep); options set are read back; a value
// the kernel refuses fails with its errno and names the option.
func TestHostKeepAliveSockopts(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "tcp")
	defer f.Close()
	got, err := readKeepAlive(f)
	if err != nil {
		t.Fatal(err)
	}
	want := keepAliveState{0, sysctlInt(t, "net/ipv4/tcp_keepalive_time"),
		sysctlInt(t, "net/ipv4/tcp_keepalive_intvl"), sysctlInt(t, "net/ipv4/tcp_keepalive_probes")}
	if got != want {
		t.Errorf("a new socket: %+v; want keep-alive off and the sysctls, %+v", got, want)
	}

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := c.(*net.TCPConn)
	for _, k := range []keepAliveState{{1, 61, 7, 4}, {0, 1, 1, 1}, {1, 32767, 32767, 127}} {
		if err := setKeepAlive(tc, k); err != nil {
			t.Fatalf("setKeepAlive(%+v): %v", k, err)
		}
		if got, err := readKeepAlive(tc); err != nil || got != k {
			t.Errorf("set %+v, read %+v, %v", k, got, err)
		}
	}
	err = setKeepAlive(tc, keepAliveOpts(0, KeepAliveConfig{Enable: true, Idle: 40000 * time.Second}, keepAliveState{}))
	var se *os.SyscallError
	if !errors.Is(err, syscall.EINVAL) || !errors.As(err, &se) || se.Syscall != "setsockopt" ||
		!strings.Contains(err.Error(), "TCP_KEEPIDLE 40000") {
		t.Errorf("an idle time of 40000 s: %v; want EINVAL from setsockopt TCP_KEEPIDLE 40000", err)
	}
}
