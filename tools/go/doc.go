// SPDX-License-Identifier: LGPL-2.1-or-later

// Package msocket makes sockets in the network stacks of the msocket
// kernel module: network namespaces named by stack files, the S_IFSTACK
// inodes of a stackfs (mount -t stackfs none /dev/net).
//
// This is what Go programs that work in several network namespaces need:
// the socket is made in the stack, and the calling thread never changes
// namespace. Without msocket a Go program has to setns(2) into the
// namespace, make the socket and setns back, with runtime.LockOSThread
// around it because a goroutine may move to another OS thread at any
// time; a goroutine started meanwhile, or a thread left in the wrong
// namespace, leaks into it. Here any goroutine, on any thread, makes
// sockets in any stack at any time:
//
//	red, err := msocket.Open("/dev/net/red")     // one fd, kept (open for writing if w allows)
//	ln, err := red.Listen("tcp", "10.0.0.1:80")   // a net.Listener in red
//	conn, err := blue.Dial("tcp", "10.0.0.1:80")  // a net.Conn from blue
//
// The listeners and connections are the net package's own
// (net.FileListener, net.FileConn, net.FilePacketConn underneath), so
// deadlines, the runtime's poller and everything that takes a net.Conn
// work on them. Accepted connections are in the listener's stack.
//
// # Errors
//
// Making a socket fails with an *os.SyscallError whose Syscall is
// "msocket" and whose Err is the syscall.Errno; Listen, Dial and
// ListenPacket wrap it in a *net.OpError, as the net package does; Open
// returns an *os.PathError. Test them with errors.Is:
//
//	ENOENT        the stack file does not exist (Open)
//	EOPNOTSUPP    the path is not a stack file (Open)
//	EACCES        no write permission on the stack file (no read
//	              permission for NetnsID), or no search permission on a
//	              directory of its path
//	EAFNOSUPPORT  the stack has no such address family
//	EINVAL        a bad type (SOCK_DEFAULT to Socket, type -1 probes)
//	EPERM, EPROTONOSUPPORT, ...
//	              as socket(2) gives them in the stack's namespace (raw
//	              sockets need CAP_NET_RAW there)
//	EMFILE, ENFILE, ENOMEM
//	ENOSYS        the msocket module is not loaded (no /dev/msocket)
//
// Write permission on a stack file means "may make sockets in it": using a
// stack is opening its file for writing. Open opens it so once when the w
// bit and every LSM allow: that fd is a capability, as any file open for
// writing is, which a later chmod does not take back (Close gives it up).
// Otherwise the Stack keeps an O_PATH fd and the kernel opens the file for
// writing at each call, on the caller's credentials, so each socket is
// checked (and refused, EACCES) when it is made. Read permission means
// "may read its namespace" (NetnsID: the namespace's 64-bit id, as
// NS_GET_ID and listns(2) give it, not the inode number N of net:[N]).
//
// # Names
//
// Host names in addresses are resolved by the net package's resolver, in
// the native stack (the process's own namespace), not in the stack: give
// literal addresses for a stack whose names differ.
package msocket
