// SPDX-License-Identifier: GPL-2.0
/*
 * msocket must not weaken a protection that exists without it (msocket(2),
 * SECURITY): a task under seccomp gets no socket from /dev/msocket (its
 * filter would see only an ioctl); a task sandboxed in a network namespace
 * of its own reaches no stack it does not administer; Landlock's TCP rules
 * and cgroup BPF sock_create programs apply to msocket's sockets as to
 * socket(2)'s.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/msocket.h>

#include "kselftest_harness.h"
#include "msocket_test.h"

/* What a child reports: 0 = as expected; other values name the check. */
static int child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	return wait_exit(pid);
}

FIXTURE(sec) {
	char dir[64];
	char open_stack[96];	/* mode 0666: anyone may use it */
	int nsfd;
};

FIXTURE_SETUP(sec)
{
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->open_stack, sizeof(self->open_stack), "%s/open", self->dir);
	umask(0);
	self->nsfd = new_stack(self->open_stack, 0666);
	ASSERT_LE(0, self->nsfd);
}

FIXTURE_TEARDOWN(sec)
{
	close(self->nsfd);
	umount_stackfs(self->dir);
}

/* The seccomp filter of systemd's RestrictAddressFamilies=AF_UNIX. */
static int restrict_address_families_to_unix(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(insns), .filter = insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* A filter that allows everything: still a sandbox msocket cannot see. */
static int allow_everything(void)
{
	struct sock_filter insns[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int drop_cap_net_admin(void);

/* The call that returned @fd failed with @err. */
static int refused_with(int fd, int err)
{
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == err;
}

/* The call that returned @fd made an fd (closed here). */
static int works(int fd)
{
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int under_restrict_address_families(void *arg)
{
	const char *stack = arg;
	int pfd = open(stack, O_PATH | O_CLOEXEC);

	if (pfd < 0)
		return 1;
	/* Control: the stack works before the filter. */
	if (!works(sys_msocket(stack, AF_INET, SOCK_STREAM, 0)))
		return 2;
	if (restrict_address_families_to_unix())
		return 3;
	/* The filter itself works. */
	if (!refused_with(socket(AF_INET, SOCK_STREAM, 0), EAFNOSUPPORT))
		return 4;
	if (!refused_with(sys_msocket(stack, AF_INET, SOCK_STREAM, 0), EPERM))
		return 5;
	if (!refused_with(msocket_fd(pfd, AF_INET6, SOCK_DGRAM, 0), EPERM))
		return 6;
	if (!refused_with(sys_msocket(NULL, AF_INET, SOCK_STREAM, 0), EPERM))
		return 7;
	if (!refused_with(sys_msocket(stack, AF_INET, SOCK_DEFAULT, 0), EPERM))
		return 8;
	/* Even the family the filter allows: msocket cannot tell. */
	if (!refused_with(sys_msocket(stack, AF_UNIX, SOCK_STREAM, 0), EPERM))
		return 9;
	return 0;
}

TEST_F(sec, seccomp_restrict_address_families_is_not_bypassed)
{
	EXPECT_EQ(0, child(under_restrict_address_families, self->open_stack));
}

static int under_allow_all_filter(void *arg)
{
	const char *stack = arg;

	if (allow_everything())
		return 1;
	if (!refused_with(sys_msocket(stack, AF_INET, SOCK_STREAM, 0), EPERM))
		return 2;
	/* socket(2) itself works: only msocket is refused. */
	if (!works(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)))
		return 3;
	return 0;
}

TEST_F(sec, any_seccomp_filter_gets_eperm)
{
	EXPECT_EQ(0, child(under_allow_all_filter, self->open_stack));
}

/* As a user under the filter, with a stack granted to them: refused too. */
TEST_F(sec, a_granted_user_under_seccomp_is_refused)
{
	EXPECT_EQ(0, run_as(TEST_UID, under_restrict_address_families, self->open_stack));
}

/*
 * The seccomp filter of a systemd unit with SystemCallFilter=@system-service
 * and RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6, as far as sockets go:
 * socket(2) of any other family is EAFNOSUPPORT. (@system-service allows
 * ioctl(2) and every other call msocket's path takes, so the rest of the
 * filter is an allow-all here: it changes nothing for these calls.)
 */
static int system_service_filter(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(insns), .filter = insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* The cookie of the namespace of socket @fd (anyone may read it), or 0. */
static uint64_t netns_cookie(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
	return cookie;
}

/* MSOCKET_IOC_SOCKET by path with a template socket. */
static int msocket_like(const char *path, int domain, int type, int protocol, int template)
{
	struct msocket_args args = {
		.size = MSOCKET_ARGS_SIZE_VER2,
		.flags = MSOCKET_TEMPLATE,
		.dirfd = AT_FDCWD,
		.domain = domain,
		.type = type,
		.protocol = protocol,
		.path = (uintptr_t)path,
		.template_fd = template,
	};

	return ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &args);
}

struct template_case {
	const char *refusing;	/* a stack on a default mount */
	const char *opted;	/* a stack on a seccomp=template mount */
	uint64_t opted_id;
};

static int under_system_service_filter(void *arg)
{
	const struct template_case *c = arg;
	int inet, dgram, s;

	if (system_service_filter())
		return 1;
	/* The filter itself works. */
	if (!refused_with(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT))
		return 2;
	inet = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	dgram = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (inet < 0 || dgram < 0)
		return 3;
	/* By default, refused, template or not. */
	if (!refused_with(sys_msocket(c->refusing, AF_INET, SOCK_STREAM, 0), EPERM))
		return 4;
	if (!refused_with(msocket_like(c->refusing, AF_INET, SOCK_STREAM, 0, inet), EPERM))
		return 5;
	/* Opted in: without a template still refused; with one, a socket there. */
	if (!refused_with(sys_msocket(c->opted, AF_INET, SOCK_STREAM, 0), EPERM))
		return 6;
	s = msocket_like(c->opted, AF_INET, SOCK_STREAM, 0, inet);
	if (s < 0)
		return 7;
	/* SIOCGSKNS needs CAP_NET_ADMIN: the cookie tells the stack apart. */
	if (geteuid() == 0 ? socket_ns_id(s) != c->opted_id
			   : netns_cookie(s) == netns_cookie(inet))
		return 15;
	close(s);
	/* The protocol is compared once resolved: 0 is TCP here. */
	s = msocket_like(c->opted, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP, inet);
	if (!works(s))
		return 8;
	/* Unlike the template: another type, another family, another protocol. */
	if (!refused_with(msocket_like(c->opted, AF_INET, SOCK_STREAM, 0, dgram), EPERM))
		return 9;
	if (!refused_with(msocket_like(c->opted, AF_PACKET, SOCK_RAW, 0, inet), EPERM))
		return 10;
	if (!refused_with(msocket_like(c->opted, AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE, dgram),
			  EPERM))
		return 11;
	/* SOCK_DEFAULT makes no socket: allowed there, refused elsewhere. */
	if (sys_msocket(c->opted, AF_INET, SOCK_DEFAULT, 0))
		return 12;
	if (!refused_with(sys_msocket(c->refusing, AF_INET, SOCK_DEFAULT, 0), EPERM))
		return 13;
	/* A template that is no socket of the caller's. */
	if (!refused_with(msocket_like(c->opted, AF_INET, SOCK_STREAM, 0, 0), ENOTSOCK))
		return 14;
	return 0;
}

static int template_refused_on(void *arg)
{
	const char *stack = arg;
	int inet;

	if (system_service_filter())
		return 1;
	inet = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (inet < 0)
		return 2;
	if (!refused_with(msocket_like(stack, AF_INET, SOCK_STREAM, 0, inet), EPERM))
		return 3;
	return 0;
}

/*
 * seccomp=template, the opt-in for hardened services: a program under a
 * systemd-like filter may use the mount's stacks by showing a socket its
 * filter let it make; the family the filter forbids stays forbidden.
 */
TEST_F(sec, seccomp_template_mount_is_a_narrow_opt_in)
{
	char dir[] = "/tmp/sec-template.XXXXXX", opted[64], line[512];
	struct template_case c = { .refusing = self->open_stack };
	FILE *mounts;
	int nsfd, shown = 0;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "stackfs", 0, "seccomp=template"));
	snprintf(opted, sizeof(opted), "%s/opted", dir);
	nsfd = new_stack(opted, 0666);
	ASSERT_LE(0, nsfd);
	c.opted = opted;
	c.opted_id = ns_id_of_fd(nsfd);
	close(nsfd);
	mounts = fopen("/proc/self/mounts", "r");
	ASSERT_NE(NULL, mounts);
	while (fgets(line, sizeof(line), mounts))
		if (strstr(line, dir) && strstr(line, "seccomp=template"))
			shown++;
	fclose(mounts);
	EXPECT_EQ(1, shown);
	EXPECT_EQ(0, child(under_system_service_filter, &c));
	EXPECT_EQ(0, run_as(TEST_UID, under_system_service_filter, &c));
	/* A remount takes the opt-in back. */
	ASSERT_EQ(0, mount("none", dir, NULL, MS_REMOUNT, "seccomp=refuse"));
	EXPECT_EQ(0, child(template_refused_on, opted));
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	/* Options it does not know, or values, are refused. */
	snprintf(dir, sizeof(dir), "/tmp/sec-template.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_EQ(-1, mount("none", dir, "stackfs", 0, "seccomp=maybe"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mount("none", dir, "stackfs", 0, "color=blue"));
	EXPECT_EQ(EINVAL, errno);
	rmdir(dir);
}

/* A PrivateNetwork= sandbox and a stack of a foreign_netns=allow mount. */
static int in_private_network_allowed(void *arg)
{
	const char *stack = arg;

	if (unshare(CLONE_NEWNET))
		return 1;
	if (drop_cap_net_admin())
		return 2;
	if (!works(sys_msocket(stack, AF_INET, SOCK_STREAM, 0)))
		return 3;
	return 0;
}

TEST_F(sec, foreign_netns_allow_mount_opens_the_netns_rule)
{
	char dir[] = "/tmp/sec-foreign.XXXXXX", stack[64];
	int nsfd;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("none", dir, "stackfs", 0, "foreign_netns=allow"));
	snprintf(stack, sizeof(stack), "%s/shared", dir);
	nsfd = new_stack(stack, 0666);
	ASSERT_LE(0, nsfd);
	close(nsfd);
	EXPECT_EQ(0, child(in_private_network_allowed, stack));
	/* The default mount's stack stays out of reach (see above). */
	EXPECT_NE(0, child(in_private_network_allowed, self->open_stack));
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static int drop_cap_net_admin(void)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	struct { uint32_t effective, permitted, inheritable; } data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1u << 12);	/* CAP_NET_ADMIN */
	data[0].permitted &= ~(1u << 12);
	return syscall(SYS_capset, &hdr, data);
}

