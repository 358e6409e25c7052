/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msocket: multiple network stacks for the Berkeley socket API.
 *
 * A network stack is a network namespace named in the file system by a
 * stack file: an S_IFSTACK inode of a stackfs mount
 * (`mount -t stackfs none /dev/net`). msocket() is socket(2) with one more
 * argument, the stack; it is reached through ioctls on /dev/msocket.
 *
 * Permission bits of a stack file:
 *   w  create sockets in the stack (MSOCKET_IOC_SOCKET, SOCK_DEFAULT checks)
 *   r  open the stack file and read its namespace (STACKFS_IOC_*)
 *   x  no meaning
 * Directories of a stackfs have the usual meanings.
 */
#ifndef _UAPI_LINUX_MSOCKET_H
#define _UAPI_LINUX_MSOCKET_H

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
 *         opened (O_PATH is enough) on the stack file itself.
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
};

#define MSOCKET_ARGS_SIZE_VER0	32
#define MSOCKET_ARGS_SIZE_VER1	48

/* A flag of struct msocket_args, beside the AT_* flags. */
#define MSOCKET_EXPECT_STACK	0x1

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
 * ioctls on an fd opened (O_RDONLY) on a stack file.
 *
 * STACKFS_IOC_NETNS_FD: returns a new O_CLOEXEC nsfs fd of the stack's
 *   network namespace, for setns(2), iproute2 and SIOCGSKNS comparisons.
 * STACKFS_IOC_NETNS_ID: stores the namespace id (the nsfs inode number,
 *   the N of "net:[N]" in /proc/PID/ns/net and lsns) at the __u64 argument.
 */
#define STACKFS_IOC_NETNS_FD	_IO(MSOCKET_IOC_MAGIC, 0x10)
#define STACKFS_IOC_NETNS_ID	_IOR(MSOCKET_IOC_MAGIC, 0x11, __u64)

#endif /* _UAPI_LINUX_MSOCKET_H */
