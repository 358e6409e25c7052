// SPDX-License-Identifier: GPL-2.0
/*
 * libmsocket: msocket() and the seed examples, per-family default stacks
 * kept in MSOCKET_DEFAULTS, socket() following them, inheritance across
 * fork() and execve(), errors, and threads. Built three times (see the
 * Makefile): linked shared, with libmsocket.a, and fully static.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

#include <msocket.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

#define CHILD_EXPECT "LIBMSOCKET_TEST_EXPECT"

/*
 * After execve() of this program with CHILD_EXPECT=ID in the environment:
 * exit 0 if socket(AF_INET) lands in the namespace ID, 1 if not, before
 * the harness starts.
 */
__attribute__((constructor)) static void exec_child(void)
{
	const char *expect = getenv(CHILD_EXPECT);
	int sock;

	if (!expect)
		return;
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	_exit(sock >= 0 && socket_ns_id(sock) == strtoull(expect, NULL, 10) ? 0 : 1);
}

FIXTURE(lib) {
	char dir[64];
	char blue[128];
	char red[128];
	uint64_t blue_id, red_id, native_id;
};

FIXTURE_SETUP(lib)
{
	int nsfd;

	umask(0);
	unsetenv(MSOCKET_DEFAULTS_ENV);
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	snprintf(self->blue, sizeof(self->blue), "%s/blue", self->dir);
	snprintf(self->red, sizeof(self->red), "%s/red", self->dir);
	nsfd = new_stack(self->blue, 0666);
	ASSERT_LE(0, nsfd);
	self->blue_id = ns_id_of_fd(nsfd);
	close(nsfd);
	nsfd = new_stack(self->red, 0666);
	ASSERT_LE(0, nsfd);
	self->red_id = ns_id_of_fd(nsfd);
	close(nsfd);
	self->native_id = ns_id_of_path("/proc/self/ns/net");
}

FIXTURE_TEARDOWN(lib)
{
	umount_stackfs(self->dir);
}

/* The namespace id of a new socket(@domain, SOCK_DGRAM), or 0. */
static uint64_t socket_in(int domain)
{
	int type = domain == AF_PACKET ? SOCK_RAW : SOCK_DGRAM;
	int sock = socket(domain, type, 0);
	uint64_t id;

	if (sock < 0)
		return 0;
	id = socket_ns_id(sock);
	close(sock);
	return id;
}

static const char *defaults(void)
{
	const char *env = getenv(MSOCKET_DEFAULTS_ENV);

	return env ? env : "(unset)";
}

