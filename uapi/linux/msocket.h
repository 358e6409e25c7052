/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msocket: multiple network stacks for the Berkeley socket API.
 *
 * A network stack is a network namespace named in the file system by a
 * stack file: an S_IFSTACK inode of a stackfs mount
 * (`mount -t stackfs none /dev/net`). msocket() is socket(2) with one more
 * argument, the stack; it is reached through ioctls on /dev/msocket.
 *
 * Using a stack is writing to its stack file: a socket is made through a
 * file opened for writing on it, so the open is checked as any open for
 * writing is (the w bit, and every LSM's file_open hook: AppArmor,
 * Landlock, TOMOYO, SELinux...). That file is either one the caller opened
 * itself (an O_WRONLY or O_RDWR fd: STACKFS_IOC_SOCKET, or
 * MSOCKET_IOC_SOCKET with AT_EMPTY_PATH), or one the kernel opens for the
 * one call, as openat(O_WRONLY) would (MSOCKET_IOC_SOCKET by path, or by
 * an O_PATH or O_RDONLY fd).
 *
 * Permission bits of a stack file:
 *   w  create sockets in the stack (open for writing)
 *   r  read its namespace (STACKFS_IOC_NETNS_FD, STACKFS_IOC_NETNS_ID)
 *   x  no meaning (nothing on a stackfs can be executed)
 * Directories of a stackfs have the usual meanings.
 *
 * Inside the kernel a stack file is a regular file with no contents (as
 * nsfs and pidfs files are), which no read, write, mmap, splice or
 * truncation to a non-zero size reaches; stat(2) and statx(2) report its
 * type as S_IFSTACK.
 */
#ifndef _UAPI_LINUX_MSOCKET_H
#define _UAPI_LINUX_MSOCKET_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The file type of a stack file, in st_mode. Linux uses 0160000 for nothing else. */
#define S_IFSTACK	0160000
#define S_ISSTACK(m)	(((m) & 0170000) == S_IFSTACK)

/* The type argument that sets or checks a default stack instead of making a socket. */
#define SOCK_DEFAULT	0

/* f_type of statfs(2) on a stackfs: "mskt". */
#define STACKFS_MAGIC	0x6d736b74

#define MSOCKET_DEVICE	"/dev/msocket"

#define MSOCKET_IOC_MAGIC	0xB9

/**
 * struct msocket_args - arguments of MSOCKET_IOC_SOCKET
 * @size: sizeof(struct msocket_args) as the caller knows it; at least
 *        MSOCKET_ARGS_SIZE_VER0. Larger structs are accepted when the
 *        fields the kernel does not know are zero (E2BIG otherwise).
 * @flags: 0, or AT_EMPTY_PATH and/or AT_SYMLINK_NOFOLLOW (linux/fcntl.h),
 *         and MSOCKET_EXPECT_STACK.
 * @dirfd: where @path is resolved, as in openat(2): a directory fd or
 *         AT_FDCWD; with AT_EMPTY_PATH and an empty or null @path, an fd
 *         on the stack file itself: one open for writing is used as it is;
 *         any other (O_PATH, O_RDONLY) is opened for writing for the call,
 *         as a path is.
 * @domain: the address family, as socket(2).
 * @type: the socket type, with SOCK_NONBLOCK and SOCK_CLOEXEC, as socket(2);
 *        SOCK_DEFAULT makes no socket: it checks that the caller may use the
 *        stack and that the stack supports @domain (AF_UNSPEC: the stack as
 *        a whole) and returns 0.
 * @protocol: as socket(2); 0 with SOCK_DEFAULT.
 * @path: user pointer to a NUL-terminated path of a stack file, or 0 with
 *        flags 0 for the caller's own network namespace (the native stack).
 * @stack_dev: (VER1) with MSOCKET_EXPECT_STACK, the st_dev of the stack
 *             file, as stat(2) reports it.
 * @stack_ino: (VER1) with MSOCKET_EXPECT_STACK, its st_ino.
 * @template_fd: (VER2) with MSOCKET_TEMPLATE, a socket of the caller, in
 *               its own network namespace, of the family, type and protocol
 *               asked for: made by the caller's own socket(2), it shows that
 *               the caller's seccomp filter lets it make such a socket (see
 *               SECCOMP below). EPERM if the socket made would differ.
 * @__reserved: 0.
 *
 * MSOCKET_EXPECT_STACK (needs @size >= MSOCKET_ARGS_SIZE_VER1) makes the
 * call fail with ESTALE unless the file named is the stack file @stack_dev
 * and @stack_ino and is still linked in a directory. A library that keeps
 * an fd of a stack file (for a default stack) names the stack by that fd
 * and learns this way, at no extra cost, that the fd was closed and reused
 * or the file unlinked or replaced since it opened it.
 *
 * Returns a new socket fd (or 0 for SOCK_DEFAULT).
 */
