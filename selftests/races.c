// SPDX-License-Identifier: GPL-2.0
/*
 * Races, each in a loop bounded in time (MSOCKET_RACE_SECONDS, default 2;
 * `make stress` runs 30; longer, up to five times that, until each side
 * made progress): msocket against unlink, rename and umount of its stack;
 * the fd libmsocket keeps on a default stack (MSOCKET_EXPECT_STACK)
 * against unlink, rename over it and chmod; umount with open stack fds and
 * live sockets; a stack removed while the last process of its namespace
 * exits; two creators of one name; rmmod while the module is in use. Every
 * call must answer with a socket of the right namespace or with the errno
 * of the state it raced with, and each race must have made sockets.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
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
	char stack[128], other[128], away[128];
	int nsfd, nsfd2;	/* the namespaces of the stack files */
	uint64_t id, id2;
	const int *allowed;	/* the errnos msocket_loop accepts, 0-terminated */
	atomic_int stop;
	atomic_long ok, errors, bad, loops, judged;
	/*
	 * Bumped before and after each change the checker judges by: odd
	 * while the change is under way (see kept_fd_loop, chmod_loop).
	 */
	atomic_long gen;
	uint64_t cookie;	/* SO_NETNS_COOKIE of a socket in r->stack */
};

/* The state of a race, shared with the child processes some tests fork. */
static struct race *race_setup(void)
{
	struct race *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		exit(1);
	memset(r, 0, sizeof(*r));
	if (mount_stackfs(r->dir, sizeof(r->dir)))
		exit(1);
	snprintf(r->stack, sizeof(r->stack), "%s/racy", r->dir);
	snprintf(r->other, sizeof(r->other), "%s/racy2", r->dir);
	snprintf(r->away, sizeof(r->away), "%s/away", r->dir);
	r->nsfd = new_stack(r->stack, 0666);
	r->nsfd2 = new_netns();
	if (r->nsfd < 0 || r->nsfd2 < 0)
		exit(1);
	r->id = ns_id_of_fd(r->nsfd);
	r->id2 = ns_id_of_fd(r->nsfd2);
	return r;
}

static void race_teardown(struct race *r)
{
	umount_stackfs(r->dir);
	close(r->nsfd);
	close(r->nsfd2);
	munmap(r, sizeof(*r));
}

static int errno_in(int e, const int *allowed)
{
	for (; allowed && *allowed; allowed++)
		if (*allowed == e)
			return 1;
	return 0;
}

/*
 * A socket by path, judged: right namespace, or an errno of the state the
 * path raced with (r->allowed). A stack file is made whole or not at all:
 * EOPNOTSUPP (a file there that is no stack) would be a half-made one.
 */
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
		} else if (errno_in(errno, r->allowed)) {
			atomic_fetch_add(&r->errors, 1);
		} else {
			printf("# msocket: unexpected errno %d (%s)\n", errno, strerror(errno));
			atomic_fetch_add(&r->bad, 1);
		}
	}
	return NULL;
}

/*
 * Races for MSOCKET_RACE_SECONDS, and on (up to five times as long) until
 * each side made progress: @enough says when (a socket made, a loop of the
 * other side done...), so that no race passes having raced nothing.
 */
static void race_wait(struct race *r, int (*enough)(struct race *r))
{
	time_t start = time(NULL), end = start + race_seconds();
	time_t last = start + 5 * race_seconds();

	while (time(NULL) < end || (!enough(r) && time(NULL) < last))
		usleep(100 * 1000);
	atomic_store(&r->stop, 1);
}

static int made_sockets(struct race *r)
{
	return atomic_load(&r->ok) > 0 && atomic_load(&r->loops) > 0;
}

/* Races @a against @b until race_wait() says @enough happened. */
static void race_pair(struct race *r, void *(*a)(void *), void *(*b)(void *),
		      int (*enough)(struct race *))
{
	pthread_t ta, tb;

	pthread_create(&ta, NULL, a, r);
	pthread_create(&tb, NULL, b, r);
	race_wait(r, enough);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
}

static void run_for(struct race *r, void *(*a)(void *), void *(*b)(void *))
{
	race_pair(r, a, b, made_sockets);
	printf("# %ld sockets, %ld errnos, %ld loops of the other side, %ld bad\n",
	       atomic_load(&r->ok), atomic_load(&r->errors), atomic_load(&r->loops),
	       atomic_load(&r->bad));
}

