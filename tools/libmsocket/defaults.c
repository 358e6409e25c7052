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
 * The variable is the state: every lookup checks it, and every change
 * rewrites it with setenv(3). A value is parsed once, into a snapshot. A
 * mutex serializes the changes and the slow lookups (pthread_atfork()
 * keeps it usable in a child forked while another thread held it); the
 * common lookup takes no lock: it checks that environ still holds, at the
 * same place, the same entry with the same text as when the lock holder
 * last looked (a sequence count guards that record), and then reads the
 * snapshot, which never changes or goes away.
 *
 * A stack file is looked up once, not at every socket(): the first lookup
 * of a default opens it for writing (O_WRONLY, O_CLOEXEC: the open is the
 * permission check, the w bit and every LSM's) and keeps the fd with the
 * file's st_dev and st_ino, and msocket.c makes sockets with that fd
 * (STACKFS_IOC_SOCKET with STACKFS_SOCKET_EXPECT and the file's tag, or
 * MSOCKET_IOC_SOCKET with MSOCKET_EXPECT_STACK). The kernel answers ESTALE
 * if the fd no longer is that file (the program closed it and reused the
 * number) or if the file was unlinked or replaced; then the fd is dropped
 * and the call made by path, and the next lookup opens the file again. A change of the
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
#include <sys/auxv.h>
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

#define ENV_PREFIX MSOCKET_DEFAULTS_ENV "="
#define ENV_PREFIX_LEN (sizeof(ENV_PREFIX) - 1)

/*
 * The parsed form of one value of the variable. Snapshots are immutable
 * and never freed, so that socket() may read one without the lock; one is
 * made per distinct value the process ever uses (glibc's setenv keeps
 * every distinct string it was given in the same way).
 */
struct snapshot {
	struct snapshot *next;	/* every snapshot, to find one again */
	char *entry;		/* "MSOCKET_DEFAULTS=VALUE" */
	bool valid;		/* VALUE parses */
	struct defaults table;	/* its table, if valid */
};

/* Every snapshot; the current one. Changed under the lock. */
static struct snapshot *snapshots;
static const struct snapshot *current;

/*
 * Where the variable was found when the lock holder last looked: environ
 * was @array and @array[@index] was @entry (NULL: no variable), for the
 * snapshot @snap. A sequence count (odd while written) lets socket() read
 * the four without the lock and check them against the environment.
 */
static struct {
	unsigned int seq;
	char **array;
	size_t index;
	const char *entry;
	const struct snapshot *snap;
} seen;

/*
 * The fds kept on the stack files of the current snapshot, by slot; fd -1
 * for none. Written under the lock, read without it: a reader that sees
 * a torn fd/dev/ino mix names a stack the kernel refuses (ESTALE), and
 * then goes the slow way.
 */
static struct msocket_stack_fd kept[MSOCKET_FAMILIES + 1] = {
	[0 ... MSOCKET_FAMILIES] = { .fd = -1 },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void lock_take(void)
{
	pthread_mutex_lock(&lock);
}

static void lock_release(void)
{
	pthread_mutex_unlock(&lock);
}

/*
 * In the child of a fork() only the forking thread lives on, and it holds
 * the lock (taken by lock_take before the fork): it releases it. Making
 * the mutex anew over a locked one would be undefined.
 */
static void lock_reset(void)
{
	pthread_mutex_unlock(&lock);
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

int msocket_percent_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (o + 1 >= size)
			return -1;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (len - i < 3)
			return -1;
		hi = hex_value(s[i + 1]);
		lo = hex_value(s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return 0;
}

/*
 * The PATH of an entry, @len bytes at @s, percent-decoded into a new
 * string. NULL with errno EINVAL for a bad escape or a relative path.
 */
static char *decode_path(const char *s, size_t len)
{
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	if (msocket_percent_decode(s, len, out, len + 1) || (out[0] != '\0' && out[0] != '/'))
		goto invalid;
	return out;
invalid:
	free(out);
	errno = EINVAL;
	return NULL;
}

int msocket_defaults_entry(const char **p, int *slot, const char **val, size_t *len)
{
	const char *end, *eq;

	while (**p == ',')
		(*p)++;
	if (!**p)
		return 0;
	end = strchrnul(*p, ',');
	eq = memchr(*p, '=', end - *p);
	if (!eq)
		return -1;
	if (eq - *p == 1 && **p == '*')
		*slot = MSOCKET_FAMILIES;
	else
		*slot = msocket_family_parse(*p, eq - *p);
	if (*slot <= 0)
		return -1;
	*val = eq + 1;
	*len = end - eq - 1;
	*p = end;
	return 1;
}

/* Parses @env into @d. 0, or -1 with errno EINVAL or ENOMEM. */
static int defaults_parse(const char *env, struct defaults *d)
{
	const char *p = env, *val;
	char *path, **slot;
	int family, ret;
	size_t len;

	memset(d, 0, sizeof(*d));
	while ((ret = msocket_defaults_entry(&p, &family, &val, &len)) > 0) {
		slot = family == MSOCKET_FAMILIES ? &d->all : &d->family[family];
		path = decode_path(val, len);
		if (!path)
			goto fail;
		free(*slot);
		*slot = path;
	}
	if (ret < 0)
		goto invalid;
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

/*
 * The open flags that mark a kept fd as the library's own: O_WRONLY with
 * O_DSYNC, which means nothing for a stack file (it has no data to sync)
 * and which a program has no reason to ask for. A program that closes the
 * kept fd and opens the same stack file again on the same number
 * (closefrom() then open()) has an fd that fstat() cannot tell from ours;
 * its open flags tell it.
 */
#define KEPT_MARK (O_WRONLY | O_DSYNC)
#define KEPT_MARK_MASK (O_ACCMODE | O_DSYNC)

#ifndef O_EMPTYPATH
#define O_EMPTYPATH 0400000000	/* Linux 7.x: openat(fd, "") reopens @fd */
#endif

/* Whether the kept @stack->fd is still the file it was opened on. */
static bool stack_fd_is_ours(const struct msocket_stack_fd *stack)
{
	struct stat st;
	int flags;

	if (fstat(stack->fd, &st) || st.st_dev != stack->dev || st.st_ino != stack->ino)
		return false;
	flags = fcntl(stack->fd, F_GETFL);
	return flags >= 0 && (flags & KEPT_MARK_MASK) == KEPT_MARK;
}

/*
 * Stops keeping the fd of @slot. It is closed only if it is still ours:
 * the program may have closed it and opened something else at its number,
 * even the same stack file.
 */
static void kept_drop(int slot)
{
	struct msocket_stack_fd *k = &kept[slot];
	int err = errno;

	if (k->fd < 0)
		return;
	if (stack_fd_is_ours(k))
		close(k->fd);
	__atomic_store_n(&k->fd, -1, __ATOMIC_RELEASE);
	errno = err;
}

static void kept_drop_all(void)
{
	int slot;

	for (slot = 0; slot <= SLOT_ALL; slot++)
		kept_drop(slot);
}

/*
 * Opens the file @pfd is open on (O_PATH) once more, for writing: with
 * O_EMPTYPATH, else through /proc/self/fd (kernels without it ignore the
 * flag, and the empty path is ENOENT).
 */
static int reopen_for_writing(int pfd)
{
	char link[32];
	int fd;

	fd = openat(pfd, "", KEPT_MARK | O_CLOEXEC | O_EMPTYPATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	return open(link, KEPT_MARK | O_CLOEXEC);
}

/*
 * Opens the stack file @path for @slot, for writing, and keeps the fd:
 * false if it fails. The path may have been set by hand: it is opened for
 * writing only once it is known to be a stack file, never a FIFO (which
 * would block) or a device.
 */
static bool kept_open(int slot, const char *path)
{
	struct msocket_stack_fd *k = &kept[slot];
	int pfd, fd = -1, err = errno;
	struct stat st;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd >= 0 && fstat(pfd, &st) == 0 && S_ISSTACK(st.st_mode))
		fd = reopen_for_writing(pfd);
	if (pfd >= 0)
		close(pfd);
	if (fd >= 0) {
		__atomic_store_n(&k->dev, st.st_dev, __ATOMIC_RELAXED);
		__atomic_store_n(&k->ino, st.st_ino, __ATOMIC_RELAXED);
		__atomic_store_n(&k->fd, fd, __ATOMIC_RELEASE);
		return true;
	}
	errno = err;
	return false;
}

/* Reads the fd kept for @slot, without the lock: false if there is none. */
static bool kept_read(int slot, struct msocket_stack_fd *stack)
{
	stack->fd = __atomic_load_n(&kept[slot].fd, __ATOMIC_ACQUIRE);
	stack->dev = __atomic_load_n(&kept[slot].dev, __ATOMIC_RELAXED);
	stack->ino = __atomic_load_n(&kept[slot].ino, __ATOMIC_RELAXED);
	return stack->fd >= 0;
}

/* The slot of @domain's default in @t: its own entry if it has one, else "*". */
static int slot_of(const struct defaults *t, int domain)
{
	if (domain >= 0 && domain < MSOCKET_FAMILIES && t->family[domain])
		return domain;
	return SLOT_ALL;
}

/* The path of @slot in @t: NULL or "" for the native stack. */
static const char *slot_path(const struct defaults *t, int slot)
{
	return slot == SLOT_ALL ? t->all : t->family[slot];
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

/* The snapshot of the variable's value @value: an old one, or a new one. */
static struct snapshot *snapshot_of(const char *value)
{
	size_t len = strlen(value);
	struct snapshot *snap;

	for (snap = snapshots; snap; snap = snap->next)
		if (strcmp(snap->entry + ENV_PREFIX_LEN, value) == 0)
			return snap;
	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return NULL;
	snap->entry = malloc(ENV_PREFIX_LEN + len + 1);
	if (!snap->entry) {
		free(snap);
		return NULL;
	}
	memcpy(snap->entry, ENV_PREFIX, ENV_PREFIX_LEN);
	memcpy(snap->entry + ENV_PREFIX_LEN, value, len + 1);
	snap->valid = defaults_parse(value, &snap->table) == 0;
	if (!snap->valid && errno != EINVAL) {
		free(snap->entry);
		free(snap);
		return NULL;
	}
	snap->next = snapshots;
	snapshots = snap;
	return snap;
}

/* The first entry of the variable in @array, and its index; NULL if none. */
/*
 * A set-user-ID, set-group-ID or file-capability program (AT_SECURE, as
 * secure_getenv(3) tells) ignores MSOCKET_DEFAULTS: the user who runs it
 * must not steer its sockets into a stack only its raised credentials may
 * use. It keeps the native stack, and its own msocket() calls.
 */
static bool env_ignored(void)
{
	static int secure = -1;
	int s = __atomic_load_n(&secure, __ATOMIC_RELAXED);

	if (s < 0) {
		s = getauxval(AT_SECURE) != 0;
		__atomic_store_n(&secure, s, __ATOMIC_RELAXED);
	}
	return s;
}

static const char *find_entry(char **array, size_t *index)
{
	size_t i;

	*index = 0;
	if (env_ignored())
		return NULL;
	for (i = 0; array && array[i]; i++) {
		if (strncmp(array[i], ENV_PREFIX, ENV_PREFIX_LEN) == 0) {
			*index = i;
			return array[i];
		}
	}
	*index = 0;
	return NULL;
}

/* Records where the variable is, for readers without the lock. Locked. */
static void seen_publish(char **array, size_t index, const char *entry,
			 const struct snapshot *snap)
{
	unsigned int seq = seen.seq;

	__atomic_store_n(&seen.seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&seen.array, array, __ATOMIC_RELAXED);
	__atomic_store_n(&seen.index, index, __ATOMIC_RELAXED);
	__atomic_store_n(&seen.entry, entry, __ATOMIC_RELAXED);
	__atomic_store_n(&seen.snap, snap, __ATOMIC_RELAXED);
	__atomic_store_n(&seen.seq, seq + 2, __ATOMIC_RELEASE);
}

/*
 * Brings the current snapshot, the kept fds and the published record of
 * where the variable sits up to date with the environment. Called locked.
 */
static int refresh(void)
{
	char **array = environ;
	const struct snapshot *snap;
	const char *entry;
	size_t index;

	entry = find_entry(array, &index);
	snap = snapshot_of(entry ? entry + ENV_PREFIX_LEN : "");
	if (!snap)
		return -1;
	if (snap != current) {
		kept_drop_all();
		current = snap;
	}
	seen_publish(array, index, entry, snap);
	if (snap->valid)
		return 0;
	errno = EINVAL;
	return -1;
}

/*
 * The snapshot in force, without the lock, if the environment is as the
 * lock holder last saw it: environ is the same array and holds the same
 * entry at the same index with the same text (a putenv() string may be
 * changed in place), or still no entry. NULL if that cannot be told.
 */
static const struct snapshot *current_unlocked(void)
{
	unsigned int seq = __atomic_load_n(&seen.seq, __ATOMIC_ACQUIRE);
	const struct snapshot *snap;
	const char *entry;
	char **array;
	size_t index;

	if (seq & 1)
		return NULL;
	array = __atomic_load_n(&seen.array, __ATOMIC_RELAXED);
	index = __atomic_load_n(&seen.index, __ATOMIC_RELAXED);
	entry = __atomic_load_n(&seen.entry, __ATOMIC_RELAXED);
	snap = __atomic_load_n(&seen.snap, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&seen.seq, __ATOMIC_RELAXED) != seq)
		return NULL;
	if (!snap || !snap->valid || environ != array)
		return NULL;
	if (!entry)
		return !env_ignored() && getenv(MSOCKET_DEFAULTS_ENV) ? NULL : snap;
	/*
	 * An entry is removed by moving the later ones down over it, so the
	 * same pointer at the same index means it is still there.
	 */
	if (array[index] != entry || strcmp(entry, snap->entry) != 0)
		return NULL;
	return snap;
}

/* msocket_defaults_lookup() without the lock; false if it needs the lock. */
static bool lookup_unlocked(int domain, struct msocket_stack_fd *stack, int *ret)
{
	const struct snapshot *snap = current_unlocked();
	const char *path;
	int slot;

	if (!snap)
		return false;
	slot = slot_of(&snap->table, domain);
	path = slot_path(&snap->table, slot);
	if (!path || !path[0]) {
		*ret = 0;
		return true;
	}
	if (!kept_read(slot, stack))
		return false;
	*ret = 1;
	return true;
}

int msocket_defaults_lookup(int domain, struct msocket_stack_fd *stack, char *buf, size_t len)
{
	const char *path;
	int ret, slot;

	if (lookup_unlocked(domain, stack, &ret))
		return ret;
	lock_take();
	ret = refresh();
	if (ret == 0) {
		slot = slot_of(&current->table, domain);
		path = slot_path(&current->table, slot);
		if (!path || !path[0]) {
			ret = 0;
		} else if (kept[slot].fd >= 0 || kept_open(slot, path)) {
			*stack = kept[slot];
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
	struct msocket_stack_fd *k;
	int ret, slot;

	lock_take();
	ret = refresh();
	if (ret == 0) {
		slot = slot_of(&current->table, domain);
		k = &kept[slot];
		/* Unless another thread has already put a new fd there. */
		if (k->fd == stack->fd && k->dev == stack->dev && k->ino == stack->ino)
			kept_drop(slot);
		ret = copy_path(slot_path(&current->table, slot), buf, len);
	}
	lock_release();
	return ret;
}

int msocket_defaults_path(int domain, char *buf, size_t len)
{
	int ret;

	lock_take();
	ret = refresh();
	if (ret == 0)
		ret = copy_path(slot_path(&current->table, slot_of(&current->table, domain)),
				buf, len);
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
		if (refresh() || defaults_copy(&d, &current->table))
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
	/* The environment holds @value now; a failure here is only ENOMEM. */
	ret = refresh();
out:
	defaults_free(&d);
	free(value);
	lock_release();
	return ret;
}