struct msocket_args {
	__u32 size;
	__u32 flags;
	__s32 dirfd;
	__s32 domain;
	__s32 type;
	__s32 protocol;
	__aligned_u64 path;
	__aligned_u64 stack_dev;
	__aligned_u64 stack_ino;
	__s32 template_fd;
	__u32 __reserved;
};

#define MSOCKET_ARGS_SIZE_VER0	32
#define MSOCKET_ARGS_SIZE_VER1	48
#define MSOCKET_ARGS_SIZE_VER2	56

/* Flags of struct msocket_args, beside the AT_* flags. */
#define MSOCKET_EXPECT_STACK	0x1
#define MSOCKET_TEMPLATE	0x2

/*
 * SECCOMP: a seccomp filter sees an ioctl, not the socket msocket makes, so
 * a task under seccomp gets EPERM from msocket, unless the stackfs its
 * stack file is on was mounted with "seccomp=template": then it may make a
 * socket there like a template socket it made itself with socket(2), which
 * its filter saw (MSOCKET_TEMPLATE); a family, type or protocol the filter
 * refuses stays refused. libmsocket does this by itself.
 *
 * Mount options of a stackfs (mount -o, remount to change them):
 *   seccomp=refuse|template   as above (default: refuse)
 *   foreign_netns=refuse|allow
 *	a task outside the initial network namespace may use a stack of a
 *	namespace it does not administer (default: refuse, EPERM)
 */

/*
 * The ioctl number encodes the size of the first version of the struct
 * forever; the struct's own @size field says how large it really is.
 */
#define MSOCKET_IOC_SOCKET \
	_IOC(_IOC_WRITE, MSOCKET_IOC_MAGIC, 0x01, MSOCKET_ARGS_SIZE_VER0)

/**
 * struct msocket_mkstack_args - arguments of MSOCKET_IOC_MKSTACK
 * @size: sizeof(struct msocket_mkstack_args) as the caller knows it.
 * @flags: 0.
 * @dirfd: where @path is resolved, as in mknodat(2).
 * @netns_fd: an nsfs fd of the network namespace to bind the stack file to
 *            (/proc/PID/ns/net, /run/netns/NAME). The caller needs
 *            CAP_NET_ADMIN over the namespace's owning user namespace.
 * @mode: permission bits of the new stack file, less the umask.
 * @__reserved: 0.
 * @path: user pointer to the NUL-terminated path of the new stack file,
 *        in a directory of a stackfs.
 *
 * Creates a stack file (like mknodat(2) for S_IFSTACK) and returns 0.
 */
struct msocket_mkstack_args {
	__u32 size;
	__u32 flags;
	__s32 dirfd;
	__s32 netns_fd;
	__u32 mode;
	__u32 __reserved;
	__aligned_u64 path;
};

#define MSOCKET_MKSTACK_ARGS_SIZE_VER0	32

#define MSOCKET_IOC_MKSTACK \
	_IOC(_IOC_WRITE, MSOCKET_IOC_MAGIC, 0x02, MSOCKET_MKSTACK_ARGS_SIZE_VER0)

