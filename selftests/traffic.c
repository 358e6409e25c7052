// SPDX-License-Identifier: GPL-2.0
/*
 * Two stacks joined by a veth pair, configured through rtnetlink sockets
 * made with msocket (no process enters either namespace), exchange TCP and
 * UDP over IPv4 and IPv6 through msocket sockets; the native stack cannot
 * reach them.
 */
#include <netinet/in.h>
#include <sys/time.h>

#include "netlink.h"
#include "kselftest_harness.h"

FIXTURE(veth) {
	char dir[64];
	char blue[128], red[128];
};

FIXTURE_SETUP(veth)
{
	int a, b, nl;

	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	snprintf(self->blue, sizeof(self->blue), "%s/blue", self->dir);
	snprintf(self->red, sizeof(self->red), "%s/red", self->dir);
	a = new_stack(self->blue, 0600);
	b = new_stack(self->red, 0600);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);

	/* veth vblue in blue, its peer vred created straight into red. */
	nl = nl_open(self->blue);
	ASSERT_LE(0, nl);
	ASSERT_EQ(0, nl_veth(nl, "vblue", "vred", b));
	ASSERT_EQ(0, nl_link_up(nl, "vblue"));
	ASSERT_EQ(0, nl_addr(nl, stack_ifindex(self->blue, "vblue"), "10.7.0.1", 24));
	ASSERT_EQ(0, nl_addr(nl, stack_ifindex(self->blue, "vblue"), "fd00:7::1", 64));
	close(nl);
	nl = nl_open(self->red);
	ASSERT_LE(0, nl);
	ASSERT_EQ(0, nl_link_up(nl, "vred"));
	ASSERT_EQ(0, nl_addr(nl, stack_ifindex(self->red, "vred"), "10.7.0.2", 24));
	ASSERT_EQ(0, nl_addr(nl, stack_ifindex(self->red, "vred"), "fd00:7::2", 64));
	close(nl);
	close(a);
	close(b);
}

FIXTURE_TEARDOWN(veth)
{
	umount_stackfs(self->dir);
}

static socklen_t make_addr(struct sockaddr_storage *ss, const char *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
		return sizeof(*s6);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	inet_pton(AF_INET, ip, &((struct sockaddr_in *)ss)->sin_addr);
	return sizeof(struct sockaddr_in);
}

static void set_timeout(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* TCP: a server in @server_stack at @ip, a client in @client_stack. */
static int tcp_exchange(const char *server_stack, const char *client_stack, const char *ip)
{
	struct sockaddr_storage addr, peer;
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	socklen_t len = make_addr(&addr, ip, 7070), plen = sizeof(peer);
	int srv, cli, conn, one = 1;
	char buf[64];

	srv = sys_msocket(server_stack, family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cli = sys_msocket(client_stack, family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0 || cli < 0)
		return 1;
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	set_timeout(cli);
	if (bind(srv, (struct sockaddr *)&addr, len) || listen(srv, 1))
		return 2;
	if (connect(cli, (struct sockaddr *)&addr, len))
		return 3;
	conn = accept4(srv, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (conn < 0)
		return 4;
	set_timeout(conn);
	if (write(cli, "ping", 4) != 4 || read(conn, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "ping", 4))
		return 5;
	if (write(conn, "pong", 4) != 4 || read(cli, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "pong", 4))
		return 6;
	close(conn);
	close(cli);
	close(srv);
	return 0;
}

static int udp_exchange(const char *a_stack, const char *a_ip,
			const char *b_stack, const char *b_ip)
{
	struct sockaddr_storage a_addr, b_addr, from;
	int family = strchr(a_ip, ':') ? AF_INET6 : AF_INET;
	socklen_t alen = make_addr(&a_addr, a_ip, 7071);
	socklen_t blen = make_addr(&b_addr, b_ip, 7072);
	socklen_t flen = sizeof(from);
	char buf[64];
	int a, b;

	a = sys_msocket(a_stack, family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	b = sys_msocket(b_stack, family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (a < 0 || b < 0)
		return 1;
	set_timeout(a);
	set_timeout(b);
	if (bind(a, (struct sockaddr *)&a_addr, alen) ||
	    bind(b, (struct sockaddr *)&b_addr, blen))
		return 2;
	if (sendto(a, "hello", 5, 0, (struct sockaddr *)&b_addr, blen) != 5)
		return 3;
	if (recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) != 5 ||
	    memcmp(buf, "hello", 5))
		return 4;
	if (sendto(b, "world", 5, 0, (struct sockaddr *)&from, flen) != 5 ||
	    recv(a, buf, sizeof(buf), 0) != 5 || memcmp(buf, "world", 5))
		return 5;
	close(a);
	close(b);
	return 0;
}

TEST_F(veth, tcp_ipv4_between_stacks)
{
	EXPECT_EQ(0, tcp_exchange(self->blue, self->red, "10.7.0.1"));
	EXPECT_EQ(0, tcp_exchange(self->red, self->blue, "10.7.0.2"));
}

TEST_F(veth, tcp_ipv6_between_stacks)
{
	EXPECT_EQ(0, tcp_exchange(self->blue, self->red, "fd00:7::1"));
}

TEST_F(veth, udp_ipv4_between_stacks)
{
	EXPECT_EQ(0, udp_exchange(self->blue, "10.7.0.1", self->red, "10.7.0.2"));
}

TEST_F(veth, udp_ipv6_between_stacks)
{
	EXPECT_EQ(0, udp_exchange(self->red, "fd00:7::2", self->blue, "fd00:7::1"));
}

TEST_F(veth, native_stack_cannot_reach_them)
{
	struct sockaddr_storage addr;
	socklen_t len = make_addr(&addr, "10.7.0.1", 7070);
	int fd = sys_msocket(NULL, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, len));
	EXPECT_EQ(ENETUNREACH, errno);
	close(fd);
}

TEST_HARNESS_MAIN
