// SPDX-License-Identifier: GPL-2.0
/*
 * A network namespace's nsfs file names a stack for MSOCKET_IOC_SOCKET
 * directly, as `ip netns`, CNI and container runtimes hold namespaces:
 * an fd (/proc/PID/ns/net opened, AT_EMPTY_PATH) or a path (a bind mount
 * such as /run/netns/NAME, or /proc/PID/ns/net), with exactly setns(2)'s
 * privilege: CAP_SYS_ADMIN over the namespace's owner and in the caller's
 * own user namespace. Anyone else gets EPERM, so an nsfs file, which any
 * process of the same user can open in /proc, gives no one a socket they
 * could not make by entering the namespace.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

FIXTURE(nsfs) {
	int nsfd;		/* root's new namespace, owned by the initial user ns */
	uint64_t id;
	char dir[64];
	char bound[96];		/* nsfd bind-mounted there, as `ip netns add` does */
};

FIXTURE_SETUP(nsfs)
{
	char src[64];
	int fd;

	self->nsfd = new_netns();
	ASSERT_LE(0, self->nsfd);
	self->id = ns_id_of_fd(self->nsfd);
	ASSERT_NE(0, self->id);
	snprintf(self->dir, sizeof(self->dir), "/tmp/msocket-netns.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, chmod(self->dir, 0755));	/* as /run/netns */
	snprintf(self->bound, sizeof(self->bound), "%s/blue", self->dir);
	fd = open(self->bound, O_CREAT | O_RDONLY | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", self->nsfd);
	ASSERT_EQ(0, mount(src, self->bound, NULL, MS_BIND, NULL));
}

FIXTURE_TEARDOWN(nsfs)
{
	umount2(self->bound, MNT_DETACH);
	unlink(self->bound);
	rmdir(self->dir);
	close(self->nsfd);
}

/* The namespace of a new socket made by @fd's call, or 0; closes it. */
static uint64_t made_in(int fd)
{
	uint64_t id;

	if (fd < 0)
		return 0;
	id = socket_ns_id(fd);
	close(fd);
	return id;
}

TEST_F(nsfs, by_fd)
{
	EXPECT_EQ(self->id, made_in(msocket_at(self->nsfd, NULL, AT_EMPTY_PATH, AF_INET,
					       SOCK_STREAM, 0)));
	EXPECT_EQ(self->id, made_in(msocket_at(self->nsfd, NULL, AT_EMPTY_PATH, AF_INET6,
					       SOCK_DGRAM | SOCK_CLOEXEC, 0)));
	EXPECT_EQ(self->id, made_in(msocket_at(self->nsfd, NULL, AT_EMPTY_PATH, AF_UNIX,
					       SOCK_SEQPACKET, 0)));
}

TEST_F(nsfs, by_bind_mount_path)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l, c;

	EXPECT_EQ(self->id, made_in(sys_msocket(self->bound, AF_INET, SOCK_DGRAM, 0)));
	/* The sockets work there: the namespace's loopback is up. */
	l = sys_msocket(self->bound, AF_INET, SOCK_STREAM, 0);
	c = sys_msocket(self->bound, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));
	EXPECT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)));
	close(c);
	close(l);
}

