// SPDX-License-Identifier: GPL-2.0
/*
 * Races, each in a loop bounded in time (MSOCKET_RACE_SECONDS, default 2;
 * `make stress` runs 30): msocket against unlink, rename and umount of its
 * stack; umount with open stack fds and live sockets; a stack removed while
 * the last process of its namespace exits; two creators of one name;
 * rmmod while the module is in use. Every call must answer with a socket
 * of the right namespace or with the errno of the state it raced with.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

/* Each test runs for MSOCKET_RACE_SECONDS, up to 30 s in `make stress`. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600

static long race_seconds(void)
{
	return env_long("MSOCKET_RACE_SECONDS", 2);
}

struct race {
	char dir[64];
	char stack[128], other[128];
	int nsfd;
	uint64_t id;
	atomic_int stop;
	atomic_long ok, errors, bad, loops;
};

static void race_setup(struct race *r)
{
	memset(r, 0, sizeof(*r));
	if (mount_stackfs(r->dir, sizeof(r->dir)))
		exit(1);
	snprintf(r->stack, sizeof(r->stack), "%s/racy", r->dir);
	snprintf(r->other, sizeof(r->other), "%s/racy2", r->dir);
	r->nsfd = new_stack(r->stack, 0666);
	if (r->nsfd < 0)
		exit(1);
	r->id = ns_id_of_fd(r->nsfd);
}

/* A socket by path, judged: right namespace, or an errno of a missing stack. */
static void *msocket_loop(void *p)
{
	struct race *r = p;
	int fd;

	while (!atomic_load(&r->stop)) {
		fd = sys_msocket(r->stack, AF_INET, SOCK_DGRAM, 0);
		if (fd >= 0) {
			if (socket_ns_id(fd) == r->id)
				atomic_fetch_add(&r->ok, 1);
			else
				atomic_fetch_add(&r->bad, 1);
			close(fd);
		} else if (errno == ENOENT || errno == EOPNOTSUPP) {
			atomic_fetch_add(&r->errors, 1);
		} else {
			atomic_fetch_add(&r->bad, 1);
		}
	}
	return NULL;
}

