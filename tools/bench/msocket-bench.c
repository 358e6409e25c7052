// SPDX-License-Identifier: GPL-2.0
/*
 * msocket-bench: what msocket costs, as ratios of runs taken side by side
 * in one process (absolute times under emulation mean little).
 *
 *   creation   create + close of a TCP socket: socket(2) in the caller's
 *              namespace (the floor), msocket by path, by an fd opened on
 *              the stack file, the native stack through /dev/msocket,
 *              libmsocket's msocket(NULL) with a default stack set (the
 *              seed API), and the setns dance of today's Linux (setns into
 *              the namespace, socket(), setns back)
 *   scale      msocket by path with 1, 100 and 10000 stacks in one stackfs,
 *              and with the stack file 8 directories deep; memory per stack
 *   threads    msocket by fd from 1 and 2 threads on one stack file
 *   data path  TCP request/response and bulk transfer between two stacks
 *              joined by veth: msocket sockets against setns-made ones
 *
 * Each figure is the median of ROUNDS rounds; within a round the variants
 * run interleaved, so drifts of the machine hit all of them alike.
 * Run as root in the VM: qemu/run --kernel perf --exec msocket-bench
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "netlink.h"
#include "msocket.h"	/* libmsocket, linked statically */

static int rounds = 7;
static int iterations = 20000;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* --- creation -------------------------------------------------------------- */

struct variant {
	const char *name;
	int (*create)(void *ctx);
	void *ctx;
	bool in_stack;		/* timed from inside the stack's namespace */
	double samples[64];
};

static const char *bench_stack;
static int bench_stack_fd;
static int bench_nsfd, self_nsfd;

/* The raw system call: libmsocket's socket() would look for a default first. */
static int raw_socket(int domain, int type, int protocol)
{
	return syscall(SYS_socket, domain, type, protocol);
}

static int v_socket(void *ctx)
{
	return raw_socket(AF_INET, SOCK_STREAM, 0);
}

static int v_path(void *ctx)
{
	return sys_msocket(ctx ? ctx : bench_stack, AF_INET, SOCK_STREAM, 0);
}

static int v_fd(void *ctx)
{
	return msocket_fd(bench_stack_fd, AF_INET, SOCK_STREAM, 0);
}

/* By fd as libmsocket names a default: with the identity it expects. */
static struct stat bench_stack_st;

static int v_fd_expect(void *ctx)
{
	return msocket_expect_at(bench_stack_fd, NULL, AT_EMPTY_PATH, &bench_stack_st,
				 MSOCKET_ARGS_SIZE_VER1, AF_INET, SOCK_STREAM);
}

static int v_native(void *ctx)
{
	return sys_msocket(NULL, AF_INET, SOCK_STREAM, 0);
}

/* Not a socket: a path lookup alone, for reference (returns -2, never an fd). */
static int v_stat(void *ctx)
{
	struct stat st;

	if (stat(bench_stack, &st))
		die("stat");
	return -2;
}

