// SPDX-License-Identifier: GPL-2.0
/*
 * Socket creation: create + close of a TCP socket by every way there is to
 * get one in another stack, against socket(2) in the caller's own
 * namespace (the denominator), and the floors and references that say
 * what a figure is made of.
 */
#include <sys/syscall.h>

#include "bench.h"
#include "msocket.h"	/* libmsocket, linked statically */

static int v_socket(void *ctx)
{
	return raw_socket(AF_INET, SOCK_STREAM, 0);
}

/* The floor of any call by path: the same lookup, then socket(2). */
static int v_socket_stat(void *ctx)
{
	struct stat st;

	if (stat(bench.stack, &st))
		die("stat");
	return raw_socket(AF_INET, SOCK_STREAM, 0);
}

static int v_path(void *ctx)
{
	return sys_msocket(bench.stack, AF_INET, SOCK_STREAM, 0);
}

/* By an O_PATH fd: the kernel opens the stack file for writing each call. */
static int v_fd(void *ctx)
{
	return msocket_fd(bench.stack_fd, AF_INET, SOCK_STREAM, 0);
}

/* By an fd open for writing, through /dev/msocket: no open per call. */
static int v_wfd(void *ctx)
{
	return msocket_fd(bench.stack_wfd, AF_INET, SOCK_STREAM, 0);
}

/* The stack fd as the capability: STACKFS_IOC_SOCKET, no struct to copy. */
static int v_stack_ioctl(void *ctx)
{
	return ioctl(bench.stack_wfd, STACKFS_IOC_SOCKET,
		     STACKFS_SOCKET_ARG(AF_INET, SOCK_STREAM, 0));
}

/* ... with the tag check, as libmsocket calls it for a default. */
static int v_stack_ioctl_expect(void *ctx)
{
	return ioctl(bench.stack_wfd, STACKFS_IOC_SOCKET,
		     STACKFS_SOCKET_ARG(AF_INET, SOCK_STREAM, 0) | bench.stack_tag);
}

/* By fd as libmsocket names a default: with the identity it expects. */
static int v_fd_expect(void *ctx)
{
	return msocket_expect_at(bench.stack_fd, NULL, AT_EMPTY_PATH, &bench.stack_st,
				 MSOCKET_ARGS_SIZE_VER1, AF_INET, SOCK_STREAM);
}

static int v_native(void *ctx)
{
	return sys_msocket(NULL, AF_INET, SOCK_STREAM, 0);
}

static int v_lib_path(void *ctx)
{
	return msocket(bench.stack, AF_INET, SOCK_STREAM, 0);
}

static int v_default(void *ctx)
{
	return msocket(NULL, AF_INET, SOCK_STREAM, 0);
}

static int v_setns(void *ctx)
{
	int fd;

	if (setns(bench.nsfd, CLONE_NEWNET))
		die("setns");
	fd = raw_socket(AF_INET, SOCK_STREAM, 0);
	if (setns(bench.self_nsfd, CLONE_NEWNET))
		die("setns back");
	return fd;
}

static int v_broker(void *ctx)
{
	return broker_socket(AF_INET, SOCK_STREAM, 0);
}

static int v_stat(void *ctx)
{
	struct stat st;

	if (stat(bench.stack, &st))
		die("stat");
	return NO_FD;
}

