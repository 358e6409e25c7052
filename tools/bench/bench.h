/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msocket-bench's shared parts: the variants a part times, rounds in a new
 * random order each time, per-round paired ratios, and the goals table.
 */
#ifndef MSOCKET_BENCH_H
#define MSOCKET_BENCH_H

#include <stdbool.h>
#include <sys/stat.h>

#include "msocket_test.h"	/* the raw ioctls, stackfs mounts, new namespaces */

#define MAX_ROUNDS 64
#define NO_FD (-2)		/* what a reference variant returns: it makes no socket */

/* One way of making (and closing) a socket, and what each round measured. */
struct variant {
	const char *name;
	int (*create)(void *ctx);	/* a socket fd to close, or NO_FD */
	void *ctx;
	bool in_stack;			/* timed from inside the bench namespace */
	double ns[MAX_ROUNDS];		/* per create + close, one per round */
};

/* A per-round ratio of two variants (or two figures): its median, min, max. */
struct ratio {
	double median, min, max;
};

/* The bench's setup, made once by main(). */
struct bench {
	int rounds, iterations;
	char dir[64];			/* the bench's own stackfs mount */
	char stack[128];		/* dir/bench, bound to the bench namespace */
	int stack_fd;			/* O_PATH on it */
	int stack_wfd;			/* O_WRONLY on it: the capability */
	unsigned long stack_tag;	/* its STACKFS_SOCKET_EXPECT and tag bits */
	struct stat stack_st;
	int nsfd, self_nsfd;		/* the bench namespace, and our own */
};

extern struct bench bench;

void die(const char *what);
double now_ns(void);
int raw_socket(int domain, int type, int protocol);

/* ns per create + close of @v over @n calls. */
double time_variant(struct variant *v, int n);
/* A warm-up, then bench.rounds rounds, each running @v in a new random order. */
void run_rounds(struct variant *v, int nv);
/* Its parts: a tenth of a round, untimed; round @r, in a new random order. */
void warm_up(struct variant *v, int nv);
void run_round(struct variant *v, int nv, int r);
/* Shuffles @order[0..n) (the bench's seeded generator). */
void shuffle(int *order, int n);

/* The per-round ratio num[r] / den[r] over bench.rounds rounds. */
struct ratio paired(const double *num, const double *den, int n);
struct ratio paired_variants(const struct variant *num, const struct variant *den);
double median(const double *v, int n);

/* A goal: @measured against @limit; @at_most: pass when measured <= limit. */
void goal(const char *what, double measured, bool at_most, double limit);
/* A goal met when @lo <= @measured <= @hi. */
void goal_range(const char *what, double measured, double lo, double hi);
void print_goals(void);

void bench_creation(void);
void bench_scale(void);
void bench_threads(void);
void bench_datapath(void);

/* The broker: a process in the bench namespace that passes sockets on. */
int broker_start(int nsfd);
int broker_socket(int domain, int type, int protocol);
void broker_stop(void);

#endif
