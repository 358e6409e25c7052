// SPDX-License-Identifier: LGPL-2.1-or-later

// msocket-grpc-health serves gRPC's standard health service
// (grpc.health.v1.Health, google.golang.org/grpc/health) on a listener
// made in one network stack, and checks it with a gRPC client that dials
// from another, in one process and without setns:
//
//	msocket-grpc-health SERVER_STACK LISTEN_ADDR CLIENT_STACK
//	msocket-grpc-health /dev/net/red 10.0.0.1:50051 /dev/net/blue
//
// The server is an ordinary grpc.Server on a net.Listener of the stack
// (Stack.Listen); the client is an ordinary grpc.ClientConn whose
// connections the stack makes (grpc.WithContextDialer takes a function of
// the context and the address only: the network is "tcp"):
//
//	grpc.Dial(addr, grpc.WithInsecure(), grpc.WithContextDialer(
//		func(ctx context.Context, addr string) (net.Conn, error) { return blue.DialContext(ctx, "tcp", addr) }))
//
// (or a *msocket.Dialer's DialContext, for its options).
// It prints the peer the server saw and the status (SERVING), and exits 0
// if the status is SERVING. Built with Debian's gRPC (golang-google-grpc-dev)
// in GOPATH mode: see the README's Go section.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"

	"msocket.invalid/msocket"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: msocket-grpc-health SERVER_STACK LISTEN_ADDR CLIENT_STACK")
		os.Exit(2)
	}
	log.SetFlags(0)
	log.SetPrefix("msocket-grpc-health: ")
	server, err := msocket.Open(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	client, err := msocket.Open(os.Args[3])
	if err != nil {
		log.Fatal(err)
	}

	ln, err := server.Listen("tcp", os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	peers := make(chan string, 1)
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req interface{},
		info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (interface{}, error) {
		if p, ok := peer.FromContext(ctx); ok {
			select {
			case peers <- p.Addr.String():
			default:
			}
		}
		return handler(ctx, req)
	}))
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(ln)
	defer srv.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, ln.Addr().String(), grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return client.DialContext(ctx, "tcp", addr)
		}))
	if err != nil {
		log.Fatalf("dial %s from %s: %v", ln.Addr(), client, err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		log.Fatalf("Check: %v", err)
	}
	fmt.Printf("%s %s served %s from %s\n", server, ln.Addr(), <-peers, client)
	fmt.Println(resp.GetStatus())
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		os.Exit(1)
	}
}
