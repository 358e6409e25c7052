// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, reproducible fuzzer of the msocket and stackfs ioctls: random
 * commands, sizes, flags, fds and paths, and pointers into unmapped and
 * read-only memory. Every call must return a valid fd, 0, or -1 with an
 * errno the interface documents; afterwards the fd table is as before
 * (the VM's final kmemleak scan checks memory).
 *
 * MSOCKET_FUZZ_CALLS (default 20000), MSOCKET_FUZZ_SECONDS (default 60)
 * and MSOCKET_FUZZ_SEED (default 1) set the run; `make stress` runs
 * 1,000,000 calls.
 */
#include <linux/netlink.h>
#include <sys/mman.h>
#include <time.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

/* A million calls take minutes on the debug kernel (`make stress`). */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 3600

static uint64_t rng_state;

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* The errnos msocket and stackfs document, plus those of the families and the VFS. */
static int errno_allowed(int e)
{
	switch (e) {
	case EFAULT: case EINVAL: case E2BIG: case ENOTTY: case EBADF:
	case ENOENT: case ENOTDIR: case EOPNOTSUPP: case EACCES: case EPERM:
	case EAFNOSUPPORT: case EPROTONOSUPPORT: case ESOCKTNOSUPPORT:
	case EPROTOTYPE: case EEXIST: case ENAMETOOLONG: case ELOOP:
	case EMFILE: case ENOMEM: case ENFILE: case ENOBUFS: case EROFS:
	case EOVERFLOW:
		return 1;
	}
	return 0;
}

struct arena {
	char *rw;		/* a read-write page of random bytes */
	char *ro;		/* a read-only page */
	char *unmapped;		/* a page that is not mapped */
	int fds[12];		/* fds the calls may name */
	const char *paths[10];	/* strings the calls may pass as paths */
};

/* A pointer for an argument: mostly valid, sometimes bad in every way. */
static uint64_t rnd_pointer(struct arena *a, size_t len)
{
	switch (rnd_below(10)) {
	case 0: return 0;
	case 1: return (uintptr_t)a->unmapped + rnd_below(4096);
	case 2: return (uintptr_t)a->ro + rnd_below(4096);
	case 3: return (uintptr_t)a->rw + 4096 - rnd_below(len + 1);	/* straddles the end */
	case 4: return rnd();
	default: return (uintptr_t)a->rw + rnd_below(64);
	}
}

static uint64_t rnd_path(struct arena *a)
{
	if (rnd_below(4) == 0)
		return rnd_pointer(a, 16);
	return (uintptr_t)a->paths[rnd_below(ARRAY_SIZE(a->paths))];
}

static int rnd_fd(struct arena *a)
{
	switch (rnd_below(8)) {
	case 0: return (int)rnd();
	case 1: return AT_FDCWD;
	default: return a->fds[rnd_below(ARRAY_SIZE(a->fds))];
	}
}

static uint32_t rnd_size(size_t real)
{
	switch (rnd_below(8)) {
	case 0: return rnd();
	case 1: return rnd_below(real);
	case 2: return real + rnd_below(64);
	case 3: return 4096 + rnd_below(2);
	default: return real;
	}
}

static int rnd_domain(void)
{
	static const int common[] = { AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6,
				      AF_NETLINK, AF_PACKET };

	if (rnd_below(3))
		return common[rnd_below(ARRAY_SIZE(common))];
	return rnd_below(2) ? (int)rnd_below(50) - 2 : (int)rnd();
}

static int rnd_type(void)
{
	int t = rnd_below(3) ? (int)rnd_below(7) : (int)rnd();

	if (rnd_below(4) == 0)
		t |= SOCK_CLOEXEC;
	if (rnd_below(4) == 0)
		t |= SOCK_NONBLOCK;
	return t;
}

static unsigned long rnd_cmd(void)
{
	static const unsigned long cmds[] = {
		MSOCKET_IOC_SOCKET, MSOCKET_IOC_MKSTACK,
		STACKFS_IOC_NETNS_FD, STACKFS_IOC_NETNS_ID,
	};
	unsigned long cmd = cmds[rnd_below(ARRAY_SIZE(cmds))];

	switch (rnd_below(10)) {
	case 0: return (uint32_t)rnd();
	case 1: return cmd ^ (1UL << rnd_below(32));		/* a near miss */
	case 2: return _IOC(rnd_below(4), MSOCKET_IOC_MAGIC, rnd_below(0x20), rnd_below(64));
	default: return cmd;
	}
}

/* A well-formed msocket call, which reaches socket creation. */
static void valid_msocket_args(struct arena *a, struct msocket_args *args)
{
	static const int combos[][3] = {
		{ AF_INET, SOCK_STREAM, 0 }, { AF_INET, SOCK_DGRAM, 0 },
		{ AF_INET6, SOCK_STREAM, 0 }, { AF_INET6, SOCK_DGRAM, 0 },
		{ AF_UNIX, SOCK_STREAM, 0 }, { AF_UNIX, SOCK_SEQPACKET, 0 },
		{ AF_NETLINK, SOCK_RAW, 0 }, { AF_PACKET, SOCK_DGRAM, 0 },
		{ AF_INET, SOCK_DEFAULT, 0 }, { AF_UNSPEC, SOCK_DEFAULT, 0 },
	};
	int c = rnd_below(ARRAY_SIZE(combos));

	args->size = sizeof(*args);
	args->domain = combos[c][0];
	args->type = combos[c][1];
	args->protocol = combos[c][2];
	if (rnd_below(2)) {
		args->flags = 0;
		args->dirfd = AT_FDCWD;
		args->path = (uintptr_t)a->paths[0];	/* the stack */
	} else {
		args->flags = AT_EMPTY_PATH;
		args->dirfd = a->fds[2];		/* O_PATH fd on the stack */
		args->path = 0;
	}
}

/*
 * Fills the argument page: half the time a well-formed call with one field
 * made random, else every field random in its own way.
 */
static void rnd_args(struct arena *a, unsigned long cmd)
{
	size_t i;

	for (i = 0; i < 128; i += 8)
		*(uint64_t *)(a->rw + i) = rnd_below(4) ? 0 : rnd();
	if (cmd == MSOCKET_IOC_SOCKET && rnd_below(2)) {
		struct msocket_args *args = (void *)a->rw;

		valid_msocket_args(a, args);
		switch (rnd_below(9)) {
		case 0:
			args->size = rnd_size(sizeof(*args));
			break;
		case 1:
			args->flags = rnd();
			break;
		case 2:
			args->dirfd = rnd_fd(a);
			break;
		case 3:
			args->domain = rnd_domain();
			break;
		case 4:
			args->type = rnd_type();
			break;
		case 5:
			args->protocol = rnd();
			break;
		case 6:
			args->path = rnd_path(a);
			break;
		default:	/* as it is */
			break;
		}
	} else if (rnd_below(2) == 0 && (cmd == MSOCKET_IOC_SOCKET || rnd_below(2))) {
		struct msocket_args *args = (void *)a->rw;

		args->size = rnd_size(sizeof(*args));
		args->flags = rnd_below(3) ? rnd_below(2) * AT_EMPTY_PATH : (uint32_t)rnd();
		args->dirfd = rnd_fd(a);
		args->domain = rnd_domain();
		args->type = rnd_type();
		args->protocol = rnd_below(3) ? 0 : (int)rnd_below(300);
		args->path = rnd_below(5) ? rnd_path(a) : 0;
	} else {
		struct msocket_mkstack_args *args = (void *)a->rw;

		args->size = rnd_size(sizeof(*args));
		args->flags = rnd_below(4) ? 0 : (uint32_t)rnd();
		args->dirfd = rnd_fd(a);
		args->netns_fd = rnd_fd(a);
		args->mode = rnd_below(4) ? rnd_below(01000) : (uint32_t)rnd();
		args->__reserved = rnd_below(8) ? 0 : (uint32_t)rnd();
		args->path = rnd_path(a);
	}
}

/* Checks a new fd (a socket or an nsfs file) and closes it. */
static int check_new_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	close(fd);
	return S_ISSOCK(st.st_mode) || st.st_ino != 0;
}

