// SPDX-License-Identifier: GPL-2.0
/*
 * static-netns: a statically linked program for selftests/preload.sh,
 * which LD_PRELOAD cannot reach. It prints the network namespace it runs
 * in, by its 64-bit id (NS_GET_ID, as `mstack ls -l` prints it), and the
 * interfaces a socket of its own sees there (if_nameindex(3), through a
 * netlink socket):
 *
 *	netns-id:4097 lo v-red
 *
 * With an argument NAME, it also prints NAME=VALUE of that variable of
 * its environment, or NAME unset.
 *
 * Exit status: 0, or 1 with the failing call and its errno on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 13, __u64)
#endif

int main(int argc, char **argv)
{
	struct if_nameindex *ifs, *i;
	uint64_t id;
	int fd;

	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, NS_GET_ID, &id)) {
		fprintf(stderr, "static-netns: /proc/self/ns/net: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	ifs = if_nameindex();
	if (!ifs) {
		fprintf(stderr, "static-netns: if_nameindex: %s\n", strerror(errno));
		return 1;
	}
	printf("netns-id:%llu", (unsigned long long)id);
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
