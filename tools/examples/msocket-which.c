// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msocket-which: which stack would this program's socket(2) use?
 *
 *   msocket-which [inet|inet6|unix]
 *	makes socket(FAMILY, SOCK_DGRAM, 0) through libmsocket (so the
 *	default stacks of MSOCKET_DEFAULTS apply) and prints the network
 *	namespace the socket is in, as "netns-id:ID": the namespace's 64-bit
 *	id (NS_GET_ID of linux/nsfs.h on the nsfs fd SIOCGSKNS gives), the id
 *	STACKFS_IOC_NETNS_ID gives, `mstack ls -l` prints and listns(2)
 *	lists. It is not the nsfs inode number, the N of "net:[N]" in
 *	/proc/PID/ns/net and lsns(8), which is reused once a namespace is
 *	gone.
 *
 *   msocket-which -n NSFILE
 *	prints the id, in the same notation, of the namespace of the nsfs
 *	file NSFILE (/proc/self/ns/net, /run/netns/NAME), for comparisons.
 *
 * Exit status: 0, 2 for a bad command line, or 1 with the failing call
 * and its errno on stderr (ENOTTY from NS_GET_ID: a kernel without
 * namespace ids, before Linux 6.18).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <msocket.h>

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 13, uint64_t)
#endif

/* Prints the id of the namespace of the nsfs fd @nsfd, or fails. */
static int print_id(int nsfd, const char *what)
{
	uint64_t id;

	if (ioctl(nsfd, NS_GET_ID, &id)) {
		fprintf(stderr, "msocket-which: %s: NS_GET_ID: %s\n", what, strerror(errno));
		return 1;
	}
	printf("netns-id:%llu\n", (unsigned long long)id);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "inet";
	int domain = AF_INET, fd, nsfd;

	if (argc == 3 && !strcmp(argv[1], "-n")) {
		nsfd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			fprintf(stderr, "msocket-which: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return print_id(nsfd, argv[2]);
	}
	if (argc > 2)
		name = "";
	else if (!strcmp(name, "inet6"))
		domain = AF_INET6;
	else if (!strcmp(name, "unix"))
		domain = AF_UNIX;
	if (domain == AF_INET && strcmp(name, "inet")) {
		fprintf(stderr, "usage: msocket-which [inet|inet6|unix]\n"
				"       msocket-which -n NSFILE\n");
		return 2;
	}
	fd = socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "msocket-which: socket: %s\n", strerror(errno));
		return 1;
	}
	nsfd = ioctl(fd, SIOCGSKNS);
	if (nsfd < 0) {
		fprintf(stderr, "msocket-which: SIOCGSKNS: %s\n", strerror(errno));
		return 1;
	}
	return print_id(nsfd, "SIOCGSKNS");
}
