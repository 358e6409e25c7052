// SPDX-License-Identifier: GPL-2.0
/*
 * static-netns: a statically linked program for selftests/preload.sh,
 * which LD_PRELOAD cannot reach. It prints the network namespace it runs
 * in and the interfaces a socket of its own sees there (if_nameindex(3),
 * through a netlink socket):
 *
 *	net:[4026532075] lo v-red
 *
 * With an argument NAME, it also prints NAME=VALUE of that variable of
 * its environment, or NAME unset.
 *
 * Exit status: 0, or 1 with the failing call and its errno on stderr.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct if_nameindex *ifs, *i;
	char ns[64];
	ssize_t len;

	len = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	if (len < 0) {
		fprintf(stderr, "static-netns: /proc/self/ns/net: %s\n", strerror(errno));
		return 1;
	}
	ns[len] = '\0';
	ifs = if_nameindex();
	if (!ifs) {
		fprintf(stderr, "static-netns: if_nameindex: %s\n", strerror(errno));
		return 1;
	}
	printf("%s", ns);
	for (i = ifs; i->if_index; i++)
		printf(" %s", i->if_name);
	printf("\n");
	if_freenameindex(ifs);
	if (argc > 1) {
		if (getenv(argv[1]))
			printf("%s=%s\n", argv[1], getenv(argv[1]));
		else
			printf("%s unset\n", argv[1]);
	}
	return 0;
}
