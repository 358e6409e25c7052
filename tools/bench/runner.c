// SPDX-License-Identifier: GPL-2.0
/*
 * The bench's method. A part runs its variants in rounds; each round runs
 * every variant once, in an order drawn afresh (so no variant always
 * follows the same ones: caches, freed sockets still waiting for RCU and
 * the slab's state differ with what ran just before). A figure is then the
 * median, min and max over the rounds of the ratio taken within each
 * round, never a ratio of medians: both runs of a pair saw the same state
 * of the machine. Each timed run starts after a short pause, so that no
 * run is charged with the deferred work of the one before it.
 */
#include <float.h>
#include <sys/syscall.h>
#include <time.h>

#include "bench.h"

struct bench bench;

static unsigned long long rng_state;

void die(const char *what)
{
	perror(what);
	exit(1);
}

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The raw system call: libmsocket's socket() would look for a default first. */
int raw_socket(int domain, int type, int protocol)
{
	return syscall(SYS_socket, domain, type, protocol);
}

/* xorshift64*, seeded from BENCH_SEED (default 1): a run can be repeated. */
static unsigned long long next_random(void)
{
	if (!rng_state) {
		rng_state = env_long("BENCH_SEED", 1);
		if (!rng_state)
			rng_state = 1;
	}
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

void shuffle(int *order, int n)
{
	int i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = next_random() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

double time_variant(struct variant *v, int n)
{
	double start, ns;
	int i, fd;

	if (v->in_stack && setns(bench.nsfd, CLONE_NEWNET))
		die("setns");
	/*
	 * A pause first, so that what the last variant left to the kernel's
	 * deferred work (RCU callbacks freeing its sockets, files and dentries)
	 * is done before this one's clock starts, not charged to it.
	 */
	usleep(20000);
	start = now_ns();
	for (i = 0; i < n; i++) {
		fd = v->create(v->ctx);
		if (fd == NO_FD)
			continue;
		if (fd < 0)
			die(v->name);
		close(fd);
	}
	ns = (now_ns() - start) / n;
	if (v->in_stack && setns(bench.self_nsfd, CLONE_NEWNET))
		die("setns back");
	return ns;
}

void warm_up(struct variant *v, int nv)
{
	int i;

	for (i = 0; i < nv; i++)
		time_variant(&v[i], bench.iterations / 10);
}

void run_round(struct variant *v, int nv, int r)
{
	int order[64], i;

	if (nv > 64 || r >= MAX_ROUNDS)
		die("too many variants or rounds");
	for (i = 0; i < nv; i++)
		order[i] = i;
	shuffle(order, nv);
	for (i = 0; i < nv; i++)
		v[order[i]].ns[r] = time_variant(&v[order[i]], bench.iterations);
}

void run_rounds(struct variant *v, int nv)
{
	int r;

	warm_up(v, nv);
	for (r = 0; r < bench.rounds; r++)
		run_round(v, nv, r);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

struct ratio paired(const double *num, const double *den, int n)
{
	struct ratio q = { .min = DBL_MAX, .max = 0 };
	double r[MAX_ROUNDS];
	int i;

	for (i = 0; i < n; i++) {
		r[i] = num[i] / den[i];
		if (r[i] < q.min)
			q.min = r[i];
		if (r[i] > q.max)
			q.max = r[i];
	}
	q.median = median(r, n);
	return q;
}

struct ratio paired_variants(const struct variant *num, const struct variant *den)
{
	return paired(num->ns, den->ns, bench.rounds);
}

/* --- goals ----------------------------------------------------------------- */

struct goal {
	char what[160];
	double measured, lo, hi;	/* pass: lo <= measured <= hi */
};

static struct goal goals[16];
static int ngoals;

void goal_range(const char *what, double measured, double lo, double hi)
{
	struct goal *g;

	if (ngoals == ARRAY_SIZE(goals))
		die("too many goals");
	g = &goals[ngoals++];
	snprintf(g->what, sizeof(g->what), "%s", what);
	g->measured = measured;
	g->lo = lo;
	g->hi = hi;
}

void goal(const char *what, double measured, bool at_most, double limit)
{
	if (at_most)
		goal_range(what, measured, -DBL_MAX, limit);
	else
		goal_range(what, measured, limit, DBL_MAX);
}

void print_goals(void)
{
	int i, passed = 0;

	if (!ngoals)
		return;
	printf("\n## Goals\n\n| goal | measured | limit | |\n|---|---|---|---|\n");
	for (i = 0; i < ngoals; i++) {
		struct goal *g = &goals[i];
		bool pass = g->lo <= g->measured && g->measured <= g->hi;
		char limit[64];

		if (g->lo == -DBL_MAX)
			snprintf(limit, sizeof(limit), "<= %.3f", g->hi);
		else if (g->hi == DBL_MAX)
			snprintf(limit, sizeof(limit), ">= %.3f", g->lo);
		else
			snprintf(limit, sizeof(limit), "%.3f to %.3f", g->lo, g->hi);
		passed += pass;
		printf("| %s | %.3f | %s | %s |\n", g->what, g->measured, limit,
		       pass ? "pass" : "MISS");
	}
	printf("\ngoals: %d passed, %d missed\n", passed, ngoals - passed);
}
