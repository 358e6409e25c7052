// SPDX-License-Identifier: GPL-2.0
/*
 * A stack file keeps its namespace alive, and only it: once the file is
 * gone and the stack's sockets are closed, the namespace is freed.
 *
 * The proof: a veth pair with one end in the stack's namespace and the
 * other ("the witness") in the native one. Destroying a namespace destroys
 * its veth end, and with it the peer, so the witness disappears exactly
 * when the namespace is freed.
 */
#include <time.h>

#include "netlink.h"
#include "kselftest_harness.h"

/* A failing test waits FREE_TIMEOUT_S for the witness before it says so. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define WITNESS "mswitness0"
#define FREE_TIMEOUT_S 60

/* Waits until the witness is gone: 1 if it went within @seconds. */
static int witness_gone_within(int seconds)
{
	time_t end = time(NULL) + seconds;

	do {
		if (if_nametoindex(WITNESS) == 0)
			return 1;
		usleep(100 * 1000);
	} while (time(NULL) < end);
	return if_nametoindex(WITNESS) == 0;
}

FIXTURE(witness) {
	char dir[64];
	char path[128];
};

/* A stack file bound to a new namespace that nothing else holds. */
FIXTURE_SETUP(witness)
{
	int nsfd, nl;

	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	snprintf(self->path, sizeof(self->path), "%s/doomed", self->dir);
	nsfd = new_netns();
	ASSERT_LE(0, nsfd);
	nl = nl_open(NULL);
	ASSERT_LE(0, nl);
	ASSERT_EQ(0, nl_veth(nl, WITNESS, "msinside0", nsfd));
	close(nl);
	ASSERT_EQ(0, mkstack(self->path, nsfd, 0600));
	close(nsfd);
	ASSERT_NE(0, if_nametoindex(WITNESS));
}

FIXTURE_TEARDOWN(witness)
{
	umount_stackfs(self->dir);
	/* Leave no witness behind for the next test. */
	witness_gone_within(FREE_TIMEOUT_S);
}

TEST_F(witness, unlink_frees_the_namespace)
{
	/* Held by the file only... */
	sleep(1);
	EXPECT_NE(0, if_nametoindex(WITNESS));
	ASSERT_EQ(0, unlink(self->path));
	/* ...so removing it frees the namespace. */
	EXPECT_TRUE(witness_gone_within(FREE_TIMEOUT_S));
}

/* With the file gone, @fd alone keeps the namespace; closing it frees it. */
static void expect_fd_keeps_namespace(struct __test_metadata *_metadata,
				      const char *path, int fd)
{
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, unlink(path));
	sleep(2);
	EXPECT_NE(0, if_nametoindex(WITNESS));
	close(fd);
	EXPECT_TRUE(witness_gone_within(FREE_TIMEOUT_S));
}

TEST_F(witness, open_socket_keeps_the_namespace)
{
	expect_fd_keeps_namespace(_metadata, self->path,
				  sys_msocket(self->path, AF_INET, SOCK_STREAM, 0));
}

TEST_F(witness, open_stack_file_keeps_the_namespace)
{
	expect_fd_keeps_namespace(_metadata, self->path,
				  open(self->path, O_PATH | O_CLOEXEC));
}

TEST_F(witness, umount_frees_the_namespace)
{
	ASSERT_EQ(0, umount(self->dir));
	EXPECT_TRUE(witness_gone_within(FREE_TIMEOUT_S));
}

TEST_HARNESS_MAIN
