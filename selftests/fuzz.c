// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware fuzzer of the msocket and stackfs ioctls. Every call's
 * answer is predicted before it is made, from the arguments and from what
 * user space sees of the file system (the same path resolved with
 * fstatat(2)): an exact errno where the interface fixes one, else an errno
 * of that command's own set (errno tables below, one per command and
 * stage), or success. Every fd returned is checked: a socket of the family
 * and type asked for, with the flags asked for, in the namespace of the
 * stack named (SIOCGSKNS, compared by nsfs inode number); an nsfs fd of
 * the stack's namespace; a stack file made with its mode, in the namespace
 * of its netns_fd. Afterwards the fd table is as before (the VM's final
 * kmemleak scan checks memory).
 *
 *   every_size        sizes 0 to a page + 1 of both argument structs
 *   every_flag_fd_path
 *                     every combination of AT_EMPTY_PATH,
 *                     AT_SYMLINK_NOFOLLOW and MSOCKET_EXPECT_STACK, each
 *                     unknown flag, with fds and paths of every kind: stack
 *                     files (O_RDONLY, O_PATH; renamed, unlinked, replaced
 *                     by a rename over them, of another stackfs),
 *                     directories, sockets, nsfs files, closed fds
 *   every_fd_kind     every command and near misses on fds of every kind
 *   random_ioctls     seeded random calls: MSOCKET_FUZZ_CALLS (default
 *                     20000), MSOCKET_FUZZ_SECONDS (default 60),
 *                     MSOCKET_FUZZ_SEED (default 1); `make stress` runs
 *                     1,000,000
 *   random_fd_interfaces
 *                     stack fds of four kinds (O_RDONLY, O_WRONLY, O_PATH,
 *                     O_RDONLY of another stackfs) thrown at random at the
 *                     core interfaces that take any fd: SCM_RIGHTS (also
 *                     in cycles the unix garbage collector must free),
 *                     mq_notify(SIGEV_THREAD), epoll_ctl, splice and tee,
 *                     copy_file_range, leases, io_uring fixed files, the
 *                     socket calls; each answer predicted exactly
 *                     (selftests/foreign_fd.c names the kernel functions
 *                     that decide them). MSOCKET_FUZZ_FD_CALLS (default
 *                     5000), MSOCKET_FUZZ_SECONDS, MSOCKET_FUZZ_SEED
 */
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "io_uring_raw.h"
#include "msocket_test.h"
#include "kselftest_harness.h"

/* A million calls take minutes on the debug kernel (`make stress`). */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 3600

#define PAGE 4096
#define SOCK_TYPE_MASK 0xf
#define SOCK_TYPE_MAX 11	/* SOCK_PACKET + 1 */
#define KNOWN_FLAGS (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | MSOCKET_EXPECT_STACK | MSOCKET_TEMPLATE)

/*
 * The errno tables: what each command may answer at each stage, beyond
 * the errnos the oracle predicts exactly (EFAULT, EINVAL and E2BIG of the
 * argument struct, EBADF of a closed fd, ENOTTY of a command an fd does
 * not have, the path lookup's own errno, ESTALE and EOPNOTSUPP). Adjust
 * here when the interface changes.
 */
/* MSOCKET_IOC_SOCKET, making the socket once the stack is known: socket(2)'s. */
static const int socket_create_errnos[] = {
	EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPROTOTYPE, EINVAL, EPERM, 0
};

/* MSOCKET_IOC_SOCKET with a path pointer the oracle cannot follow. */
static const int socket_any_errnos[] = {
	EFAULT, EINVAL, EBADF, ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EOPNOTSUPP, ESTALE,
	EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPROTOTYPE, EPERM, 0
};

/* MSOCKET_IOC_MKSTACK, creating the file at a path that does not exist. */
static const int mkstack_path_errnos[] = {
	ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EOPNOTSUPP, EBADF, 0
};

/* MSOCKET_IOC_MKSTACK with a path pointer the oracle cannot follow. */
static const int mkstack_any_errnos[] = {
	EFAULT, EBADF, ENOENT, ENOTDIR, EEXIST, ELOOP, ENAMETOOLONG, EOPNOTSUPP, 0
};

/* STACKFS_IOC_NETNS_FD on a stack file opened for reading (as root). */
static const int netns_fd_errnos[] = { 0 };

/* STACKFS_IOC_NETNS_ID there, with a pointer the oracle cannot follow. */
static const int netns_id_errnos[] = { EFAULT, 0 };

static uint64_t rng_state;

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

enum kind {
	K_DEV,		/* /dev/msocket */
	K_STACK,	/* a stack file opened O_RDONLY */
	K_PATH,		/* an O_PATH fd: every ioctl is EBADF */
	K_OTHER,	/* a directory, socket, nsfs file, /dev/null: ENOTTY */
	K_CLOSED,	/* no fd */
};

struct fd_kind {
	int fd;
	enum kind kind;
	int is_netns;	/* an nsfs fd of a network namespace */
	const char *what;
	uint64_t ns;	/* K_STACK: the stack's namespace */
};

/*
 * Stack files the fuzzer knows: their identity and namespace. Those of the
 * setup stay; of those calls made (and clean_names removes), the newest.
 */
#define FIXED_STACKS 16
#define MAX_STACKS 256

struct known_stack {
	uint64_t dev, ino, ns;
};

#define MAX_FDS 24
#define MAX_PATHS 24
#define MAX_ERRNOS 24

FIXTURE(fuzz) {
	char dir[64], dir2[64], tmp[64];
	char stack[128], sub[128], fuzzdir[128], names[3][160], rel_sub_stack[160];
	char link[96], loop[96], moved[128], replaced[128], other[128], notdir[160];
	char longname[300], longpath[4200];
	char *rw, *ro;		/* a read-write page, then a guard page, a read-only page */
	struct fd_kind fds[MAX_FDS];
	int nfds;
	const char *paths[MAX_PATHS];
	int npaths;
	struct known_stack fixed[FIXED_STACKS], stacks[MAX_STACKS];
	int nfixed, nstacks;
	struct stat ids[6];	/* st_dev/st_ino pairs for MSOCKET_EXPECT_STACK */
	uint64_t native_ns;
	int nsfd_a, nsfd_b;
	dev_t nsfs_dev;		/* st_dev of nsfs files */
	char family[64];	/* families this kernel has (type -1 probes) */
	mode_t umask;
	long calls, errors, sockets, nsfds, made, bad;
};

struct expect {
	int may_succeed;
	int returns_zero;	/* SOCK_DEFAULT, NETNS_ID, MKSTACK: 0, no fd */
	int n;
	int errnos[MAX_ERRNOS];
	/* For a socket: */
	int domain, type;
	uint64_t ns;		/* 0: not known */
	/* For MKSTACK: where the file goes, the mode, the namespace. */
	int dirfd;
	const char *path;
	unsigned int mode;
	uint64_t mk_ns;
	/* For NETNS_FD, NETNS_ID: */
	uint64_t stack_ns;
	uint64_t *id_out;
	const char *why;
};

static void allow(struct expect *x, int e)
{
	if (x->n < MAX_ERRNOS)
		x->errnos[x->n++] = e;
}

static void allow_set(struct expect *x, const int *set)
{
	for (; *set; set++)
		allow(x, *set);
}

static void must_fail(struct expect *x, int e, const char *why)
{
	x->may_succeed = 0;
	x->n = 0;
	allow(x, e);
	x->why = why;
}

static void record_stack(struct _test_data_fuzz *self, const struct stat *st, uint64_t ns)
{
	struct known_stack *k;

	if (self->nfixed < FIXED_STACKS)
		k = &self->fixed[self->nfixed++];
	else
		k = &self->stacks[self->nstacks++ % MAX_STACKS];
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->ns = ns;
}

/* The namespace of a stack file the fuzzer made, or 0 (then not checked). */
static uint64_t stack_ns_of(struct _test_data_fuzz *self, const struct stat *st)
{
	int i, n = self->nstacks < MAX_STACKS ? self->nstacks : MAX_STACKS;

	for (i = 0; i < self->nfixed; i++)
		if (self->fixed[i].dev == st->st_dev && self->fixed[i].ino == st->st_ino)
			return self->fixed[i].ns;
	for (i = 0; i < n; i++)
		if (self->stacks[i].dev == st->st_dev && self->stacks[i].ino == st->st_ino)
			return self->stacks[i].ns;
	return 0;
}

/* Whether [p, p + len) lies in the read-write page (2), the read-only one (1), or not (0). */
static int readable(struct _test_data_fuzz *self, uint64_t p, size_t len, int need_write)
{
	uint64_t rw = (uintptr_t)self->rw, ro = (uintptr_t)self->ro;

	if (p >= rw && p + len <= rw + PAGE && p + len >= p)
		return 2;
	if (!need_write && p >= ro && p + len <= ro + PAGE && p + len >= p)
		return 1;
	return 0;
}

