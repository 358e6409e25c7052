/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * msocket.h: the msocket() call of libmsocket.
 *
 *	fd = msocket("/dev/net/mynet", AF_INET, SOCK_STREAM, 0);
 *
 * makes a socket in the network stack that the stack file /dev/net/mynet
 * names (see stackfs(5)). With type SOCK_DEFAULT it makes no socket: it
 * sets the default stack of a family (AF_UNSPEC: of every family; a NULL
 * path: back to the native stack), which msocket(NULL, ...) and socket(2)
 * then use. Linking with libmsocket makes the program's socket() calls
 * follow the defaults; LD_PRELOAD=libmsocket.so.0 does the same for an
 * unmodified program. The defaults live in the environment variable
 * MSOCKET_DEFAULTS, so children inherit them across fork() and execve().
 * See msocket(2).
 */
#ifndef _MSOCKET_H
#define _MSOCKET_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * S_IFSTACK, S_ISSTACK() and SOCK_DEFAULT come from the kernel's ABI:
 * uapi/linux/msocket.h in the source tree (-Iuapi), or as installed,
 * <msocket/linux/msocket.h>, apart from the kernel's own /usr/include/linux.
 */
#if __has_include("linux/msocket.h")
#include <linux/msocket.h>
#else
#include <msocket/linux/msocket.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The environment variable that carries the default stacks. */
#define MSOCKET_DEFAULTS_ENV	"MSOCKET_DEFAULTS"

/*
 * msocket() - a socket in the stack named by @path.
 * @path: a stack file; NULL for the default stack of @domain.
 * @domain, @type, @protocol: as socket(2). @type SOCK_DEFAULT sets the
 *	default stack of @domain (AF_UNSPEC: of every family) to @path (NULL:
 *	the native stack) instead of making a socket; @protocol must be 0.
 *
 * Returns the new socket's file descriptor, 0 for SOCK_DEFAULT, or -1 with
 * errno set.
 */
int msocket(const char *path, int domain, int type, int protocol);

/*
 * msocketat() - msocket() with the stack named as openat(2) names files.
 * @dirfd, @path: the stack file, @path relative to the directory @dirfd
 *	(or AT_FDCWD); with AT_EMPTY_PATH in @flags and an empty or NULL
 *	@path, the file @dirfd itself is open on (O_PATH is enough): the
 *	fastest way, an fd opened once on the stack file.
 * @flags: 0, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW.
 * With SOCK_DEFAULT the stack file becomes the default of @domain.
 * See msocketat(3).
 */
int msocketat(int dirfd, const char *path, int domain, int type, int protocol, int flags);

/*
 * msocket_getdefault() - the default stack of @domain (AF_UNSPEC: of the
 * families without a default of their own): 1 and its path in @buf, or 0
 * (@buf "") for the native stack; -1 with errno EINVAL (MSOCKET_DEFAULTS
 * does not parse), ERANGE (@len too small), EAFNOSUPPORT.
 */
int msocket_getdefault(int domain, char *buf, size_t len);

/*
 * msocket_mkstack() - create the stack file @dirfd + @path (as mknodat(2))
 * bound to the network namespace of the nsfs fd @netns_fd, with @mode
 * less the umask. 0, or -1 with errno set. See msocket_mkstack(3).
 */
int msocket_mkstack(int dirfd, const char *path, int netns_fd, mode_t mode);

/*
 * msocket_netns_fd() - a new O_CLOEXEC nsfs fd of the network namespace of
 * the stack file @dirfd + @path (@flags as for msocketat()), for setns(2).
 * Needs read permission on the stack file and CAP_NET_ADMIN over the
 * namespace's owning user namespace.
 */
int msocket_netns_fd(int dirfd, const char *path, int flags);

#ifdef __cplusplus
}
#endif

#endif /* _MSOCKET_H */
