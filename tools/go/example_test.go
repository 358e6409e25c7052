// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"syscall"
	"time"

	"msocket.invalid/msocket"
)

// The examples that make sockets assume two stacks, /dev/net/red and
// /dev/net/blue, joined by a veth pair: red is 10.8.1.1, blue 10.8.1.2
// (selftests/go.sh runs them so in the VM). None of them locks a thread.

// A server in red and a client in blue, in one process.
func Example() {
	red, err := msocket.Open("/dev/net/red")
	if err != nil {
		log.Fatal(err)
	}
	defer red.Close()
	blue, err := msocket.Open("/dev/net/blue")
	if err != nil {
		log.Fatal(err)
	}
	defer blue.Close()

	ln, err := red.Listen("tcp", "10.8.1.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept() // in red, as its listener
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(conn, "hello %s, this is %s\n", conn.RemoteAddr().(*net.TCPAddr).IP, conn.LocalAddr().(*net.TCPAddr).IP)
	}()

	conn, err := blue.Dial("tcp", "10.8.1.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	// Output: hello 10.8.1.2, this is 10.8.1.1
}

// A raw socket fd, as socket(2) would make it in the stack.
func ExampleStack_Socket() {
	red, err := msocket.Open("/dev/net/red")
	if err != nil {
		log.Fatal(err)
	}
	defer red.Close()
	f, err := red.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Println(f.Name())
	// Output: msocket:/dev/net/red
}

// The same port in two stacks at once: each stack has its own.
func ExampleStack_Listen() {
	for _, path := range []string{"/dev/net/red", "/dev/net/blue"} {
		stack, err := msocket.Open(path)
		if err != nil {
			log.Fatal(err)
		}
		defer stack.Close()
		ln, err := stack.Listen("tcp", ":8081")
		if err != nil {
			log.Fatal(err)
		}
		defer ln.Close()
		fmt.Println(path, ln.Addr())
	}
	// Output:
	// /dev/net/red [::]:8081
	// /dev/net/blue [::]:8081
}

// A connection with a time limit.
func ExampleStack_DialContext() {
	blue, err := msocket.Open("/dev/net/blue")
	if err != nil {
		log.Fatal(err)
	}
	defer blue.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Nothing listens on red's port 9: refused.
	_, err = blue.DialContext(ctx, "tcp", "10.8.1.1:9")
	fmt.Println(errors.Is(err, syscall.ECONNREFUSED))
	// Output: true
}

// UDP between two stacks.
func ExampleStack_ListenPacket() {
	red, err := msocket.Open("/dev/net/red")
	if err != nil {
		log.Fatal(err)
	}
	defer red.Close()
	blue, err := msocket.Open("/dev/net/blue")
	if err != nil {
		log.Fatal(err)
	}
	defer blue.Close()

	pc, err := red.ListenPacket("udp", "10.8.1.1:5300")
	if err != nil {
		log.Fatal(err)
	}
	defer pc.Close()
	conn, err := blue.Dial("udp", "10.8.1.1:5300")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("ping"))
	buf := make([]byte, 64)
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s from %s\n", buf[:n], from.(*net.UDPAddr).IP)
	// Output: ping from 10.8.1.2
}

// Errors carry their errno: test them with errors.Is.
func Example_errors() {
	_, err := msocket.Open("/dev/net/no-such-stack")
	fmt.Println(errors.Is(err, syscall.ENOENT))
	_, err = msocket.Open("/")
	fmt.Println(errors.Is(err, syscall.EOPNOTSUPP), err)
	// Output:
	// true
	// true open /: operation not supported
}

// An HTTP server in red (net/http as it is, on a listener of the stack),
// and an HTTP client in blue: a Transport whose connections are made in
// blue, names resolved there too.
func Example_http() {
	red, err := msocket.Open("/dev/net/red")
	if err != nil {
		log.Fatal(err)
	}
	defer red.Close()
	blue, err := msocket.Open("/dev/net/blue")
	if err != nil {
		log.Fatal(err)
	}
	defer blue.Close()

	ln, err := red.Listen("tcp", "10.8.1.1:8082")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintf(w, "served in red to %s\n", host)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{
		DialContext: (&msocket.Dialer{Stack: blue, Timeout: 10 * time.Second}).DialContext,
	}}
	resp, err := client.Get("http://10.8.1.1:8082/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(body))
	// Output: served in red to 10.8.1.2
}