/* Not a socket: an ioctl /dev/msocket does not know, to time the dispatch. */
static int v_enotty(void *ctx)
{
	if (ioctl(msocket_dev(), _IO(MSOCKET_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
		die("unknown ioctl");
	return -2;
}

static int v_lib_path(void *ctx)
{
	return msocket(bench_stack, AF_INET, SOCK_STREAM, 0);
}

static int v_default(void *ctx)
{
	return msocket(NULL, AF_INET, SOCK_STREAM, 0);
}

static int v_setns(void *ctx)
{
	int fd;

	if (setns(bench_nsfd, CLONE_NEWNET))
		die("setns");
	fd = raw_socket(AF_INET, SOCK_STREAM, 0);
	if (setns(self_nsfd, CLONE_NEWNET))
		die("setns back");
	return fd;
}

/* ns per create+close of one variant, over @n iterations. */
static double time_variant(struct variant *v, int n)
{
	double start, ns;
	int i, fd;

	if (v->in_stack && setns(bench_nsfd, CLONE_NEWNET))
		die("setns");
	start = now_ns();

	for (i = 0; i < n; i++) {
		fd = v->create(v->ctx);
		if (fd == -2)
			continue;	/* a reference that makes no fd */
		if (fd < 0)
			die(v->name);
		close(fd);
	}
	ns = (now_ns() - start) / n;
	if (v->in_stack && setns(self_nsfd, CLONE_NEWNET))
		die("setns back");
	return ns;
}

static void run_variants(struct variant *v, int nv)
{
	int r, i;

	for (i = 0; i < nv; i++)	/* warm-up */
		time_variant(&v[i], iterations / 10);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nv; i++)
			v[i].samples[r] = time_variant(&v[i], iterations);
}

static void bench_creation(void)
{
	struct variant v[] = {
		{ .name = "socket(2), own namespace", .create = v_socket },
		{ .name = "msocket by path", .create = v_path },
		{ .name = "msocket by fd", .create = v_fd },
		{ .name = "msocket by fd, MSOCKET_EXPECT_STACK", .create = v_fd_expect },
		{ .name = "msocket, native stack (no path)", .create = v_native },
		{ .name = "libmsocket msocket(NULL), default set", .create = v_default },
		{ .name = "libmsocket msocket(path)", .create = v_lib_path },
		{ .name = "setns + socket + setns back", .create = v_setns },
		{ .name = "(reference: socket(2) inside the stack's namespace)",
		  .create = v_socket, .in_stack = true },
		{ .name = "(reference: stat(2) of the stack path, no socket)", .create = v_stat },
		{ .name = "(reference: an unknown ioctl on /dev/msocket, no socket)",
		  .create = v_enotty },
	};
	int nv = ARRAY_SIZE(v), i;
	double floor, setns_cost = 0, fd_cost = 1;

	run_variants(v, nv);
	printf("\n## Socket creation (TCP socket create + close; ");
	printf("median of %d rounds of %d)\n\n", rounds, iterations);
	printf("| variant | us per create+close | ratio to socket(2) |\n|---|---|---|\n");
	floor = median(v[0].samples, rounds);
	for (i = 0; i < nv; i++) {
		double m = median(v[i].samples, rounds);

		printf("| %s | %.2f | %.3f |\n", v[i].name, m / 1000, m / floor);
	}
	for (i = 0; i < nv; i++) {
		if (v[i].create == v_setns)
			setns_cost = median(v[i].samples, rounds);
		if (v[i].create == v_fd)
			fd_cost = median(v[i].samples, rounds);
	}
	printf("\nmsocket by fd is %.2fx faster than the setns dance\n", setns_cost / fd_cost);
}

/* --- scale ------------------------------------------------------------------ */

static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void bench_scale(const char *dir)
{
	static const int counts[] = { 1, 100, 10000 };
	char path[256], deep[256];
	struct variant v[4];
	int made = 0, c, i;
	long slab_before, slab_after;
	double base;

	snprintf(deep, sizeof(deep), "%s", dir);
	for (i = 1; i <= 8; i++) {
		snprintf(deep + strlen(deep), sizeof(deep) - strlen(deep), "/d%d", i);
		mkdir(deep, 0755);
	}
	strcat(deep, "/deep");
	if (mkstack(deep, bench_nsfd, 0600))
		die("mkstack deep");
	snprintf(path, sizeof(path), "%s/scale", dir);
	mkdir(path, 0755);

	printf("\n## Scale (msocket by path; median of %d rounds of %d)\n\n", rounds, iterations);
	printf("| stacks in the stackfs | us per create+close | ratio to 1 stack |\n");
	printf("|---|---|---|\n");
	slab_before = slab_kb();
	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		char *target = malloc(256);

		for (; made < counts[c]; made++) {
			snprintf(path, sizeof(path), "%s/scale/s%d", dir, made);
			if (mkstack(path, bench_nsfd, 0600))
				die("mkstack");
		}
		/* The stack used is the most recent: the others crowd the same directory. */
		snprintf(target, 256, "%s/scale/s%d", dir, made - 1);
		v[c] = (struct variant){ .name = "by path", .create = v_path, .ctx = target };
	}
	slab_after = slab_kb();
	v[3] = (struct variant){ .name = "deep", .create = v_path, .ctx = deep };
	run_variants(v, 4);
	base = median(v[0].samples, rounds);
	for (i = 0; i < 3; i++) {
		double m = median(v[i].samples, rounds);

		printf("| %d | %.2f | %.3f |\n", counts[i], m / 1000, m / base);
	}
	printf("| 10000, stack 8 directories deep | %.2f | %.3f |\n",
	       median(v[3].samples, rounds) / 1000, median(v[3].samples, rounds) / base);
	printf("\nmemory per stack file (slab growth over %d files, one namespace): %.0f bytes\n",
	       made - 1, (slab_after - slab_before) * 1024.0 / (made - 1));
}

/* --- threads ------------------------------------------------------------------ */

struct thread_arg {
	int n;
	int (*create)(void *ctx);
	double ns;
};

static void *thread_fn(void *p)
{
	struct thread_arg *a = p;
	struct variant v = { .name = "threaded", .create = a->create };

	a->ns = time_variant(&v, a->n);
	return NULL;
}

static double throughput(int threads, int (*create)(void *ctx))
{
	struct thread_arg args[2];
	pthread_t t[2];
	double start = now_ns(), elapsed;
	int i;

	for (i = 0; i < threads; i++) {
		args[i].n = iterations;
		args[i].create = create;
		pthread_create(&t[i], NULL, thread_fn, &args[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	elapsed = now_ns() - start;
	return threads * iterations / (elapsed / 1e9);
}

static void bench_threads(void)
{
	double one[64], two[64], sone[64], stwo[64];
	int r;

	for (r = 0; r < rounds; r++) {
		one[r] = throughput(1, v_fd);
		two[r] = throughput(2, v_fd);
		sone[r] = throughput(1, v_socket);
		stwo[r] = throughput(2, v_socket);
	}
	printf("\n## Concurrency (creations per second, 1 and 2 threads; median of %d rounds)\n\n",
	       rounds);
	printf("| threads | msocket by fd, one stack file | scaling | socket(2) | scaling |\n");
	printf("|---|---|---|---|---|\n");
	printf("| 1 | %.0f | 1.00 | %.0f | 1.00 |\n", median(one, rounds), median(sone, rounds));
	printf("| 2 | %.0f | %.2f | %.0f | %.2f |\n", median(two, rounds),
	       median(two, rounds) / median(one, rounds), median(stwo, rounds),
	       median(stwo, rounds) / median(sone, rounds));
}

/* --- data path ------------------------------------------------------------------ */

static int setns_socket(int nsfd, int type)
{
	int fd;

	if (setns(nsfd, CLONE_NEWNET))
		die("setns");
	fd = raw_socket(AF_INET, type, 0);
	if (setns(self_nsfd, CLONE_NEWNET))
		die("setns back");
	return fd;
}

struct pair {
	int server, client;	/* connected TCP sockets */
};

static void tcp_pair(struct pair *p, int srv, int cli, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;

	inet_pton(AF_INET, "10.8.0.1", &a.sin_addr);
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv, (struct sockaddr *)&a, sizeof(a)) || listen(srv, 1))
		die("bind/listen");
	if (connect(cli, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	p->server = accept(srv, NULL, NULL);
	if (p->server < 0)
		die("accept");
	close(srv);
	p->client = cli;
	setsockopt(p->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(p->server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void *echo_fn(void *arg)
{
	struct pair *p = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(p->server, buf, sizeof(buf))) > 0)
		if (n == 1 && write(p->server, buf, 1) != 1)
			break;
	return NULL;
}

/* Request/response transactions per second, then bulk MB/s, on @p. */
static void measure_pair(struct pair *p, int transactions, int mbytes, double *rr, double *bulk)
{
	static char chunk[65536];
	pthread_t t;
	double start;
	char c = 'x';
	int i;

	pthread_create(&t, NULL, echo_fn, p);
	start = now_ns();
	for (i = 0; i < transactions; i++)
		if (write(p->client, &c, 1) != 1 || read(p->client, &c, 1) != 1)
			die("transaction");
	*rr = transactions / ((now_ns() - start) / 1e9);
	start = now_ns();
	for (i = 0; i < mbytes * 16; i++)
		if (write(p->client, chunk, sizeof(chunk)) != sizeof(chunk))
			die("bulk");
	shutdown(p->client, SHUT_WR);
	pthread_join(t, NULL);
	*bulk = mbytes / ((now_ns() - start) / 1e9);
	close(p->client);
	close(p->server);
}

static void bench_datapath(const char *dir)
{
	char blue[256], red[256];
	double rr_m[64], rr_s[64], bulk_m[64], bulk_s[64];
	int b_nsfd, nl, r;
	struct pair p;

	snprintf(blue, sizeof(blue), "%s/dp-blue", dir);
	snprintf(red, sizeof(red), "%s/dp-red", dir);
	b_nsfd = new_stack(red, 0600);
	if (b_nsfd < 0 || mkstack(blue, bench_nsfd, 0600))
		die("mkstack");
	nl = nl_open(blue);
	if (nl < 0 || nl_veth(nl, "dpblue", "dpred", b_nsfd) || nl_link_up(nl, "dpblue") ||
	    nl_addr(nl, stack_ifindex(blue, "dpblue"), "10.8.0.1", 24))
		die("veth blue");
	close(nl);
	nl = nl_open(red);
	if (nl < 0 || nl_link_up(nl, "dpred") ||
	    nl_addr(nl, stack_ifindex(red, "dpred"), "10.8.0.2", 24))
		die("veth red");
	close(nl);

	/* Alternate which kind goes first, so that neither is always the cold one. */
	for (r = 0; r < 2 * rounds; r++) {
		int setns_turn = (r % 2) ^ ((r / 2) % 2);

		if (setns_turn)
			tcp_pair(&p, setns_socket(bench_nsfd, SOCK_STREAM),
				 setns_socket(b_nsfd, SOCK_STREAM), 8000 + r);
		else
			tcp_pair(&p, sys_msocket(blue, AF_INET, SOCK_STREAM, 0),
				 sys_msocket(red, AF_INET, SOCK_STREAM, 0), 8000 + r);
		measure_pair(&p, iterations / 4, 64,
			     setns_turn ? &rr_s[r / 2] : &rr_m[r / 2],
			     setns_turn ? &bulk_s[r / 2] : &bulk_m[r / 2]);
	}
	printf("\n## Data path (TCP between two stacks over veth; median of %d rounds)\n\n",
	       rounds);
	printf("| sockets made by | transactions/s (1 byte) | bulk MB/s |\n|---|---|---|\n");
	printf("| msocket | %.0f | %.1f |\n", median(rr_m, rounds), median(bulk_m, rounds));
	printf("| setns + socket | %.0f | %.1f |\n", median(rr_s, rounds), median(bulk_s, rounds));
	printf("| ratio msocket/setns | %.3f | %.3f |\n",
	       median(rr_m, rounds) / median(rr_s, rounds),
	       median(bulk_m, rounds) / median(bulk_s, rounds));
	close(b_nsfd);
}

int main(int argc, char **argv)
{
	char dir[64], stack[128];
	const char *only = argc > 1 ? argv[1] : "all";

	if (getenv("BENCH_ROUNDS"))
		rounds = atoi(getenv("BENCH_ROUNDS"));
	if (getenv("BENCH_ITERATIONS"))
		iterations = atoi(getenv("BENCH_ITERATIONS"));
	if (rounds < 1 || rounds > 64 || iterations < 10) {
		fprintf(stderr, "BENCH_ROUNDS must be 1..64, BENCH_ITERATIONS at least 10\n");
		return 2;
	}
	if (msocket_dev() < 0)
		die(MSOCKET_DEVICE);
	if (mount_stackfs(dir, sizeof(dir)))
		die("mount stackfs");
	self_nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(stack, sizeof(stack), "%s/bench", dir);
	bench_nsfd = new_stack(stack, 0600);
	if (self_nsfd < 0 || bench_nsfd < 0)
		die("the bench stack");
	bench_stack = stack;
	bench_stack_fd = open(stack, O_PATH | O_CLOEXEC);
	if (bench_stack_fd < 0 || fstat(bench_stack_fd, &bench_stack_st))
		die("open stack");
	if (msocket(stack, AF_INET, SOCK_DEFAULT, 0))
		die("msocket SOCK_DEFAULT");

	printf("# msocket-bench: %d rounds of %d iterations\n", rounds, iterations);
	if (!strcmp(only, "all") || !strcmp(only, "creation"))
		bench_creation();
	if (!strcmp(only, "all") || !strcmp(only, "scale"))
		bench_scale(dir);
	if (!strcmp(only, "all") || !strcmp(only, "threads"))
		bench_threads();
	if (!strcmp(only, "all") || !strcmp(only, "datapath"))
		bench_datapath(dir);
	umount_stackfs(dir);
	return 0;
}
