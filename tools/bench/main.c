// SPDX-License-Identifier: GPL-2.0
/*
 * msocket-bench: what msocket costs, as ratios of runs taken side by side
 * in one process (absolute times under emulation mean little).
 *
 *   msocket-bench [creation] [scale] [threads] [datapath]   (default: all)
 *
 *   creation   create + close of a TCP socket by every way there is to get
 *              one in another stack, against socket(2) (creation.c)
 *   scale      by path with 1, 100 and 10,000 stack files present (scale.c)
 *   threads    1 and 2 threads, on two CPUs only (threads.c)
 *   datapath   TCP over veth on msocket and setns sockets (datapath.c)
 *
 * The method is in runner.c. BENCH_ROUNDS (default 7), BENCH_ITERATIONS
 * (default 20000) and BENCH_SEED (default 1: the order of the variants)
 * set a run. The goals of the parts run are printed at the end, each as
 * pass or MISS. Run as root in the VM: make bench.
 */
#include "bench.h"

static const struct part {
	const char *name;
	void (*run)(void);
} parts[] = {
	{ "creation", bench_creation },
	{ "scale", bench_scale },
	{ "threads", bench_threads },
	{ "datapath", bench_datapath },
};

static bool wanted(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name) || !strcmp(argv[i], "all"))
			return true;
	return false;
}

static void bad_part(const char *part)
{
	fprintf(stderr, "msocket-bench: no part %s; parts: creation scale threads datapath all\n",
		part);
	exit(2);
}

int main(int argc, char **argv)
{
	int i, j;

	for (i = 1; i < argc; i++) {
		for (j = 0; j < ARRAY_SIZE(parts); j++)
			if (!strcmp(argv[i], parts[j].name))
				break;
		if (j == ARRAY_SIZE(parts) && strcmp(argv[i], "all"))
			bad_part(argv[i]);
	}
	bench.rounds = env_long("BENCH_ROUNDS", 7);
	bench.iterations = env_long("BENCH_ITERATIONS", 20000);
	if (bench.rounds < 1 || bench.rounds > MAX_ROUNDS || bench.iterations < 10) {
		fprintf(stderr, "BENCH_ROUNDS must be 1..%d, BENCH_ITERATIONS at least 10\n",
			MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (msocket_dev() < 0)
		die(MSOCKET_DEVICE);
	if (mount_stackfs(bench.dir, sizeof(bench.dir)))
		die("mount stackfs");
	bench.self_nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(bench.stack, sizeof(bench.stack), "%s/bench", bench.dir);
	bench.nsfd = new_stack(bench.stack, 0600);
	if (bench.self_nsfd < 0 || bench.nsfd < 0)
		die("the bench stack");
	bench.stack_fd = open(bench.stack, O_PATH | O_CLOEXEC);
	if (bench.stack_fd < 0 || fstat(bench.stack_fd, &bench.stack_st))
		die("open stack");
	bench.stack_wfd = open(bench.stack, O_WRONLY | O_CLOEXEC);
	if (bench.stack_wfd < 0)
		die("open stack for writing");
	bench.stack_tag = STACKFS_SOCKET_EXPECT |
			  (unsigned long)STACKFS_SOCKET_TAG(bench.stack_st.st_dev,
							    bench.stack_st.st_ino) << 32;

	printf("# msocket-bench: %d rounds of %d calls, seed %ld, %ld CPUs\n", bench.rounds,
	       bench.iterations, env_long("BENCH_SEED", 1), sysconf(_SC_NPROCESSORS_ONLN));
	for (j = 0; j < ARRAY_SIZE(parts); j++) {
		double start = now_ns();

		if (!wanted(parts[j].name, argc, argv))
			continue;
		fprintf(stderr, "msocket-bench: %s...\n", parts[j].name);
		parts[j].run();
		fprintf(stderr, "msocket-bench: %s done in %.1f s (guest clock)\n", parts[j].name,
			(now_ns() - start) / 1e9);
	}
	print_goals();
	umount_stackfs(bench.dir);
	return 0;
}
