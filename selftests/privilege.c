// SPDX-License-Identifier: GPL-2.0
/*
 * Every way we know to get a socket into a network namespace without the
 * stack file's permission, tried as an unprivileged user; each must fail.
 * The list is also in the README's reliability section.
 *
 * The setting: root's stack "guarded" (mode 0644: readable, not usable by
 * others) in a stackfs where the user owns a directory; the user has no
 * capability in the initial user namespace.
 */
#include <sys/un.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

struct setting {
	char dir[64];
	char guarded[128];	/* root's stack, 0644 */
	char userdir[128];	/* a directory the user owns */
	int guarded_fd;		/* root's O_RDONLY fd on it */
};

static struct setting s;

/* Each attempt returns 0 if it was refused as it must be. */
typedef int (*attempt_fn)(void);

static int refused(int fd, int want)
{
	if (fd >= 0)
		return 100;
	return errno == want ? 0 : errno;
}

static int by_path(void)
{
	return refused(sys_msocket(s.guarded, AF_INET, SOCK_STREAM, 0), EACCES);
}

static int by_o_path_fd(void)
{
	int fd = open(s.guarded, O_PATH | O_CLOEXEC);

	return fd < 0 ? 1 : refused(msocket_fd(fd, AF_INET, SOCK_STREAM, 0), EACCES);
}