static int open_fd(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static int is_our_path(struct _test_data_fuzz *self, uint64_t p)
{
	int i;

	for (i = 0; i < self->npaths; i++)
		if (p == (uintptr_t)self->paths[i])
			return 1;
	return 0;
}

/*
 * Reads an argument struct the way the kernel does (read_sized_struct):
 * @min bytes first, then up to @known, and what lies beyond must be zero.
 * Returns 0 and the struct (zero-extended) in @out, or fails @x.
 */
static int expect_struct(struct _test_data_fuzz *self, uint64_t arg, size_t min, size_t known,
			 void *out, struct expect *x)
{
	uint32_t size;
	size_t i;

	memset(out, 0, known);
	if (!readable(self, arg, min, 0)) {
		must_fail(x, EFAULT, "argument struct not readable");
		return -1;
	}
	memcpy(&size, (void *)(uintptr_t)arg, sizeof(size));
	if (size < min) {
		must_fail(x, EINVAL, "struct below its first version");
		return -1;
	}
	if (size > PAGE) {
		must_fail(x, E2BIG, "struct above a page");
		return -1;
	}
	if (!readable(self, arg, size < known ? size : known, 0)) {
		must_fail(x, EFAULT, "struct not readable");
		return -1;
	}
	memcpy(out, (void *)(uintptr_t)arg, size < known ? size : known);
	if (size > known) {
		int ok = readable(self, arg + known, size - known, 0), zero = 1;

		for (i = known; ok && i < size; i++)
			zero &= ((char *)(uintptr_t)arg)[i] == 0;
		if (!ok) {
			/* check_zeroed_user: E2BIG if it saw a non-zero byte first. */
			must_fail(x, EFAULT, "extension not readable");
			allow(x, E2BIG);
			return -1;
		}
		if (!zero) {
			must_fail(x, E2BIG, "non-zero unknown fields");
			return -1;
		}
	}
	return 0;
}

static int family_exists(struct _test_data_fuzz *self, int domain)
{
	return domain >= 0 && domain < (int)sizeof(self->family) && self->family[domain];
}

/* The socket stage, in the namespace @ns (0: unknown). */
static void expect_socket_stage(struct _test_data_fuzz *self, const struct msocket_args *a,
				uint64_t ns, struct expect *x)
{
	int ty = a->type & SOCK_TYPE_MASK, fl = a->type & ~SOCK_TYPE_MASK;

	if (a->type == SOCK_DEFAULT) {
		if (a->protocol) {
			must_fail(x, EINVAL, "SOCK_DEFAULT with a protocol");
		} else if (a->domain == AF_UNSPEC || family_exists(self, a->domain)) {
			x->may_succeed = 1;
			x->returns_zero = 1;
		} else {
			must_fail(x, EAFNOSUPPORT, "SOCK_DEFAULT of a missing family");
		}
		return;
	}
	if ((fl & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) || ty == 0 || ty >= SOCK_TYPE_MAX) {
		must_fail(x, family_exists(self, a->domain) ? EINVAL : EAFNOSUPPORT, "bad type");
		return;
	}
	if (!family_exists(self, a->domain)) {
		must_fail(x, EAFNOSUPPORT, "missing family");
		return;
	}
	x->may_succeed = 1;
	x->n = 0;
	allow_set(x, socket_create_errnos);
	/*
	 * A ping socket (ICMP over SOCK_DGRAM) is EACCES unless the caller's
	 * group is in the namespace's net.ipv4.ping_group_range, which a new
	 * namespace makes empty. Found by make stress: about one random call
	 * in 200,000 asks for one.
	 */
	if (ty == SOCK_DGRAM && ((a->domain == AF_INET && a->protocol == IPPROTO_ICMP) ||
				 (a->domain == AF_INET6 && a->protocol == IPPROTO_ICMPV6)))
		allow(x, EACCES);
	/* socket(2) makes AF_INET SOCK_PACKET an AF_PACKET socket. */
	x->domain = a->domain == AF_INET && ty == SOCK_PACKET ? AF_PACKET : a->domain;
	x->type = a->type;
	x->ns = ns;
	x->why = "socket";
}

/* fstatat(2) flags for the lookup msocket makes with @flags. */
static int lookup_flags(unsigned int flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0) |
	       (flags & AT_EMPTY_PATH ? AT_EMPTY_PATH : 0);
}

static int expect_socket_by_stack(struct _test_data_fuzz *self, const struct msocket_args *ap,
				  struct expect *x);

static void expect_socket(struct _test_data_fuzz *self, uint64_t arg, struct expect *x)
{
	struct msocket_args a;

	if (expect_struct(self, arg, MSOCKET_ARGS_SIZE_VER0, sizeof(a), &a, x))
		return;
	if ((a.flags & ~KNOWN_FLAGS) || a.__reserved) {
		must_fail(x, EINVAL, "unknown flags, or __reserved");
		return;
	}
	if ((a.flags & MSOCKET_EXPECT_STACK) && a.size < MSOCKET_ARGS_SIZE_VER1) {
		must_fail(x, EINVAL, "MSOCKET_EXPECT_STACK in a first-version struct");
		return;
	}
	if ((a.flags & MSOCKET_TEMPLATE) && a.size < MSOCKET_ARGS_SIZE_VER2) {
		must_fail(x, EINVAL, "MSOCKET_TEMPLATE in a struct without template_fd");
		return;
	}
	/*
	 * A template is looked up once the stack is known, and compared with
	 * the socket: whatever fd the fuzzer put there, it is no socket of
	 * the fuzzer's kind or one unlike the call (the fuzzer is under no
	 * seccomp, so nothing else depends on it).
	 */
	if (expect_socket_by_stack(self, &a, x) && (a.flags & MSOCKET_TEMPLATE)) {
		allow(x, EBADF);
		allow(x, ENOTSOCK);
		allow(x, EXDEV);
		allow(x, EPERM);
	}
}

/*
 * expect_socket_by_stack() for an nsfs file, named without
 * MSOCKET_EXPECT_STACK: a network namespace's names that namespace (the
 * fuzzer is root, with setns(2)'s privilege everywhere), through an fd
 * that is not O_PATH; another kind of namespace's is EINVAL.
 */
static int expect_socket_by_nsfs(struct _test_data_fuzz *self, const struct msocket_args *a,
				 struct expect *x)
{
	const char *path = (const char *)(uintptr_t)a->path;
	char proc[32];
	int fd, type;
	uint64_t ns = 0;

