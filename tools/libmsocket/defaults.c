// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The default stacks, kept in the environment variable MSOCKET_DEFAULTS so
 * that fork() and execve() carry them to children:
 *
 *	MSOCKET_DEFAULTS=*=/dev/net/red,inet6=/dev/net/blue,netlink=
 *
 * A comma-separated list of FAMILY=PATH entries. FAMILY is a family name
 * ("inet", "inet6", "unix", "netlink"... see families.c) or number, or "*"
 * for every family without an entry of its own. PATH is the absolute path
 * of a stack file, with "%" and "," written as "%25" and "%2C"; an empty
 * PATH is the native stack. A later entry for the same key replaces an
 * earlier one; empty entries are ignored. A variable that does not parse
 * makes every lookup fail with EINVAL rather than silently use the native
 * stack.
 *
 * The variable is the state: every lookup reads it (the parsed table is
 * cached while the string stays the same), and every change rewrites it
 * with setenv(3). One mutex serializes both, and pthread_atfork() keeps it
 * usable in a child forked while another thread held it.
 *
 * A stack file is looked up once, not at every socket(): the first lookup
 * of a default opens it (O_PATH, O_CLOEXEC) and keeps the fd with the
 * file's st_dev and st_ino, and msocket.c names the stack by that fd with
 * MSOCKET_EXPECT_STACK. The kernel answers ESTALE if the fd no longer is
 * that file (the program closed it and reused the number) or if the file
 * was unlinked or replaced; then the fd is dropped and the call made by
 * path, and the next lookup opens the file again. A change of the
 * defaults drops every kept fd. So a default follows its stack file, as a
 * working directory does: renamed, the file stays the default.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "msocket.h"

/*
 * A table of defaults. @all is the stack of every family without an entry
 * of its own (NULL: none); @family[f] is family f's own entry: NULL for
 * none, "" for the native stack, or an absolute path.
 */
struct defaults {
	char *all;
	char *family[MSOCKET_FAMILIES];
};

/* The slot of the "*" entry among the kept fds; families use their number. */
#define SLOT_ALL MSOCKET_FAMILIES

/* An fd kept open on the stack file of a default. */
struct kept {
	bool open;
	struct msocket_stack_fd stack;
};

/*
 * The parsed value of the variable, for the string @env, and the fds kept
 * on its stack files.
 */
static struct {
	char *env;
	bool valid;
	struct defaults table;
	struct kept kept[MSOCKET_FAMILIES + 1];
} cache;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void lock_take(void)
{
	pthread_mutex_lock(&lock);
}

static void lock_release(void)
{
	pthread_mutex_unlock(&lock);
}

/* In the child of a fork() the lock is fresh: only one thread lives on. */
static void lock_reset(void)
{
	pthread_mutex_init(&lock, NULL);
}

__attribute__((constructor)) static void defaults_init(void)
{
	pthread_atfork(lock_take, lock_release, lock_reset);
}

static void defaults_free(struct defaults *d)
{
	int f;

	free(d->all);
	for (f = 0; f < MSOCKET_FAMILIES; f++)
		free(d->family[f]);
	memset(d, 0, sizeof(*d));
}

static int copy_string(char **to, const char *from)
{
	*to = NULL;
	if (!from)
		return 0;
	*to = strdup(from);
	return *to ? 0 : -1;
}