static int by_readonly_fd(void)
{
	int fd = open(s.guarded, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? 1 : refused(msocket_fd(fd, AF_INET, SOCK_STREAM, 0), EACCES);
}

/* An fd root opened, inherited across fork: the check is on the caller. */
static int by_inherited_root_fd(void)
{
	return refused(msocket_fd(s.guarded_fd, AF_INET, SOCK_STREAM, 0), EACCES);
}

static int by_set_default(void)
{
	return refused(sys_msocket(s.guarded, AF_INET, SOCK_DEFAULT, 0), EACCES);
}

static int by_hard_link(void)
{
	char name[192];

	snprintf(name, sizeof(name), "%s/link", s.userdir);
	/* A hard link is the same inode, with the same owner and mode. */
	if (link(s.guarded, name) == 0) {
		int ret = refused(sys_msocket(name, AF_INET, SOCK_STREAM, 0), EACCES);

		unlink(name);
		return ret;
	}
	return errno == EPERM ? 0 : errno;
}

static int by_chmod(void)
{
	return chmod(s.guarded, 0666) == 0 ? 100 : (errno == EPERM ? 0 : errno);
}

static int by_chown(void)
{
	return chown(s.guarded, getuid(), getgid()) == 0 ? 100 : (errno == EPERM ? 0 : errno);
}

static int by_rename_into_own_dir(void)
{
	char to[192];

	snprintf(to, sizeof(to), "%s/stolen", s.userdir);
	return rename(s.guarded, to) == 0 ? 100 : (errno == EACCES ? 0 : errno);
}

/*
 * The nsfs fd of the guarded stack: its "r" bit lets anyone open the file,
 * but the fd needs CAP_NET_ADMIN over the namespace (EPERM), as SIOCGSKNS
 * does. -1 with errno set if refused.
 */
static int guarded_netns_fd(void)
{
	int fd = open(s.guarded, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -1 : ioctl(fd, STACKFS_IOC_NETNS_FD);
}

/* Reading its namespace as an nsfs fd. */
static int by_reading_the_namespace(void)
{
	return refused(guarded_netns_fd(), EPERM);
}

/* Rebinding the namespace to a stack file of one's own. */
static int by_rebinding_the_namespace(void)
{
	char mine[192];
	int nsfd = guarded_netns_fd();

	if (nsfd < 0)
		return errno == EPERM ? 0 : 1;
	snprintf(mine, sizeof(mine), "%s/mine", s.userdir);
	return refused(mkstack(mine, nsfd, 0600), EPERM);
}

/* Entering the namespace with that fd. */
static int by_setns(void)
{
	int nsfd = guarded_netns_fd();

	if (nsfd < 0)
		return errno == EPERM ? 0 : 1;
	return setns(nsfd, CLONE_NEWNET) == 0 ? 100 : (errno == EPERM ? 0 : errno);
}

/* Root of a user namespace of one's own: still no right on root's file. */
static int by_user_namespace_root(void)
{
	if (enter_userns(CLONE_NEWNET | CLONE_NEWNS))
		return 1;
	return refused(sys_msocket(s.guarded, AF_INET, SOCK_STREAM, 0), EACCES);
}

/* A stackfs of one's own (in a user namespace) cannot bind root's namespaces. */
static int by_own_stackfs(void)
{
	char mnt[] = "/tmp/own-stackfs.XXXXXX", path[64];
	int nsfd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);

	if (!mkdtemp(mnt))
		return 1;
	if (nsfd >= 0)	/* not even readable without ptrace rights over init */
		return 2;
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (enter_userns(CLONE_NEWNS))
		return 3;
	if (mount("none", mnt, "stackfs", 0, NULL))
		return 4;
	snprintf(path, sizeof(path), "%s/init", mnt);
	return refused(mkstack(path, nsfd, 0600), EPERM);
}

/* The native stack needs no stack file; a raw socket there needs CAP_NET_RAW. */
static int by_native_raw(void)
{
	return refused(sys_msocket(NULL, AF_PACKET, SOCK_RAW, 0), EPERM);
}

static const struct {
	const char *name;
	attempt_fn fn;
} attempts[] = {
	{ "msocket by path", by_path },
	{ "msocket by O_PATH fd", by_o_path_fd },
	{ "msocket by O_RDONLY fd", by_readonly_fd },
	{ "msocket by an fd root opened", by_inherited_root_fd },
	{ "SOCK_DEFAULT on it", by_set_default },
	{ "a hard link of one's own", by_hard_link },
	{ "chmod", by_chmod },
	{ "chown", by_chown },
	{ "rename into one's own directory", by_rename_into_own_dir },
	{ "its namespace as an nsfs fd (NETNS_FD)", by_reading_the_namespace },
	{ "rebinding its namespace (NETNS_FD) to a new stack file", by_rebinding_the_namespace },
	{ "setns with its NETNS_FD", by_setns },
	{ "as root of a new user namespace", by_user_namespace_root },
	{ "a stackfs of one's own binding the initial namespace", by_own_stackfs },
	{ "a raw socket in the native stack", by_native_raw },
};

static int run_attempt(void *arg)
{
	return attempts[(long)arg].fn();
}

TEST(every_way_in_is_refused)
{
	int nsfd, i, ret, failures = 0;

	umask(022);
	ASSERT_EQ(0, mount_stackfs(s.dir, sizeof(s.dir)));
	snprintf(s.guarded, sizeof(s.guarded), "%s/guarded", s.dir);
	snprintf(s.userdir, sizeof(s.userdir), "%s/user", s.dir);
	nsfd = new_stack(s.guarded, 0644);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, mkdir(s.userdir, 0755));
	ASSERT_EQ(0, chown(s.userdir, TEST_UID, TEST_GID));
	s.guarded_fd = open(s.guarded, O_RDONLY);	/* no O_CLOEXEC: inherited */
	ASSERT_LE(0, s.guarded_fd);

	for (i = 0; i < ARRAY_SIZE(attempts); i++) {
		ret = run_as(TEST_UID, run_attempt, (void *)(long)i);
		printf("# %-58s %s\n", attempts[i].name,
		       ret ? "GOT IN or failed oddly" : "refused");
		if (ret) {
			TH_LOG("%s: status %d", attempts[i].name, ret);
			failures++;
		}
	}
	EXPECT_EQ(0, failures);

	/* And the control: once granted, the same user gets in. */
	ASSERT_EQ(0, chmod(s.guarded, 0646));
	EXPECT_EQ(100, run_as(TEST_UID, run_attempt, (void *)0L));
	close(s.guarded_fd);
	close(nsfd);
	umount_stackfs(s.dir);
}

TEST_HARNESS_MAIN