	if (path && !*path) {
		/* AT_EMPTY_PATH: the fd's file by path, O_PATH ones too. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", a->dirfd);
		fd = open(proc, O_RDONLY | O_CLOEXEC);
	} else if (!path) {
		if (fcntl(a->dirfd, F_GETFL) & O_PATH) {
			must_fail(x, EBADF, "an O_PATH nsfs fd");
			return 0;
		}
		fd = dup(a->dirfd);
	} else {
		fd = openat(a->dirfd, path, O_RDONLY | O_CLOEXEC);
	}
	type = fd >= 0 ? ioctl(fd, NS_GET_NSTYPE) : -1;
	if (type == CLONE_NEWNET && ioctl(fd, NS_GET_ID, &ns))
		ns = 0;
	if (fd >= 0)
		close(fd);
	if (type >= 0 && type != CLONE_NEWNET) {
		must_fail(x, EINVAL, "the nsfs file of another kind of namespace");
		return 0;
	}
	expect_socket_stage(self, a, ns, x);
	if (!ns)
		x->why = "an nsfs file the oracle could not open";
	return 1;
}

/*
 * expect_socket() once the struct and its flags are checked: the stack.
 * 1 if the call gets as far as the socket (expect_socket_stage), 0 if the
 * stack already decides its errno.
 */
static int expect_socket_by_stack(struct _test_data_fuzz *self, const struct msocket_args *ap,
				  struct expect *x)
{
	struct msocket_args a = *ap;
	const char *path;
	struct stat st;
	uint64_t ns;
	int r;

	path = (const char *)(uintptr_t)a.path;
	if (!a.path && !(a.flags & AT_EMPTY_PATH)) {
		if (a.flags & MSOCKET_EXPECT_STACK) {
			must_fail(x, EINVAL, "MSOCKET_EXPECT_STACK of the native stack");
			return 0;
		}
		expect_socket_stage(self, &a, self->native_ns, x);
		return 1;
	}
	if (a.path && !is_our_path(self, a.path)) {
		/* Random bytes, zeros, unmapped: any of the command's errnos. */
		x->may_succeed = 1;
		x->n = 0;
		allow_set(x, socket_any_errnos);
		x->domain = a.domain == AF_INET && (a.type & SOCK_TYPE_MASK) == SOCK_PACKET ?
			    AF_PACKET : a.domain;
		x->type = a.type;
		x->why = "a path the oracle does not follow";
		if (a.type == SOCK_DEFAULT)
			x->returns_zero = 1;
		return 1;
	}
	if (a.path && !*path && !(a.flags & AT_EMPTY_PATH)) {
		must_fail(x, ENOENT, "empty path without AT_EMPTY_PATH");
		return 0;
	}
	if (!a.path) {
		/* AT_EMPTY_PATH and no path: the fd itself (O_PATH ones too). */
		if (!open_fd(a.dirfd)) {
			must_fail(x, EBADF, "AT_EMPTY_PATH with no fd");
			return 0;
		}
		r = fstat(a.dirfd, &st);
	} else {
		r = fstatat(a.dirfd, path, &st, lookup_flags(a.flags));
	}
	if (r) {
		must_fail(x, errno, "the path lookup's errno");
		return 0;
	}
	if ((a.flags & MSOCKET_EXPECT_STACK) &&
	    (st.st_dev != a.stack_dev || st.st_ino != a.stack_ino || st.st_nlink == 0)) {
		must_fail(x, ESTALE, "not the stack file expected, or unlinked");
		return 0;
	}
	if (!(a.flags & MSOCKET_EXPECT_STACK) && st.st_dev == self->nsfs_dev)
		return expect_socket_by_nsfs(self, &a, x);
	if (!S_ISSTACK(st.st_mode)) {
		must_fail(x, EOPNOTSUPP, "not a stack file");
		return 0;
	}
	ns = stack_ns_of(self, &st);
	expect_socket_stage(self, &a, ns, x);
	if (!ns)
		x->why = "a stack file the fuzzer did not make";
	return 1;
}

static const struct fd_kind *kind_of(struct _test_data_fuzz *self, int fd)
{
	int i;

	for (i = 0; i < self->nfds; i++)
		if (self->fds[i].fd == fd && self->fds[i].kind != K_CLOSED)
			return &self->fds[i];
	return NULL;
}

static void expect_mkstack(struct _test_data_fuzz *self, uint64_t arg, struct expect *x)
{
	struct msocket_mkstack_args a;
	const struct fd_kind *k;
	struct stat st;
	const char *path;

	if (expect_struct(self, arg, MSOCKET_MKSTACK_ARGS_SIZE_VER0, sizeof(a), &a, x))
		return;
	if (a.flags || a.__reserved) {
		must_fail(x, EINVAL, "flags or __reserved");
		return;
	}
	if (a.mode & ~07777) {
		must_fail(x, EINVAL, "mode bits beyond 07777");
		return;
	}
	/* get_net_ns_by_fd: fdget, which O_PATH files do not pass. */
	k = kind_of(self, a.netns_fd);
	if (!open_fd(a.netns_fd) || (k && k->kind == K_PATH)) {
		must_fail(x, EBADF, "netns_fd is no fd (or O_PATH)");
		return;
	}
	if (!k || !k->is_netns) {
		must_fail(x, EINVAL, "netns_fd is no network namespace");
		return;
	}
	x->may_succeed = 1;
	x->returns_zero = 1;
	x->n = 0;
	path = (const char *)(uintptr_t)a.path;
	if (!is_our_path(self, a.path)) {
		allow_set(x, mkstack_any_errnos);
		x->why = "mkstack at a path the oracle does not follow";
		return;
	}
	if (!*path) {
		must_fail(x, ENOENT, "mkstack at an empty path");
		return;
	}
	if (fstatat(a.dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		must_fail(x, EEXIST, "mkstack over an existing name");
		return;
	}
	allow_set(x, mkstack_path_errnos);
	x->dirfd = a.dirfd;
	x->path = path;
	x->mode = a.mode;
	x->mk_ns = ns_id_of_fd(a.netns_fd);
	x->why = "mkstack";
}

/* The expected answer of ioctl(@target, @cmd, @arg). */
static void expect_call(struct _test_data_fuzz *self, const struct fd_kind *t,
			unsigned long cmd, uint64_t arg, struct expect *x)
{
	memset(x, 0, sizeof(*x));
	if (t->kind == K_CLOSED || t->kind == K_PATH) {
		must_fail(x, EBADF, "no fd for ioctl (closed or O_PATH)");
	} else if (cmd == MSOCKET_IOC_SOCKET && t->kind == K_DEV) {
		expect_socket(self, arg, x);
	} else if (cmd == MSOCKET_IOC_MKSTACK && t->kind == K_DEV) {
		expect_mkstack(self, arg, x);
	} else if (cmd == STACKFS_IOC_NETNS_FD && t->kind == K_STACK) {
		x->may_succeed = 1;
		allow_set(x, netns_fd_errnos);
		x->stack_ns = t->ns;
		x->why = "NETNS_FD";
#ifdef STACKFS_IOC_SOCKET
	} else if (cmd == STACKFS_IOC_SOCKET && t->kind == K_STACK) {
		/* A one-bit near miss of NETNS_FD; the fuzzer's stacks are O_RDONLY. */
		must_fail(x, EBADF, "STACKFS_IOC_SOCKET needs a file open for writing");
#endif
	} else if (cmd == STACKFS_IOC_NETNS_ID && t->kind == K_STACK) {
		if (readable(self, arg, sizeof(uint64_t), 1)) {
			x->may_succeed = 1;
			x->returns_zero = 1;
			x->stack_ns = t->ns;
			x->id_out = (uint64_t *)(uintptr_t)arg;
		} else if (readable(self, arg, sizeof(uint64_t), 0) || arg < PAGE ||
			   (arg >> 63)) {
			must_fail(x, EFAULT, "NETNS_ID into memory it cannot write");
		} else {
			allow_set(x, netns_id_errnos);
		}
		x->why = "NETNS_ID";
	} else {
		must_fail(x, ENOTTY, "a command this fd does not have");
	}
}

/*
 * The SO_TYPE of a new socket: as asked, but AF_UNIX makes SOCK_RAW a
 * SOCK_DGRAM; -1 for families the fuzzer does not know (not checked).
 */
static int socket_type(int domain, int ty)
{
	switch (domain) {
	case AF_UNIX:
		return ty == SOCK_RAW ? SOCK_DGRAM : ty;
	case AF_INET: case AF_INET6: case AF_NETLINK: case AF_PACKET:
		return ty;
	}
	return -1;
}

/* Checks a socket msocket returned, and closes it: NULL if it is right. */
static const char *check_socket(int fd, const struct expect *x)
{
	int domain = -1, type = -1, fl;
	socklen_t len = sizeof(int);
	struct stat st;
	const char *wrong = NULL;

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return "not a socket";
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) || domain != x->domain)
		wrong = "SO_DOMAIN";
	else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
		 (socket_type(domain, x->type & SOCK_TYPE_MASK) >= 0 &&
		  type != socket_type(domain, x->type & SOCK_TYPE_MASK)))
		wrong = "SO_TYPE";
	fl = fcntl(fd, F_GETFL);
	if (!wrong && !!(fl & O_NONBLOCK) != !!(x->type & SOCK_NONBLOCK))
		wrong = "O_NONBLOCK";
	if (!wrong && !!(fcntl(fd, F_GETFD) & FD_CLOEXEC) != !!(x->type & SOCK_CLOEXEC))
		wrong = "FD_CLOEXEC";
	if (!wrong && x->ns && socket_ns_id(fd) != x->ns)
		wrong = "the namespace (SIOCGSKNS)";
	close(fd);
	return wrong;
}