static void run_for(struct race *r, void *(*a)(void *), void *(*b)(void *))
{
	pthread_t ta, tb;

	pthread_create(&ta, NULL, a, r);
	pthread_create(&tb, NULL, b, r);
	sleep(race_seconds());
	atomic_store(&r->stop, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	printf("# %ld sockets, %ld errnos, %ld loops of the other side, %ld bad\n",
	       atomic_load(&r->ok), atomic_load(&r->errors), atomic_load(&r->loops),
	       atomic_load(&r->bad));
}

static void race_teardown(struct race *r)
{
	umount_stackfs(r->dir);
	close(r->nsfd);
}

/* msocket by path in one thread against @other in another: no bad answer. */
static void race_msocket_against(struct __test_metadata *_metadata,
				 void *(*other)(void *), int want_sockets)
{
	struct race r;

	race_setup(&r);
	run_for(&r, msocket_loop, other);
	EXPECT_EQ(0, atomic_load(&r.bad));
	EXPECT_LT(0, atomic_load(&r.loops));
	if (want_sockets)
		EXPECT_LT(0, atomic_load(&r.ok));
	race_teardown(&r);
}

static void *unlink_rename_loop(void *p)
{
	struct race *r = p;

	while (!atomic_load(&r->stop)) {
		rename(r->stack, r->other);
		rename(r->other, r->stack);
		unlink(r->stack);
		mkstack(r->stack, r->nsfd, 0666);
		atomic_fetch_add(&r->loops, 1);
	}
	return NULL;
}

TEST(msocket_against_unlink_and_rename)
{
	race_msocket_against(_metadata, unlink_rename_loop, 1);
}

static void *umount_loop(void *p)
{
	struct race *r = p;

	while (!atomic_load(&r->stop)) {
		umount2(r->dir, MNT_DETACH);
		if (mount("none", r->dir, "stackfs", 0, NULL) == 0)
			mkstack(r->stack, r->nsfd, 0666);
		atomic_fetch_add(&r->loops, 1);
	}
	return NULL;
}

TEST(msocket_against_umount)
{
	race_msocket_against(_metadata, umount_loop, 0);
}

/* umount (lazy) while stack files are open and their sockets live, then use them. */
TEST(umount_with_open_stack_fds_and_sockets)
{
	time_t end = time(NULL) + race_seconds();
	long loops = 0;

	while (time(NULL) < end) {
		struct race r;
		int pathfd, rdfd, sock, sock2;
		uint64_t id = 0;

		race_setup(&r);
		pathfd = open(r.stack, O_PATH | O_CLOEXEC);
		rdfd = open(r.stack, O_RDONLY | O_CLOEXEC);
		sock = sys_msocket(r.stack, AF_INET, SOCK_STREAM, 0);
		ASSERT_LE(0, pathfd);
		ASSERT_LE(0, rdfd);
		ASSERT_LE(0, sock);
		ASSERT_EQ(0, umount2(r.dir, MNT_DETACH));
		/* The detached stack still works through its fds. */
		sock2 = msocket_fd(pathfd, AF_INET6, SOCK_DGRAM, 0);
		ASSERT_LE(0, sock2);
		EXPECT_EQ(r.id, socket_ns_id(sock2));
		EXPECT_EQ(0, ioctl(rdfd, STACKFS_IOC_NETNS_ID, &id));
		EXPECT_EQ(r.id, id);
		close(pathfd);
		close(rdfd);
		EXPECT_EQ(r.id, socket_ns_id(sock));
		close(sock);
		close(sock2);
		race_teardown(&r);
		loops++;
	}
	printf("# %ld mount/umount cycles with live fds\n", loops);
	EXPECT_LT(0, loops);
}

/* The last process of a namespace exits while its stack file is removed and used. */
TEST(stack_removed_while_last_process_exits)
{
	time_t end = time(NULL) + race_seconds();
	char dir[64], path[128], nspath[64];
	long loops = 0, sockets = 0;
	int fd, status, ready[2], go[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, mount_stackfs(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/dying", dir);
	while (time(NULL) < end) {
		ASSERT_EQ(0, pipe(ready));
		ASSERT_EQ(0, pipe(go));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			if (unshare(CLONE_NEWNET))
				_exit(1);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(2);
			_exit(0);
		}
		ASSERT_EQ(1, read(ready[0], &c, 1));
		snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", pid);
		fd = open(nspath, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, mkstack(path, fd, 0600));
		close(fd);
		/* Let the child go, and race its exit with unlink and msocket. */
		ASSERT_EQ(1, write(go[1], "g", 1));
		fd = sys_msocket(path, AF_INET, SOCK_STREAM, 0);
		if (fd >= 0) {
			sockets++;
			close(fd);
		}
		ASSERT_EQ(0, unlink(path));
		fd = sys_msocket(path, AF_INET, SOCK_STREAM, 0);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(ENOENT, errno);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		close(ready[0]);
		close(ready[1]);
		close(go[0]);
		close(go[1]);
		loops++;
	}
	printf("# %ld namespaces, %ld sockets made as they died\n", loops, sockets);
	EXPECT_EQ(loops, sockets);
	umount_stackfs(dir);
}

static void *create_loop(void *p)
{
	struct race *r = p;

	while (!atomic_load(&r->stop)) {
		if (mkstack(r->other, r->nsfd, 0600) == 0)
			atomic_fetch_add(&r->ok, 1);
		else if (errno == EEXIST)
			atomic_fetch_add(&r->errors, 1);
		else
			atomic_fetch_add(&r->bad, 1);
	}
	return NULL;
}

static void *remove_loop(void *p)
{
	struct race *r = p;

	while (!atomic_load(&r->stop)) {
		if (unlink(r->other) == 0)
			atomic_fetch_add(&r->loops, 1);
	}
	return NULL;
}

TEST(two_creators_of_one_name)
{
	struct race r;
	pthread_t a, b, c;

	race_setup(&r);
	pthread_create(&a, NULL, create_loop, &r);
	pthread_create(&b, NULL, create_loop, &r);
	pthread_create(&c, NULL, remove_loop, &r);
	sleep(race_seconds());
	atomic_store(&r.stop, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	printf("# %ld created, %ld EEXIST, %ld removed, %ld bad\n", atomic_load(&r.ok),
	       atomic_load(&r.errors), atomic_load(&r.loops), atomic_load(&r.bad));
	EXPECT_EQ(0, atomic_load(&r.bad));
	/* Every creation but the one still there was removed exactly once. */
	EXPECT_EQ(atomic_load(&r.ok), atomic_load(&r.loops) + (access(r.other, F_OK) == 0));
	race_teardown(&r);
}

static void *rmmod_loop(void *p)
{
	struct race *r = p;

	while (!atomic_load(&r->stop)) {
		if (syscall(SYS_delete_module, "msocket", O_NONBLOCK) == 0)
			atomic_fetch_add(&r->bad, 1);	/* unloaded while in use */
		else if (errno == EWOULDBLOCK)
			atomic_fetch_add(&r->loops, 1);
		else
			atomic_fetch_add(&r->bad, 1);
	}
	return NULL;
}

TEST(rmmod_while_in_use)
{
	race_msocket_against(_metadata, rmmod_loop, 1);
}

TEST_HARNESS_MAIN
