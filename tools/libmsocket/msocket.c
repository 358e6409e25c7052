// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msocket() and socket(): the system call of the msocket module
 * (MSOCKET_IOC_SOCKET on /dev/msocket) plus the default stacks.
 *
 * libmsocket defines socket() itself, so a program linked with it, or run
 * with LD_PRELOAD=libmsocket.so.0, creates its sockets in the default stack
 * of their family:
 *  - linked shared, libmsocket.so comes before libc.so in the program's
 *    symbol lookup order (it is a DT_NEEDED of the program, libc comes
 *    later), so the dynamic linker binds the program's socket() to it;
 *  - linked static (libmsocket.a), the program's reference to socket() is
 *    resolved from this object before the linker reaches libc, whose
 *    socket is only a weak alias of __socket;
 *  - preloaded, libmsocket.so comes first of all.
 * Only the program's own calls are redirected: libc's internal sockets
 * (the DNS resolver, getaddrinfo's AI_ADDRCONFIG check, if_nametoindex)
 * use __socket and stay in the native stack.
 *
 * The native socket is the raw system call, so libmsocket needs no other
 * definition of socket() to reach: it works the same whatever the link
 * order, and in static programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "msocket.h"

/*
 * The fd of /dev/msocket: opened once (O_CLOEXEC, so an exec'd image
 * starts afresh; a forked child shares it), -1 until then; and the
 * device's number, to recognise the fd later.
 */
static int device_fd = -1;
static dev_t device_rdev;

/*
 * Is @fd still our /dev/msocket? The program may close any fd, or dup2()
 * another file onto it.
 */
static int device_is(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == device_rdev;
}

/*
 * A fresh fd of /dev/msocket in place of the cached @stale one (which is
 * not closed: it is no longer ours); -1 with ENOSYS without the module.
 */
static int device_open(int stale)
{
	int fd = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC), old = stale, err;
	struct stat st;

	if (fd >= 0 && fstat(fd, &st)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			errno = ENOSYS;
		return -1;
	}
	__atomic_store_n(&device_rdev, st.st_rdev, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&device_fd, &old, fd, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		/* Another thread cached one meanwhile: use that. */
		close(fd);
		return old;
	}
	return fd;
}

/*
 * ioctl @request (MSOCKET_IOC_SOCKET, MSOCKET_IOC_MKSTACK) with @args on
 * the cached /dev/msocket fd. An error that a stale
 * fd would give (EBADF, or ENOTTY/EINVAL from some other file) is checked:
 * if the fd is no longer the device, the call is made again on a fresh
 * one. Without the device (module not loaded) msocket is an unimplemented
 * system call: ENOSYS.
 */
static int device_ioctl(unsigned long request, void *args)
{
	int dev = __atomic_load_n(&device_fd, __ATOMIC_ACQUIRE), ret, err;

	if (dev < 0) {
		dev = device_open(dev);
		if (dev < 0)
			return -1;
	}
	ret = ioctl(dev, request, args);
	if (ret < 0 && (errno == EBADF || errno == ENOTTY || errno == EINVAL)) {
		err = errno;
		if (device_is(dev)) {
			errno = err;	/* the module's own answer */
			return ret;
		}
		dev = device_open(dev);
		if (dev < 0)
			return -1;
		ret = ioctl(dev, request, args);
	}
	return ret;
}

/*
 * Is the program under seccomp (a filter, or strict mode)? A filter cannot
 * be taken off, so a yes is kept.
 */
static bool under_seccomp(void)
{
	static int seccomp;

	if (!__atomic_load_n(&seccomp, __ATOMIC_RELAXED) && prctl(PR_GET_SECCOMP) != 0)
		__atomic_store_n(&seccomp, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&seccomp, __ATOMIC_RELAXED);
}