/*
 * systemd's PrivateNetwork=: a namespace of its own, no CAP_NET_ADMIN over
 * the host's. A world-writable stack of the host is out of reach; a stack
 * of the sandbox's own namespace is not.
 */
static int in_private_network(void *arg)
{
	const char *dir = arg;
	char own[128], host[128];
	int nsfd;

	snprintf(host, sizeof(host), "%s/open", dir);
	snprintf(own, sizeof(own), "%s/own", dir);
	if (unshare(CLONE_NEWNET))
		return 1;
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || mkstack(own, nsfd, 0600))
		return 2;
	if (drop_cap_net_admin())
		return 3;
	if (!refused_with(sys_msocket(host, AF_INET, SOCK_STREAM, 0), EPERM))
		return 4;
	if (!refused_with(sys_msocket(host, AF_INET, SOCK_DEFAULT, 0), EPERM))
		return 5;
	if (!works(sys_msocket(own, AF_INET, SOCK_STREAM, 0)))
		return 6;
	unlink(own);
	return 0;
}

TEST_F(sec, private_network_sandbox_reaches_no_other_stack)
{
	EXPECT_EQ(0, child(in_private_network, self->dir));
}

/*
 * A rootless container: a user namespace and a network namespace of the
 * user's own. The host's world-writable stack is out of reach; a stack the
 * user made (and administers) works.
 */
