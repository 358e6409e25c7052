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
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "msocket.h"

/*
 * MSOCKET_IOC_SOCKET. /dev/msocket is opened for each call: the program may
 * close any fd, fork, or exec at any time, and a cached fd could end up
 * naming another file. Without the device (module not loaded) msocket is
 * an unimplemented system call: ENOSYS.
 */
static int msocket_ioctl(const char *path, int domain, int type, int protocol)
{
	struct msocket_args args = {
		.size = sizeof(args),
		.flags = 0,
		.dirfd = AT_FDCWD,
		.domain = domain,
		.type = type,
		.protocol = protocol,
		.path = (uintptr_t)path,
	};
	int dev, ret, err;

	dev = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			errno = ENOSYS;
		return -1;
	}
	ret = ioctl(dev, MSOCKET_IOC_SOCKET, &args);
	err = errno;
	close(dev);
	errno = err;
	return ret;
}

/* A socket in the default stack of @domain. */
static int default_socket(int domain, int type, int protocol)
{
	char path[PATH_MAX];
	int ret;

	ret = msocket_defaults_lookup(domain, path, sizeof(path));
	if (ret < 0)
		return -1;
	if (ret == 0)
		return (int)syscall(SYS_socket, domain, type, protocol);
	/* Type 0 is no socket type; the ioctl would take it for SOCK_DEFAULT. */
	if (type == SOCK_DEFAULT) {
		errno = EINVAL;
		return -1;
	}
	return msocket_ioctl(path, domain, type, protocol);
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

	if (protocol != 0) {
		errno = EINVAL;
		return -1;
	}
	if (domain < 0 || domain >= MSOCKET_FAMILIES) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (path) {
		if (msocket_ioctl(path, domain, SOCK_DEFAULT, 0) < 0)
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
	return msocket_ioctl(path, domain, type, protocol);
}

MSOCKET_API int socket(int domain, int type, int protocol)
{
	return default_socket(domain, type, protocol);
}