/* Checks a stack file MKSTACK made, and records it: NULL if it is right. */
static const char *check_made(struct _test_data_fuzz *self, const struct expect *x)
{
	struct stat st;
	uint64_t id = 0;
	int fd;

	if (!x->path)
		return NULL;	/* a path the oracle does not follow */
	if (fstatat(x->dirfd, x->path, &st, AT_SYMLINK_NOFOLLOW))
		return "no file after MKSTACK";
	if (!S_ISSTACK(st.st_mode))
		return "not S_IFSTACK";
	if ((st.st_mode & 07777) != (x->mode & ~self->umask & 07777))
		return "its mode";
	fd = openat(x->dirfd, x->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return "cannot open it";
	if (ioctl(fd, STACKFS_IOC_NETNS_ID, &id) || id != x->mk_ns) {
		close(fd);
		return "its namespace";
	}
	close(fd);
	record_stack(self, &st, id);
	return NULL;
}

static int errno_in(const struct expect *x, int e)
{
	int i;

	for (i = 0; i < x->n; i++)
		if (x->errnos[i] == e)
			return 1;
	return 0;
}

/* One call, predicted and judged; returns 1 if the answer was wrong. */
static int fuzz_call(struct __test_metadata *_metadata, struct _test_data_fuzz *self,
		     const struct fd_kind *t, unsigned long cmd, uint64_t arg)
{
	const char *wrong = NULL;
	struct expect x;
	int ret, e;

	expect_call(self, t, cmd, arg, &x);
	errno = 0;
	ret = ioctl(t->fd, cmd, arg);
	e = errno;
	self->calls++;
	if (ret < 0) {
		self->errors++;
		if (!errno_in(&x, e))
			wrong = "an errno not expected";
	} else if (!x.may_succeed) {
		wrong = "success where it must fail";
		if (ret > 0 && !x.returns_zero)
			close(ret);
	} else if (x.returns_zero) {
		if (ret != 0) {
			wrong = "an fd where 0 is the answer";
			close(ret);
		} else if (cmd == MSOCKET_IOC_MKSTACK) {
			wrong = check_made(self, &x);
			self->made++;
		} else if (x.id_out && *x.id_out != x.stack_ns) {
			wrong = "NETNS_ID: another namespace";
		}
	} else if (cmd == STACKFS_IOC_NETNS_FD) {
		self->nsfds++;
		if (ns_id_of_fd(ret) != x.stack_ns)
			wrong = "NETNS_FD: another namespace";
		else if (!(fcntl(ret, F_GETFD) & FD_CLOEXEC))
			wrong = "NETNS_FD: no O_CLOEXEC";
		close(ret);
	} else {
		self->sockets++;
		wrong = ret == 0 ? "fd 0" : check_socket(ret, &x);
	}
	if (!wrong)
		return 0;
	if (self->bad++ < 30)
		TH_LOG("call %ld: %s, cmd %#lx: %s (ret %d, errno %d %s; expected %s, errnos %d%s)",
		       self->calls, t->what, cmd, wrong, ret, ret < 0 ? e : 0,
		       ret < 0 ? strerror(e) : "", x.why ? x.why : "?",
		       x.n ? x.errnos[0] : 0, x.n > 1 ? "..." : "");
	return 1;
}

static void add_fd(struct _test_data_fuzz *self, int fd, enum kind kind, int is_netns,
		   const char *what)
{
	self->fds[self->nfds++] = (struct fd_kind){ fd, kind, is_netns, what, 0 };
}

/* A stack file at @path bound to @nsfd, recorded; its stat in @st. */
static int make_stack(struct _test_data_fuzz *self, const char *path, int nsfd, struct stat *st)
{
	if (mkstack(path, nsfd, 0666) || stat(path, st))
		return -1;
	record_stack(self, st, ns_id_of_fd(nsfd));
	return 0;
}

FIXTURE_SETUP(fuzz)
{
	char *pages, from[128], gone[128];
	struct stat st;
	int i, fd;

	memset(self, 0, sizeof(*self));
	umask(022);
	self->umask = 022;
	rng_state = env_long("MSOCKET_FUZZ_SEED", 1) * 0x9E3779B97F4A7C15ULL + 1;
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, mount_stackfs(self->dir2, sizeof(self->dir2)));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/fuzz.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	snprintf(self->stack, sizeof(self->stack), "%s/stack", self->dir);
	snprintf(self->sub, sizeof(self->sub), "%s/sub", self->dir);
	snprintf(self->fuzzdir, sizeof(self->fuzzdir), "%s/fuzz", self->dir);
	snprintf(self->rel_sub_stack, sizeof(self->rel_sub_stack), "%s/sub/stack", self->dir);
	snprintf(self->moved, sizeof(self->moved), "%s/moved", self->dir);
	snprintf(self->replaced, sizeof(self->replaced), "%s/replaced", self->dir);
	snprintf(self->other, sizeof(self->other), "%s/stack", self->dir2);
	snprintf(self->notdir, sizeof(self->notdir), "%s/x", self->stack);
	snprintf(self->link, sizeof(self->link), "%s/link", self->tmp);
	snprintf(self->loop, sizeof(self->loop), "%s/loop", self->tmp);
	for (i = 0; i < 3; i++)
		snprintf(self->names[i], sizeof(self->names[i]), "%s/n%d", self->fuzzdir, i);
	memset(self->longname, 'a', sizeof(self->longname) - 1);
	memset(self->longpath, 'b', sizeof(self->longpath) - 1);
	self->longpath[0] = '/';
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	ASSERT_EQ(0, mkdir(self->fuzzdir, 0777));
	ASSERT_EQ(0, symlink(self->stack, self->link));
	ASSERT_EQ(0, symlink(self->loop, self->loop));

	self->nsfd_a = new_netns();
	self->nsfd_b = new_netns();
	ASSERT_LE(0, self->nsfd_a);
	ASSERT_LE(0, self->nsfd_b);
	self->native_ns = ns_id_of_path("/proc/self/ns/net");
	ASSERT_EQ(0, fstat(self->nsfd_a, &st));
	self->nsfs_dev = st.st_dev;

	/* The stack, and stack files renamed, unlinked, replaced, elsewhere. */
	ASSERT_EQ(0, make_stack(self, self->stack, self->nsfd_a, &self->ids[0]));
	add_fd(self, msocket_dev(), K_DEV, 0, "/dev/msocket");
	add_fd(self, open(self->stack, O_RDONLY | O_CLOEXEC), K_STACK, 0, "stack O_RDONLY");
	self->fds[1].ns = ns_id_of_fd(self->nsfd_a);
	add_fd(self, open(self->stack, O_PATH | O_CLOEXEC), K_PATH, 0, "stack O_PATH");
	snprintf(from, sizeof(from), "%s/tomove", self->dir);
	ASSERT_EQ(0, make_stack(self, from, self->nsfd_a, &st));
	add_fd(self, open(from, O_PATH | O_CLOEXEC), K_PATH, 0, "renamed stack O_PATH");
	ASSERT_EQ(0, rename(from, self->moved));
	ASSERT_EQ(0, make_stack(self, self->replaced, self->nsfd_b, &self->ids[1]));
	add_fd(self, open(self->replaced, O_PATH | O_CLOEXEC), K_PATH, 0, "replaced stack O_PATH");
	ASSERT_EQ(0, make_stack(self, self->names[0], self->nsfd_a, &st));
	ASSERT_EQ(0, rename(self->names[0], self->replaced));
	snprintf(gone, sizeof(gone), "%s/gone", self->dir);
	ASSERT_EQ(0, make_stack(self, gone, self->nsfd_b, &self->ids[2]));
	add_fd(self, open(gone, O_PATH | O_CLOEXEC), K_PATH, 0, "unlinked stack O_PATH");
	add_fd(self, open(gone, O_RDONLY | O_CLOEXEC), K_STACK, 0, "unlinked stack O_RDONLY");
	self->fds[self->nfds - 1].ns = ns_id_of_fd(self->nsfd_b);
	ASSERT_EQ(0, unlink(gone));
	ASSERT_EQ(0, make_stack(self, self->other, self->nsfd_b, &self->ids[3]));
	add_fd(self, open(self->other, O_PATH | O_CLOEXEC), K_PATH, 0,
	       "other stackfs's stack O_PATH");
	add_fd(self, open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), K_OTHER, 0,
	       "stackfs root");
	add_fd(self, open(self->sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC), K_OTHER, 0,
	       "stackfs dir");
	add_fd(self, open(self->sub, O_PATH | O_DIRECTORY | O_CLOEXEC), K_PATH, 0,
	       "stackfs dir O_PATH");
	add_fd(self, open(self->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC), K_OTHER, 0, "tmpfs dir");
	add_fd(self, self->nsfd_a, K_OTHER, 1, "nsfs of the stack");
	add_fd(self, self->nsfd_b, K_OTHER, 1, "nsfs of another stack");
	add_fd(self, open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), K_OTHER, 1, "nsfs native");
	add_fd(self, open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC), K_OTHER, 0, "nsfs uts");
	add_fd(self, open("/dev/null", O_RDWR | O_CLOEXEC), K_OTHER, 0, "/dev/null");
	add_fd(self, socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), K_OTHER, 0, "a socket");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(fd);
	add_fd(self, fd, K_CLOSED, 0, "a closed fd");
	add_fd(self, -1, K_CLOSED, 0, "-1");
	add_fd(self, 4095, K_CLOSED, 0, "4095");
	for (i = 0; i < self->nfds; i++)
		if (self->fds[i].kind != K_CLOSED)
			ASSERT_LE(0, self->fds[i].fd) TH_LOG("%s", self->fds[i].what);
	ASSERT_EQ(0, fstat(self->fds[3].fd, &self->ids[4]));	/* the renamed one */
	self->ids[5].st_dev = self->ids[0].st_dev;		/* no such inode */
	self->ids[5].st_ino = self->ids[0].st_ino + 100000;

	self->paths[self->npaths++] = self->stack;
	self->paths[self->npaths++] = self->sub;
	self->paths[self->npaths++] = "/dev/null";
	self->paths[self->npaths++] = "/nonexistent/x";
	self->paths[self->npaths++] = "";
	self->paths[self->npaths++] = self->names[1];
	self->paths[self->npaths++] = self->names[2];
	self->paths[self->npaths++] = "/proc/self/ns/net";
	self->paths[self->npaths++] = "stack";			/* relative */
	self->paths[self->npaths++] = self->link;		/* a symlink to the stack */
	self->paths[self->npaths++] = self->loop;		/* a symlink to itself */
	self->paths[self->npaths++] = self->longname;		/* ENAMETOOLONG */
	self->paths[self->npaths++] = self->longpath;		/* beyond PATH_MAX */
	self->paths[self->npaths++] = self->notdir;		/* ENOTDIR */
	self->paths[self->npaths++] = self->moved;
	self->paths[self->npaths++] = self->replaced;
	self->paths[self->npaths++] = self->other;
	self->paths[self->npaths++] = self->rel_sub_stack;

	/* The argument pages: read-write, guard, read-only, guard. */
	pages = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect(pages, PAGE, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, mprotect(pages + 2 * PAGE, PAGE, PROT_READ));
	self->rw = pages;
	self->ro = pages + 2 * PAGE;

	/* The families this kernel has: type -1 is EINVAL for those, EAFNOSUPPORT if not. */
	for (i = 0; i < (int)sizeof(self->family); i++)
		self->family[i] = sys_msocket(NULL, i, -1, 0) == -1 && errno == EINVAL;
	ASSERT_TRUE(self->family[AF_INET] && self->family[AF_UNIX] && !self->family[45]);
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 1; i < self->nfds; i++)
		if (self->fds[i].kind != K_CLOSED && self->fds[i].fd != self->nsfd_a &&
		    self->fds[i].fd != self->nsfd_b)
			close(self->fds[i].fd);
	close(self->nsfd_a);
	close(self->nsfd_b);
	unlink(self->link);
	unlink(self->loop);
	rmdir(self->tmp);
	umount_stackfs(self->dir);
	umount_stackfs(self->dir2);
	if (self->rw)
		munmap(self->rw, 4 * PAGE);
}