static int in_rootless_container(void *arg)
{
	const char *host = arg;
	char mnt[] = "/tmp/sec-userns.XXXXXX", own[64];
	int nsfd;

	if (!mkdtemp(mnt) || enter_userns(CLONE_NEWNET | CLONE_NEWNS))
		return 1;
	if (mount("none", mnt, "stackfs", 0, NULL))
		return 2;
	snprintf(own, sizeof(own), "%s/own", mnt);
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || mkstack(own, nsfd, 0600))
		return 3;
	if (!refused_with(sys_msocket(host, AF_INET, SOCK_STREAM, 0), EPERM))
		return 4;
	if (!works(sys_msocket(own, AF_INET, SOCK_STREAM, 0)))
		return 5;
	return 0;
}

TEST_F(sec, rootless_container_reaches_no_host_stack)
{
	EXPECT_EQ(0, run_as(TEST_UID, in_rootless_container, self->open_stack));
}

/* Landlock's TCP rules (ABI 4), from uapi/linux/landlock.h of 6.7+. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Landlock's file rules (ABI 1), as the host's linux/landlock.h has them. */
#define ll_path_beneath_attr landlock_path_beneath_attr
#define LL_RULE_PATH_BENEATH LANDLOCK_RULE_PATH_BENEATH
#define LL_ACCESS_FS_WRITE_FILE LANDLOCK_ACCESS_FS_WRITE_FILE
#define LL_ACCESS_FS_READ_FILE LANDLOCK_ACCESS_FS_READ_FILE
#define LL_ACCESS_FS_MAKE_REG LANDLOCK_ACCESS_FS_MAKE_REG
#define LL_RULE_NET_PORT 2
#define LL_ACCESS_NET_BIND_TCP 1ULL
#define LL_ACCESS_NET_CONNECT_TCP 2ULL

