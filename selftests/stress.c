// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime under load: create and remove many stacks, each bound to a new
 * namespace, and many sockets; afterwards every namespace is freed and
 * memory is back where it started.
 *
 * Memory: kmemleak scans at the end of every VM run; the slab and
 * MemAvailable figures printed here are coarse (KASAN holds freed objects
 * in a quarantine for a while).
 *
 * Counting namespaces: with user.max_net_namespaces lowered, the number of
 * namespaces that can still be created at once ("the room") is the limit
 * less the live ones. The room after the run equals the room before it
 * exactly when no namespace was leaked.
 *
 * MSOCKET_STRESS_STACKS (default 24), MSOCKET_STRESS_SOCKETS (default 1000)
 * and MSOCKET_STRESS_NS_LIMIT (default 16) set the run; `make stress` runs
 * 10,000 stacks and 100,000 sockets with a limit of 64. With more stacks
 * than the limit, a stack that leaked its namespace would soon stop the
 * loop.
 */
#include <time.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 3600

/* The most namespaces the test holds at once to count them. */
#define NS_MAX 64

static long meminfo_kb(const char *key)
{
	char line[128];
	long kb = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = atol(line + len + 1);
	if (f)
		fclose(f);
	return kb;
}

/*
 * How many namespaces can be held at once: creates and holds them until
 * @want, or until none more came for @patience seconds (namespaces freed
 * before are torn down asynchronously, so room comes back over time).
 */
static int ns_room(int want, int patience)
{
	int fds[NS_MAX], n = 0, fd;
	time_t last = time(NULL);

	while (n < want && n < NS_MAX && time(NULL) - last < patience) {
		fd = new_netns();
		if (fd >= 0) {
			fds[n++] = fd;
			last = time(NULL);
		} else {
			usleep(200 * 1000);
		}
	}
	want = n;
	while (n > 0)
		close(fds[--n]);
	return want;
}

/* A new namespace, waiting for room freed namespaces give back. */
static int new_netns_waiting(void)
{
	time_t end = time(NULL) + 120;
	int fd;

	while ((fd = new_netns()) < 0 && errno == ENOSPC && time(NULL) < end)
		usleep(100 * 1000);
	return fd;
}

static void settle_memory(void)
{
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	sleep(2);
}

TEST(stacks_and_sockets_cycled)
{
	long stacks = env_long("MSOCKET_STRESS_STACKS", 24);
	long sockets = env_long("MSOCKET_STRESS_SOCKETS", 1000);
	long ns_limit = env_long("MSOCKET_STRESS_NS_LIMIT", 16);
	long avail_before, avail_after, slab_before, slab_after, i;
	int room_before, room_after, nsfd, fd;
	char dir[64], path[128], limit[24], old_limit[32] = "";
	time_t start;
	FILE *f;

	ASSERT_EQ(0, mount_stackfs(dir, sizeof(dir)));
	f = fopen("/proc/sys/user/max_net_namespaces", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(old_limit, sizeof(old_limit), f));
	fclose(f);
	ASSERT_GE(NS_MAX, ns_limit);
	snprintf(limit, sizeof(limit), "%ld", ns_limit);
	ASSERT_EQ(0, write_file("/proc/sys/user/max_net_namespaces", limit));

	room_before = ns_room(ns_limit, 3);
	ASSERT_LT(ns_limit / 2, room_before);
	settle_memory();
	avail_before = meminfo_kb("MemAvailable");
	slab_before = meminfo_kb("Slab");

	start = time(NULL);
	for (i = 0; i < stacks; i++) {
		snprintf(path, sizeof(path), "%s/s%ld", dir, i % 16);
		nsfd = new_netns_waiting();
		ASSERT_LE(0, nsfd) TH_LOG("stack %ld: %s", i, strerror(errno));
		ASSERT_EQ(0, mkstack(path, nsfd, 0600));
		close(nsfd);
		fd = sys_msocket(path, AF_INET, SOCK_STREAM, 0);
		ASSERT_LE(0, fd);
		close(fd);
		ASSERT_EQ(0, unlink(path));
	}
	printf("# %ld stacks (each its own namespace) made and removed in %lds\n",
	       stacks, (long)(time(NULL) - start));

	snprintf(path, sizeof(path), "%s/sockets", dir);
	nsfd = new_netns_waiting();
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, mkstack(path, nsfd, 0600));
	close(nsfd);
	start = time(NULL);
	for (i = 0; i < sockets; i++) {
		fd = sys_msocket(path, i % 2 ? AF_INET6 : AF_INET,
				 i % 3 ? SOCK_STREAM : SOCK_DGRAM, 0);
		ASSERT_LE(0, fd) TH_LOG("socket %ld: %s", i, strerror(errno));
		close(fd);
	}
	printf("# %ld sockets made and closed in %lds\n", sockets, (long)(time(NULL) - start));
	ASSERT_EQ(0, unlink(path));

	room_after = ns_room(room_before, 120);
	settle_memory();
	avail_after = meminfo_kb("MemAvailable");
	slab_after = meminfo_kb("Slab");
	printf("# namespaces that can be created: %d before, %d after (limit %ld)\n",
	       room_before, room_after, ns_limit);
	printf("# MemAvailable %ld kB -> %ld kB (%+ld kB); Slab %ld kB -> %ld kB (%+ld kB)\n",
	       avail_before, avail_after, avail_after - avail_before,
	       slab_before, slab_after, slab_after - slab_before);
	EXPECT_EQ(room_before, room_after);
	/*
	 * The exact checks are the namespace count above and the VM's final
	 * kmemleak scan; slab figures on the debug kernel include KASAN's
	 * quarantine of freed objects (up to 1/32 of memory), so this bound
	 * only catches a leak of a kilobyte or more per stack.
	 */
	EXPECT_GT(16 * 1024 + stacks, slab_after - slab_before);
	write_file("/proc/sys/user/max_net_namespaces", old_limit);
	umount_stackfs(dir);
}

TEST_HARNESS_MAIN
