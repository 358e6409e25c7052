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

#include <sys/socket.h>

/* S_IFSTACK, S_ISSTACK() and SOCK_DEFAULT come from the kernel's ABI. */
#include <linux/msocket.h>

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

#ifdef __cplusplus
}
#endif

#endif /* _MSOCKET_H */