/* The first seed example, as written. */
TEST_F(lib, seed_msocket_by_path)
{
	int fd;

	fd = msocket(self->blue, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	fd = msocket(self->red, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->red_id, socket_ns_id(fd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

/* The second seed example, as written: socket() follows the default. */
TEST_F(lib, seed_default_then_socket)
{
	int fd;

	if (msocket(self->blue, AF_INET, SOCK_DEFAULT, 0) < 0)
		ASSERT_TRUE(0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	/* Only AF_INET: the other families stay native. */
	EXPECT_EQ(self->native_id, socket_in(AF_INET6));
	EXPECT_EQ(self->native_id, socket_in(AF_UNIX));
	EXPECT_EQ(self->native_id, socket_in(AF_NETLINK));
}

TEST_F(lib, null_path_uses_the_default)
{
	int fd;

	fd = msocket(NULL, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->native_id, socket_ns_id(fd));
	close(fd);
	ASSERT_EQ(0, msocket(self->red, AF_INET, SOCK_DEFAULT, 0));
	fd = msocket(NULL, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->red_id, socket_ns_id(fd));
	close(fd);
	fd = msocket(NULL, AF_INET6, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->native_id, socket_ns_id(fd));
	close(fd);
}

TEST_F(lib, af_unspec_sets_every_family)
{
	char expect[1024];

	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET6));
	EXPECT_EQ(self->blue_id, socket_in(AF_UNIX));
	EXPECT_EQ(self->blue_id, socket_in(AF_NETLINK));
	EXPECT_EQ(self->blue_id, socket_in(AF_PACKET));
	snprintf(expect, sizeof(expect), "*=%s", self->blue);
	EXPECT_STREQ(expect, defaults());
}

TEST_F(lib, family_default_overrides_all)
{
	char expect[1024];

	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, msocket(self->red, AF_INET6, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_EQ(self->red_id, socket_in(AF_INET6));
	snprintf(expect, sizeof(expect), "*=%s,inet6=%s", self->blue, self->red);
	EXPECT_STREQ(expect, defaults());
	/* AF_UNSPEC again replaces every entry. */
	ASSERT_EQ(0, msocket(self->red, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	snprintf(expect, sizeof(expect), "*=%s", self->red);
	EXPECT_STREQ(expect, defaults());
}

TEST_F(lib, null_path_resets_to_native)
{
	char expect[1024];

	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, msocket(NULL, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->native_id, socket_in(AF_INET));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET6));
	snprintf(expect, sizeof(expect), "*=%s,inet=", self->blue);
	EXPECT_STREQ(expect, defaults());
	ASSERT_EQ(0, msocket(NULL, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(NULL, getenv(MSOCKET_DEFAULTS_ENV));
	EXPECT_EQ(self->native_id, socket_in(AF_INET6));
	/* A family alone: its entry goes away. */
	ASSERT_EQ(0, msocket(self->red, AF_INET, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, msocket(NULL, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(NULL, getenv(MSOCKET_DEFAULTS_ENV));
}

/* The stored path is absolute and canonical: chdir() does not matter. */
TEST_F(lib, relative_path_is_stored_canonical)
{
	char expect[1024], link[64], via[200];
	int fd;

	ASSERT_EQ(0, chdir(self->dir));
	ASSERT_EQ(0, msocket("blue", AF_INET, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, chdir("/"));
	snprintf(expect, sizeof(expect), "inet=%s", self->blue);
	EXPECT_STREQ(expect, defaults());
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));

	/* Through a symbolic link: the link is resolved. */
	snprintf(link, sizeof(link), "/tmp/libmsocket-link.%d", getpid());
	ASSERT_EQ(0, symlink(self->dir, link));
	snprintf(via, sizeof(via), "%s/red", link);
	ASSERT_EQ(0, msocket(via, AF_INET6, SOCK_DEFAULT, 0));
	unlink(link);
	snprintf(expect, sizeof(expect), "inet=%s,inet6=%s", self->blue, self->red);
	EXPECT_STREQ(expect, defaults());
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->red_id, socket_ns_id(fd));
	close(fd);
}

/* The variable is the state: setting it by hand works too. */
TEST_F(lib, variable_set_by_hand)
{
	char value[1024];

	snprintf(value, sizeof(value), "inet=%s", self->red);
	ASSERT_EQ(0, setenv(MSOCKET_DEFAULTS_ENV, value, 1));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	EXPECT_EQ(self->native_id, socket_in(AF_INET6));
	/* Numbers, AF_ names, any case; later entries win; empty entries. */
	snprintf(value, sizeof(value), "10=%s,,AF_INET=%s,Inet=%s,*=%s",
		 self->red, self->red, self->blue, self->red);
	ASSERT_EQ(0, setenv(MSOCKET_DEFAULTS_ENV, value, 1));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_EQ(self->red_id, socket_in(AF_INET6));
	EXPECT_EQ(self->red_id, socket_in(AF_UNIX));
	/* "local" is unix; "family=" is the native stack. */
	snprintf(value, sizeof(value), "*=%s,local=", self->blue);
	ASSERT_EQ(0, setenv(MSOCKET_DEFAULTS_ENV, value, 1));
	EXPECT_EQ(self->native_id, socket_in(AF_UNIX));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	ASSERT_EQ(0, unsetenv(MSOCKET_DEFAULTS_ENV));
	EXPECT_EQ(self->native_id, socket_in(AF_INET));
}

/*
 * socket() reads the variable without a lock by checking that environ
 * still holds the same entry: every other way of changing the environment
 * must be seen too, down to a putenv() string changed in place.
 */
TEST_F(lib, every_change_of_the_environment_is_seen)
{
	static char entry[1024];
	char name[32];
	int i;

	ASSERT_EQ(0, setenv("LIBMSOCKET_TEST_FIRST", "1", 1));
	snprintf(entry, sizeof(entry), MSOCKET_DEFAULTS_ENV "=*=%s", self->blue);
	ASSERT_EQ(0, putenv(entry));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	/* The string changed in place is the new value (POSIX putenv). */
	snprintf(entry, sizeof(entry), MSOCKET_DEFAULTS_ENV "=*=%s", self->red);
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	/* environ grows (and moves) with other variables. */
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "LIBMSOCKET_TEST_%d", i);
		ASSERT_EQ(0, setenv(name, "x", 1));
		EXPECT_EQ(self->red_id, socket_in(AF_INET));
	}
	/* An earlier variable goes: the entry moves down one place. */
	ASSERT_EQ(0, unsetenv("LIBMSOCKET_TEST_FIRST"));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	snprintf(entry, sizeof(entry), MSOCKET_DEFAULTS_ENV "=*=%s", self->blue);
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	/* A value that does not parse, written in place. */
	snprintf(entry, sizeof(entry), MSOCKET_DEFAULTS_ENV "=nonsense");
	EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(EINVAL, errno);
	snprintf(entry, sizeof(entry), MSOCKET_DEFAULTS_ENV "=*=%s", self->red);
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	/* Removed, then set again to a value seen before. */
	ASSERT_EQ(0, unsetenv(MSOCKET_DEFAULTS_ENV));
	EXPECT_EQ(self->native_id, socket_in(AF_INET));
	ASSERT_EQ(0, putenv(entry));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	/* A whole new environment, or none. */
	ASSERT_EQ(0, clearenv());
	EXPECT_EQ(self->native_id, socket_in(AF_INET));
	ASSERT_EQ(0, putenv(entry));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	environ = NULL;
	EXPECT_EQ(self->native_id, socket_in(AF_INET));
}

/* "%" and "," in a path are escaped as %25 and %2C. */
TEST_F(lib, path_escapes)
{
	char odd[160], expect[1024];
	int nsfd;

	snprintf(odd, sizeof(odd), "%s/a,b%%c=d", self->dir);
	nsfd = new_stack(odd, 0666);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, msocket(odd, AF_INET, SOCK_DEFAULT, 0));
	snprintf(expect, sizeof(expect), "inet=%s/a%%2Cb%%25c=d", self->dir);
	EXPECT_STREQ(expect, defaults());
	EXPECT_EQ(ns_id_of_fd(nsfd), socket_in(AF_INET));
	/* Lower-case hex decodes too. */
	snprintf(expect, sizeof(expect), "inet=%s/a%%2cb%%25c=d", self->dir);
	ASSERT_EQ(0, setenv(MSOCKET_DEFAULTS_ENV, expect, 1));
	EXPECT_EQ(ns_id_of_fd(nsfd), socket_in(AF_INET));
	close(nsfd);
}

/*
 * What libmsocket writes, the Rust side (mstack exec) reads and extends:
 * one format for both.
 */
TEST_F(lib, mstack_reads_what_the_library_writes)
{
	char odd[160], cmd[512], line[1024] = "", expect[1024];
	int nsfd;
	FILE *p;

	snprintf(odd, sizeof(odd), "%s/x,y%%z", self->dir);
	nsfd = new_stack(odd, 0666);
	ASSERT_LE(0, nsfd);
	close(nsfd);
	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, msocket(odd, AF_INET, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, msocket(NULL, AF_UNIX, SOCK_DEFAULT, 0));
	snprintf(cmd, sizeof(cmd),
		 "mstack exec --preload -f inet6 %s -- sh -c 'echo \"$MSOCKET_DEFAULTS\"'",
		 self->red);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	EXPECT_EQ(0, pclose(p));
	line[strcspn(line, "\n")] = '\0';
	snprintf(expect, sizeof(expect), "*=%s,unix=,inet=%s/x%%2Cy%%25z,inet6=%s",
		 self->blue, self->dir, self->red);
	EXPECT_STREQ(expect, line);
}

/* A variable that does not parse fails every socket: no silent fallback. */
TEST_F(lib, bad_variable_is_einval)
{
	static const char *const bad[] = {
		"inet=relative/path", "bogus=/dev/net/x", "inet", "0=/x",
		"64=/x", "inet=/a%zz", "inet=/a%2", "inet=/a%00b", "=/x",
	};
	char value[1024];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, setenv(MSOCKET_DEFAULTS_ENV, bad[i], 1));
		errno = 0;
		EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, 0)) {
			TH_LOG("MSOCKET_DEFAULTS=%s", bad[i]);
		}
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, msocket(NULL, AF_UNIX, SOCK_STREAM, 0));
		EXPECT_EQ(EINVAL, errno);
		/* A family change keeps the rest: it cannot. */
		EXPECT_EQ(-1, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
		EXPECT_EQ(EINVAL, errno);
	}
	/* Setting every family replaces the bad value. */
	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	snprintf(value, sizeof(value), "*=%s", self->blue);
	EXPECT_STREQ(value, defaults());
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
}

