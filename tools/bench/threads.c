// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: creations per second from 1 and 2 threads, msocket by fd on
 * one stack file against socket(2). It means something only with two CPUs
 * that really run at once: under QEMU's -icount the CPUs take turns, so
 * with fewer than two CPUs online the part says so and measures nothing.
 */
#include <pthread.h>

#include "bench.h"

struct thread_arg {
	struct variant v;
	int n;
};

static int v_socket(void *ctx)
{
	return raw_socket(AF_INET, SOCK_STREAM, 0);
}

/* msocket's fast path: STACKFS_IOC_SOCKET on an fd open for writing. */
static int v_fd(void *ctx)
{
	return ioctl(bench.stack_wfd, STACKFS_IOC_SOCKET,
		     STACKFS_SOCKET_ARG(AF_INET, SOCK_STREAM, 0));
}

static void *thread_fn(void *p)
{
	struct thread_arg *a = p;

	time_variant(&a->v, a->n);
	return NULL;
}

/* Creations per second by @threads threads at once. */
static double throughput(int threads, int (*create)(void *ctx))
{
	struct thread_arg args[2];
	pthread_t t[2];
	double start = now_ns();
	int i;

	for (i = 0; i < threads; i++) {
		args[i] = (struct thread_arg){
			.v = { .name = "threads", .create = create },
			.n = bench.iterations,
		};
		if (pthread_create(&t[i], NULL, thread_fn, &args[i]))
			die("pthread_create");
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return threads * bench.iterations / ((now_ns() - start) / 1e9);
}

void bench_threads(void)
{
	/* Rates of: fd 1 thread, fd 2, socket(2) 1, socket(2) 2; each round in a new order. */
	double rate[4][MAX_ROUNDS];
	int order[4] = { 0, 1, 2, 3 }, r, i;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	printf("\n## Concurrency (creations per second from 1 and 2 threads)\n\n");
	if (cpus < 2) {
		printf("not measured: %ld CPU online (QEMU -icount runs CPUs in turn); ", cpus);
		printf("run this part on a VM with two CPUs\n");
		return;
	}
	for (r = 0; r < bench.rounds; r++) {
		shuffle(order, 4);
		for (i = 0; i < 4; i++)
			rate[order[i]][r] = throughput(order[i] % 2 + 1,
						       order[i] < 2 ? v_fd : v_socket);
	}
	printf("%ld CPUs; %d rounds of %d calls per thread; scaling is the per-round ratio ",
	       cpus, bench.rounds, bench.iterations);
	printf("of 2 threads to 1.\n\n");
	printf("| | 1 thread | 2 threads | scaling | min to max |\n|---|---|---|---|---|\n");
	for (i = 0; i < 2; i++) {
		struct ratio q = paired(rate[2 * i + 1], rate[2 * i], bench.rounds);

		printf("| %s | %.0f | %.0f | %.2f | %.2f to %.2f |\n",
		       i ? "socket(2)" : "msocket by fd, one stack file",
		       median(rate[2 * i], bench.rounds), median(rate[2 * i + 1], bench.rounds),
		       q.median, q.min, q.max);
	}
}
