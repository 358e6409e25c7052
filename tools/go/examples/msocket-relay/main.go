// SPDX-License-Identifier: LGPL-2.1-or-later

// msocket-relay forwards TCP connections from one network stack to
// another, in one process and without setns: it listens in one stack and
// connects, for every connection it accepts, from another.
//
//	msocket-relay [-n MAX] LISTEN_STACK LISTEN_ADDR CONNECT_STACK CONNECT_ADDR
//	msocket-relay /dev/net/red 10.0.0.1:8080 /dev/net/blue 10.1.0.2:80
//
// Each connection is two goroutines copying; any goroutine may run on
// any thread, and no thread ever leaves the process's own namespace.
// With -n it exits after MAX connections have been relayed.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"

	"msocket.invalid/msocket"
)

func main() {
	max := flag.Int("n", 0, "exit after `MAX` connections (0: never)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: msocket-relay [-n MAX] LISTEN_STACK LISTEN_ADDR CONNECT_STACK CONNECT_ADDR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 4 {
		flag.Usage()
		os.Exit(2)
	}
	log.SetFlags(0)
	log.SetPrefix("msocket-relay: ")
	from, err := msocket.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	to, err := msocket.Open(flag.Arg(2))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := from.Listen("tcp", flag.Arg(1))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("%s %s -> %s %s", from, ln.Addr(), to, flag.Arg(3))
	var wg sync.WaitGroup
	for n := 0; *max == 0 || n < *max; n++ {
		in, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			relay(in, to, flag.Arg(3))
		}()
	}
	wg.Wait()
}

func relay(in net.Conn, to *msocket.Stack, addr string) {
	defer in.Close()
	out, err := to.Dial("tcp", addr)
	if err != nil {
		log.Print(err)
		return
	}
	defer out.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(out, in)
		out.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(in, out)
	in.(*net.TCPConn).CloseWrite()
	<-done
}
