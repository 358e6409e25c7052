/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of libmsocket shared by its source files. Every symbol here
 * has hidden visibility: only msocket() and socket() are exported.
 */
#ifndef MSOCKET_INTERNAL_H
#define MSOCKET_INTERNAL_H

#include <stddef.h>

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

/* The canonical name of @family ("inet", "inet6"...), or NULL. */
const char *msocket_family_name(int family);

/*
 * The default stack of @domain. Returns 1 and the stack file's path in
 * @buf, 0 for the native stack, or -1 with errno set: EINVAL if
 * MSOCKET_DEFAULTS does not parse, ENAMETOOLONG if @len is too small.
 */
int msocket_defaults_lookup(int domain, char *buf, size_t len);

/*
 * Sets the default stack of @domain (AF_UNSPEC: every family) to the
 * absolute, canonical path @canon, or to the native stack if @canon is
 * NULL, and rewrites MSOCKET_DEFAULTS. 0, or -1 with errno set.
 */
int msocket_defaults_set(int domain, const char *canon);

#endif /* MSOCKET_INTERNAL_H */
