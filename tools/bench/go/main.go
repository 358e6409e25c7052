// SPDX-License-Identifier: GPL-2.0

// msocket-gobench: what a Go program pays for a socket in another stack,
// the Go way of today (runtime.LockOSThread, setns into the namespace, make
// the socket, setns back, unlock) against the msocket package, as ratios
// of runs taken side by side, at two levels:
//
//   - an *os.File: syscall.Socket + os.NewFile in the program's own
//     namespace (the denominator), the same inside the setns pattern, and
//     Stack.Socket;
//   - a listener: net.Listen("tcp", ":0") in the program's own namespace
//     (the denominator), the same inside the setns pattern, and
//     Stack.Listen.
//
// Each round runs every variant once, in a new random order (seed 1),
// each after a garbage collection and a short pause; a figure is the
// median, min and max over the rounds of the per-round ratio. BENCH_ROUNDS and BENCH_ITERATIONS as for msocket-bench.
//
//	msocket-gobench STACK-FILE NETNS-FILE
//
// NETNS-FILE is an nsfs file of the namespace STACK-FILE is bound to
// (/run/netns/NAME); the setns pattern needs CAP_SYS_ADMIN: run as root.
package main

import (
	"fmt"
	"math/rand"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"

	"msocket.invalid/msocket"
)

const sysSetns = 308 // x86_64

type variant struct {
	name string
	run  func() error // makes one socket (or listener) and closes it
	ns   []float64    // per call, one per round
}

func setns(fd int) error {
	if _, _, e := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0); e != 0 {
		return e
	}
	return nil
}

// inNamespace runs f on a locked thread moved into target, then back.
func inNamespace(target, self int, f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := setns(target); err != nil {
		return err
	}
	ferr := f()
	if err := setns(self); err != nil {
		// The thread is in the wrong namespace: it must not be reused.
		panic("setns back: " + err.Error())
	}
	return ferr
}

func socketFile() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		return err
	}
	return os.NewFile(uintptr(fd), "socket").Close()
}

func listen() error {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return err
	}
	return ln.Close()
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// paired is the per-round ratio num/den: median, min, max.
func paired(num, den []float64) (med, lo, hi float64) {
	r := make([]float64, len(num))
	for i := range num {
		r[i] = num[i] / den[i]
	}
	med = median(r)
	sort.Float64s(r)
	return med, r[0], r[len(r)-1]
}

func run(title string, vs []variant, rounds, iterations int, rng *rand.Rand) {
	for i := range vs { // warm-up
		for j := 0; j < iterations/10; j++ {
			if err := vs[i].run(); err != nil {
				fail(vs[i].name, err)
			}
		}
	}
	for r := 0; r < rounds; r++ {
		for _, i := range rng.Perm(len(vs)) {
			// No run is charged with the garbage or the kernel's
			// deferred work (RCU) of the one before it.
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
			start := time.Now()
			for j := 0; j < iterations; j++ {
				if err := vs[i].run(); err != nil {
					fail(vs[i].name, err)
				}
			}
			vs[i].ns = append(vs[i].ns, float64(time.Since(start).Nanoseconds())/float64(iterations))
		}
	}
	fmt.Printf("\n## Go: %s\n\n", title)
	fmt.Printf("| variant | us per call | ratio to the first | min to max |\n|---|---|---|---|\n")
	for i := range vs {
		med, lo, hi := paired(vs[i].ns, vs[0].ns)
		fmt.Printf("| %s | %.2f | %.3f | %.3f to %.3f |\n", vs[i].name, median(vs[i].ns)/1000, med, lo, hi)
	}
	med, lo, hi := paired(vs[1].ns, vs[2].ns)
	fmt.Printf("\nthe setns pattern / the msocket package: %.3f (%.3f to %.3f)\n", med, lo, hi)
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "msocket-gobench: %s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: msocket-gobench STACK-FILE NETNS-FILE")
		os.Exit(2)
	}
	rounds, iterations := envInt("BENCH_ROUNDS", 7), envInt("BENCH_ITERATIONS", 20000)
	if rounds < 1 || iterations < 10 {
		fmt.Fprintln(os.Stderr, "BENCH_ROUNDS must be at least 1, BENCH_ITERATIONS at least 10")
		os.Exit(2)
	}
	stack, err := msocket.Open(os.Args[1])
	if err != nil {
		fail("open", err)
	}
	target, err := syscall.Open(os.Args[2], syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fail(os.Args[2], err)
	}
	self, err := syscall.Open("/proc/self/ns/net", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fail("/proc/self/ns/net", err)
	}
	checkSameNamespace(stack, target, self)
	rng := rand.New(rand.NewSource(1))
	fmt.Printf("# msocket-gobench: %d rounds of %d calls, %s, GOMAXPROCS %d\n",
		rounds, iterations, runtime.Version(), runtime.GOMAXPROCS(0))

	run("a socket as an *os.File (TCP, create + close)", []variant{
		{name: "syscall.Socket + os.NewFile, own namespace", run: socketFile},
		{name: "LockOSThread + setns + the same + setns back", run: func() error {
			return inNamespace(target, self, socketFile)
		}},
		{name: "msocket Stack.Socket", run: func() error {
			f, err := stack.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
			if err != nil {
				return err
			}
			return f.Close()
		}},
	}, rounds, iterations, rng)

	run("a TCP listener (listen on :0 + close)", []variant{
		{name: "net.Listen, own namespace", run: listen},
		{name: "LockOSThread + setns + net.Listen + setns back", run: func() error {
			return inNamespace(target, self, listen)
		}},
		{name: "msocket Stack.Listen", run: func() error {
			ln, err := stack.Listen("tcp", ":0")
			if err != nil {
				return err
			}
			return ln.Close()
		}},
	}, rounds, iterations/4, rng)
}

// checkSameNamespace fails unless the stack file names the namespace of
// the nsfs file, so that both ways make sockets in the same place.
func checkSameNamespace(stack *msocket.Stack, target, self int) {
	want, err := stack.NetnsCookie()
	if err != nil {
		fail("the stack's namespace", err)
	}
	var got uint64
	err = inNamespace(target, self, func() error {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), "socket")
		defer f.Close()
		got, err = msocket.SocketNetnsCookie(f)
		return err
	})
	if err != nil {
		fail("a socket made with setns", err)
	}
	if got != want {
		fail("the namespaces", fmt.Errorf("%s is not bound to %s", os.Args[1], os.Args[2]))
	}
}
