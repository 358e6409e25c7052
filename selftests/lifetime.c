// SPDX-License-Identifier: GPL-2.0
/*
 * A stack file keeps its namespace alive, and only it: once the file is
 * gone and the stack's sockets are closed, the namespace is freed. While
 * it holds it, the namespace is active, as one an `ip netns add` bind
 * mount holds: listns(2) lists it and its nsfs file handle reopens it.
 *
 * The proof: a veth pair with one end in the stack's namespace and the
 * other ("the witness") in the native one. Destroying a namespace destroys
 * its veth end, and with it the peer, so the witness disappears exactly
 * when the namespace is freed.
 */
#include <sys/syscall.h>
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

#ifndef __NR_listns
#define __NR_listns 470
#endif
#ifndef FD_NSFS_ROOT
#define FD_NSFS_ROOT -10003
#endif

/* struct ns_id_req of linux/nsfs.h (7.x), which the host may lack. */
struct listns_req {
	uint32_t size;
	uint32_t spare;
	uint64_t ns_id;
	uint32_t ns_type;
	uint32_t spare2;
	uint64_t user_ns_id;
};

/* Whether listns(2) lists the network namespace @id. */
static int listns_has(uint64_t id)
{
	struct listns_req req = { .size = sizeof(req), .ns_type = CLONE_NEWNET };
	uint64_t ids[64];
	long n, i;

	for (;;) {
		n = syscall(__NR_listns, &req, ids, ARRAY_SIZE(ids), 0);
		if (n <= 0)
			return 0;
		for (i = 0; i < n; i++)
			if (ids[i] == id)
				return 1;
		req.ns_id = ids[n - 1];
	}
}

TEST(held_namespace_is_active)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[64];
	} h = { .fh.handle_bytes = sizeof(h.bytes) };
	char dir[64], path[128];
	int nsfd, fd, mnt_id;
	uint64_t id;

	ASSERT_EQ(0, mount_stackfs(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/held", dir);
	nsfd = new_stack(path, 0600);
	ASSERT_LE(0, nsfd);
	id = ns_id_of_fd(nsfd);
	ASSERT_NE(0, id);
	ASSERT_EQ(0, name_to_handle_at(nsfd, "", &h.fh, &mnt_id, AT_EMPTY_PATH))
		TH_LOG("name_to_handle_at: %s", strerror(errno));
	/* No process in it, no fd of it: the stack file alone holds it. */
	close(nsfd);
	EXPECT_EQ(id, stack_ns_id(path));
	EXPECT_EQ(1, listns_has(id));
	fd = open_by_handle_at(FD_NSFS_ROOT, &h.fh, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open_by_handle_at: %s", strerror(errno));
	EXPECT_EQ(id, ns_id_of_fd(fd));
	close(fd);
	/* Unlinked, nothing holds it: no longer listed. */
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(0, listns_has(id));
	umount_stackfs(dir);
}

TEST_HARNESS_MAIN