static int bind_port(int fd, int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int under_landlock(void *arg)
{
	const char *stack = arg;
	struct ll_ruleset_attr attr = {
		.handled_access_net = LL_ACCESS_NET_BIND_TCP | LL_ACCESS_NET_CONNECT_TCP,
	};
	struct ll_net_port_attr port = {
		.allowed_access = LL_ACCESS_NET_BIND_TCP,
		.port = 7001,
	};
	int ruleset, fd;

	ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return 1;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &port, 0))
		return 2;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0))
		return 3;
	/* Landlock is not seccomp: msocket works, and its sockets obey. */
	fd = sys_msocket(stack, AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 4;
	if (bind_port(fd, 7002) == 0 || errno != EACCES)
		return 5;
	if (bind_port(fd, 7001))
		return 6;
	close(fd);
	return 0;
}

TEST_F(sec, landlock_tcp_rules_apply_to_msocket_sockets)
{
	EXPECT_EQ(0, child(under_landlock, self->open_stack));
}

/*
 * mkstack goes through the VFS's mknod path, so the LSMs decide there too:
 * a Landlock ruleset that handles LANDLOCK_ACCESS_FS_MAKE_REG and allows
 * it nowhere refuses a new stack file (a regular file inside the kernel).
 */
static int mkstack_under_landlock(void *arg)
{
	const char *dir = arg;
	struct ll_ruleset_attr attr = { .handled_access_fs = LL_ACCESS_FS_MAKE_REG };
	char path[128];
	int ruleset, nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	snprintf(path, sizeof(path), "%s/denied", dir);
	if (nsfd < 0)
		return 1;
	ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return 2;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0))
		return 3;
	if (mkstack(path, nsfd, 0600) == 0)
		return 4;
	return errno == EACCES ? 0 : 5;
}

TEST_F(sec, landlock_make_sock_rule_refuses_mkstack)
{
	char path[128];
	struct stat st;

	EXPECT_EQ(0, child(mkstack_under_landlock, self->dir));
	snprintf(path, sizeof(path), "%s/denied", self->dir);
	EXPECT_EQ(-1, stat(path, &st));
	/* Without the ruleset, the same call works. */
	EXPECT_EQ(0, mkstack(path, self->nsfd, 0600));
}

/*
 * Landlock mediates files when they are opened, and using a stack is
 * opening its stack file for writing: a ruleset that handles
 * LANDLOCK_ACCESS_FS_WRITE_FILE stops msocket by path, by an O_PATH fd and
 * an O_RDONLY one (each opened for writing for the call), and any new
 * O_WRONLY open, unless a rule grants WRITE_FILE beneath the stackfs. An
 * fd opened for writing before the ruleset keeps working: Landlock does
 * not revoke open files.
 */
struct landlock_case {
	const char *stack;
	const char *dir;
	bool grant;	/* a rule grants WRITE_FILE beneath @dir */
};

