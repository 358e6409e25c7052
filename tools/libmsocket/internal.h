/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of libmsocket shared by its source files. Every symbol here
 * has hidden visibility: only the functions of msocket.h and socket() are
 * exported.
 */
#ifndef MSOCKET_INTERNAL_H
#define MSOCKET_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

/* The exported functions. */
#define MSOCKET_API __attribute__((visibility("default")))

/* Families 0 to MSOCKET_FAMILIES - 1 can have a default of their own. */
#define MSOCKET_FAMILIES 64

/*
 * The family named by the @len bytes at @name: a name of
 * msocket_family_name() (or "local", or with an "af_" or "pf_" prefix),
 * any case, or a decimal number below MSOCKET_FAMILIES. -1 if none.
 */
int msocket_family_parse(const char *name, size_t len);

/*
 * The next FAMILY=PATH entry of an MSOCKET_DEFAULTS value at *@p (empty
 * entries skipped), *@p moved past it: 1 with its family in *@slot
 * (MSOCKET_FAMILIES for "*") and its still-encoded PATH in *@val and
 * *@len; 0 at the end; -1 for an entry without '=' or of an unknown
 * family. It allocates nothing (preload.c calls it in a vfork child).
 */
int msocket_defaults_entry(const char **p, int *slot, const char **val, size_t *len);

/*
 * Percent-decodes the @len bytes at @s (an MSOCKET_DEFAULTS path) into the
 * @size bytes at @out, NUL-terminated: 0, or -1 for a bad escape (or %00)
 * or an @out too small. It allocates nothing (preload.c calls it in a
 * vfork child).
 */
int msocket_percent_decode(const char *s, size_t len, char *out, size_t size);

/* The canonical name of @family ("inet", "inet6"...), or NULL. */
const char *msocket_family_name(int family);

/*
 * An fd that libmsocket keeps open (O_WRONLY, O_CLOEXEC) on the stack file
 * of a default stack, and the st_dev and st_ino the file had when it was
 * opened; @fd is -1 for none.
 */
struct msocket_stack_fd {
	int fd;
	dev_t dev;
	ino_t ino;
};

/*
 * The default stack of @domain. Returns 0 for the native stack, or 1 for a
 * stack file: then @stack is the fd kept open on it (opened on first use),
 * or, if it cannot be opened, @stack->fd is -1 and @buf holds the path.
 * -1 with errno set: EINVAL if MSOCKET_DEFAULTS does not parse,
 * ENAMETOOLONG if @len is too small.
 */
int msocket_defaults_lookup(int domain, struct msocket_stack_fd *stack, char *buf, size_t len);

/*
 * The kernel refused @stack, from msocket_defaults_lookup(domain), as
 * stale (ESTALE or EBADF): stops using it (closing it if it is still ours)
 * and returns the default stack of @domain by path, as
 * msocket_defaults_lookup() does when it has no fd.
 */
int msocket_defaults_forget(int domain, const struct msocket_stack_fd *stack,
			    char *buf, size_t len);

/*
 * The path of the default stack of @domain (AF_UNSPEC: of the families
 * without an entry of their own) into @buf: 1, or 0 for the native stack;
 * -1 with errno EINVAL if MSOCKET_DEFAULTS does not parse, ENAMETOOLONG
 * if @len is too small.
 */
int msocket_defaults_path(int domain, char *buf, size_t len);

/*
 * Sets the default stack of @domain (AF_UNSPEC: every family) to the
 * absolute, canonical path @canon, or to the native stack if @canon is
 * NULL, and rewrites MSOCKET_DEFAULTS. 0, or -1 with errno set.
 */
int msocket_defaults_set(int domain, const char *canon);

#endif /* MSOCKET_INTERNAL_H */
