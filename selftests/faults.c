// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on the msocket and stackfs paths: every allocation of an
 * operation is made to fail in turn (/proc/thread-self/fail-nth, with
 * failslab and fail_page_alloc failing sleeping allocations too). Each
 * injected failure must end in an error (ENOMEM, or the error socket(2)
 * itself gives for it) or in a complete success, leave no fd behind and no
 * half-made file; the VM's final kmemleak scan checks memory.
 */

#include "msocket_test.h"
#include "kselftest_harness.h"

/* An injected allocation failure may surface as these, as with socket(2). */
static int allocation_errno(int e)
{
	return e == ENOMEM || e == ENFILE || e == ENOBUFS;
}

struct ctx {
	char dir[64], stack[128], made[128], sub[128], mnt[64];
	int nsfd, pathfd, rdfd;
};

/*
 * An operation is one system call, so that the injected fault hits it and
 * nothing else; check() then looks at what it left (0: consistent).
 */
struct op {
	const char *name;
	int (*call)(struct ctx *c);	/* >= 0 success (an fd is closed), -1 errno */
	int (*check)(struct ctx *c, int ret);
};

static int call_by_path(struct ctx *c)
{
	return sys_msocket(c->stack, AF_INET, SOCK_STREAM, 0);
}

static int call_by_fd(struct ctx *c)
{
	return msocket_fd(c->pathfd, AF_INET6, SOCK_DGRAM, 0);
}

static int call_unix(struct ctx *c)
{
	return sys_msocket(c->stack, AF_UNIX, SOCK_STREAM, 0);
}

static int call_default(struct ctx *c)
{
	return sys_msocket(c->stack, AF_INET, SOCK_DEFAULT, 0);
}

static int call_netns_fd(struct ctx *c)
{
	return ioctl(c->rdfd, STACKFS_IOC_NETNS_FD);
}

static int call_mkstack(struct ctx *c)
{
	return mkstack(c->made, c->nsfd, 0600);
}

/* A failed creation leaves nothing; a successful one a stack file. */
static int check_mkstack(struct ctx *c, int ret)
{
	struct stat st;
	int exists = stat(c->made, &st) == 0 && S_ISSTACK(st.st_mode);

	unlink(c->made);
	return ret == 0 ? !exists : exists;
}

static int call_mkdir(struct ctx *c)
{
	return mkdir(c->sub, 0755);
}

static int check_mkdir(struct ctx *c, int ret)
{
	int removed = rmdir(c->sub) == 0;

	return ret == 0 ? !removed : removed;
}

static int call_mount(struct ctx *c)
{
	return mount("none", c->mnt, "stackfs", 0, NULL);
}

static int check_mount(struct ctx *c, int ret)
{
	int unmounted = umount(c->mnt) == 0;

	return ret == 0 ? !unmounted : unmounted;
}

static const struct op ops[] = {
	{ "msocket by path", call_by_path },
	{ "msocket by fd", call_by_fd },
	{ "msocket unix", call_unix },
	{ "SOCK_DEFAULT", call_default },
	{ "STACKFS_IOC_NETNS_FD", call_netns_fd },
	{ "mkstack", call_mkstack, check_mkstack },
	{ "mkdir", call_mkdir, check_mkdir },
	{ "mount", call_mount, check_mount },
};

TEST(every_allocation_fails_in_turn)
{
	long injected_total = 0;
	int i, n, ret, e, fds, nthfd;
	struct ctx c;

	nthfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nthfd < 0 ||
	    write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N") ||
	    write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N"))
		SKIP(return, "no fault injection in this kernel (the debug kernel has it)");
	write_file("/sys/kernel/debug/failslab/verbose", "0");
	write_file("/sys/kernel/debug/fail_page_alloc/verbose", "0");

	ASSERT_EQ(0, mount_stackfs(c.dir, sizeof(c.dir)));
	snprintf(c.stack, sizeof(c.stack), "%s/stack", c.dir);
	snprintf(c.made, sizeof(c.made), "%s/made", c.dir);
	snprintf(c.sub, sizeof(c.sub), "%s/sub", c.dir);
	snprintf(c.mnt, sizeof(c.mnt), "/tmp/fault-mount.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(c.mnt));
	c.nsfd = new_stack(c.stack, 0600);
	ASSERT_LE(0, c.nsfd);
	c.pathfd = open(c.stack, O_PATH | O_CLOEXEC);
	c.rdfd = open(c.stack, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, c.pathfd);
	ASSERT_LE(0, c.rdfd);
	fds = count_fds();

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		int injected = 0;

		for (n = 1; n < 1000; n++) {
			char nth[16];
			int left;

			snprintf(nth, sizeof(nth), "%d", n);
			ASSERT_LT(0, pwrite(nthfd, nth, strlen(nth), 0));
			errno = 0;
			ret = ops[i].call(&c);
			e = errno;
			memset(nth, 0, sizeof(nth));
			ASSERT_LT(0, pread(nthfd, nth, sizeof(nth) - 1, 0));
			left = atoi(nth);
			ASSERT_LT(0, pwrite(nthfd, "0", 1, 0));
			if (ret > 0)
				close(ret);
			if (ops[i].check)
				EXPECT_EQ(0, ops[i].check(&c, ret))
					TH_LOG("%s, fault %d: inconsistent state", ops[i].name, n);
			EXPECT_EQ(fds, count_fds()) TH_LOG("%s, fault %d: fd leak", ops[i].name, n);
			if (left != 0) {
				/* Fewer than n fault points: the whole operation ran. */
				EXPECT_LE(0, ret) TH_LOG("%s failed with no fault: %s",
							 ops[i].name, strerror(e));
				break;
			}
			injected++;
			if (ret < 0)
				EXPECT_TRUE(allocation_errno(e))
					TH_LOG("%s, fault %d: errno %d (%s)", ops[i].name, n, e,
					       strerror(e));
		}
		printf("# %-22s %3d allocations failed in turn\n", ops[i].name, injected);
		injected_total += injected;
		EXPECT_LT(0, injected) TH_LOG("%s: no fault point reached", ops[i].name);
	}
	printf("# %ld injected failures\n", injected_total);
	close(nthfd);
	close(c.rdfd);
	close(c.pathfd);
	close(c.nsfd);
	umount_stackfs(c.dir);
	rmdir(c.mnt);
}

TEST_HARNESS_MAIN