static int defaults_copy(struct defaults *to, const struct defaults *from)
{
	int f;

	memset(to, 0, sizeof(*to));
	if (copy_string(&to->all, from->all))
		goto nomem;
	for (f = 0; f < MSOCKET_FAMILIES; f++)
		if (copy_string(&to->family[f], from->family[f]))
			goto nomem;
	return 0;
nomem:
	defaults_free(to);
	return -1;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The PATH of an entry, @len bytes at @s, percent-decoded into a new
 * string. NULL with errno EINVAL for a bad escape or a relative path.
 */
static char *decode_path(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	int hi, lo;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (len - i < 3)
			goto invalid;
		hi = hex_value(s[i + 1]);
		lo = hex_value(s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto invalid;
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	if (out[0] != '\0' && out[0] != '/')
		goto invalid;
	return out;
invalid:
	free(out);
	errno = EINVAL;
	return NULL;
}

/* Parses @env into @d. 0, or -1 with errno EINVAL or ENOMEM. */
static int defaults_parse(const char *env, struct defaults *d)
{
	const char *p = env, *end, *eq;
	char *path, **slot;
	int family;

	memset(d, 0, sizeof(*d));
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		if (end == p)
			continue;
		eq = memchr(p, '=', end - p);
		if (!eq)
			goto invalid;
		if (eq - p == 1 && *p == '*') {
			slot = &d->all;
		} else {
			family = msocket_family_parse(p, eq - p);
			if (family <= 0)
				goto invalid;
			slot = &d->family[family];
		}
		path = decode_path(eq + 1, end - eq - 1);
		if (!path)
			goto fail;
		free(*slot);
		*slot = path;
	}
	/* "*=" is the native stack for every family: no default at all. */
	if (d->all && !d->all[0]) {
		free(d->all);
		d->all = NULL;
	}
	return 0;
invalid:
	errno = EINVAL;
fail:
	defaults_free(d);
	return -1;
}

/* Appends "KEY=PATH," to @o, escaping PATH; returns the new end. */
static char *append_entry(char *o, const char *key, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	o = stpcpy(o, key);
	*o++ = '=';
	for (; *path; path++) {
		if (*path == '%' || *path == ',') {
			*o++ = '%';
			*o++ = hex[(unsigned char)*path >> 4];
			*o++ = hex[*path & 15];
		} else {
			*o++ = *path;
		}
	}
	*o++ = ',';
	return o;
}

/* The variable's value for @d: "*" first, then the families in order. */
static char *defaults_format(const struct defaults *d)
{
	char number[16], *out, *o;
	const char *key;
	size_t len = 1;
	int f;

	if (d->all)
		len += 3 + 3 * strlen(d->all);
	for (f = 0; f < MSOCKET_FAMILIES; f++)
		if (d->family[f])
			len += sizeof(number) + 2 + 3 * strlen(d->family[f]);
	out = malloc(len);
	if (!out)
		return NULL;
	o = out;
	if (d->all)
		o = append_entry(o, "*", d->all);
	for (f = 0; f < MSOCKET_FAMILIES; f++) {
		if (!d->family[f])
			continue;
		key = msocket_family_name(f);
		if (!key) {
			snprintf(number, sizeof(number), "%d", f);
			key = number;
		}
		o = append_entry(o, key, d->family[f]);
	}
	/* Drop the last comma. */
	if (o > out)
		o--;
	*o = '\0';
	return out;
}

/* Whether @stack->fd is still the file it was opened on. */
static bool stack_fd_is_ours(const struct msocket_stack_fd *stack)
{
	struct stat st;

	return fstat(stack->fd, &st) == 0 && st.st_dev == stack->dev &&
	       st.st_ino == stack->ino;
}

/*
 * Stops keeping the fd of @slot. It is closed only if it is still ours:
 * the program may have closed it and opened something else at its number.
 */
static void kept_drop(int slot)
{
	struct kept *k = &cache.kept[slot];
	int err = errno;

	if (!k->open)
		return;
	if (stack_fd_is_ours(&k->stack))
		close(k->stack.fd);
	k->open = false;
	errno = err;
}

static void kept_drop_all(void)
{
	int slot;

	for (slot = 0; slot <= SLOT_ALL; slot++)
		kept_drop(slot);
}

/* Opens the stack file @path for @slot and keeps the fd: false if it fails. */
static bool kept_open(int slot, const char *path)
{
	struct kept *k = &cache.kept[slot];
	int fd, err = errno;
	struct stat st;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		k->stack.fd = fd;
		k->stack.dev = st.st_dev;
		k->stack.ino = st.st_ino;
		k->open = true;
		return true;
	}
	if (fd >= 0)
		close(fd);
	errno = err;
	return false;
}