/* An ioctl /dev/msocket does not know: the cost of the dispatch alone. */
static int v_enotty(void *ctx)
{
	if (ioctl(msocket_dev(), _IO(MSOCKET_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
		die("unknown ioctl");
	return NO_FD;
}

/*
 * References for where the cost goes (see attribution()): none makes a
 * socket, each stops at one more step of the msocket call.
 */
static int v_getppid(void *ctx)
{
	syscall(SYS_getppid);
	return NO_FD;
}

/* /dev/msocket's dispatch and the copy of the arguments; EINVAL (a bad flag). */
static int v_bad_flag(void *ctx)
{
	if (msocket_at(AT_FDCWD, NULL, 0x40000000, AF_INET, SOCK_STREAM, 0) != -1 ||
	    errno != EINVAL)
		die("bad flag");
	return NO_FD;
}

/* ... and taking and dropping the caller's own namespace (SOCK_DEFAULT). */
static int v_check_native(void *ctx)
{
	if (msocket_at(AT_FDCWD, NULL, 0, AF_UNSPEC, SOCK_DEFAULT, 0))
		die("SOCK_DEFAULT native");
	return NO_FD;
}

/* An ioctl a stack file does not know: the ioctl path to the stack file. */
static int v_stack_enotty(void *ctx)
{
	if (ioctl(bench.stack_wfd, _IO(MSOCKET_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
		die("unknown stack ioctl");
	return NO_FD;
}

/* ... STACKFS_IOC_SOCKET's argument unpacked and refused (a bad bit). */
static int v_stack_bad_bit(void *ctx)
{
	if (ioctl(bench.stack_wfd, STACKFS_IOC_SOCKET, 1UL << 31) != -1 || errno != EINVAL)
		die("bad STACKFS_IOC_SOCKET bit");
	return NO_FD;
}

/* ... and the confinement checks of the stack (SOCK_DEFAULT, AF_UNSPEC). */
static int v_stack_check(void *ctx)
{
	if (ioctl(bench.stack_wfd, STACKFS_IOC_SOCKET, STACKFS_SOCKET_ARG(AF_UNSPEC, 0, 0)))
		die("STACKFS_IOC_SOCKET SOCK_DEFAULT");
	return NO_FD;
}

/* ... or the stack of the fd: its lookup and the checks on it. */
static int v_check_fd(void *ctx)
{
	if (msocket_at(bench.stack_fd, NULL, AT_EMPTY_PATH, AF_UNSPEC, SOCK_DEFAULT, 0))
		die("SOCK_DEFAULT by fd");
	return NO_FD;
}

/* The inode of the network namespace socket @fd belongs to. */
static ino_t socket_netns(int fd)
{
	struct stat st;
	int ns = ioctl(fd, SIOCGSKNS);

	if (ns < 0 || fstat(ns, &st))
		die("SIOCGSKNS");
	close(ns);
	return st.st_ino;
}

/* Every variant that makes a socket must make it where it says it does. */
static void check_where(struct variant *v, int nv)
{
	struct stat self, stack;
	int i, fd;

	if (fstat(bench.self_nsfd, &self) || fstat(bench.nsfd, &stack))
		die("fstat namespace");
	for (i = 0; i < nv; i++) {
		bool own = v[i].create == v_socket || v[i].create == v_socket_stat ||
			   v[i].create == v_native;

		if (v[i].in_stack && setns(bench.nsfd, CLONE_NEWNET))
			die("setns");
		fd = v[i].create(v[i].ctx);
		if (v[i].in_stack && setns(bench.self_nsfd, CLONE_NEWNET))
			die("setns back");
		if (fd == NO_FD)
			continue;
		if (fd < 0)
			die(v[i].name);
		if (socket_netns(fd) != (own && !v[i].in_stack ? self.st_ino : stack.st_ino)) {
			fprintf(stderr, "%s: socket made in the wrong namespace\n", v[i].name);
			exit(1);
		}
		close(fd);
	}
}

/*
 * One step's cost: the per-round difference @with - @without, less
 * @base_with - @base_without if given; its median.
 */
static void step2(const char *what, const struct variant *with, const struct variant *without,
		  const struct variant *base_with, const struct variant *base_without)
{
	double d[MAX_ROUNDS];
	int r;

	for (r = 0; r < bench.rounds; r++) {
		d[r] = with->ns[r] - without->ns[r];
		if (base_with)
			d[r] -= base_with->ns[r] - base_without->ns[r];
	}
	printf("| %s | %.0f |\n", what, median(d, bench.rounds));
}

static void step(const char *what, const struct variant *with, const struct variant *without)
{
	step2(what, with, without, NULL, NULL);
}

static void row(const struct variant *v, const struct variant *den)
{
	struct ratio q = paired_variants(v, den);

	printf("| %s | %.2f | %.3f | %.3f to %.3f |\n", v->name, median(v->ns, bench.rounds) / 1000,
	       q.median, q.min, q.max);
}

/* The variants of bench_creation(), by their index in its table. */
enum {
	SOCKET, SOCKET_STAT, STACK_IOCTL, STACK_IOCTL_EXPECT, PATH, LIB_PATH, FD, WFD, FD_EXPECT,
	DEFAULT, NATIVE, SETNS, BROKER, IN_STACK, STAT, UNKNOWN_IOCTL, GETPPID, BAD_FLAG,
	CHECK_NATIVE, CHECK_FD, STACK_ENOTTY, STACK_BAD_BIT, STACK_CHECK, NVARIANTS
};

static void attribution(const struct variant *v);

void bench_creation(void)
{
	struct variant v[NVARIANTS] = {
		[SOCKET] = { .name = "socket(2), own namespace", .create = v_socket },
		[SOCKET_STAT] = { .name = "socket(2) + stat(2) of the stack path",
		  .create = v_socket_stat },
		[STACK_IOCTL] = { .name = "STACKFS_IOC_SOCKET, stack fd open for writing",
		  .create = v_stack_ioctl },
		[STACK_IOCTL_EXPECT] = { .name = "STACKFS_IOC_SOCKET, with its tag check",
		  .create = v_stack_ioctl_expect },
		[PATH] = { .name = "msocket by path", .create = v_path },
		[LIB_PATH] = { .name = "libmsocket msocket(path)", .create = v_lib_path },
		[FD] = { .name = "msocket by an O_PATH fd (opened for writing per call)",
		  .create = v_fd },
		[WFD] = { .name = "msocket by an fd open for writing (/dev/msocket)",
		  .create = v_wfd },
		[FD_EXPECT] = { .name = "msocket by an O_PATH fd, MSOCKET_EXPECT_STACK",
		  .create = v_fd_expect },
		[DEFAULT] = { .name = "libmsocket msocket(NULL), default set",
		  .create = v_default },
		[NATIVE] = { .name = "msocket, native stack (no path)", .create = v_native },
		[SETNS] = { .name = "setns + socket + setns back", .create = v_setns },
		[BROKER] = { .name = "unprivileged broker, SCM_RIGHTS", .create = v_broker },
		[IN_STACK] = { .name = "(reference: socket(2) inside the stack's namespace)",
		  .create = v_socket, .in_stack = true },
		[STAT] = { .name = "(reference: stat(2) of the stack path, no socket)",
		  .create = v_stat },
		[UNKNOWN_IOCTL] = {
			.name = "(reference: an unknown ioctl on /dev/msocket, no socket)",
			.create = v_enotty },
		[GETPPID] = { .name = "(reference: getppid(2))", .create = v_getppid },
		[BAD_FLAG] = { .name = "(reference: msocket with a bad flag: EINVAL)",
		  .create = v_bad_flag },
		[CHECK_NATIVE] = { .name = "(reference: SOCK_DEFAULT check, native stack)",
		  .create = v_check_native },
		[CHECK_FD] = { .name = "(reference: SOCK_DEFAULT check by fd)",
		  .create = v_check_fd },
		[STACK_ENOTTY] = { .name = "(reference: an unknown ioctl on the stack fd)",
		  .create = v_stack_enotty },
		[STACK_BAD_BIT] = { .name = "(reference: STACKFS_IOC_SOCKET, a bad bit: EINVAL)",
		  .create = v_stack_bad_bit },
		[STACK_CHECK] = { .name = "(reference: STACKFS_IOC_SOCKET, SOCK_DEFAULT check)",
		  .create = v_stack_check },
	};
	int nv = ARRAY_SIZE(v), i;

	if (msocket(bench.stack, AF_INET, SOCK_DEFAULT, 0))
		die("msocket SOCK_DEFAULT");
	if (broker_start(bench.nsfd))
		die("broker");
	check_where(v, nv);
	run_rounds(v, nv);
	broker_stop();
	if (msocket(NULL, AF_INET, SOCK_DEFAULT, 0))
		die("msocket SOCK_DEFAULT native");

	printf("\n## Socket creation (TCP socket create + close)\n\n");
	printf("%d rounds of %d calls, the variants in a new random order each round; ",
	       bench.rounds, bench.iterations);
	printf("ratios are per round to socket(2) in the same round: median, min to max.\n\n");
	printf("| variant | us per create+close | ratio to socket(2) | min to max |\n");
	printf("|---|---|---|---|\n");
	for (i = 0; i < nv; i++)
		row(&v[i], &v[SOCKET]);

	printf("\n| comparison (per-round ratio) | median | min to max |\n|---|---|---|\n");
	{
		static const struct { int num, den; const char *what; } cmp[] = {
			{ PATH, SOCKET_STAT, "msocket by path / (socket(2) + stat(2))" },
			{ SETNS, STACK_IOCTL, "setns dance / STACKFS_IOC_SOCKET" },
			{ BROKER, PATH, "broker / msocket by path" },
			{ BROKER, STACK_IOCTL, "broker / STACKFS_IOC_SOCKET" },
			{ FD, WFD, "by an O_PATH fd / by an fd open for writing" },
		};

		for (i = 0; i < ARRAY_SIZE(cmp); i++) {
			struct ratio q = paired_variants(&v[cmp[i].num], &v[cmp[i].den]);

			printf("| %s | %.3f | %.3f to %.3f |\n", cmp[i].what, q.median, q.min,
			       q.max);
		}
	}
	attribution(v);
	goal("msocket by stack fd (STACKFS_IOC_SOCKET) / socket(2)",
	     paired_variants(&v[STACK_IOCTL], &v[SOCKET]).median, true, 1.03);
	goal("msocket by path / (socket(2) + stat(2) of the path)",
	     paired_variants(&v[PATH], &v[SOCKET_STAT]).median, true, 1.0);
	goal("libmsocket msocket(NULL) with a default / socket(2)",
	     paired_variants(&v[DEFAULT], &v[SOCKET]).median, true, 1.05);
	goal("broker / msocket by path (msocket's dearest way)",
	     paired_variants(&v[BROKER], &v[PATH]).median, false, 3.0);
}

/*
 * Where the cost of msocket by stack fd goes, step by step, and the other
 * ways' beyond it: per-round differences (ns per call; under -icount,
 * guest instructions).
 */
static void attribution(const struct variant *v)
{
	printf("\n| step (per-round difference of two variants) | ns; under -icount, ");
	printf("instructions |\n|---|---|\n");
	step("STACKFS_IOC_SOCKET, beyond socket(2)", &v[STACK_IOCTL], &v[SOCKET]);
	step("an ioctl on the stack fd, beyond a trivial system call", &v[STACK_ENOTTY],
	     &v[GETPPID]);
	step("STACKFS_IOC_SOCKET: its argument unpacked and checked", &v[STACK_BAD_BIT],
	     &v[STACK_ENOTTY]);
	step("the fd's mode and the confinement checks (SOCK_DEFAULT)", &v[STACK_CHECK],
	     &v[STACK_BAD_BIT]);
	step2("the socket made and installed, beyond what socket(2) adds to getppid(2)",
	      &v[STACK_IOCTL], &v[STACK_CHECK], &v[SOCKET], &v[GETPPID]);
	step("STACKFS_SOCKET_EXPECT's tag and link check", &v[STACK_IOCTL_EXPECT],
	     &v[STACK_IOCTL]);
	step("libmsocket's msocket(NULL), beyond its STACKFS_IOC_SOCKET call", &v[DEFAULT],
	     &v[STACK_IOCTL_EXPECT]);
	step("msocket by an fd open for writing (/dev/msocket), beyond socket(2)", &v[WFD],
	     &v[SOCKET]);
	step("the open for writing of an O_PATH fd's file, per call", &v[FD], &v[WFD]);
	step("an ioctl on /dev/msocket, beyond a trivial system call", &v[UNKNOWN_IOCTL],
	     &v[GETPPID]);
	step("MSOCKET_IOC_SOCKET: its arguments copied and checked", &v[BAD_FLAG],
	     &v[UNKNOWN_IOCTL]);
	step("the caller's own namespace taken and dropped", &v[CHECK_NATIVE], &v[BAD_FLAG]);
	step("the stack fd: lookup, stack file and permission checks", &v[CHECK_FD],
	     &v[CHECK_NATIVE]);
	step2("the socket made and installed, beyond what socket(2) adds to getppid(2)",
	      &v[NATIVE], &v[CHECK_NATIVE], &v[SOCKET], &v[GETPPID]);
	step("MSOCKET_EXPECT_STACK's check", &v[FD_EXPECT], &v[FD]);
	step("msocket by path, beyond by an O_PATH fd", &v[PATH], &v[FD]);
}
