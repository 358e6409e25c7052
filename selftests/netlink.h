/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A little rtnetlink for the selftests: links (veth, dummy), link state and
 * addresses, driven through a NETLINK_ROUTE socket, which the tests create
 * with msocket in the stack they configure, without entering it.
 */
#ifndef MSOCKET_NETLINK_H
#define MSOCKET_NETLINK_H

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "msocket_test.h"

struct nl_req {
	struct nlmsghdr n;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	};
	char buf[1024];
};

static inline struct rtattr *nl_tail(struct nlmsghdr *n)
{
	return (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
}

static inline void nl_attr(struct nlmsghdr *n, int type, const void *data, int len)
{
	struct rtattr *rta = nl_tail(n);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static inline struct rtattr *nl_nest(struct nlmsghdr *n, int type)
{
	struct rtattr *nest = nl_tail(n);

	nl_attr(n, type, NULL, 0);
	return nest;
}

static inline void nl_nest_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (char *)nl_tail(n) - (char *)nest;
}

/* Sends @n on the NETLINK_ROUTE socket @fd and waits for its ack: 0 or -errno. */
static inline int nl_talk(int fd, struct nlmsghdr *n)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char reply[4096];
	struct nlmsghdr *h;
	ssize_t len;

	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq++;
	if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		len = recv(fd, reply, sizeof(reply), 0);
		if (len < 0)
			return -errno;
		for (h = (struct nlmsghdr *)reply; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static inline void nl_link_msg(struct nl_req *r, int type, int flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = flags;
	r->ifi.ifi_family = AF_UNSPEC;
}

/* A rtnetlink socket in the stack at @path (NULL: the native stack). */
static inline int nl_open(const char *path)
{
	return sys_msocket(path, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* A veth pair @name/@peer; the peer goes to the namespace @peer_nsfd (-1: same). */
static inline int nl_veth(int fd, const char *name, const char *peer, int peer_nsfd)
{
	struct rtattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	struct nl_req r;

	nl_link_msg(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_nest(&r.n, IFLA_LINKINFO);
	nl_attr(&r.n, IFLA_INFO_KIND, "veth", 4);
	data = nl_nest(&r.n, IFLA_INFO_DATA);
	peerinfo = nl_tail(&r.n);
	nl_attr(&r.n, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&r.n, IFLA_IFNAME, peer, strlen(peer) + 1);
	if (peer_nsfd >= 0)
		nl_attr(&r.n, IFLA_NET_NS_FD, &peer_nsfd, sizeof(peer_nsfd));
	nl_nest_end(&r.n, peerinfo);
	nl_nest_end(&r.n, data);
	nl_nest_end(&r.n, linkinfo);
	return nl_talk(fd, &r.n);
}

/* A dummy link @name. */
static inline int nl_dummy(int fd, const char *name)
{
	struct rtattr *linkinfo;
	struct nl_req r;

	nl_link_msg(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_attr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_nest(&r.n, IFLA_LINKINFO);
	nl_attr(&r.n, IFLA_INFO_KIND, "dummy", 5);
	nl_nest_end(&r.n, linkinfo);
	return nl_talk(fd, &r.n);
}

/* Sets link @name up. */
static inline int nl_link_up(int fd, const char *name)
{
	struct nl_req r;

	nl_link_msg(&r, RTM_NEWLINK, 0);
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	nl_attr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_talk(fd, &r.n);
}

/* Does link @name exist in the socket's namespace? 0, or -ENODEV. */
static inline int nl_link_get(int fd, const char *name)
{
	struct nl_req r;

	nl_link_msg(&r, RTM_GETLINK, 0);
	nl_attr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_talk(fd, &r.n);
}

/* Adds @addr/@prefix (IPv4 or IPv6 text) to the link with index @ifindex. */
static inline int nl_addr(int fd, int ifindex, const char *addr, int prefix)
{
	unsigned char bin[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	struct nl_req r;

	if (inet_pton(family, addr, bin) != 1)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.n.nlmsg_type = RTM_NEWADDR;
	r.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.ifa.ifa_family = family;
	r.ifa.ifa_prefixlen = prefix;
	r.ifa.ifa_index = ifindex;
	/* No duplicate address detection: usable at once. */
	r.ifa.ifa_flags = IFA_F_NODAD;
	nl_attr(&r.n, IFA_LOCAL, bin, family == AF_INET ? 4 : 16);
	nl_attr(&r.n, IFA_ADDRESS, bin, family == AF_INET ? 4 : 16);
	return nl_talk(fd, &r.n);
}

/* The index of link @name in the stack at @path (through SIOCGIFINDEX), or 0. */
static inline int stack_ifindex(const char *path, const char *name)
{
	struct ifreq ifr = { 0 };
	int sock = sys_msocket(path, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int index = 0;

	if (sock < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFINDEX, &ifr) == 0)
		index = ifr.ifr_ifindex;
	close(sock);
	return index;
}

#endif /* MSOCKET_NETLINK_H */