TEST_F(lib, errors)
{
	char file[160];
	int fd;

	snprintf(file, sizeof(file), "%s/none", self->dir);
	EXPECT_EQ(-1, msocket(file, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, msocket(file, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(ENOENT, errno);
	/* Not a stack: a directory, a regular file. */
	EXPECT_EQ(-1, msocket(self->dir, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(ENOTSUP, errno);
	fd = open("/tmp/libmsocket-file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-1, msocket("/tmp/libmsocket-file", AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	unlink("/tmp/libmsocket-file");
	/* Families: unknown to the kernel, beyond any table. */
	EXPECT_EQ(-1, msocket(self->blue, AF_IRDA, SOCK_DEFAULT, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, msocket(self->blue, 99, SOCK_DEFAULT, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, msocket(NULL, -1, SOCK_DEFAULT, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* Type -1: EINVAL for a family the stack has (vustack -s probing). */
	EXPECT_EQ(-1, msocket(self->blue, AF_INET, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket(self->blue, AF_IRDA, -1, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* SOCK_DEFAULT takes no protocol. */
	EXPECT_EQ(-1, msocket(self->blue, AF_INET, SOCK_DEFAULT, IPPROTO_TCP));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket(NULL, AF_INET, SOCK_DEFAULT, IPPROTO_TCP));
	EXPECT_EQ(EINVAL, errno);
	/* A failed change leaves the defaults alone. */
	EXPECT_EQ(NULL, getenv(MSOCKET_DEFAULTS_ENV));
}

TEST_F(lib, failed_change_keeps_the_old_default)
{
	char expect[1024];

	ASSERT_EQ(0, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(-1, msocket("/nonexistent", AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(-1, msocket(self->red, AF_IRDA, SOCK_DEFAULT, 0));
	snprintf(expect, sizeof(expect), "inet=%s", self->blue);
	EXPECT_STREQ(expect, defaults());
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
}

/* socket() with type 0 must not be taken for SOCK_DEFAULT. */
TEST_F(lib, socket_type_zero_in_a_stack)
{
	ASSERT_EQ(0, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(-1, socket(AF_INET, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket(NULL, AF_INET, SOCK_CLOEXEC, 0));
	EXPECT_EQ(EINVAL, errno);
}

#define BLUE_PORT 7010

/*
 * Whether the TCP socket @fd reaches the listener on
 * 127.0.0.1:BLUE_PORT, which exists only in blue: a check of the stack a
 * user can make (SIOCGSKNS needs CAP_NET_ADMIN).
 */
static int reaches_blue(int fd)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(BLUE_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int ok;

	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

/* What a child needs to know about the fixture. */
struct stacks {
	const char *blue, *red;
	uint64_t blue_id, red_id;
};

static int unprivileged_use(void *arg)
{
	const struct stacks *self = arg;

	/* Mode 0666: a user may use the stack. */
	if (!reaches_blue(msocket(self->blue, AF_INET, SOCK_STREAM, 0)))
		return 1;
	if (reaches_blue(socket(AF_INET, SOCK_STREAM, 0)))
		return 2;
	if (msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0))
		return 3;
	if (!reaches_blue(socket(AF_INET, SOCK_STREAM, 0)))
		return 4;
	/* Mode 0644 owned by root: no. */
	if (msocket(self->red, AF_INET, SOCK_STREAM, 0) != -1 || errno != EACCES)
		return 5;
	if (msocket(self->red, AF_INET, SOCK_DEFAULT, 0) != -1 || errno != EACCES)
		return 6;
	/* And the default stays blue. */
	if (!reaches_blue(socket(AF_INET, SOCK_STREAM, 0)))
		return 7;
	return 0;
}

TEST_F(lib, permissions_for_users)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(BLUE_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct stacks stacks = { .blue = self->blue, .red = self->red };
	int listener = msocket(self->blue, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, listener);
	ASSERT_EQ(0, bind(listener, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(listener, 8));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	ASSERT_EQ(0, chmod(self->red, 0644));
	EXPECT_EQ(0, run_as(TEST_UID, unprivileged_use, &stacks));
	close(listener);
}

TEST_F(lib, fork_inherits_and_child_changes_stay_in_child)
{
	pid_t pid;

	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (socket_in(AF_INET) != self->blue_id)
			_exit(1);
		if (msocket(self->red, AF_UNSPEC, SOCK_DEFAULT, 0))
			_exit(2);
		_exit(socket_in(AF_INET) == self->red_id ? 0 : 3);
	}
	EXPECT_EQ(0, wait_exit(pid));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
}

TEST_F(lib, defaults_survive_execve)
{
	char expect[32];
	pid_t pid;

	ASSERT_EQ(0, msocket(self->red, AF_INET, SOCK_DEFAULT, 0));
	snprintf(expect, sizeof(expect), "%llu", (unsigned long long)self->red_id);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setenv(CHILD_EXPECT, expect, 1);
		execl("/proc/self/exe", "libmsocket-child", (char *)NULL);
		_exit(99);
	}
	EXPECT_EQ(0, wait_exit(pid));
	/* And a check that can fail: the native id is not red's. */
	snprintf(expect, sizeof(expect), "%llu", (unsigned long long)self->native_id);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setenv(CHILD_EXPECT, expect, 1);
		execl("/proc/self/exe", "libmsocket-child", (char *)NULL);
		_exit(99);
	}
	EXPECT_EQ(1, wait_exit(pid));
}

TEST_F(lib, removed_stack_fails_sockets)
{
	ASSERT_EQ(0, msocket(self->red, AF_INET, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, unlink(self->red));
	EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(ENOENT, errno);
	/* Also once the library keeps the stack file open. */
	ASSERT_EQ(0, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	ASSERT_EQ(0, unlink(self->blue));
	EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(ENOENT, errno);
}

/* The namespace id of the stack file @fd is open on (O_PATH is enough), or 0. */
static uint64_t stack_ns_id_of_fd(int fd)
{
	char link[32];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return stack_ns_id(link);
}

/* The fd the library keeps open on the stack file @path, or -1. */
static int kept_fd(const char *path)
{
	char link[64], target[256];
	ssize_t len;
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		/* libmsocket's mark: open for writing, with O_DSYNC. */
		if (strcmp(target, path) == 0 &&
		    (fcntl(fd, F_GETFL) & (O_ACCMODE | O_DSYNC)) == (O_WRONLY | O_DSYNC))
			return fd;
	}
	return -1;
}

/*
 * A default follows its stack file (the library keeps it open): renamed,
 * it stays the default; removed or replaced, the path is looked up again.
 */
TEST_F(lib, replaced_stack_file_is_followed)
{
	char moved[160];
	int red, nsfd;

	ASSERT_EQ(0, msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_LE(0, kept_fd(self->blue));
	/* /dev/net/blue now stands for red's namespace. */
	red = open(self->red, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, red);
	nsfd = ioctl(red, STACKFS_IOC_NETNS_FD);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, unlink(self->blue));
	ASSERT_EQ(0, mkstack(self->blue, nsfd, 0666));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	EXPECT_EQ(self->red_id, socket_in(AF_INET6));
	/* Renamed, it is still the default. */
	snprintf(moved, sizeof(moved), "%s/moved", self->dir);
	ASSERT_EQ(0, rename(self->blue, moved));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	ASSERT_EQ(0, unlink(moved));
	EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(ENOENT, errno);
	close(nsfd);
	close(red);
}

/*
 * The fd kept on a default stack file: a program that closes every fd, or
 * puts another file (even another stack file) on its number, gets its
 * sockets in the right stack, and the library neither closes the
 * program's file nor leaks fds, whatever the defaults do.
 */
TEST_F(lib, program_closing_or_reusing_the_stack_fd)
{
	struct stat red, st;
	int fd, i, fds;

	ASSERT_EQ(0, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	for (i = 3; i < 1024; i++)
		close(i);
	EXPECT_EQ(-1, kept_fd(self->blue));
	/* This call finds the fd gone and goes by path; the next opens it again. */
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	fd = kept_fd(self->blue);
	ASSERT_LE(0, fd);
	/* The red stack file takes the kept fd's number. */
	i = open(self->red, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, i);
	ASSERT_EQ(fd, dup2(i, fd));
	close(i);
	ASSERT_EQ(0, stat(self->red, &red));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(red.st_ino, st.st_ino);	/* the program's file, untouched */
	close(fd);
	/* One kept fd per stack in use, whatever the number of calls. */
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	fds = count_fds();
	for (i = 0; i < 100; i++)
		EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	EXPECT_EQ(fds, count_fds());
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, msocket(i % 2 ? self->blue : self->red, AF_INET, SOCK_DEFAULT, 0));
		EXPECT_EQ(i % 2 ? self->blue_id : self->red_id, socket_in(AF_INET));
	}
	EXPECT_EQ(fds, count_fds());
	/* Back to the native stack: nothing kept. */
	ASSERT_EQ(0, msocket(NULL, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->native_id, socket_in(AF_INET));
	EXPECT_EQ(fds - 1, count_fds());
}

/*
 * The program closes the kept fd and opens the same stack file itself, on
 * the same number: fstat() cannot tell the two apart, and the library
 * must not close the program's fd when the defaults change.
 */
TEST_F(lib, program_reopening_the_same_stack_file_on_the_kept_number)
{
	int fd, mine;

	ASSERT_EQ(0, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	fd = kept_fd(self->blue);
	ASSERT_LE(0, fd);
	close(fd);
	/* Open for writing as the library's is: the stack ioctl works on it. */
	mine = open(self->blue, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, mine);
	if (mine != fd) {
		ASSERT_EQ(fd, dup2(mine, fd));
		close(mine);
	}
	/* The library uses it (the same stack file) and then lets it go. */
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	ASSERT_EQ(0, msocket(self->red, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	ASSERT_EQ(0, msocket(NULL, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_LE(0, fcntl(fd, F_GETFD));	/* still open: the program's */
	EXPECT_EQ(self->blue_id, stack_ns_id_of_fd(fd));
	close(fd);
}

/*
 * msocketat(): by an fd opened once on the stack file (O_PATH), by a
 * directory fd and a relative path, SOCK_DEFAULT by fd; its errors.
 */
TEST_F(lib, msocketat_by_fd_and_by_dirfd)
{
	int stack, dir, sock;
	char want[160];

	stack = open(self->blue, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, stack);
	sock = msocketat(stack, NULL, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, AT_EMPTY_PATH);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->blue_id, socket_ns_id(sock));
	EXPECT_EQ(FD_CLOEXEC, fcntl(sock, F_GETFD));
	close(sock);
	sock = msocketat(stack, "", AF_INET6, SOCK_STREAM, 0, AT_EMPTY_PATH);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->blue_id, socket_ns_id(sock));
	close(sock);
	dir = open(self->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
	sock = msocketat(dir, "red", AF_INET, SOCK_DGRAM, 0, 0);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->red_id, socket_ns_id(sock));
	close(sock);
	/* SOCK_DEFAULT by fd stores the stack file's canonical path. */
	ASSERT_EQ(0, msocketat(stack, NULL, AF_INET, SOCK_DEFAULT, 0, AT_EMPTY_PATH));
	snprintf(want, sizeof(want), "inet=%s", self->blue);
	EXPECT_STREQ(want, defaults());
	EXPECT_EQ(self->blue_id, socket_in(AF_INET));
	ASSERT_EQ(0, msocketat(dir, "red", AF_UNSPEC, SOCK_DEFAULT, 0, 0));
	EXPECT_EQ(self->red_id, socket_in(AF_INET));
	/* Errors. */
	EXPECT_EQ(-1, msocketat(stack, NULL, AF_INET, SOCK_DGRAM, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, msocketat(stack, NULL, AF_INET, SOCK_DGRAM, 0, 0x10000000));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocketat(dir, "none", AF_INET, SOCK_DGRAM, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, msocketat(dir, NULL, AF_INET, SOCK_DGRAM, 0, AT_EMPTY_PATH));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, msocketat(-1, NULL, AF_INET, SOCK_DGRAM, 0, AT_EMPTY_PATH));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, msocketat(stack, NULL, 64, SOCK_DEFAULT, 0, AT_EMPTY_PATH));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(dir);
	close(stack);
}

/* msocket_getdefault(): what msocket(NULL, ...) would use. */
TEST_F(lib, getdefault)
{
	char buf[160], tiny[4];

	EXPECT_EQ(0, msocket_getdefault(AF_INET, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	ASSERT_EQ(0, msocket(self->red, AF_UNSPEC, SOCK_DEFAULT, 0));
	ASSERT_EQ(0, msocket(self->blue, AF_INET6, SOCK_DEFAULT, 0));
	EXPECT_EQ(1, msocket_getdefault(AF_INET, buf, sizeof(buf)));
	EXPECT_STREQ(self->red, buf);
	EXPECT_EQ(1, msocket_getdefault(AF_INET6, buf, sizeof(buf)));
	EXPECT_STREQ(self->blue, buf);
	EXPECT_EQ(1, msocket_getdefault(AF_UNSPEC, buf, sizeof(buf)));
	EXPECT_STREQ(self->red, buf);
	ASSERT_EQ(0, msocket(NULL, AF_UNIX, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, msocket_getdefault(AF_UNIX, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(-1, msocket_getdefault(AF_INET, tiny, sizeof(tiny)));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(-1, msocket_getdefault(64, buf, sizeof(buf)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	setenv(MSOCKET_DEFAULTS_ENV, "inet=relative", 1);
	EXPECT_EQ(-1, msocket_getdefault(AF_INET, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
}

/* msocket_netns_fd() and msocket_mkstack(): a second name for a stack. */
TEST_F(lib, netns_fd_and_mkstack)
{
	char green[160];
	int ns, stack, sock;

	ns = msocket_netns_fd(AT_FDCWD, self->blue, 0);
	ASSERT_LE(0, ns);
	EXPECT_EQ(self->blue_id, ns_id_of_fd(ns));
	EXPECT_EQ(FD_CLOEXEC, fcntl(ns, F_GETFD));
	snprintf(green, sizeof(green), "%s/green", self->dir);
	ASSERT_EQ(0, msocket_mkstack(AT_FDCWD, green, ns, 0600));
	EXPECT_EQ(-1, msocket_mkstack(AT_FDCWD, green, ns, 0600));
	EXPECT_EQ(EEXIST, errno);
	close(ns);
	sock = msocket(green, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->blue_id, socket_ns_id(sock));
	close(sock);
	/* By an O_PATH fd of the stack file. */
	stack = open(self->red, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, stack);
	ns = msocket_netns_fd(stack, NULL, AT_EMPTY_PATH);
	ASSERT_LE(0, ns);
	EXPECT_EQ(self->red_id, ns_id_of_fd(ns));
	EXPECT_EQ(-1, msocket_mkstack(AT_FDCWD, "/tmp/not-a-stackfs", ns, 0600));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(ns);
	close(stack);
	EXPECT_EQ(-1, msocket_netns_fd(AT_FDCWD, "/etc/passwd", 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, msocket_netns_fd(AT_FDCWD, self->dir, AT_SYMLINK_NOFOLLOW));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, msocket_netns_fd(AT_FDCWD, "/nonexistent", 0));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * libmsocket keeps one fd of /dev/msocket. A program that closes every fd,
 * or puts another file on that number, must not break it, and the
 * library must neither close the program's file nor leak fds.
 */
TEST_F(lib, program_closing_or_reusing_the_device_fd)
{
	int fd, i, p[2], fds;
	struct stat st;

	fd = msocket(self->blue, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	close(fd);
	for (i = 3; i < 1024; i++)
		close(i);
	/* The cached fd is gone: the next call opens the device again (fd 3). */
	fd = msocket(self->blue, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	/* Now a pipe takes the device's number. */
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(3, dup2(p[0], 3));
	fd = msocket(self->red, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->red_id, socket_ns_id(fd));
	close(fd);
	ASSERT_EQ(0, fstat(3, &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));	/* the program's pipe, untouched */
	/* The module's own EINVAL is no reason to reopen: no fd leaks. */
	fds = count_fds();
	for (i = 0; i < 100; i++)
		EXPECT_EQ(-1, msocket(self->blue, AF_INET, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(fds, count_fds());
}

/* Without /dev/msocket the msocket call does not exist; socket() does. */
TEST_F(lib, no_device_is_enosys)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/dev", "tmpfs", 0, NULL))
			_exit(1);
		if (msocket(self->blue, AF_INET, SOCK_STREAM, 0) != -1 || errno != ENOSYS)
			_exit(2);
		if (socket_in(AF_INET) != self->native_id)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, wait_exit(pid));
}

struct thread_arg {
	struct stacks *self;
	int index;
	int errors;
};

static void *thread_main(void *data)
{
	struct thread_arg *arg = data;
	const char *path = arg->index & 1 ? arg->self->red : arg->self->blue;
	int domain = arg->index & 2 ? AF_INET6 : AF_INET;
	uint64_t id;
	int i, status;
	pid_t pid;

	for (i = 0; i < 200; i++) {
		if (msocket(path, domain, SOCK_DEFAULT, 0))
			arg->errors++;
		id = socket_in(domain);
		if (id != arg->self->blue_id && id != arg->self->red_id)
			arg->errors++;
		if (i % 50 == 0) {
			/* A child forked mid-flight can still use the library. */
			pid = fork();
			if (pid == 0) {
				alarm(10);
				_exit(socket_in(AF_INET) ? 0 : 1);
			}
			if (pid < 0 || waitpid(pid, &status, 0) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				arg->errors++;
		}
	}
	return NULL;
}

/* The default 30 s is short for 4 threads of 500 rounds under KASAN on a loaded host. */
TEST_F_TIMEOUT(lib, threads, 180)
{
	struct stacks stacks = {
		.blue = self->blue, .red = self->red,
		.blue_id = self->blue_id, .red_id = self->red_id,
	};
	struct thread_arg args[8];
	pthread_t threads[8];
	int i;

	for (i = 0; i < 8; i++) {
		args[i] = (struct thread_arg){ .self = &stacks, .index = i };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, thread_main, &args[i]));
	}
	for (i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		EXPECT_EQ(0, args[i].errors) {
			TH_LOG("thread %d", i);
		}
	}
	/* Whatever the interleaving, the last value parses and is used. */
	EXPECT_NE(0, socket_in(AF_INET));
	EXPECT_NE(self->native_id, socket_in(AF_INET));
}

/* A stack's sockets talk to each other, not to the native stack. */
TEST_F(lib, tcp_in_a_default_stack)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(7001),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int listener, client, native;

	ASSERT_EQ(0, msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, listener);
	ASSERT_EQ(0, bind(listener, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(listener, 1));
	client = msocket(self->blue, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, client);
	EXPECT_EQ(0, connect(client, (struct sockaddr *)&addr, sizeof(addr)));
	/* The raw system call: a socket of the native stack. */
	native = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, native);
	EXPECT_EQ(-1, connect(native, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(native);
	close(client);
	close(listener);
}

TEST_HARNESS_MAIN