/* Removes the stack files calls made, so that names can be made again. */
static void clean_names(struct _test_data_fuzz *self)
{
	int i;

	for (i = 0; i < 3; i++)
		unlink(self->names[i]);
	unlink(self->rel_sub_stack);
}

static void report(struct _test_data_fuzz *self, const char *test)
{
	printf("# %s: %ld calls, %ld errnos, %ld sockets, %ld nsfs fds, %ld stacks made, %ld bad\n",
	       test, self->calls, self->errors, self->sockets, self->nsfds, self->made, self->bad);
}

/* A well-formed msocket call on the stack, by path, in the rw page. */
static struct msocket_args *valid_socket_args(struct _test_data_fuzz *self)
{
	struct msocket_args *a = (void *)self->rw;

	memset(self->rw, 0, PAGE);
	a->size = sizeof(*a);
	a->dirfd = AT_FDCWD;
	a->domain = AF_INET;
	a->type = SOCK_DGRAM;
	a->path = (uintptr_t)self->stack;
	return a;
}

static struct msocket_mkstack_args *valid_mkstack_args(struct _test_data_fuzz *self)
{
	struct msocket_mkstack_args *a = (void *)self->rw;

	memset(self->rw, 0, PAGE);
	a->size = sizeof(*a);
	a->dirfd = AT_FDCWD;
	a->netns_fd = self->nsfd_b;
	a->mode = 0640;
	a->path = (uintptr_t)self->names[1];
	return a;
}

TEST_F(fuzz, every_size)
{
	int fds = count_fds(), tail, expect;
	uint32_t size;

	for (size = 0; size <= PAGE + 1; size++) {
		for (tail = 0; tail < 2; tail++) {
			for (expect = 0; expect < 2; expect++) {
				struct msocket_args *a = valid_socket_args(self);

				a->size = size;
				/* Sockets for some sizes; SOCK_DEFAULT reads the same struct. */
				if (size % 64 && size > 80 && size < PAGE - 1)
					a->type = SOCK_DEFAULT;
				if (expect) {
					a->flags = MSOCKET_EXPECT_STACK;
					a->stack_dev = self->ids[0].st_dev;
					a->stack_ino = self->ids[0].st_ino;
				}
				if (tail && size > sizeof(*a) && size <= PAGE)
					self->rw[size - 1] = 1;
				fuzz_call(_metadata, self, &self->fds[0], MSOCKET_IOC_SOCKET,
					  (uintptr_t)a);
			}
			{
				struct msocket_mkstack_args *m = valid_mkstack_args(self);

				m->size = size;
				/* Stack files for some sizes; EEXIST after the same checks. */
				if (size % 64 && size > 80 && size < PAGE - 1)
					m->path = (uintptr_t)self->stack;
				if (tail && size > sizeof(*m) && size <= PAGE)
					self->rw[size - 1] = 1;
				fuzz_call(_metadata, self, &self->fds[0], MSOCKET_IOC_MKSTACK,
					  (uintptr_t)m);
				clean_names(self);
			}
		}
	}
	/* The struct straddling the end of the page, into the guard page. */
	for (size = 1; size <= 64; size++) {
		struct msocket_args *a = (void *)(self->rw + PAGE - size);

		memset(self->rw, 0, PAGE);
		if (size >= 4)
			a->size = sizeof(*a);
		fuzz_call(_metadata, self, &self->fds[0], MSOCKET_IOC_SOCKET, (uintptr_t)a);
		fuzz_call(_metadata, self, &self->fds[0], MSOCKET_IOC_MKSTACK, (uintptr_t)a);
	}
	report(self, "every_size");
	EXPECT_EQ(0, self->bad);
	EXPECT_LT(0, self->sockets);
	EXPECT_LT(0, self->made);
	EXPECT_EQ(fds, count_fds());
}

TEST_F(fuzz, every_flag_fd_path)
{
	static const int types[][2] = {
		{ AF_INET, SOCK_DGRAM }, { AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC },
		{ AF_INET6, SOCK_DEFAULT },
	};
	unsigned int flags, f;
	int fds = count_fds(), bit, d, p, id, n = 0;
	struct msocket_args *a;

	/* Every combination of the known flags, with every dirfd, path and identity. */
	for (flags = 0; flags < 8; flags++) {
		f = (flags & 1 ? AT_EMPTY_PATH : 0) | (flags & 2 ? AT_SYMLINK_NOFOLLOW : 0) |
		    (flags & 4 ? MSOCKET_EXPECT_STACK : 0);
		for (d = -1; d < self->nfds; d++) {
			for (p = 0; p <= self->npaths; p++) {
				for (id = 0; id < (f & MSOCKET_EXPECT_STACK ? 6 : 1); id++) {
					a = valid_socket_args(self);
					a->flags = f;
					a->dirfd = d < 0 ? AT_FDCWD : self->fds[d].fd;
					a->path = p < self->npaths ?
						  (uintptr_t)self->paths[p] : 0;
					a->domain = types[n % ARRAY_SIZE(types)][0];
					a->type = types[n++ % ARRAY_SIZE(types)][1];
					a->stack_dev = self->ids[id].st_dev;
					a->stack_ino = self->ids[id].st_ino;
					fuzz_call(_metadata, self, &self->fds[0],
						  MSOCKET_IOC_SOCKET, (uintptr_t)a);
				}
			}
		}
	}
	/* Each unknown flag, alone and with the known ones: EINVAL first. */
	for (bit = 0; bit < 32; bit++) {
		if ((1U << bit) & KNOWN_FLAGS)
			continue;
		for (flags = 0; flags < 2; flags++) {
			a = valid_socket_args(self);
			a->flags = 1U << bit | (flags ? KNOWN_FLAGS : 0);
			a->stack_dev = self->ids[0].st_dev;
			a->stack_ino = self->ids[0].st_ino;
			fuzz_call(_metadata, self, &self->fds[0], MSOCKET_IOC_SOCKET, (uintptr_t)a);
		}
	}
	report(self, "every_flag_fd_path");
	EXPECT_EQ(0, self->bad);
	EXPECT_LT(0, self->sockets);
	EXPECT_EQ(fds, count_fds());
}

TEST_F(fuzz, every_fd_kind)
{
	static const unsigned long cmds[] = {
		MSOCKET_IOC_SOCKET, MSOCKET_IOC_MKSTACK, STACKFS_IOC_NETNS_FD, STACKFS_IOC_NETNS_ID,
	};
	int fds = count_fds(), t, c, bit, d, n;

	for (t = 0; t < self->nfds; t++) {
		for (c = 0; c < ARRAY_SIZE(cmds); c++) {
			/* The command as it is, each near miss, and bad pointers. */
			for (bit = -1; bit < 32; bit++) {
				unsigned long cmd = bit < 0 ? cmds[c] : cmds[c] ^ (1UL << bit);

				if (cmds[c] == MSOCKET_IOC_MKSTACK)
					valid_mkstack_args(self);
				else
					valid_socket_args(self);
				fuzz_call(_metadata, self, &self->fds[t], cmd, (uintptr_t)self->rw);
				clean_names(self);
			}
			fuzz_call(_metadata, self, &self->fds[t], cmds[c], 0);
			fuzz_call(_metadata, self, &self->fds[t], cmds[c], (uintptr_t)self->ro);
			fuzz_call(_metadata, self, &self->fds[t], cmds[c],
				  (uintptr_t)self->rw + PAGE - 4);
			fuzz_call(_metadata, self, &self->fds[t], cmds[c], 1UL << 63);
		}
	}
	/* MKSTACK with every fd as dirfd and as netns_fd, at every path. */
	for (d = -1; d < self->nfds; d++) {
		for (n = 0; n < self->nfds; n++) {
			for (t = 0; t < self->npaths; t++) {
				struct msocket_mkstack_args *m = valid_mkstack_args(self);

				m->dirfd = d < 0 ? AT_FDCWD : self->fds[d].fd;
				m->netns_fd = self->fds[n].fd;
				m->path = (uintptr_t)self->paths[t];
				fuzz_call(_metadata, self, &self->fds[0], MSOCKET_IOC_MKSTACK,
					  (uintptr_t)m);
				clean_names(self);
			}
		}
	}
	report(self, "every_fd_kind");
	EXPECT_EQ(0, self->bad);
	EXPECT_LT(0, self->nsfds);
	EXPECT_LT(0, self->made);
	EXPECT_EQ(fds, count_fds());
}

