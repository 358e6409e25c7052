// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msocket-tcp: a TCP server and client on libmsocket, written the way the
 * msocket proposal's two examples are.
 *
 *   msocket-tcp serve STACK ADDRESS PORT
 *	fd = msocket(STACK, AF_INET, SOCK_STREAM, 0), then bind, listen,
 *	accept one connection, print what it says, answer "got N bytes".
 *   msocket-tcp send STACK ADDRESS PORT TEXT
 *	msocket(STACK, AF_INET, SOCK_DEFAULT, 0), then a plain
 *	socket(AF_INET, SOCK_STREAM, 0), which is in STACK; connect, send
 *	TEXT, print the answer.
 *
 * ADDRESS may be IPv6 (AF_INET6 then). Each call is printed as it is made.
 * Exit status: 0, or 1 with the failing call and its errno on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msocket.h>

static const char *prog = "msocket-tcp";

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	return 1;
}

/* @address and @port as a sockaddr; the family in @domain. */
static int make_addr(const char *address, const char *port,
		     struct sockaddr_storage *ss, socklen_t *len, int *domain)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	int n = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(n);
		*len = sizeof(*in);
	} else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(n);
		*len = sizeof(*in6);
	} else {
		fprintf(stderr, "%s: %s: not an IPv4 or IPv6 address\n", prog, address);
		return -1;
	}
	*domain = ss->ss_family;
	return 0;
}

static const char *family_name(int domain)
{
	return domain == AF_INET ? "AF_INET" : "AF_INET6";
}

static int serve(const char *stack, struct sockaddr_storage *ss, socklen_t len, int domain)
{
	int fd, conn, one = 1, err;
	char buf[512];
	ssize_t n;

	fd = msocket(stack, domain, SOCK_STREAM, 0);
	err = errno;	/* printf may change errno */
	printf("server: msocket(\"%s\", %s, SOCK_STREAM, 0) = %d\n", stack,
	       family_name(domain), fd);
	errno = err;
	if (fd < 0)
		return fail("msocket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, len) < 0)
		return fail("bind");
	if (listen(fd, 1) < 0)
		return fail("listen");
	printf("server: listening\n");
	fflush(stdout);
	conn = accept(fd, NULL, NULL);
	if (conn < 0)
		return fail("accept");
	n = read(conn, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail("read");
	buf[n] = '\0';
	printf("server: received \"%s\"\n", buf);
	snprintf(buf, sizeof(buf), "got %zd bytes", n);
	if (write(conn, buf, strlen(buf)) < 0)
		return fail("write");
	close(conn);
	close(fd);
	return 0;
}

static int send_text(const char *stack, struct sockaddr_storage *ss, socklen_t len,
		     int domain, const char *text)
{
	char buf[512];
	ssize_t n;
	int fd, err;

	if (msocket(stack, domain, SOCK_DEFAULT, 0) < 0)
		return fail("msocket SOCK_DEFAULT");
	printf("client: msocket(\"%s\", %s, SOCK_DEFAULT, 0) = 0\n", stack, family_name(domain));
	fd = socket(domain, SOCK_STREAM, 0);
	err = errno;	/* printf may change errno */
	printf("client: socket(%s, SOCK_STREAM, 0) = %d (in %s)\n", family_name(domain), fd,
	       stack);
	errno = err;
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)ss, len) < 0)
		return fail("connect");
	if (write(fd, text, strlen(text)) < 0)
		return fail("write");
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail("read");
	buf[n] = '\0';
	printf("client: the server answered \"%s\"\n", buf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int domain;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "serve")) {
		if (make_addr(argv[3], argv[4], &ss, &len, &domain))
			return 1;
		return serve(argv[2], &ss, len, domain);
	}
	if (argc == 6 && !strcmp(argv[1], "send")) {
		if (make_addr(argv[3], argv[4], &ss, &len, &domain))
			return 1;
		return send_text(argv[2], &ss, len, domain, argv[5]);
	}
	fprintf(stderr, "usage: %s serve STACK ADDRESS PORT\n"
		"       %s send STACK ADDRESS PORT TEXT\n", prog, prog);
	return 2;
}
