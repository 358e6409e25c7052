// SPDX-License-Identifier: GPL-2.0
/*
 * MSOCKET_IOC_SOCKET: sockets made in the namespace of a stack file, by
 * path or by fd, or in the caller's own; SOCK_DEFAULT checks; every errno
 * of the call; permissions; and every family: inet, inet6, unix, netlink,
 * packet. The sockets are ordinary: epoll, fork, exec, SCM_RIGHTS.
 */
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "netlink.h"
#include "kselftest_harness.h"

FIXTURE(stacks) {
	char dir[64];
	char blue[128];		/* stack file of namespace A */
	char red[128];		/* stack file of namespace B */
	uint64_t blue_id, red_id, native_id;
};

FIXTURE_SETUP(stacks)
{
	int a, b;

	umask(022);
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	snprintf(self->blue, sizeof(self->blue), "%s/blue", self->dir);
	snprintf(self->red, sizeof(self->red), "%s/red", self->dir);
	a = new_stack(self->blue, 0644);
	b = new_stack(self->red, 0644);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	self->blue_id = ns_id_of_fd(a);
	self->red_id = ns_id_of_fd(b);
	self->native_id = ns_id_of_path("/proc/self/ns/net");
	close(a);
	close(b);
}

FIXTURE_TEARDOWN(stacks)
{
	umount_stackfs(self->dir);
}

static const struct {
	int domain, type, protocol;
} families[] = {
	{ AF_INET, SOCK_STREAM, 0 },
	{ AF_INET, SOCK_DGRAM, 0 },
	{ AF_INET6, SOCK_STREAM, 0 },
	{ AF_INET6, SOCK_DGRAM, 0 },
	{ AF_UNIX, SOCK_STREAM, 0 },
	{ AF_UNIX, SOCK_DGRAM, 0 },
	{ AF_NETLINK, SOCK_RAW, NETLINK_ROUTE },
	{ AF_PACKET, SOCK_RAW, 0 },
	{ AF_INET, SOCK_RAW, IPPROTO_ICMP },
};

TEST_F(stacks, socket_is_in_the_stack_namespace)
{
	int i, fd, domain, type, protocol;
	socklen_t len = sizeof(int);

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		fd = sys_msocket(self->blue, families[i].domain, families[i].type,
				 families[i].protocol);
		ASSERT_LE(0, fd) TH_LOG("family %d type %d: %s", families[i].domain,
					families[i].type, strerror(errno));
		EXPECT_EQ(self->blue_id, socket_ns_id(fd));
		EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len));
		EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len));
		EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len));
		EXPECT_EQ(families[i].domain, domain);
		EXPECT_EQ(families[i].type, type);
		close(fd);

		fd = sys_msocket(self->red, families[i].domain, families[i].type,
				 families[i].protocol);
		ASSERT_LE(0, fd);
		EXPECT_EQ(self->red_id, socket_ns_id(fd));
		close(fd);
	}
	EXPECT_NE(self->blue_id, self->red_id);
	EXPECT_NE(self->native_id, self->blue_id);
}