TEST(random_ioctls)
{
	char dir[64], stack[128], sub[128], fuzzdir[128], names[8][160];
	long calls = env_long("MSOCKET_FUZZ_CALLS", 20000);
	long seconds = env_long("MSOCKET_FUZZ_SECONDS", 60);
	long seed = env_long("MSOCKET_FUZZ_SEED", 1);
	long done, fds_made = 0, stacks_made = 0, errors = 0, bad = 0;
	int fds_before, nsfd, i, ret, e, target;
	struct arena a;
	time_t end;

	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	ASSERT_EQ(0, mount_stackfs(dir, sizeof(dir)));
	snprintf(stack, sizeof(stack), "%s/stack", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(fuzzdir, sizeof(fuzzdir), "%s/fuzz", dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	ASSERT_EQ(0, mkdir(fuzzdir, 0777));
	nsfd = new_stack(stack, 0666);
	ASSERT_LE(0, nsfd);

	a.rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a.ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a.unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a.rw);
	ASSERT_NE(MAP_FAILED, a.ro);
	ASSERT_NE(MAP_FAILED, a.unmapped);
	munmap(a.unmapped, 4096);

	for (i = 0; i < 8; i++)
		snprintf(names[i], sizeof(names[i]), "%s/n%d", fuzzdir, i);
	a.paths[0] = stack;
	a.paths[1] = sub;
	a.paths[2] = "/dev/null";
	a.paths[3] = "/nonexistent/x";
	a.paths[4] = "";
	a.paths[5] = names[0];
	a.paths[6] = names[1];
	a.paths[7] = names[7];
	a.paths[8] = "/proc/self/ns/net";
	a.paths[9] = "stack";

	a.fds[0] = msocket_dev();
	a.fds[1] = open(stack, O_RDONLY | O_CLOEXEC);
	a.fds[2] = open(stack, O_PATH | O_CLOEXEC);
	a.fds[3] = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	a.fds[4] = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	a.fds[5] = nsfd;
	a.fds[6] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	a.fds[7] = open("/dev/null", O_RDWR | O_CLOEXEC);
	a.fds[8] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a.fds[9] = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	a.fds[10] = -1;
	a.fds[11] = 4095;
	for (i = 0; i < 10; i++)
		ASSERT_LE(0, a.fds[i]);

	fds_before = count_fds();
	end = time(NULL) + seconds;
	for (done = 0; done < calls && time(NULL) < end; done++) {
		unsigned long cmd = rnd_cmd();
		uint64_t arg;

		/* Mostly /dev/msocket; also stack files, directories, strangers. */
		target = rnd_below(10) < 7 ? a.fds[0] : a.fds[1 + rnd_below(10)];
		rnd_args(&a, cmd);
		arg = rnd_below(8) ? (uintptr_t)a.rw : rnd_pointer(&a, 64);
		errno = 0;
		ret = ioctl(target, cmd, arg);
		e = errno;
		if (ret < 0) {
			errors++;
			if (!errno_allowed(e)) {
				bad++;
				TH_LOG("call %ld: fd %d cmd %#lx: unexpected errno %d (%s)",
				       done, target, cmd, e, strerror(e));
			}
		} else if (ret > 0) {
			fds_made++;
			if (!check_new_fd(ret)) {
				bad++;
				TH_LOG("call %ld: cmd %#lx returned %d, not an fd", done, cmd, ret);
			}
		} else if (cmd == MSOCKET_IOC_MKSTACK && target == a.fds[0]) {
			stacks_made++;
		}
		/* Keep the fuzz directory small. */
		if (done % 1024 == 1023)
			for (i = 0; i < 8; i++)
				unlink(names[i]);
	}
	for (i = 0; i < 8; i++)
		unlink(names[i]);

	TH_LOG("seed %ld: %ld calls (%ld errors, %ld fds, %ld stack files made), %ld bad",
	       seed, done, errors, fds_made, stacks_made, bad);
	printf("# fuzz: seed %ld, %ld calls, %ld errnos, %ld fds, %ld stacks, %ld bad\n",
	       seed, done, errors, fds_made, stacks_made, bad);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(fds_before, count_fds());
	EXPECT_LE(calls < 1000 ? calls : 1000, done);
	for (i = 1; i < 10; i++)
		close(a.fds[i]);
	umount_stackfs(dir);
}

TEST_HARNESS_MAIN