/* A pointer for an argument: mostly the rw page, sometimes bad in every way. */
static uint64_t rnd_pointer(struct _test_data_fuzz *self, size_t len)
{
	switch (rnd_below(10)) {
	case 0: return 0;
	case 1: return (uintptr_t)self->rw + PAGE + rnd_below(PAGE);	/* guard */
	case 2: return (uintptr_t)self->ro + rnd_below(PAGE);
	case 3: return (uintptr_t)self->rw + PAGE - rnd_below(len + 1);	/* straddles */
	case 4: return rnd() | 1ULL << 63;				/* kernel half */
	default: return (uintptr_t)self->rw + 256 + rnd_below(64);
	}
}

static uint64_t rnd_path(struct _test_data_fuzz *self)
{
	if (rnd_below(6) == 0)
		return rnd_pointer(self, 16);
	return (uintptr_t)self->paths[rnd_below(self->npaths)];
}

static int rnd_fd(struct _test_data_fuzz *self)
{
	switch (rnd_below(10)) {
	case 0: return (int)rnd();
	case 1: return AT_FDCWD;
	default: return self->fds[rnd_below(self->nfds)].fd;
	}
}

static uint32_t rnd_size(size_t real)
{
	switch (rnd_below(8)) {
	case 0: return rnd();
	case 1: return rnd_below(real);
	case 2: return real + rnd_below(64);
	case 3: return PAGE - 1 + rnd_below(3);
	default: return real;
	}
}

static uint32_t rnd_flags(void)
{
	uint32_t f = (rnd_below(2) ? AT_EMPTY_PATH : 0) |
		     (rnd_below(2) ? AT_SYMLINK_NOFOLLOW : 0) |
		     (rnd_below(2) ? MSOCKET_EXPECT_STACK : 0);

	switch (rnd_below(10)) {
	case 0: return f | 1U << rnd_below(32);
	case 1: return rnd();
	default: return f;
	}
}

static int rnd_domain(void)
{
	static const int common[] = { AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6,
				      AF_NETLINK, AF_PACKET };

	if (rnd_below(3))
		return common[rnd_below(ARRAY_SIZE(common))];
	return rnd_below(2) ? (int)rnd_below(70) - 2 : (int)rnd();
}

static int rnd_type(void)
{
	int t = rnd_below(3) ? (int)rnd_below(SOCK_TYPE_MAX + 1) : (int)rnd();

	if (rnd_below(4) == 0)
		t |= SOCK_CLOEXEC;
	if (rnd_below(4) == 0)
		t |= SOCK_NONBLOCK;
	return t;
}

/*
 * A command: ours, a near miss, another of our magic, or any other that
 * no VFS-wide ioctl handles (types 0, 0x15, 'T', 'X', 'f', 0x94 are the
 * VFS's: FIOCLEX, FIONBIO, FIFREEZE, FICLONE, FS_IOC_*...).
 */
static unsigned long rnd_cmd(void)
{
	static const unsigned long cmds[] = {
		MSOCKET_IOC_SOCKET, MSOCKET_IOC_MKSTACK,
		STACKFS_IOC_NETNS_FD, STACKFS_IOC_NETNS_ID,
	};
	unsigned long cmd = cmds[rnd_below(ARRAY_SIZE(cmds))];

	switch (rnd_below(12)) {
	case 0:
		do {
			cmd = (uint32_t)rnd();
		} while (strchr("\x15TXf\x94", _IOC_TYPE(cmd)) || _IOC_TYPE(cmd) == 0);
		return cmd;
	case 1: return cmd ^ (1UL << rnd_below(32));
	case 2: return _IOC(rnd_below(4), MSOCKET_IOC_MAGIC, rnd_below(0x20), rnd_below(64));
	default: return cmd;
	}
}

static void rnd_args(struct _test_data_fuzz *self, unsigned long cmd)
{
	size_t i;

	for (i = 0; i < 128; i += 8)
		*(uint64_t *)(self->rw + i) = rnd_below(4) ? 0 : rnd();
	if (cmd == MSOCKET_IOC_SOCKET || (cmd != MSOCKET_IOC_MKSTACK && rnd_below(2))) {
		struct msocket_args *a = (void *)self->rw;
		const struct stat *id = &self->ids[rnd_below(ARRAY_SIZE(self->ids))];

		a->size = rnd_size(sizeof(*a));
		a->flags = rnd_flags();
		a->dirfd = rnd_below(2) ? AT_FDCWD : rnd_fd(self);
		a->domain = rnd_domain();
		a->type = rnd_type();
		a->protocol = rnd_below(3) ? 0 : (int)rnd_below(300);
		a->path = rnd_below(4) ? rnd_path(self) : 0;
		a->stack_dev = rnd_below(8) ? id->st_dev : rnd();
		a->stack_ino = rnd_below(8) ? id->st_ino : rnd();
	} else {
		struct msocket_mkstack_args *a = (void *)self->rw;

		a->size = rnd_size(sizeof(*a));
		a->flags = rnd_below(8) ? 0 : (uint32_t)rnd();
		a->dirfd = rnd_below(2) ? AT_FDCWD : rnd_fd(self);
		a->netns_fd = rnd_below(2) ? self->nsfd_b : rnd_fd(self);
		a->mode = rnd_below(4) ? rnd_below(010000) : (uint32_t)rnd();
		a->__reserved = rnd_below(8) ? 0 : (uint32_t)rnd();
		a->path = rnd_below(3) ? (uintptr_t)self->names[rnd_below(3)] : rnd_path(self);
	}
	/* Some bytes after the struct, for larger sizes. */
	if (rnd_below(8) == 0)
		self->rw[64 + rnd_below(64)] = rnd();
}

TEST_F(fuzz, random_ioctls)
{
	long calls = env_long("MSOCKET_FUZZ_CALLS", 20000);
	long seconds = env_long("MSOCKET_FUZZ_SECONDS", 60);
	long seed = env_long("MSOCKET_FUZZ_SEED", 1);
	int fds_before = count_fds();
	const struct fd_kind *t;
	time_t end = time(NULL) + seconds;
	long done;

	for (done = 0; done < calls && time(NULL) < end; done++) {
		unsigned long cmd = rnd_cmd();
		uint64_t arg;

		/* Mostly the fd the command is for; also every other kind. */
		if (rnd_below(10) < 7)
			t = &self->fds[cmd == STACKFS_IOC_NETNS_FD ||
				       cmd == STACKFS_IOC_NETNS_ID ? 1 : 0];
		else
			t = &self->fds[rnd_below(self->nfds)];
		/* Commands of other types only go to fds of ours. */
		if (_IOC_TYPE(cmd) != MSOCKET_IOC_MAGIC && t->kind == K_OTHER)
			t = &self->fds[0];
		rnd_args(self, cmd);
		arg = rnd_below(8) ? (uintptr_t)self->rw : rnd_pointer(self, 64);
		fuzz_call(_metadata, self, t, cmd, arg);
		/* Keep the fuzz directory small. */
		if (done % 64 == 63)
			clean_names(self);
	}
	clean_names(self);
	printf("# fuzz: seed %ld\n", seed);
	report(self, "random_ioctls");
	EXPECT_EQ(0, self->bad);
	EXPECT_EQ(fds_before, count_fds());
	EXPECT_LE(calls < 1000 ? calls : 1000, done);
	EXPECT_LT(0, self->sockets);
	EXPECT_LT(0, self->made);
}

/*
 * random_fd_interfaces: the four kinds of stack fds, and what each may do
 * (a stack file is an empty S_IFREG inside, with ioctl as its only file
 * operation; foreign_fd.c has the kernel functions behind each answer).
 */
enum sfd_kind { SFD_RDONLY, SFD_WRONLY, SFD_PATH, SFD_OTHER, SFD_KINDS, SFD_MEMFD = SFD_KINDS };

static const char *const sfd_names[] = {
	"stack O_RDONLY", "stack O_WRONLY", "stack O_PATH", "other stackfs's stack O_RDONLY",
	"memfd",
};

enum fd_iface { IF_SCM, IF_MQ, IF_EPOLL, IF_SPLICE, IF_COPY, IF_LEASE, IF_URING, IF_SOCKET, IF_N };

/* The kernel's SPLICE_F_ALL: the flags splice(2) and tee(2) take. */
#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)

static const char *const iface_names[] = {
	"SCM_RIGHTS", "mq_notify", "epoll_ctl", "splice/tee", "copy_file_range",
	"leases", "io_uring", "socket calls",
};

struct fd_fuzz {
	int fd[SFD_KINDS + 1];		/* the stack fds, then the memfd */
	struct stat st[SFD_KINDS];
	int pipe[2];			/* a few bytes in it, never full */
	int ep, mq, w[2];		/* epoll; a message queue or -1; the GC witness */
	struct ring ring;		/* fd -1 without io_uring */
	long calls[IF_N], errnos[IF_N], bad, cycles;
};