static int msocket_under_landlock_files(void *arg)
{
	const struct landlock_case *c = arg;
	struct ll_ruleset_attr attr = {
		.handled_access_fs = LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_READ_FILE,
	};
	struct ll_path_beneath_attr beneath = {
		.allowed_access = LL_ACCESS_FS_WRITE_FILE | LL_ACCESS_FS_READ_FILE,
	};
	int before = open(c->stack, O_WRONLY | O_CLOEXEC);
	int path = open(c->stack, O_PATH | O_CLOEXEC);
	int ruleset, s, want = c->grant ? 0 : EACCES;

	if (before < 0 || path < 0)
		return 1;
	ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return 2;
	if (c->grant) {
		beneath.parent_fd = open(c->dir, O_PATH | O_CLOEXEC);
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &beneath, 0))
			return 3;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0))
		return 4;
	s = sys_msocket(c->stack, AF_INET, SOCK_STREAM, 0);
	if ((s < 0 ? errno : 0) != want)
		return 5;
	s = msocket_at(path, NULL, AT_EMPTY_PATH, AF_INET, SOCK_STREAM, 0);
	if ((s < 0 ? errno : 0) != want)
		return 6;
	s = open(c->stack, O_WRONLY | O_CLOEXEC);
	if ((s < 0 ? errno : 0) != want)
		return 7;
	/* SOCK_DEFAULT, the check a library makes before it sets a default. */
	s = sys_msocket(c->stack, AF_INET, SOCK_DEFAULT, 0);
	if ((s < 0 ? errno : 0) != want)
		return 8;
	s = ioctl(before, STACKFS_IOC_SOCKET, STACKFS_SOCKET_ARG(AF_INET, SOCK_STREAM, 0));
	if (s < 0)
		return 9;
	return 0;
}

TEST_F(sec, landlock_write_file_rule_decides_who_uses_a_stack)
{
	struct landlock_case denied = { self->open_stack, self->dir, false };
	struct landlock_case granted = { self->open_stack, self->dir, true };

	EXPECT_EQ(0, child(msocket_under_landlock_files, &denied));
	EXPECT_EQ(0, child(msocket_under_landlock_files, &granted));
}

/*
 * The stack-file ioctls need a readable fd: an O_WRONLY one (which "w"
 * alone allows) gets EBADF, as read(2) would.
 */
TEST_F(sec, stack_file_ioctls_need_a_readable_fd)
{
	int wr = open(self->open_stack, O_WRONLY | O_CLOEXEC);
	int rd = open(self->open_stack, O_RDONLY | O_CLOEXEC);
	uint64_t id = 0;

	ASSERT_LE(0, wr);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-1, ioctl(wr, STACKFS_IOC_NETNS_ID, &id));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(wr, STACKFS_IOC_NETNS_FD));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, ioctl(rd, STACKFS_IOC_NETNS_ID, &id));
	EXPECT_EQ(ns_id_of_fd(self->nsfd), id);
	close(wr);
	close(rd);
}

/*
 * Inode numbers are per stackfs instance, from 1 (the root) up: not the
 * kernel's global get_next_ino() counter, which every socket and pipe
 * shares and which wraps at 32 bits.
 */
TEST_F(sec, inode_numbers_are_per_mount)
{
	char dir[64], path[96];
	struct stat root, st;
	int nsfd;

	ASSERT_EQ(0, mount_stackfs(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/first", dir);
	nsfd = new_stack(path, 0600);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, stat(dir, &root));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(1, root.st_ino);
	EXPECT_EQ(2, st.st_ino);
	close(nsfd);
	umount_stackfs(dir);
}

/* Loads @insns as a cgroup sock_create program and attaches it to @cgroup. */
static int attach_sock_create(int cgroup, const struct bpf_insn *insns, size_t n)
{
	union bpf_attr load = {
		.prog_type = BPF_PROG_TYPE_CGROUP_SOCK,
		.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE,
		.insns = (uintptr_t)insns,
		.insn_cnt = n,
		.license = (uintptr_t)"GPL",
	};
	union bpf_attr attach = { 0 };
	int prog = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));

	if (prog < 0)
		return -1;
	attach.target_fd = cgroup;
	attach.attach_bpf_fd = prog;
	attach.attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	return syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach));
}

/* A cgroup BPF program that refuses every inet socket created in it. */
static int attach_deny_sock_create(int cgroup)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return attach_sock_create(cgroup, insns, ARRAY_SIZE(insns));
}

/* A cgroup of its own in a cgroup2 mount of its own. */
struct cgroup_dir {
	char root[32], path[64];
	int fd;
};

static int cgroup_make(struct cgroup_dir *c, const char *name)
{
	snprintf(c->root, sizeof(c->root), "/tmp/cgroup2.XXXXXX");
	if (!mkdtemp(c->root) || mount("none", c->root, "cgroup2", 0, NULL))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/%s", c->root, name);
	if (mkdir(c->path, 0755))
		return -1;
	c->fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return c->fd < 0 ? -1 : 0;
}

static void cgroup_remove(struct cgroup_dir *c)
{
	close(c->fd);
	rmdir(c->path);
	umount2(c->root, MNT_DETACH);
	rmdir(c->root);
}

/* Moves the caller into the cgroup @cg. */
static int join_cgroup(const char *cg)
{
	char procs[128], pid[16];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(procs, pid);
}