/*
 * MSOCKET_IOC_SOCKET with @args. A program under seccomp gets EPERM from
 * msocket, unless the stack's stackfs takes a template socket
 * ("seccomp=template"): then the call is made once more with one, a socket
 * the program makes itself with socket(2) for the purpose, so that its
 * filter decides on the family, type and protocol (its errno, such as
 * EAFNOSUPPORT from RestrictAddressFamilies=, is the call's).
 */
static int msocket_ioctl(struct msocket_args *args)
{
	struct msocket_args with = *args;
	int ret, err, template;

	ret = device_ioctl(MSOCKET_IOC_SOCKET, args);
	if (ret >= 0 || errno != EPERM || args->type == SOCK_DEFAULT || !under_seccomp())
		return ret;
	template = (int)syscall(SYS_socket, args->domain,
				(args->type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) | SOCK_CLOEXEC,
				args->protocol);
	if (template < 0)
		return -1;
	with.size = MSOCKET_ARGS_SIZE_VER2;
	with.flags |= MSOCKET_TEMPLATE;
	with.template_fd = template;
	ret = device_ioctl(MSOCKET_IOC_SOCKET, &with);
	err = errno;
	close(template);
	errno = err;
	return ret;
}

/* msocket() by path (NULL: the native stack). */
static int msocket_path(const char *path, int domain, int type, int protocol)
{
	struct msocket_args args = {
		.size = MSOCKET_ARGS_SIZE_VER0,
		.flags = 0,
		.dirfd = AT_FDCWD,
		.domain = domain,
		.type = type,
		.protocol = protocol,
		.path = (uintptr_t)path,
	};

	return msocket_ioctl(&args);
}

/*
 * The argument of STACKFS_IOC_SOCKET for these arguments, with the tag of
 * @stack, in *@arg: false if they do not fit it (a protocol above 16 bits,
 * a family above 8, flags beyond SOCK_NONBLOCK and SOCK_CLOEXEC) or the
 * argument has no room for the tag (32-bit programs).
 */
static bool stack_ioctl_arg(const struct msocket_stack_fd *stack, int domain, int type,
			    int protocol, unsigned long *arg)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (sizeof(*arg) < 8 || domain < 0 || domain > STACKFS_SOCKET_DOMAIN_MAX ||
	    protocol < 0 || protocol > STACKFS_SOCKET_PROTOCOL_MAX ||
	    base < 0 || base > STACKFS_SOCKET_TYPE_MAX)
		return false;
	*arg = STACKFS_SOCKET_ARG(domain, base, protocol) | STACKFS_SOCKET_EXPECT |
	       (type & SOCK_NONBLOCK ? STACKFS_SOCKET_NONBLOCK : 0) |
	       (type & SOCK_CLOEXEC ? STACKFS_SOCKET_CLOEXEC : 0) |
	       (unsigned long)(uint64_t)STACKFS_SOCKET_TAG(stack->dev, stack->ino) << 16 << 16;
	return true;
}

/* Is @stack->fd still open on the stack file it was opened on? */
static bool stack_fd_same(const struct msocket_stack_fd *stack)
{
	struct stat st;

	return fstat(stack->fd, &st) == 0 && st.st_dev == stack->dev && st.st_ino == stack->ino;
}

/*
 * msocket() on the fd kept open (for writing) on a default stack file: an
 * ioctl of the fd itself, its arguments packed into the ioctl argument,
 * or, for arguments that do not fit there, MSOCKET_IOC_SOCKET on the fd.
 * Either way the kernel checks that the fd is still the stack file it was
 * (ESTALE otherwise). If the program closed the fd and opened another kind
 * of file at its number, the ioctl reaches that file, whose answer is not
 * the kernel's answer about the stack (ENOTTY, or EINVAL): that is ESTALE
 * too.
 */