TEST_F(stacks, no_path_is_the_native_stack)
{
	int fd = sys_msocket(NULL, AF_INET, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(self->native_id, socket_ns_id(fd));
	close(fd);
}

TEST_F(stacks, by_fd_dirfd_and_empty_path)
{
	int pathfd, rdfd, dirfd, fd;

	pathfd = open(self->blue, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, pathfd);
	fd = msocket_fd(pathfd, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	/* AT_EMPTY_PATH with "" works as well as with no path. */
	fd = msocket_at(pathfd, "", AT_EMPTY_PATH, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	/* Without AT_EMPTY_PATH an empty path is ENOENT, as for openat. */
	EXPECT_EQ(-1, msocket_at(pathfd, "", 0, AF_INET, SOCK_DGRAM, 0));
	EXPECT_EQ(ENOENT, errno);

	rdfd = open(self->red, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rdfd);
	fd = msocket_fd(rdfd, AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->red_id, socket_ns_id(fd));
	close(fd);

	dirfd = open(self->dir, O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirfd);
	fd = msocket_at(dirfd, "red", 0, AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->red_id, socket_ns_id(fd));
	close(fd);

	/* An fd that stays valid after the stack file is renamed away. */
	ASSERT_EQ(0, unlink(self->blue));
	fd = msocket_fd(pathfd, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	close(dirfd);
	close(rdfd);
	close(pathfd);
}

TEST_F(stacks, symlinks_followed_unless_nofollow)
{
	char tmp[] = "/tmp/msocket-link.XXXXXX", link[64];
	int fd;

	ASSERT_NE(NULL, mkdtemp(tmp));
	snprintf(link, sizeof(link), "%s/link", tmp);
	ASSERT_EQ(0, symlink(self->blue, link));
	fd = sys_msocket(link, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
	EXPECT_EQ(-1, msocket_at(AT_FDCWD, link, AT_SYMLINK_NOFOLLOW, AF_INET,
				 SOCK_STREAM, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	unlink(link);
	rmdir(tmp);
}

TEST_F(stacks, sock_nonblock_and_cloexec)
{
	int fd;

	fd = sys_msocket(self->blue, AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	fd = sys_msocket(self->blue, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(stacks, sock_default_creates_nothing)
{
	int before = dup(0), after;

	close(before);
	EXPECT_EQ(0, sys_msocket(self->blue, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, sys_msocket(self->blue, AF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, sys_msocket(self->blue, AF_INET6, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, sys_msocket(self->blue, AF_PACKET, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, sys_msocket(NULL, AF_INET, SOCK_DEFAULT, 0));
	after = dup(0);
	EXPECT_EQ(before, after);	/* no fd was used */
	close(after);

	EXPECT_EQ(-1, sys_msocket(self->blue, 45 /* AF_MCTP: not built */, SOCK_DEFAULT, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, 1000, SOCK_DEFAULT, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_INET, SOCK_DEFAULT, 6));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_INET, SOCK_DEFAULT | SOCK_CLOEXEC, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_msocket("/nonexistent/stack", AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, sys_msocket("/dev/null", AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(stacks, errors)
{
	char file[] = "/tmp/msocket-file.XXXXXX";
	int fd;

	EXPECT_EQ(-1, sys_msocket("/nonexistent", AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOENT, errno);
	fd = mkstemp(file);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-1, sys_msocket(file, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	unlink(file);
	EXPECT_EQ(-1, sys_msocket("/dev/null", AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, sys_msocket(self->dir, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, msocket_fd(-1, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EBADF, errno);

	EXPECT_EQ(-1, sys_msocket(self->blue, 45, SOCK_STREAM, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, -1, SOCK_STREAM, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* type -1: EINVAL for a family the stack has, EAFNOSUPPORT if not. */
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_INET, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_UNIX, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, 45, -1, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_INET, 12, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_INET, SOCK_STREAM | 0x100, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Errors of the family itself come through unchanged. */
	EXPECT_EQ(-1, sys_msocket(self->blue, AF_INET, SOCK_STREAM, IPPROTO_UDP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);

	EXPECT_EQ(-1, sys_msocket((const char *)16, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, msocket_at(AT_FDCWD, self->blue, 0x2, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EINVAL, errno);
}

/* An AF_INET datagram socket, expecting the stack file @st describes. */
static int msocket_expect(int dirfd, const char *path, unsigned int flags,
			  const struct stat *st, uint32_t size)
{
	return msocket_expect_at(dirfd, path, flags, st, size, AF_INET, SOCK_DGRAM);
}

/*
 * MSOCKET_EXPECT_STACK: the call names the stack it expects (st_dev and
 * st_ino) and gets ESTALE if the fd or path now leads elsewhere or the
 * file was unlinked, which is how libmsocket keeps default stacks open.
 */
TEST_F(stacks, expect_stack_identity)
{
	struct stat blue, red, other;
	char moved[160];
	int fd, sock, nul;

	fd = open(self->blue, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &blue));
	ASSERT_EQ(0, stat(self->red, &red));
	/* The right file, by fd and by path. */
	sock = msocket_expect(fd, NULL, AT_EMPTY_PATH, &blue, MSOCKET_ARGS_SIZE_VER1);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->blue_id, socket_ns_id(sock));
	close(sock);
	sock = msocket_expect(AT_FDCWD, self->blue, 0, &blue, MSOCKET_ARGS_SIZE_VER1);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->blue_id, socket_ns_id(sock));
	close(sock);
	/* Another stack file, another inode number, another device. */
	EXPECT_EQ(-1, msocket_expect(AT_FDCWD, self->red, 0, &blue, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(ESTALE, errno);
	other = blue;
	other.st_ino++;
	EXPECT_EQ(-1, msocket_expect(fd, NULL, AT_EMPTY_PATH, &other, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(ESTALE, errno);
	other = blue;
	other.st_dev = makedev(major(blue.st_dev), minor(blue.st_dev) + 1);
	EXPECT_EQ(-1, msocket_expect(fd, NULL, AT_EMPTY_PATH, &other, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(ESTALE, errno);
	/* The fields need the second version of the struct; no stack, no file. */
	EXPECT_EQ(-1, msocket_expect(fd, NULL, AT_EMPTY_PATH, &blue, MSOCKET_ARGS_SIZE_VER0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket_expect(AT_FDCWD, NULL, 0, &blue, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(EINVAL, errno);
	/* An fd number reused for a file that is no stack: ESTALE first. */
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nul);
	EXPECT_EQ(-1, msocket_expect(nul, NULL, AT_EMPTY_PATH, &blue, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(ESTALE, errno);
	close(nul);
	/* Renamed: the same file, still linked. */
	snprintf(moved, sizeof(moved), "%s/moved", self->dir);
	ASSERT_EQ(0, rename(self->blue, moved));
	sock = msocket_expect(fd, NULL, AT_EMPTY_PATH, &blue, MSOCKET_ARGS_SIZE_VER1);
	ASSERT_LE(0, sock);
	close(sock);
	/* Replaced by a rename over it, or unlinked: ESTALE, while the fd alone still works. */
	ASSERT_EQ(0, rename(self->red, moved));
	EXPECT_EQ(-1, msocket_expect(fd, NULL, AT_EMPTY_PATH, &blue, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(ESTALE, errno);
	sock = msocket_fd(fd, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, sock);
	EXPECT_EQ(self->blue_id, socket_ns_id(sock));
	close(sock);
	ASSERT_EQ(0, unlink(moved));
	EXPECT_EQ(-1, msocket_expect(AT_FDCWD, moved, 0, &red, MSOCKET_ARGS_SIZE_VER1));
	EXPECT_EQ(ENOENT, errno);
	close(fd);
}

TEST_F(stacks, argument_sizes)
{
	struct {
		struct msocket_args args;
		uint64_t extension;
	} big = { 0 };
	struct msocket_args args = {
		.dirfd = AT_FDCWD, .domain = AF_INET, .type = SOCK_DGRAM,
		.path = (uintptr_t)self->blue,
	};
	int fd;

	args.size = MSOCKET_ARGS_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &args));
	EXPECT_EQ(EINVAL, errno);
	args.size = 8192;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &args));
	EXPECT_EQ(E2BIG, errno);
	big.args = args;
	big.args.size = sizeof(big);
	big.extension = 7;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &big));
	EXPECT_EQ(E2BIG, errno);
	big.extension = 0;
	fd = ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &big);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->blue_id, socket_ns_id(fd));
	close(fd);
}

static int fill_fd_table(void *arg)
{
	const char *stack = arg;
	struct rlimit lim;
	int fd;

	msocket_dev();
	/* Fill every slot below the new limit. */
	while ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd < 63)
		;
	lim.rlim_cur = 64;
	lim.rlim_max = 64;
	if (setrlimit(RLIMIT_NOFILE, &lim))
		return 1;
	if (sys_msocket(stack, AF_INET, SOCK_STREAM, 0) != -1)
		return 2;
	return errno == EMFILE ? 0 : 3;
}

TEST_F(stacks, fd_table_full_is_emfile)
{
	EXPECT_EQ(0, run_as(0, fill_fd_table, self->blue));
}

struct perm_case {
	const char *stack;
	int domain, type, protocol;
	int want_errno;		/* 0: must succeed */
};

static int try_socket(void *arg)
{
	struct perm_case *c = arg;
	int fd = sys_msocket(c->stack, c->domain, c->type, c->protocol);

	/* (Which namespace it is in was checked as root: SIOCGSKNS needs CAP_NET_ADMIN.) */
	if (c->want_errno == 0)
		return fd >= 0 ? 0 : 10 + errno;
	return fd == -1 && errno == c->want_errno ? 0 : 100 + (fd < 0 ? errno : 0);
}

static int try_socket_by_fd(void *arg)
{
	struct perm_case *c = arg;
	int pathfd = open(c->stack, O_PATH | O_CLOEXEC);
	int fd = msocket_fd(pathfd, c->domain, c->type, c->protocol);

	if (c->want_errno == 0)
		return fd >= 0 ? 0 : 10 + errno;
	return fd == -1 && errno == c->want_errno ? 0 : 100 + (fd < 0 ? errno : 0);
}

TEST_F(stacks, permissions_for_unprivileged_users)
{
	struct perm_case c = { self->blue, AF_INET, SOCK_STREAM, 0, EACCES };

	/* root's 0644 stack: others may read it but not make sockets. */
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	EXPECT_EQ(0, run_as(TEST_UID, try_socket_by_fd, &c));
	c.type = SOCK_DEFAULT;
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	c.type = SOCK_STREAM;

	/* chmod o+w grants it. */
	ASSERT_EQ(0, chmod(self->blue, 0646));
	c.want_errno = 0;
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	EXPECT_EQ(0, run_as(TEST_UID, try_socket_by_fd, &c));

	/* Owner-only after chown: the owner may, another user may not. */
	ASSERT_EQ(0, chmod(self->blue, 0600));
	ASSERT_EQ(0, chown(self->blue, TEST_UID, TEST_GID));
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	c.want_errno = EACCES;
	EXPECT_EQ(0, run_as(OTHER_UID, try_socket, &c));

	/* A directory the user cannot search hides the stack. */
	ASSERT_EQ(0, chmod(self->dir, 0700));
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	ASSERT_EQ(0, chmod(self->dir, 0755));
}

TEST_F(stacks, raw_and_packet_need_cap_net_raw)
{
	struct perm_case c = { self->blue, AF_INET, SOCK_RAW, IPPROTO_ICMP, EPERM };

	ASSERT_EQ(0, chmod(self->blue, 0666));
	/* May use the stack, but has no CAP_NET_RAW over its namespace. */
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	c.domain = AF_PACKET;
	c.type = SOCK_RAW;
	c.protocol = 0;
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
	/* Ordinary sockets are fine. */
	c.domain = AF_INET;
	c.type = SOCK_DGRAM;
	c.want_errno = 0;
	EXPECT_EQ(0, run_as(TEST_UID, try_socket, &c));
}

static int raw_in_own_namespace(void *arg)
{
	char *dir = arg, path[160];
	int nsfd, fd;

	if (enter_userns(CLONE_NEWNET))
		return 1;
	nsfd = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "%s/user/own", dir);
	if (mkstack(path, nsfd, 0600))
		return 2;
	/* Back in... nothing: stay in the user namespace, it owns the netns. */
	fd = sys_msocket(path, AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return 10 + errno;
	return socket_ns_id(fd) == ns_id_of_fd(nsfd) ? 0 : 4;
}

TEST_F(stacks, raw_allowed_in_own_user_namespace)
{
	char sub[160];

	snprintf(sub, sizeof(sub), "%s/user", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	ASSERT_EQ(0, chown(sub, TEST_UID, TEST_GID));
	EXPECT_EQ(0, run_as(TEST_UID, raw_in_own_namespace, self->dir));
}

static int bind_abstract(const char *stack, const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = sys_msocket(stack, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memcpy(addr.sun_path + 1, name, strlen(name));
	if (bind(fd, (struct sockaddr *)&addr,
		 offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(stacks, unix_abstract_names_are_per_stack)
{
	int a, b, c;

	a = bind_abstract(self->blue, "msocket-selftest");
	ASSERT_LE(0, a);
	b = bind_abstract(self->red, "msocket-selftest");
	ASSERT_LE(0, b) TH_LOG("same abstract name in another stack: %s", strerror(errno));
	c = bind_abstract(self->blue, "msocket-selftest");
	EXPECT_EQ(-1, c);
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	close(b);
}

TEST_F(stacks, netlink_configures_a_stack_from_outside)
{
	int blue = nl_open(self->blue), native = nl_open(NULL);

	ASSERT_LE(0, blue);
	ASSERT_LE(0, native);
	ASSERT_EQ(0, nl_dummy(blue, "msdummy0"));
	ASSERT_EQ(0, nl_link_up(blue, "msdummy0"));
	EXPECT_EQ(0, nl_link_get(blue, "msdummy0"));
	EXPECT_EQ(-ENODEV, nl_link_get(native, "msdummy0"));
	EXPECT_LT(0, stack_ifindex(self->blue, "msdummy0"));
	EXPECT_EQ(0, stack_ifindex(self->red, "msdummy0"));
	EXPECT_EQ(0, nl_addr(blue, stack_ifindex(self->blue, "msdummy0"), "10.9.0.1", 24));
	close(blue);
	close(native);
}

TEST_F(stacks, packet_socket_watches_stack_traffic)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9999) };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL) };
	char frame[2048], payload[] = "msocket-packet-probe";
	int packet, udp, i, seen = 0;
	struct pollfd pfd;
	ssize_t n;

	packet = sys_msocket(self->blue, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	ASSERT_LE(0, packet);
	ll.sll_ifindex = stack_ifindex(self->blue, "lo");
	ASSERT_LT(0, ll.sll_ifindex);
	ASSERT_EQ(0, bind(packet, (struct sockaddr *)&ll, sizeof(ll)));
	udp = sys_msocket(self->blue, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, udp);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(sizeof(payload), sendto(udp, payload, sizeof(payload), 0,
					  (struct sockaddr *)&to, sizeof(to)));
	pfd.fd = packet;
	pfd.events = POLLIN;
	for (i = 0; i < 20 && !seen && poll(&pfd, 1, 1000) > 0; i++) {
		n = recv(packet, frame, sizeof(frame), 0);
		if (n > 0 && memmem(frame, n, payload, sizeof(payload)))
			seen = 1;
	}
	EXPECT_TRUE(seen);
	close(udp);
	close(packet);
}

TEST_F(stacks, sockets_are_ordinary_fds)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg;
	int sv[2], ep, fd, got;
	pid_t pid;

	fd = sys_msocket(self->blue, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);

	/* epoll */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	close(ep);

	/* SCM_RIGHTS to a forked child, which checks the namespace. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct msghdr in = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };

		if (recvmsg(sv[1], &in, 0) != 1)
			_exit(1);
		cmsg = CMSG_FIRSTHDR(&in);
		if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
			_exit(2);
		memcpy(&got, CMSG_DATA(cmsg), sizeof(got));
		_exit(socket_ns_id(got) == self->blue_id ? 0 : 3);
	}
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	ASSERT_EQ(1, sendmsg(sv[0], &msg, 0));
	EXPECT_EQ(0, wait_exit(pid));
	close(sv[0]);
	close(sv[1]);
	close(fd);

	/* Across exec (no SOCK_CLOEXEC): the new program sees the same socket. */
	fd = sys_msocket(self->blue, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "readlink /proc/self/fd/%d | grep -q '^socket:'", fd);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	EXPECT_EQ(0, wait_exit(pid));
	close(fd);
}

TEST_HARNESS_MAIN
