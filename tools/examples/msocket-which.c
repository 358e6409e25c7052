// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msocket-which: which stack would this program's socket(2) use?
 *
 *   msocket-which [inet|inet6|unix]
 *	makes socket(FAMILY, SOCK_DGRAM, 0) through libmsocket (so the
 *	default stacks of MSOCKET_DEFAULTS apply) and prints the network
 *	namespace the socket is in, as "net:[ID]" (the ID of
 *	/proc/PID/ns/net and of `mstack ls -l`).
 *
 * Exit status: 0, or 1 with the failing call and its errno on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msocket.h>

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "inet";
	int domain = AF_INET, fd, nsfd;
	struct stat st;

	if (!strcmp(name, "inet6")) {
		domain = AF_INET6;
	} else if (!strcmp(name, "unix")) {
		domain = AF_UNIX;
	} else if (strcmp(name, "inet")) {
		fprintf(stderr, "usage: msocket-which [inet|inet6|unix]\n");
		return 2;
	}
	fd = socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "msocket-which: socket: %s\n", strerror(errno));
		return 1;
	}
	nsfd = ioctl(fd, SIOCGSKNS);
	if (nsfd < 0 || fstat(nsfd, &st)) {
		fprintf(stderr, "msocket-which: SIOCGSKNS: %s\n", strerror(errno));
		return 1;
	}
	printf("net:[%llu]\n", (unsigned long long)st.st_ino);
	return 0;
}