TEST_F(nsfs, by_proc_path)
{
	uint64_t native = ns_id_of_path("/proc/self/ns/net");
	char path[64];

	EXPECT_EQ(native, made_in(sys_msocket("/proc/self/ns/net", AF_INET, SOCK_DGRAM, 0)));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->nsfd);
	EXPECT_EQ(self->id, made_in(sys_msocket(path, AF_INET, SOCK_DGRAM, 0)));
	/* Without following, /proc/self/ns/net is a symlink, not a stack. */
	EXPECT_EQ(-1, msocket_at(AT_FDCWD, "/proc/self/ns/net", AT_SYMLINK_NOFOLLOW, AF_INET,
				 SOCK_DGRAM, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(nsfs, sock_default_checks_it)
{
	EXPECT_EQ(0, msocket_at(self->nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, sys_msocket(self->bound, AF_INET6, SOCK_DEFAULT, 0));
}

TEST_F(nsfs, errors)
{
	struct stat st;
	int fd;

	/* As setns(2): an O_PATH fd gives no access. */
	fd = open(self->bound, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, msocket_at(fd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(EBADF, errno);
	close(fd);
	/* Another kind of namespace. */
	fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, msocket_at(fd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	EXPECT_EQ(-1, sys_msocket("/proc/self/ns/uts", AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(EINVAL, errno);
	/* MSOCKET_EXPECT_STACK names a stack file: an nsfs file is not one. */
	ASSERT_EQ(0, fstat(self->nsfd, &st));
	EXPECT_EQ(-1, msocket_expect_at(self->nsfd, NULL, AT_EMPTY_PATH, &st,
					MSOCKET_ARGS_SIZE_VER1, AF_INET, SOCK_DGRAM));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* The socket's own errors, as for a stack file. */
	EXPECT_EQ(-1, msocket_at(self->nsfd, NULL, AT_EMPTY_PATH, 1000, SOCK_DGRAM, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
}

struct user_case {
	int nsfd;
	const char *path;
};

/* As a user without capabilities: every way to name root's namespace. */
static int user_refused(void *arg)
{
	const struct user_case *c = arg;
	int fd;

	fd = msocket_at(c->nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EPERM)
		return 1;
	fd = sys_msocket(c->path, AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EPERM)
		return 2;
	if (msocket_at(c->nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DEFAULT, 0) != -1 ||
	    errno != EPERM)
		return 3;
	/* Its own namespace's nsfs file: the user may not enter it either. */
	fd = sys_msocket("/proc/self/ns/net", AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EPERM)
		return 4;
	return 0;
}

TEST_F(nsfs, user_without_capabilities_gets_eperm)
{
	struct user_case c = { .nsfd = self->nsfd, .path = self->bound };

	EXPECT_EQ(0, run_as(TEST_UID, user_refused, &c));
}

/*
 * In a user namespace of its own, a user may enter the network namespaces
 * that namespace owns (setns(2) lets it), and no other.
 */
static int userns_owner(void *arg)
{
	const struct user_case *c = arg;
	uint64_t own;
	int fd, nsfd;

	if (enter_userns(CLONE_NEWNET))
		return 10;
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	own = ns_id_of_fd(nsfd);
	if (nsfd < 0 || !own)
		return 11;
	fd = msocket_at(nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0);
	if (made_in(fd) != own)
		return 12;
	if (made_in(sys_msocket("/proc/self/ns/net", AF_INET, SOCK_STREAM, 0)) != own)
		return 13;
	/* Root's namespace belongs to the initial user namespace. */
	fd = msocket_at(c->nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EPERM)
		return 14;
	return 0;
}

TEST_F(nsfs, user_namespace_owner)
{
	struct user_case c = { .nsfd = self->nsfd, .path = self->bound };

	EXPECT_EQ(0, run_as(TEST_UID, userns_owner, &c));
}

/* Root under a seccomp filter: confined, as for a stack file. */
static int under_seccomp(void *arg)
{
	const struct user_case *c = arg;
	struct sock_filter insns[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = insns };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 10;
	fd = msocket_at(c->nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EPERM)
		return 11;
	fd = sys_msocket(c->path, AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EPERM)
		return 12;
	return 0;
}

TEST_F(nsfs, root_under_seccomp_gets_eperm)
{
	struct user_case c = { .nsfd = self->nsfd, .path = self->bound };
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(under_seccomp(&c));
	EXPECT_EQ(0, wait_exit(pid));
}

/*
 * Root in another network namespace (a container's, PrivateNetwork=) with
 * root's nsfs fd: setns(2) would let it in, so msocket does too.
 */
TEST_F(nsfs, root_elsewhere_with_the_fd)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(10);
		_exit(made_in(msocket_at(self->nsfd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_DGRAM,
					 0)) == self->id ? 0 : 11);
	}
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_HARNESS_MAIN