static bool sfd_reads(int k)
{
	return k == SFD_RDONLY || k == SFD_OTHER || k == SFD_MEMFD;
}

static bool sfd_writes(int k)
{
	return k == SFD_WRONLY || k == SFD_MEMFD;
}

/* The super block of kind @k: the first stackfs, the second, tmpfs. */
static int sfd_sb(int k)
{
	return k == SFD_OTHER ? 1 : k == SFD_MEMFD ? 2 : 0;
}

/* One answer: @got (a return value, or -errno) must be @want. */
static void fd_judge(struct __test_metadata *_metadata, struct fd_fuzz *f, int iface,
		     const char *what, int kind, long got, long want)
{
	f->calls[iface]++;
	if (got < 0)
		f->errnos[iface]++;
	if (got == want)
		return;
	if (f->bad++ < 30)
		TH_LOG("%s: %s on %s: %ld (%s), expected %ld (%s)", iface_names[iface], what,
		       sfd_names[kind], got, got < 0 ? strerror(-got) : "",
		       want, want < 0 ? strerror(-want) : "");
}

/* A call's answer as fd_judge takes it. */
static long answer(long ret)
{
	return ret < 0 ? -errno : ret;
}

/* Receives what send_fds sent: how many fds, into @fds. */
static int fuzz_recv_fds(int sock, int *fds, int max)
{
	char buf[CMSG_SPACE(8 * sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = CMSG_SPACE(max * sizeof(int)),
	};
	struct cmsghdr *cmsg;
	int n;

	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	memcpy(fds, CMSG_DATA(cmsg), n * sizeof(int));
	return n;
}

/* Stack fds in flight and back, or in a cycle of a pair's own ends. */
static void fd_fuzz_scm(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	int n = 1 + rnd_below(3), kinds[3], fds[5], got[8], sv[2], i, r;
	struct stat st;

	if (socketpair(AF_UNIX, types[rnd_below(3)] | SOCK_CLOEXEC, 0, sv)) {
		fd_judge(_metadata, f, IF_SCM, "socketpair", 0, -errno, 0);
		return;
	}
	for (i = 0; i < n; i++) {
		kinds[i] = rnd_below(SFD_KINDS);
		fds[i] = f->fd[kinds[i]];
	}
	if (rnd_below(4) == 0) {
		/* The pair's ends and the witness in flight in each other. */
		fds[n] = sv[1];
		fds[n + 1] = f->w[0];
		fd_judge(_metadata, f, IF_SCM, "sendmsg (cycle)", kinds[0],
			 answer(send_fds(sv[0], fds, n + 2)), 1);
		fds[n] = sv[0];
		fd_judge(_metadata, f, IF_SCM, "sendmsg (cycle)", kinds[0],
			 answer(send_fds(sv[1], fds, n + 2)), 1);
		f->cycles++;
	} else {
		fd_judge(_metadata, f, IF_SCM, "sendmsg", kinds[0],
			 answer(send_fds(sv[0], fds, n)), 1);
		r = fuzz_recv_fds(sv[1], got, ARRAY_SIZE(got));
		fd_judge(_metadata, f, IF_SCM, "recvmsg", kinds[0], r < 0 ? -errno : r, n);
		for (i = 0; i < r; i++) {
			bool same = i < n && fstat(got[i], &st) == 0 &&
				    st.st_ino == f->st[kinds[i]].st_ino &&
				    st.st_dev == f->st[kinds[i]].st_dev &&
				    (fcntl(got[i], F_GETFL) & (O_ACCMODE | O_PATH)) ==
				    (fcntl(fds[i], F_GETFL) & (O_ACCMODE | O_PATH));

			fd_judge(_metadata, f, IF_SCM, "the fd received", kinds[i < n ? i : 0],
				 same, 1);
			close(got[i]);
		}
	}
	close(sv[0]);
	close(sv[1]);
}

static void fd_fuzz_mq(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	char cookie[32] = { 0 };
	int k = rnd_below(SFD_KINDS + 1);
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_signo = f->fd[k];
	sev.sigev_value.sival_ptr = cookie;
	/* netlink_getsockbyfd(): fdget, then S_ISSOCK. */
	fd_judge(_metadata, f, IF_MQ, "SIGEV_THREAD", k,
		 answer(syscall(SYS_mq_notify, f->mq, &sev)),
		 k == SFD_PATH ? -EBADF : -ENOTSOCK);
}

static void fd_fuzz_epoll(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	static const int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL };
	struct epoll_event ev = { .events = rnd() };
	int k = rnd_below(SFD_KINDS + 1);

	/* do_epoll_ctl_file(): !file_can_poll() before anything else. */
	fd_judge(_metadata, f, IF_EPOLL, "epoll_ctl", k,
		 answer(epoll_ctl(f->ep, ops[rnd_below(3)], f->fd[k], &ev)),
		 k == SFD_PATH ? -EBADF : -EPERM);
}

static void fd_fuzz_splice(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	size_t len = rnd_below(8) ? 1 + rnd_below(65536) : 0;
	unsigned int flags = rnd_below(8) ? rnd_below(SPLICE_FLAGS + 1) : 1U << rnd_below(32);
	int k = rnd_below(SFD_KINDS), fd = f->fd[k], how = rnd_below(4);
	loff_t off = rnd_below(2) ? 0 : (loff_t)rnd();
	loff_t *poff = rnd_below(2) ? &off : NULL;
	long want;

	flags |= SPLICE_F_NONBLOCK;	/* the pipe never blocks us */
	if (how < 2 && !len)
		want = 0;		/* splice(): nothing to do */
	else if (flags & ~SPLICE_FLAGS)
		want = -EINVAL;
	else if (how >= 2 && !len)
		want = 0;		/* tee() checks the flags first */
	else if (k == SFD_PATH)
		want = -EBADF;
	else if (how % 2 == 0)		/* into the stack file: needs FMODE_WRITE */
		want = sfd_writes(k) ? -EINVAL : -EBADF;
	else				/* out of it: needs FMODE_READ */
		want = sfd_reads(k) ? -EINVAL : -EBADF;
	switch (how) {
	case 0:
		fd_judge(_metadata, f, IF_SPLICE, "splice pipe -> stack", k,
			 answer(splice(f->pipe[0], NULL, fd, poff, len, flags)), want);
		break;
	case 1:
		fd_judge(_metadata, f, IF_SPLICE, "splice stack -> pipe", k,
			 answer(splice(fd, poff, f->pipe[1], NULL, len, flags)), want);
		break;
	case 2:
		fd_judge(_metadata, f, IF_SPLICE, "tee pipe -> stack", k,
			 answer(tee(f->pipe[0], fd, len, flags)), want);
		break;
	default:
		fd_judge(_metadata, f, IF_SPLICE, "tee stack -> pipe", k,
			 answer(tee(fd, f->pipe[1], len, flags)), want);
	}
}

static void fd_fuzz_copy(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	int in, out;
	unsigned int flags = rnd_below(8) ? 0 : (uint32_t)rnd() | 1;
	size_t len = rnd_below(4) ? rnd_below(8192) : rnd();
	long want;

	do {
		in = rnd_below(SFD_KINDS + 1);
		out = rnd_below(SFD_KINDS + 1);
	} while (in == SFD_MEMFD && out == SFD_MEMFD);
	if (in == SFD_PATH || out == SFD_PATH)
		want = -EBADF;		/* the syscall's fdgets */
	else if (flags)
		want = -EINVAL;
	else if (!sfd_reads(in) || !sfd_writes(out))
		want = -EBADF;		/* generic_file_rw_checks() */
	else if (sfd_sb(in) != sfd_sb(out))
		want = -EXDEV;		/* generic_copy_file_checks() */
	else
		want = 0;		/* the same empty stack file: nothing to copy */
	fd_judge(_metadata, f, IF_COPY, "copy_file_range", in == SFD_MEMFD ? out : in,
		 answer(copy_file_range(f->fd[in], NULL, f->fd[out], NULL, len, flags)), want);
}

static void fd_fuzz_lease(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	static const int args[] = { F_RDLCK, F_WRLCK, F_UNLCK };
	int k = rnd_below(SFD_KINDS), arg = rnd_below(4) ? args[rnd_below(3)] : (int)rnd();

	if (rnd_below(4) == 0) {
		fd_judge(_metadata, f, IF_LEASE, "F_GETLEASE", k,
			 answer(fcntl(f->fd[k], F_GETLEASE)), k == SFD_PATH ? -EBADF : F_UNLCK);
		return;
	}
	/* check_fcntl_cmd() for O_PATH; kernel_setlease(): no ->setlease (root owns the leases). */
	fd_judge(_metadata, f, IF_LEASE, "F_SETLEASE", k,
		 answer(fcntl(f->fd[k], F_SETLEASE, arg)), k == SFD_PATH ? -EBADF : -EINVAL);
}

