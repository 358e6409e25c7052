// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import "syscall"

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
	// VER2: with MSOCKET_TEMPLATE, a socket of the caller made with
	// socket(2), for a stackfs mounted with seccomp=template.
	TemplateFD int32
	Reserved   uint32
}

const (
	argsSizeVer0 = 32
	argsSizeVer1 = 48
	argsSizeVer2 = 56

	// MSOCKET_EXPECT_STACK and MSOCKET_TEMPLATE, flags of struct
	// msocket_args.
	expectStack = 0x1
	template    = 0x2

	iocNone  = 0
	iocWrite = 1
	iocRead  = 2
	iocMagic = 0xB9

	iocSocket  = iocWrite<<30 | argsSizeVer0<<16 | iocMagic<<8 | 0x01
	iocMkstack = iocWrite<<30 | 32<<16 | iocMagic<<8 | 0x02
	iocNetnsFD = iocNone<<30 | 0<<16 | iocMagic<<8 | 0x10
	iocNetnsID = iocRead<<30 | 8<<16 | iocMagic<<8 | 0x11
	// STACKFS_IOC_SOCKET: msocket by an fd open for writing on the stack
	// file, its arguments packed into the ioctl argument.
	iocStackSocket = iocNone<<30 | 0<<16 | iocMagic<<8 | 0x12

	// The argument of STACKFS_IOC_SOCKET (STACKFS_SOCKET_*).
	stackSocketProtocolMax = 0xffff
	stackSocketDomainMax   = 0xff
	stackSocketTypeMax     = 0xf
	stackSocketNonblock    = 1 << 28
	stackSocketCloexec     = 1 << 29
	stackSocketExpect      = 1 << 30

	// NS_GET_ID (linux/nsfs.h, _IOR(0xb7, 13, __u64)): the 64-bit id of
	// the namespace of an nsfs fd, the id STACKFS_IOC_NETNS_ID gives and
	// listns(2) lists.
	nsGetID = iocRead<<30 | 8<<16 | 0xb7<<8 | 13

	// SIOCGSKNS (linux/sockios.h): an nsfs fd of a socket's namespace.
	siocgskns = 0x894C
	// SO_NETNS_COOKIE (asm-generic/socket.h, Linux 5.14).
	soNetnsCookie = 71
)

// stackSocketArg is STACKFS_SOCKET_ARG(domain, typ, proto): the argument
// of STACKFS_IOC_SOCKET for a type without SOCK_* flags.
func stackSocketArg(domain, typ, proto uint64) uint64 {
	return (typ&stackSocketTypeMax)<<24 | (domain&stackSocketDomainMax)<<16 |
		proto&stackSocketProtocolMax
}

// stackSocketTag is STACKFS_SOCKET_TAG(dev, ino): the 32-bit tag of the
// stack file whose st_dev and st_ino these are.
func stackSocketTag(dev, ino uint64) uint32 {
	d := uint32(dev)
	return uint32(ino) ^ uint32(ino>>32) ^ (d<<16 | d>>16)
}

// stackIoctlArg is the argument of STACKFS_IOC_SOCKET with
// STACKFS_SOCKET_EXPECT and the tag of the stack file dev/ino, as
// libmsocket's stack_ioctl_arg() makes it; ok is false for arguments it
// cannot carry (a protocol above 16 bits, a family above 8, flags beyond
// SOCK_NONBLOCK and SOCK_CLOEXEC, type -1), which MSOCKET_IOC_SOCKET takes,
// and where a uintptr has no bits 32-63.
func stackIoctlArg(dev, ino uint64, domain, typ, proto int) (arg uint64, ok bool) {
	if ^uintptr(0)>>32 == 0 {
		return 0, false
	}
	arg, ok = stackArg(domain, typ, proto)
	if !ok {
		return 0, false
	}
	return arg | stackSocketExpect | uint64(stackSocketTag(dev, ino))<<32, true
}

// stackArg is the argument of STACKFS_IOC_SOCKET without
// STACKFS_SOCKET_EXPECT (bits 0-29, so it fits any uintptr), as a Stack
// opened for writing sends it; ok is false for arguments it cannot carry
// (a protocol above 16 bits, a family above 8, flags beyond SOCK_NONBLOCK
// and SOCK_CLOEXEC, type -1), which MSOCKET_IOC_SOCKET takes.
func stackArg(domain, typ, proto int) (arg uint64, ok bool) {
	base := typ &^ (syscall.SOCK_NONBLOCK | syscall.SOCK_CLOEXEC)
	if domain < 0 || domain > stackSocketDomainMax ||
		proto < 0 || proto > stackSocketProtocolMax || base < 0 || base > stackSocketTypeMax {
		return 0, false
	}
	arg = stackSocketArg(uint64(domain), uint64(base), uint64(proto))
	if typ&syscall.SOCK_NONBLOCK != 0 {
		arg |= stackSocketNonblock
	}
	if typ&syscall.SOCK_CLOEXEC != 0 {
		arg |= stackSocketCloexec
	}
	return arg, true
}