/*
 * ioctls on an fd opened on a stack file.
 *
 * STACKFS_IOC_NETNS_FD (fd open for reading): returns a new O_CLOEXEC nsfs
 *   fd of the stack's network namespace, for setns(2), iproute2 and
 *   SIOCGSKNS comparisons. Needs CAP_NET_ADMIN over the namespace's owning
 *   user namespace.
 * STACKFS_IOC_NETNS_ID (fd open for reading): stores the namespace's
 *   64-bit id at the __u64 argument: the id NS_GET_ID (linux/nsfs.h) gives
 *   for its nsfs files and listns(2) lists, never reused while the system
 *   runs (unlike the nsfs inode number of "net:[N]").
 * STACKFS_IOC_SOCKET (fd open for writing): msocket() on this stack, with
 *   its arguments packed into the ioctl argument by STACKFS_SOCKET_ARG (no
 *   struct to copy): returns a new socket fd, or 0 for SOCK_DEFAULT (the
 *   check that the caller may use the stack for the family; AF_UNSPEC: the
 *   stack as a whole). EBADF if the fd is not open for writing; EINVAL for
 *   bits the kernel does not know or a bad type.
 *
 * The argument of STACKFS_IOC_SOCKET:
 *   bits  0-15  protocol (socket(2)'s; larger ones need MSOCKET_IOC_SOCKET)
 *   bits 16-23  domain
 *   bits 24-27  type without flags (SOCK_STREAM...), or SOCK_DEFAULT
 *   bit  28     SOCK_NONBLOCK
 *   bit  29     SOCK_CLOEXEC
 *   bit  30     STACKFS_SOCKET_EXPECT: bits 32-63 hold the stack file's tag
 *               (STACKFS_SOCKET_TAG of its st_dev and st_ino); the call
 *               fails with ESTALE unless the fd is open on that stack file
 *               and the file is still linked in a directory. A library that
 *               keeps an fd for a default stack learns this way, at no cost,
 *               that the program closed it and the number now names another
 *               stack file, or that the stack was removed. 64-bit callers
 *               only (a 32-bit ioctl argument has no bits 32-63).
 *   bit  31     0
 */
#define STACKFS_SOCKET_PROTOCOL_MAX	0xffff
#define STACKFS_SOCKET_DOMAIN_MAX	0xff
#define STACKFS_SOCKET_TYPE_MAX		0xf
#define STACKFS_SOCKET_NONBLOCK		_BITUL(28)
#define STACKFS_SOCKET_CLOEXEC		_BITUL(29)
#define STACKFS_SOCKET_EXPECT		_BITUL(30)

/* The argument of STACKFS_IOC_SOCKET for a type without SOCK_* flags. */
#define STACKFS_SOCKET_ARG(domain, type, protocol)				\
	((((unsigned long)(type) & STACKFS_SOCKET_TYPE_MAX) << 24) |		\
	 (((unsigned long)(domain) & STACKFS_SOCKET_DOMAIN_MAX) << 16) |	\
	 ((unsigned long)(protocol) & STACKFS_SOCKET_PROTOCOL_MAX))

/*
 * The tag of the stack file whose stat(2) gives @dev (st_dev) and @ino
 * (st_ino): a 32-bit digest, distinct for the files of one stackfs.
 */
static inline __u32 __stackfs_socket_tag(__u64 dev, __u64 ino)
{
	return (__u32)ino ^ (__u32)(ino >> 32) ^ (((__u32)dev << 16) | ((__u32)dev >> 16));
}

#define STACKFS_SOCKET_TAG(dev, ino)	__stackfs_socket_tag((dev), (ino))

#define STACKFS_IOC_NETNS_FD	_IO(MSOCKET_IOC_MAGIC, 0x10)
#define STACKFS_IOC_NETNS_ID	_IOR(MSOCKET_IOC_MAGIC, 0x11, __u64)
#define STACKFS_IOC_SOCKET	_IO(MSOCKET_IOC_MAGIC, 0x12)

#endif /* _UAPI_LINUX_MSOCKET_H */