static void fd_fuzz_uring(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	static const int ops[] = {
		IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FSYNC, IORING_OP_FALLOCATE,
		IORING_OP_URING_CMD, IORING_OP_FADVISE, IORING_OP_SYNC_FILE_RANGE,
	};
	int n = 1 + rnd_below(4), kinds[4], fds[4], i, k, op, path = 0;
	struct io_uring_sqe sqe;
	char buf[16];
	long want;

	for (i = 0; i < n; i++) {
		kinds[i] = rnd_below(SFD_KINDS);
		fds[i] = f->fd[kinds[i]];
		path |= kinds[i] == SFD_PATH;
	}
	/* io_sqe_files_register(): fget, EBADF for O_PATH. */
	fd_judge(_metadata, f, IF_URING, "IORING_REGISTER_FILES", kinds[0],
		 answer(ring_register(&f->ring, IORING_REGISTER_FILES, fds, n)),
		 path ? -EBADF : 0);
	if (path)
		return;
	i = rnd_below(n);
	k = kinds[i];
	op = ops[rnd_below(ARRAY_SIZE(ops))];
	sqe = fixed_sqe(op, i);
	switch (op) {
	case IORING_OP_READ:
		sqe.addr = (uintptr_t)buf;
		sqe.len = sizeof(buf);
		want = sfd_reads(k) ? -EINVAL : -EBADF;
		break;
	case IORING_OP_WRITE:
		sqe.addr = (uintptr_t)buf;
		sqe.len = sizeof(buf);
		want = sfd_writes(k) ? -EINVAL : -EBADF;
		break;
	case IORING_OP_FSYNC:
		want = -EINVAL;
		break;
	case IORING_OP_FALLOCATE:
		sqe.addr = 1 + rnd_below(1 << 20);
		want = sfd_writes(k) ? -EOPNOTSUPP : -EBADF;
		break;
	case IORING_OP_URING_CMD:
		want = -EOPNOTSUPP;
		break;
	default:
		want = 0;	/* fadvise, sync_file_range: nothing to do */
	}
	fd_judge(_metadata, f, IF_URING, "an operation on a fixed file", k,
		 ring_run(&f->ring, &sqe), want);
	fd_judge(_metadata, f, IF_URING, "IORING_UNREGISTER_FILES", k,
		 answer(ring_register(&f->ring, IORING_UNREGISTER_FILES, NULL, 0)), 0);
}

static void fd_fuzz_socket(struct __test_metadata *_metadata, struct fd_fuzz *f)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct iovec iov = { .iov_base = &sin, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = msg };
	int k = rnd_below(SFD_KINDS + 1), fd = f->fd[k], v = 1;
	const char *what;
	long ret;

	switch (rnd_below(15)) {
	case 0:
		what = "bind";
		ret = bind(fd, (void *)&sin, len);
		break;
	case 1:
		what = "connect";
		ret = connect(fd, (void *)&sin, len);
		break;
	case 2:
		what = "listen";
		ret = listen(fd, 1);
		break;
	case 3:
		what = "accept4";
		ret = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		break;
	case 4:
		what = "getsockopt";
		ret = getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len);
		break;
	case 5:
		what = "setsockopt";
		ret = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 4);
		break;
	case 6:
		what = "getsockname";
		ret = getsockname(fd, (void *)&sin, &len);
		break;
	case 7:
		what = "getpeername";
		ret = getpeername(fd, (void *)&sin, &len);
		break;
	case 8:
		what = "sendmsg";
		ret = sendmsg(fd, &msg, MSG_DONTWAIT);
		break;
	case 9:
		what = "recvmsg";
		ret = recvmsg(fd, &msg, MSG_DONTWAIT);
		break;
	case 10:
		what = "sendto";
		ret = sendto(fd, "x", 1, MSG_DONTWAIT, NULL, 0);
		break;
	case 11:
		what = "recvfrom";
		ret = recvfrom(fd, &v, 1, MSG_DONTWAIT, NULL, NULL);
		break;
	case 12:
		what = "shutdown";
		ret = shutdown(fd, SHUT_RDWR);
		break;
	case 13:
		what = "sendmmsg";
		ret = sendmmsg(fd, &mm, 1, MSG_DONTWAIT);
		break;
	default:
		what = "recvmmsg";
		ret = recvmmsg(fd, &mm, 1, MSG_DONTWAIT, NULL);
		break;
	}
	/* net/socket.c: CLASS(fd), then sock_from_file(). */
	fd_judge(_metadata, f, IF_SOCKET, what, k, answer(ret),
		 k == SFD_PATH ? -EBADF : -ENOTSOCK);
}

TEST_F(fuzz, random_fd_interfaces)
{
	long calls = env_long("MSOCKET_FUZZ_FD_CALLS", 5000);
	long seconds = env_long("MSOCKET_FUZZ_SECONDS", 60);
	time_t end = time(NULL) + seconds;
	int fds_before = count_fds(), i, t[2];
	char name[32];
	struct pollfd pfd;
	struct fd_fuzz f;
	long done;
	char c;

	memset(&f, 0, sizeof(f));
	f.fd[SFD_RDONLY] = open(self->stack, O_RDONLY | O_CLOEXEC);
	f.fd[SFD_WRONLY] = open(self->stack, O_WRONLY | O_CLOEXEC);
	f.fd[SFD_PATH] = open(self->stack, O_PATH | O_CLOEXEC);
	f.fd[SFD_OTHER] = open(self->other, O_RDONLY | O_CLOEXEC);
	f.fd[SFD_MEMFD] = memfd_create("fuzz", MFD_CLOEXEC);
	for (i = 0; i <= SFD_KINDS; i++)
		ASSERT_LE(0, f.fd[i]) TH_LOG("fd kind %d: %s", i, strerror(errno));
	for (i = 0; i < SFD_KINDS; i++) {
		ASSERT_EQ(0, fstat(f.fd[i], &f.st[i]));
		ASSERT_TRUE(S_ISSTACK(f.st[i].st_mode));
	}
	ASSERT_EQ(5, pwrite(f.fd[SFD_MEMFD], "hello", 5, 0));
	ASSERT_EQ(0, pipe2(f.pipe, O_CLOEXEC | O_NONBLOCK));
	ASSERT_EQ(5, write(f.pipe[1], "hello", 5));
	f.ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, f.ep);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f.w));
	snprintf(name, sizeof(name), "fuzz.%d", getpid());
	f.mq = syscall(SYS_mq_open, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, NULL);
	if (f.mq < 0)
		printf("# random_fd_interfaces: no mq_notify: mq_open: %s\n", strerror(errno));
	else
		syscall(SYS_mq_unlink, name);
	if (ring_init(&f.ring)) {
		printf("# random_fd_interfaces: no io_uring: %s\n", strerror(errno));
		f.ring.fd = -1;
	}

	for (done = 0; done < calls && time(NULL) < end; done++) {
		switch (rnd_below(IF_N)) {
		case IF_SCM:
			fd_fuzz_scm(_metadata, &f);
			break;
		case IF_MQ:
			if (f.mq >= 0)
				fd_fuzz_mq(_metadata, &f);
			break;
		case IF_EPOLL:
			fd_fuzz_epoll(_metadata, &f);
			break;
		case IF_SPLICE:
			fd_fuzz_splice(_metadata, &f);
			break;
		case IF_COPY:
			fd_fuzz_copy(_metadata, &f);
			break;
		case IF_LEASE:
			fd_fuzz_lease(_metadata, &f);
			break;
		case IF_URING:
			if (f.ring.fd >= 0)
				fd_fuzz_uring(_metadata, &f);
			break;
		default:
			fd_fuzz_socket(_metadata, &f);
			break;
		}
	}

	/* The cycles hold the witness: once the collector freed them, EOF. */
	close(f.w[0]);
	pfd = (struct pollfd){ .fd = f.w[1], .events = POLLIN };
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, t));
		EXPECT_EQ(1, send_fds(t[0], &t[1], 1));
		close(t[0]);
		close(t[1]);
		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	EXPECT_LT(i, 100) TH_LOG("the unix garbage collector did not free the cycles in 10 s");
	EXPECT_EQ(0, read(f.w[1], &c, 1));
	close(f.w[1]);

	for (i = 0; i < IF_N; i++)
		printf("# random_fd_interfaces: %s: %ld calls, %ld errnos\n",
		       iface_names[i], f.calls[i], f.errnos[i]);
	printf("# random_fd_interfaces: seed %ld, %ld rounds, %ld cycles freed, %ld bad\n",
	       env_long("MSOCKET_FUZZ_SEED", 1), done, f.cycles, f.bad);
	EXPECT_EQ(0, f.bad);
	EXPECT_LE(calls < 1000 ? calls : 1000, done);
	for (i = 0; i < IF_N && done >= 1000; i++) {
		if ((i == IF_MQ && f.mq < 0) || (i == IF_URING && f.ring.fd < 0))
			continue;
		EXPECT_LT(0, f.calls[i]) TH_LOG("%s never called", iface_names[i]);
	}
	for (i = 0; i <= SFD_KINDS; i++)
		close(f.fd[i]);
	close(f.pipe[0]);
	close(f.pipe[1]);
	close(f.ep);
	if (f.mq >= 0)
		close(f.mq);
	if (f.ring.fd >= 0)
		close(f.ring.fd);
	EXPECT_EQ(fds_before, count_fds());
}

TEST_HARNESS_MAIN
