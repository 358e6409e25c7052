// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

// The kernel ABI, mirrored from uapi/linux/msocket.h. abi_test.go checks
// every value here against the C header.

// S_IFSTACK is the file type of a stack file in st_mode (0160000).
const S_IFSTACK = 0o160000

// SOCK_DEFAULT is the socket type that makes no socket: msocket then only
// checks that the caller may use the stack for the family.
const SOCK_DEFAULT = 0

// STACKFS_MAGIC is the f_type of statfs(2) on a stackfs ("mskt").
const STACKFS_MAGIC = 0x6d736b74

// Device is the msocket device, the entry point of the system call.
const Device = "/dev/msocket"

// IsStack reports whether mode (a raw st_mode) is that of a stack file.
func IsStack(mode uint32) bool {
	return mode&0o170000 == S_IFSTACK
}

// msocketArgs is struct msocket_args.
type msocketArgs struct {
	Size     uint32
	Flags    uint32
	Dirfd    int32
	Domain   int32
	Type     int32
	Protocol int32
	Path     uint64
	StackDev uint64
	StackIno uint64
}

const (
	argsSizeVer0 = 32
	argsSizeVer1 = 48

	// MSOCKET_EXPECT_STACK, a flag of struct msocket_args.
	expectStack = 0x1

	iocNone  = 0
	iocWrite = 1
	iocRead  = 2
	iocMagic = 0xB9

	iocSocket  = iocWrite<<30 | argsSizeVer0<<16 | iocMagic<<8 | 0x01
	iocMkstack = iocWrite<<30 | 32<<16 | iocMagic<<8 | 0x02
	iocNetnsFD = iocNone<<30 | 0<<16 | iocMagic<<8 | 0x10
	iocNetnsID = iocRead<<30 | 8<<16 | iocMagic<<8 | 0x11

	// SIOCGSKNS (linux/sockios.h): an nsfs fd of a socket's namespace.
	siocgskns = 0x894C
	// SO_NETNS_COOKIE (asm-generic/socket.h, Linux 5.14).
	soNetnsCookie = 71
)