/*
 * msocket by path in one thread against @other in another: no bad answer,
 * sockets made, the other side ran; errnos only from @allowed.
 */
static void race_msocket_against(struct __test_metadata *_metadata,
				 void *(*other)(void *), const int *allowed)
{
	struct race *r = race_setup();

	r->allowed = allowed;
	run_for(r, msocket_loop, other);
	EXPECT_EQ(0, atomic_load(&r->bad));
	EXPECT_LT(0, atomic_load(&r->loops));
	EXPECT_LT(0, atomic_load(&r->ok));
	race_teardown(r);
}

/* The stack is there, or its name is not (ENOENT): never anything else. */
static const int missing_stack[] = { ENOENT, 0 };

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
	race_msocket_against(_metadata, unlink_rename_loop, missing_stack);
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
	race_msocket_against(_metadata, umount_loop, missing_stack);
}

/*
 * The fd libmsocket keeps on a default stack file: O_PATH, used with
 * MSOCKET_EXPECT_STACK and the file's st_dev/st_ino; on ESTALE the path
 * is opened again. @gen0 and @gen1 are r->gen before and after the open.
 */
struct kept {
	int fd;
	struct stat st;
	uint64_t id;		/* the namespace of the file the fd is on */
	long gen0, gen1;
};

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* The netns cookie of a socket: which namespace it is in, for anyone. */
static uint64_t socket_ns_cookie(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

/* Opens r->stack as the kept fd: 0, or -1 if it is not there right now. */
static int kept_open(struct race *r, struct kept *k, int need_id)
{
	char self[64];
	int rd;

	k->gen0 = atomic_load(&r->gen);
	k->fd = open(r->stack, O_PATH | O_CLOEXEC);
	k->gen1 = atomic_load(&r->gen);
	if (k->fd < 0)
		return -1;
	if (fstat(k->fd, &k->st))
		goto fail;
	k->id = 0;
	if (need_id) {
		/* Which namespace this very inode stands for (not the path's now). */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", k->fd);
		rd = open(self, O_RDONLY | O_CLOEXEC);
		if (rd < 0)
			goto fail;
		if (ioctl(rd, STACKFS_IOC_NETNS_ID, &k->id))
			k->id = 0;
		close(rd);
		if (!k->id)
			goto fail;
	}
	return 0;
fail:
	close(k->fd);
	k->fd = -1;
	return -1;
}

/*
 * The checker of kept_fd_against_unlink_and_replace: r->gen is bumped
 * before and after each unlink or rename over the path, so it is odd while
 * one is under way. If it was even and did not move from before the open
 * to after the call, the file was linked throughout: the call must make a
 * socket in the file's namespace. If a whole removal (odd, then even)
 * began after the open and ended before the call, the file was unlinked
 * before the call: ESTALE. An odd generation at the open may be the one
 * that removed what the path named before, so that removal does not
 * count. In between, either. Nothing else ever.
 */
static int unlinked_before(long gen1, long before)
{
	return before >= gen1 + 2 + gen1 % 2;
}

static void *kept_fd_loop(void *p)
{
	struct race *r = p;
	struct kept k = { .fd = -1 };
	long before, after;
	int sock, e;

	while (!atomic_load(&r->stop)) {
		if (k.fd < 0 && kept_open(r, &k, 1))
			continue;
		before = atomic_load(&r->gen);
		sock = msocket_expect_at(k.fd, NULL, AT_EMPTY_PATH, &k.st, MSOCKET_ARGS_SIZE_VER1,
					 AF_INET, SOCK_DGRAM);
		e = errno;
		after = atomic_load(&r->gen);
		if (sock >= 0) {
			if (socket_ns_id(sock) != k.id || unlinked_before(k.gen1, before)) {
				printf("# a socket %s\n", socket_ns_id(sock) != k.id ?
				       "in another namespace" : "from an unlinked stack file");
				atomic_fetch_add(&r->bad, 1);
			} else {
				atomic_fetch_add(&r->ok, 1);
			}
			close(sock);
		} else if (e == ESTALE && !(k.gen0 % 2 == 0 && after == k.gen0)) {
			atomic_fetch_add(&r->errors, 1);
			close(k.fd);
			k.fd = -1;
		} else {
			printf("# kept fd: errno %d (%s), generations %ld %ld %ld %ld\n", e,
			       strerror(e), k.gen0, k.gen1, before, after);
			atomic_fetch_add(&r->bad, 1);
		}
		if ((k.gen0 % 2 == 0 && after == k.gen0) || unlinked_before(k.gen1, before))
			atomic_fetch_add(&r->judged, 1);
	}
	if (k.fd >= 0)
		close(k.fd);
	return NULL;
}

/*
 * The path's stack file unlinked and made again, replaced by a rename over
 * it (bound to the other namespace), renamed away and back (the same file,
 * linked throughout).
 */
static void *unlink_replace_loop(void *p)
{
	struct race *r = p;
	long n;

	for (n = 0; !atomic_load(&r->stop); n++) {
		atomic_fetch_add(&r->gen, 1);
		unlink(r->stack);
		atomic_fetch_add(&r->gen, 1);
		mkstack(r->stack, n % 2 ? r->nsfd : r->nsfd2, 0666);
		usleep(n % 7 * 100);
		mkstack(r->other, n % 2 ? r->nsfd2 : r->nsfd, 0666);
		atomic_fetch_add(&r->gen, 1);
		rename(r->other, r->stack);
		atomic_fetch_add(&r->gen, 1);
		usleep(n % 5 * 100);
		rename(r->stack, r->away);
		rename(r->away, r->stack);
		atomic_fetch_add(&r->loops, 1);
	}
	return NULL;
}

static int kept_fd_enough(struct race *r)
{
	return made_sockets(r) && atomic_load(&r->errors) > 0;
}

TEST(kept_fd_against_unlink_and_replace)
{
	struct race *r = race_setup();

	race_pair(r, kept_fd_loop, unlink_replace_loop, kept_fd_enough);
	printf("# %ld sockets, %ld ESTALE (reopened), %ld judged strictly, %ld rounds, %ld bad\n",
	       atomic_load(&r->ok), atomic_load(&r->errors), atomic_load(&r->judged),
	       atomic_load(&r->loops), atomic_load(&r->bad));
	EXPECT_EQ(0, atomic_load(&r->bad));
	EXPECT_LT(0, atomic_load(&r->ok));
	EXPECT_LT(0, atomic_load(&r->errors));
	EXPECT_LT(0, atomic_load(&r->judged));
	race_teardown(r);
}

/*
 * The kept fd as a user, against chmod of the stack file between 0666 and
 * 0444 (r->gen: bumped before and after each chmod; gen / 2 odd: 0444).
 * Permission is checked at every call: with the mode steady through the
 * call, a socket (in the stack, by its netns cookie) with w, EACCES
 * without; ESTALE never (the file stays).
 */
static int kept_fd_as_user(void *p)
{
	struct race *r = p;
	struct kept k;
	long before, after;
	int sock, e;

	if (kept_open(r, &k, 0))
		return 1;
	while (!atomic_load(&r->stop)) {
		before = atomic_load(&r->gen);
		sock = msocket_expect_at(k.fd, NULL, AT_EMPTY_PATH, &k.st, MSOCKET_ARGS_SIZE_VER1,
					 AF_INET, SOCK_DGRAM);
		e = errno;
		after = atomic_load(&r->gen);
		if (before == after && before % 2 == 0) {
			int writable = before / 2 % 2 == 0;

			atomic_fetch_add(&r->judged, 1);
			if (writable ? sock < 0 : (sock >= 0 || e != EACCES)) {
				printf("# mode %s throughout: %s\n", writable ? "0666" : "0444",
				       sock >= 0 ? "a socket" : strerror(e));
				atomic_fetch_add(&r->bad, 1);
			}
		}
		if (sock >= 0) {
			if (socket_ns_cookie(sock) == r->cookie) {
				atomic_fetch_add(&r->ok, 1);
			} else {
				printf("# a socket in another namespace\n");
				atomic_fetch_add(&r->bad, 1);
			}
			close(sock);
		} else if (e == EACCES) {
			atomic_fetch_add(&r->errors, 1);
		} else {
			printf("# kept fd as a user: errno %d (%s)\n", e, strerror(e));
			atomic_fetch_add(&r->bad, 1);
		}
	}
	close(k.fd);
	return 0;
}

static void *chmod_loop(void *p)
{
	struct race *r = p;
	long n;

	for (n = 0; !atomic_load(&r->stop); n++) {
		atomic_fetch_add(&r->gen, 1);
		chmod(r->stack, n % 2 ? 0666 : 0444);
		atomic_fetch_add(&r->gen, 1);
		usleep(n % 3 * 200);
		atomic_fetch_add(&r->loops, 1);
	}
	return NULL;
}

static int chmod_enough(struct race *r)
{
	return made_sockets(r) && atomic_load(&r->errors) > 0 && atomic_load(&r->judged) > 0;
}

/* The racing side of kept_fd_against_chmod: chmod, and the clock. */
static void *chmod_racer(void *p)
{
	struct race *r = p;
	pthread_t t;

	pthread_create(&t, NULL, chmod_loop, r);
	race_wait(r, chmod_enough);
	pthread_join(t, NULL);
	return NULL;
}

TEST(kept_fd_against_chmod)
{
	struct race *r = race_setup();
	pthread_t t;
	int sock;

	ASSERT_EQ(0, chmod(r->stack, 0666));
	sock = sys_msocket(r->stack, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, sock);
	r->cookie = socket_ns_cookie(sock);
	close(sock);
	ASSERT_NE(0, r->cookie);
	pthread_create(&t, NULL, chmod_racer, r);
	EXPECT_EQ(0, run_as(TEST_UID, kept_fd_as_user, r));
	atomic_store(&r->stop, 1);
	pthread_join(t, NULL);
	printf("# %ld sockets, %ld EACCES, %ld judged strictly, %ld chmods, %ld bad\n",
	       atomic_load(&r->ok), atomic_load(&r->errors), atomic_load(&r->judged),
	       atomic_load(&r->loops), atomic_load(&r->bad));
	EXPECT_EQ(0, atomic_load(&r->bad));
	EXPECT_LT(0, atomic_load(&r->ok));
	EXPECT_LT(0, atomic_load(&r->errors));
	EXPECT_LT(0, atomic_load(&r->judged));
	race_teardown(r);
}

/* umount (lazy) while stack files are open and their sockets live, then use them. */
TEST(umount_with_open_stack_fds_and_sockets)
{
	time_t end = time(NULL) + race_seconds();
	long loops = 0;

	while (time(NULL) < end) {
		struct race *r = race_setup();
		int pathfd, rdfd, sock, sock2;
		uint64_t id = 0;

		pathfd = open(r->stack, O_PATH | O_CLOEXEC);
		rdfd = open(r->stack, O_RDONLY | O_CLOEXEC);
		sock = sys_msocket(r->stack, AF_INET, SOCK_STREAM, 0);
		ASSERT_LE(0, pathfd);
		ASSERT_LE(0, rdfd);
		ASSERT_LE(0, sock);
		ASSERT_EQ(0, umount2(r->dir, MNT_DETACH));
		/* The detached stack still works through its fds. */
		sock2 = msocket_fd(pathfd, AF_INET6, SOCK_DGRAM, 0);
		ASSERT_LE(0, sock2);
		EXPECT_EQ(r->id, socket_ns_id(sock2));
		EXPECT_EQ(0, ioctl(rdfd, STACKFS_IOC_NETNS_ID, &id));
		EXPECT_EQ(r->id, id);
		close(pathfd);
		close(rdfd);
		EXPECT_EQ(r->id, socket_ns_id(sock));
		close(sock);
		close(sock2);
		race_teardown(r);
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
	int fd, ready[2], go[2];
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
		EXPECT_EQ(0, wait_exit(pid));
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
	struct race *r = race_setup();
	pthread_t a, b, c;

	pthread_create(&a, NULL, create_loop, r);
	pthread_create(&b, NULL, create_loop, r);
	pthread_create(&c, NULL, remove_loop, r);
	sleep(race_seconds());
	atomic_store(&r->stop, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	printf("# %ld created, %ld EEXIST, %ld removed, %ld bad\n", atomic_load(&r->ok),
	       atomic_load(&r->errors), atomic_load(&r->loops), atomic_load(&r->bad));
	EXPECT_EQ(0, atomic_load(&r->bad));
	/* Every creation but the one still there was removed exactly once. */
	EXPECT_EQ(atomic_load(&r->ok), atomic_load(&r->loops) + (access(r->other, F_OK) == 0));
	race_teardown(r);
}

/* The stack stays: no errno at all. */
static const int no_errno[] = { 0 };

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
	race_msocket_against(_metadata, rmmod_loop, no_errno);
}

TEST_HARNESS_MAIN