static int msocket_stack_fd(const struct msocket_stack_fd *stack, int domain, int type,
			    int protocol)
{
	struct msocket_args args = {
		.size = MSOCKET_ARGS_SIZE_VER1,
		.flags = AT_EMPTY_PATH | MSOCKET_EXPECT_STACK,
		.dirfd = stack->fd,
		.domain = domain,
		.type = type,
		.protocol = protocol,
		.path = 0,
		.stack_dev = stack->dev,
		.stack_ino = stack->ino,
	};
	unsigned long arg;
	int ret;

	if (!stack_ioctl_arg(stack, domain, type, protocol, &arg))
		return msocket_ioctl(&args);
	ret = ioctl(stack->fd, STACKFS_IOC_SOCKET, arg);
	if (ret < 0 && (errno == ENOTTY || errno == EINVAL) && !stack_fd_same(stack))
		errno = ESTALE;
	/* Under seccomp: with a template, which only MSOCKET_IOC_SOCKET takes. */
	if (ret < 0 && errno == EPERM && under_seccomp())
		return msocket_ioctl(&args);
	return ret;
}

/* A socket in the default stack of @domain. */
static int default_socket(int domain, int type, int protocol)
{
	struct msocket_stack_fd stack;
	char path[PATH_MAX];
	int ret, fd;

	ret = msocket_defaults_lookup(domain, &stack, path, sizeof(path));
	if (ret > 0 && stack.fd >= 0 && type != SOCK_DEFAULT) {
		fd = msocket_stack_fd(&stack, domain, type, protocol);
		if (fd >= 0 || (errno != ESTALE && errno != EBADF))
			return fd;
		/* The fd is not the stack file any more: by path, this once. */
		ret = msocket_defaults_forget(domain, &stack, path, sizeof(path));
	}
	if (ret < 0)
		return -1;
	if (ret == 0)
		return (int)syscall(SYS_socket, domain, type, protocol);
	/* Type 0 is no socket type; the ioctl would take it for SOCK_DEFAULT. */
	if (type == SOCK_DEFAULT) {
		errno = EINVAL;
		return -1;
	}
	return msocket_path(path, domain, type, protocol);
}

/*
 * The arguments of a SOCK_DEFAULT call that libmsocket refuses itself: a
 * protocol (EINVAL), a family it keeps no default for (EAFNOSUPPORT).
 */
