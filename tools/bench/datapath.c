// SPDX-License-Identifier: GPL-2.0
/*
 * Data path: TCP between two stacks joined by veth, 1-byte request/response
 * and bulk transfer, on sockets made by msocket against sockets made
 * inside the namespaces with setns. Each round measures three pairs in a
 * new random order: msocket, setns, and setns again. The second setns pair
 * against the first (an A/A comparison) is the noise; msocket meets the
 * goal when its ratio to setns lies within that noise (at least 1%).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>

#include "bench.h"
#include "netlink.h"

enum { MSOCKET, SETNS_A, SETNS_B, NPAIRS };

static char blue[128], red[128];
static int red_nsfd;

struct pair {
	int server, client;	/* connected TCP sockets */
};

static int setns_socket(int nsfd)
{
	int fd;

	if (setns(nsfd, CLONE_NEWNET))
		die("setns");
	fd = raw_socket(AF_INET, SOCK_STREAM, 0);
	if (setns(bench.self_nsfd, CLONE_NEWNET))
		die("setns back");
	return fd;
}

static void tcp_pair(struct pair *p, int srv, int cli, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;

	if (srv < 0 || cli < 0)
		die("socket");
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

	if (pthread_create(&t, NULL, echo_fn, p))
		die("pthread_create");
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

/* blue (the bench namespace) and red, joined by a veth pair: 10.8.0.1 and .2. */
static void setup(void)
{
	int nl;

	snprintf(blue, sizeof(blue), "%s/dp-blue", bench.dir);
	snprintf(red, sizeof(red), "%s/dp-red", bench.dir);
	red_nsfd = new_stack(red, 0600);
	if (red_nsfd < 0 || mkstack(blue, bench.nsfd, 0600))
		die("mkstack");
	nl = nl_open(blue);
	if (nl < 0 || nl_veth(nl, "dpblue", "dpred", red_nsfd) || nl_link_up(nl, "dpblue") ||
	    nl_addr(nl, stack_ifindex(blue, "dpblue"), "10.8.0.1", 24))
		die("veth blue");
	close(nl);
	nl = nl_open(red);
	if (nl < 0 || nl_link_up(nl, "dpred") ||
	    nl_addr(nl, stack_ifindex(red, "dpred"), "10.8.0.2", 24))
		die("veth red");
	close(nl);
}

static void row(const char *what, const double *m, const double *a, const double *b,
		const char *goal_name)
{
	struct ratio q = paired(m, a, bench.rounds), aa = paired(b, a, bench.rounds);
	double lo = aa.min < 0.99 ? aa.min : 0.99, hi = aa.max > 1.01 ? aa.max : 1.01;

	printf("| %s | %.1f | %.1f | %.3f (%.3f to %.3f) | %.3f (%.3f to %.3f) |\n", what,
	       median(m, bench.rounds), median(a, bench.rounds), q.median, q.min, q.max,
	       aa.median, aa.min, aa.max);
	goal_range(goal_name, q.median, lo, hi);
}

void bench_datapath(void)
{
	double rr[NPAIRS][MAX_ROUNDS], bulk[NPAIRS][MAX_ROUNDS];
	int order[NPAIRS] = { MSOCKET, SETNS_A, SETNS_B }, port = 8000, r, i;
	struct pair p;

	setup();
	for (r = 0; r < bench.rounds; r++) {
		shuffle(order, NPAIRS);
		for (i = 0; i < NPAIRS; i++) {
			int k = order[i];

			if (k == MSOCKET)
				tcp_pair(&p, sys_msocket(blue, AF_INET, SOCK_STREAM, 0),
					 sys_msocket(red, AF_INET, SOCK_STREAM, 0), port++);
			else
				tcp_pair(&p, setns_socket(bench.nsfd), setns_socket(red_nsfd),
					 port++);
			measure_pair(&p, bench.iterations / 4, 64, &rr[k][r], &bulk[k][r]);
		}
	}
	close(red_nsfd);

	printf("\n## Data path (TCP between two stacks over veth)\n\n");
	printf("%d rounds; each measures a pair of msocket sockets and two pairs made with ",
	       bench.rounds);
	printf("setns, in a new random order. Ratios per round: msocket / setns, and the ");
	printf("second setns pair / the first (the noise).\n\n");
	printf("| | msocket | setns | msocket / setns | setns / setns (noise) |\n");
	printf("|---|---|---|---|---|\n");
	row("transactions/s (1 byte)", rr[MSOCKET], rr[SETNS_A], rr[SETNS_B],
	    "data path, 1-byte transactions: msocket / setns, within noise");
	row("bulk MB/s", bulk[MSOCKET], bulk[SETNS_A], bulk[SETNS_B],
	    "data path, bulk: msocket / setns, within noise");
}