/* The slot of @domain's default: its own entry if it has one, else "*". */
static int slot_of(int domain)
{
	if (domain >= 0 && domain < MSOCKET_FAMILIES && cache.table.family[domain])
		return domain;
	return SLOT_ALL;
}

/* The path of @slot: NULL or "" for the native stack. */
static const char *slot_path(int slot)
{
	return slot == SLOT_ALL ? cache.table.all : cache.table.family[slot];
}

/* @path into @buf: 0 for the native stack, 1, or -1 with ENAMETOOLONG. */
static int copy_path(const char *path, char *buf, size_t len)
{
	size_t path_len = path ? strlen(path) : 0;

	if (path_len == 0)
		return 0;
	if (path_len >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, path_len + 1);
	return 1;
}

/* Brings the cache up to date with the environment. Called locked. */
static int refresh(void)
{
	const char *env = getenv(MSOCKET_DEFAULTS_ENV);
	struct defaults d;
	char *copy;
	bool valid;

	if (!env)
		env = "";
	if (!cache.env || strcmp(cache.env, env) != 0) {
		copy = strdup(env);
		if (!copy)
			return -1;
		valid = defaults_parse(env, &d) == 0;
		if (!valid && errno != EINVAL) {
			free(copy);
			return -1;
		}
		kept_drop_all();
		defaults_free(&cache.table);
		cache.table = d;
		free(cache.env);
		cache.env = copy;
		cache.valid = valid;
	}
	if (cache.valid)
		return 0;
	errno = EINVAL;
	return -1;
}

int msocket_defaults_lookup(int domain, struct msocket_stack_fd *stack, char *buf, size_t len)
{
	const char *path;
	int ret, slot;

	lock_take();
	ret = refresh();
	if (ret == 0) {
		slot = slot_of(domain);
		path = slot_path(slot);
		if (!path || !path[0]) {
			ret = 0;
		} else if (cache.kept[slot].open || kept_open(slot, path)) {
			*stack = cache.kept[slot].stack;
			ret = 1;
		} else {
			/* The call by path gives the error, if any. */
			stack->fd = -1;
			ret = copy_path(path, buf, len);
		}
	}
	lock_release();
	return ret;
}

int msocket_defaults_forget(int domain, const struct msocket_stack_fd *stack,
			    char *buf, size_t len)
{
	struct kept *k;
	int ret, slot;

	lock_take();
	ret = refresh();
	if (ret == 0) {
		slot = slot_of(domain);
		k = &cache.kept[slot];
		/* Unless another thread has already put a new fd there. */
		if (k->open && k->stack.fd == stack->fd && k->stack.dev == stack->dev &&
		    k->stack.ino == stack->ino)
			kept_drop(slot);
		ret = copy_path(slot_path(slot), buf, len);
	}
	lock_release();
	return ret;
}

int msocket_defaults_set(int domain, const char *canon)
{
	struct defaults d = { 0 };
	char *value = NULL;
	int ret = -1;

	lock_take();
	if (domain == AF_UNSPEC) {
		/* Every family: the old table does not matter. */
		if (copy_string(&d.all, canon))
			goto out;
	} else {
		if (refresh() || defaults_copy(&d, &cache.table))
			goto out;
		free(d.family[domain]);
		/* Back to native while "*" names a stack needs an entry "". */
		if (copy_string(&d.family[domain], canon ? canon : d.all ? "" : NULL))
			goto out;
	}
	value = defaults_format(&d);
	if (!value)
		goto out;
	if (value[0] ? setenv(MSOCKET_DEFAULTS_ENV, value, 1) : unsetenv(MSOCKET_DEFAULTS_ENV))
		goto out;
	/* The environment now holds @value: make it the cached string. */
	kept_drop_all();
	defaults_free(&cache.table);
	cache.table = d;
	memset(&d, 0, sizeof(d));
	free(cache.env);
	cache.env = value;
	cache.valid = true;
	value = NULL;
	ret = 0;
out:
	defaults_free(&d);
	free(value);
	lock_release();
	return ret;
}