static int default_args_bad(int domain, int protocol)
{
	if (protocol != 0) {
		errno = EINVAL;
		return -1;
	}
	if (domain < 0 || domain >= MSOCKET_FAMILIES) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

/*
 * SOCK_DEFAULT: the kernel checks that the caller may use the stack for
 * @domain; the stored path is canonical, so a later chdir() or a relative
 * @path does not change which stack it names.
 */
static int set_default(const char *path, int domain, int protocol)
{
	char *canon = NULL;
	int ret;

	if (default_args_bad(domain, protocol))
		return -1;
	if (path) {
		if (msocket_path(path, domain, SOCK_DEFAULT, 0) < 0)
			return -1;
		canon = realpath(path, NULL);
		if (!canon)
			return -1;
	}
	ret = msocket_defaults_set(domain, canon);
	free(canon);
	return ret;
}

MSOCKET_API int msocket(const char *path, int domain, int type, int protocol)
{
	if (type == SOCK_DEFAULT)
		return set_default(path, domain, protocol);
	if (!path)
		return default_socket(domain, type, protocol);
	return msocket_path(path, domain, type, protocol);
}

/*
 * The canonical path of the file @fd is open on (O_PATH is enough), as
 * the kernel names it in /proc/self/fd: a new string, or NULL.
 */
static char *fd_path(int fd)
{
	char link[32], *buf;
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	buf = malloc(PATH_MAX);
	if (!buf)
		return NULL;
	len = readlink(link, buf, PATH_MAX - 1);
	if (len < 0 || buf[0] != '/') {
		if (len >= 0)
			errno = ENOENT;	/* "(deleted)", or not a path */
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* openat(2) of a stack file named as msocketat() names it. */
static int open_stack(int dirfd, const char *path, int flags, int oflags)
{
	char link[32];

	if (!path || !path[0]) {
		if (!(flags & AT_EMPTY_PATH)) {
			errno = ENOENT;
			return -1;
		}
		if (dirfd == AT_FDCWD) {
			errno = EBADF;
			return -1;
		}
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		return open(link, oflags | O_CLOEXEC);
	}
	return openat(dirfd, path,
		      oflags | O_CLOEXEC | (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0));
}

/* msocketat() with SOCK_DEFAULT: the stack file's canonical path becomes the default. */
static int set_default_at(int dirfd, const char *path, int domain, int protocol, int flags)
{
	struct msocket_args args = {
		.size = MSOCKET_ARGS_SIZE_VER0,
		.flags = (__u32)flags,
		.dirfd = dirfd,
		.domain = domain,
		.type = SOCK_DEFAULT,
		.path = (uintptr_t)(path && path[0] ? path : NULL),
	};
	char *canon;
	int fd, ret, err;

	if (default_args_bad(domain, protocol))
		return -1;
	if (msocket_ioctl(&args) < 0)
		return -1;
	fd = open_stack(dirfd, path, flags, O_PATH);
	if (fd < 0)
		return -1;
	canon = fd_path(fd);
	err = errno;
	close(fd);
	if (!canon) {
		errno = err;
		return -1;
	}
	ret = msocket_defaults_set(domain, canon);
	free(canon);
	return ret;
}

MSOCKET_API int msocketat(int dirfd, const char *path, int domain, int type, int protocol,
			  int flags)
{
	struct msocket_args args = {
		.size = MSOCKET_ARGS_SIZE_VER0,
		.flags = (__u32)flags,
		.dirfd = dirfd,
		.domain = domain,
		.type = type,
		.protocol = protocol,
		.path = (uintptr_t)(path && path[0] ? path : NULL),
	};

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		errno = EINVAL;
		return -1;
	}
	/* An empty path names @dirfd itself, with AT_EMPTY_PATH only. */
	if (!args.path && !(flags & AT_EMPTY_PATH)) {
		errno = ENOENT;
		return -1;
	}
	if (type == SOCK_DEFAULT)
		return set_default_at(dirfd, path, domain, protocol, flags);
	return msocket_ioctl(&args);
}

MSOCKET_API int msocket_getdefault(int domain, char *buf, size_t len)
{
	int ret;

	if (domain < 0 || domain >= MSOCKET_FAMILIES) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!buf || !len) {
		errno = ERANGE;
		return -1;
	}
	ret = msocket_defaults_path(domain, buf, len);
	if (ret < 0 && errno == ENAMETOOLONG)
		errno = ERANGE;
	if (ret == 0)
		buf[0] = '\0';
	return ret;
}

MSOCKET_API int msocket_mkstack(int dirfd, const char *path, int netns_fd, mode_t mode)
{
	struct msocket_mkstack_args args = {
		.size = sizeof(args),
		.flags = 0,
		.dirfd = dirfd,
		.netns_fd = netns_fd,
		.mode = (__u32)mode,
		.path = (uintptr_t)path,
	};

	if (!path) {
		errno = EFAULT;
		return -1;
	}
	return device_ioctl(MSOCKET_IOC_MKSTACK, &args) < 0 ? -1 : 0;
}

MSOCKET_API int msocket_netns_fd(int dirfd, const char *path, int flags)
{
	int fd, ns, err;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		errno = EINVAL;
		return -1;
	}
	fd = open_stack(dirfd, path, flags, O_RDONLY);
	if (fd < 0)
		return -1;
	ns = ioctl(fd, STACKFS_IOC_NETNS_FD);
	err = errno;
	close(fd);
	/* Any other file: not a stack (the ioctl is unknown to it). */
	if (ns < 0 && (err == ENOTTY || err == EINVAL))
		err = EOPNOTSUPP;
	errno = err;
	return ns;
}

MSOCKET_API int socket(int domain, int type, int protocol)
{
	return default_socket(domain, type, protocol);
}