static int in_denying_cgroup(void *arg)
{
	if (join_cgroup(arg))
		return 1;
	if (!refused_with(socket(AF_INET, SOCK_STREAM, 0), EPERM))
		return 2;
	return 0;
}

struct cg_arg {
	const char *cg, *stack;
};

static int msocket_in_denying_cgroup(void *arg)
{
	const struct cg_arg *a = arg;
	int ret = in_denying_cgroup((void *)a->cg);

	if (ret)
		return ret;
	if (!refused_with(sys_msocket(a->stack, AF_INET, SOCK_STREAM, 0), EPERM))
		return 3;
	if (!refused_with(sys_msocket(a->stack, AF_INET6, SOCK_DGRAM, 0), EPERM))
		return 4;
	/* Not an inet socket: the program does not see it. */
	if (!works(sys_msocket(a->stack, AF_UNIX, SOCK_STREAM, 0)))
		return 5;
	return 0;
}

TEST_F(sec, cgroup_bpf_sock_create_sees_msocket_sockets)
{
	struct cgroup_dir c;
	struct cg_arg a = { .cg = c.path, .stack = self->open_stack };

	ASSERT_EQ(0, cgroup_make(&c, "msocket-deny"));
	ASSERT_EQ(0, attach_deny_sock_create(c.fd)) TH_LOG("bpf: %s", strerror(errno));
	EXPECT_EQ(0, child(msocket_in_denying_cgroup, &a));
	cgroup_remove(&c);
}

/*
 * A cgroup BPF sock_create program that counts the inet sockets made in its
 * cgroup (and allows them), in an array map of one u64.
 */
static int attach_counting_sock_create(int cgroup, int *map)
{
	union bpf_attr mattr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 8,
		.max_entries = 1,
	};
	int fd = syscall(SYS_bpf, BPF_MAP_CREATE, &mattr, sizeof(mattr));
	struct bpf_insn insns[] = {
		/* *(u32 *)(r10 - 4) = 0: the key */
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4 },
		/* r1 = the map */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = fd },
		{ 0 },
		/* r2 = r10 - 4 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		/* r0 = bpf_map_lookup_elem(r1, r2) */
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_0, .off = 2 },
		/* lock *(u64 *)r0 += 1 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_0,
		  .src_reg = BPF_REG_1, .imm = BPF_ADD },
		/* return 1: allowed */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	if (fd < 0)
		return -1;
	*map = fd;
	return attach_sock_create(cgroup, insns, ARRAY_SIZE(insns));
}

static uint64_t counted(int map)
{
	uint32_t key = 0;
	uint64_t value = 0;
	union bpf_attr attr = {
		.map_fd = map,
		.key = (uintptr_t)&key,
		.value = (uintptr_t)&value,
	};

	if (syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr)))
		return UINT64_MAX;
	return value;
}

static int probe_in_cgroup(void *arg)
{
	const struct cg_arg *a = arg;

	if (join_cgroup(a->cg))
		return 1;
	/* SOCK_DEFAULT makes no socket for the caller, only the family probe. */
	return sys_msocket(a->stack, AF_INET, SOCK_DEFAULT, 0) ? 2 : 0;
}

/*
 * The family probe of SOCK_DEFAULT is a user socket, made with the
 * caller's credentials: cgroup BPF programs and LSMs see it, as they would
 * see socket(2). (A kernel socket would skip them both.)
 */
TEST_F(sec, the_family_probe_is_a_socket_the_protections_see)
{
	char root[] = "/tmp/cgroup2.XXXXXX", cg[64];
	struct cg_arg a = { .cg = cg, .stack = self->open_stack };
	int cgfd, map = -1;

	ASSERT_NE(NULL, mkdtemp(root));
	ASSERT_EQ(0, mount("none", root, "cgroup2", 0, NULL));
	snprintf(cg, sizeof(cg), "%s/msocket-count", root);
	ASSERT_EQ(0, mkdir(cg, 0755));
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, cgfd);
	ASSERT_EQ(0, attach_counting_sock_create(cgfd, &map)) TH_LOG("bpf: %s", strerror(errno));
	EXPECT_EQ(0, counted(map));
	EXPECT_EQ(0, child(probe_in_cgroup, &a));
	EXPECT_EQ(1, counted(map));
	close(map);
	close(cgfd);
	rmdir(cg);
	umount2(root, MNT_DETACH);
	rmdir(root);
}

TEST_HARNESS_MAIN
