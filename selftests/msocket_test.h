/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the msocket selftests: the raw ioctls, fresh network
 * namespaces, stackfs mounts, and running a check as an unprivileged user.
 */
#ifndef MSOCKET_TEST_H
#define MSOCKET_TEST_H

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/msocket.h>
#include <linux/nsfs.h>

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif
/* linux/nsfs.h of 6.x+ (the host's headers may be older than the VM's kernel). */
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 13, __u64)
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define TEST_UID 1000
#define TEST_GID 1000
/* The group /dev/msocket belongs to in the VM (qemu/run, qemu/init). */
#define MSOCKET_GID 1002
#define OTHER_UID 1001

/*
 * Sends one byte and @n fds (at most 8) over the unix socket @sock with
 * SCM_RIGHTS, without blocking: sendmsg's return.
 */
static inline ssize_t send_fds(int sock, const int *fds, int n)
{
	char buf[CMSG_SPACE(8 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	return sendmsg(sock, &msg, MSG_DONTWAIT);
}

/* A number from the environment, or @def: the knobs of the long runs. */
static inline long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 0) : def;
}

/* How many fds the process has open (to find leaks). */
static inline int count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && (de = readdir(d)))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* The fd of /dev/msocket, opened on first use. */
static inline int msocket_dev(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open(MSOCKET_DEVICE, O_RDWR | O_CLOEXEC);
	return fd;
}

/*
 * MSOCKET_IOC_SOCKET with every argument explicit. Its fields are those of
 * the struct's first version, so it says that size (one copy in the kernel).
 */
static inline int msocket_at(int dirfd, const char *path, unsigned int flags,
			     int domain, int type, int protocol)
{
	struct msocket_args args = {
		.size = MSOCKET_ARGS_SIZE_VER0,
		.flags = flags,
		.dirfd = dirfd,
		.domain = domain,
		.type = type,
		.protocol = protocol,
		.path = (uintptr_t)path,
	};

	return ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &args);
}

/*
 * MSOCKET_IOC_SOCKET with MSOCKET_EXPECT_STACK: the stack file named must be
 * the one @st describes. @size is the struct size the call says.
 */
static inline int msocket_expect_at(int dirfd, const char *path, unsigned int flags,
				    const struct stat *st, uint32_t size, int domain, int type)
{
	struct msocket_args args = {
		.size = size,
		.flags = flags | MSOCKET_EXPECT_STACK,
		.dirfd = dirfd,
		.domain = domain,
		.type = type,
		.path = (uintptr_t)path,
		.stack_dev = st->st_dev,
		.stack_ino = st->st_ino,
	};

	return ioctl(msocket_dev(), MSOCKET_IOC_SOCKET, &args);
}

/* msocket() of the seeds: by path, or the native stack for NULL. */
static inline int sys_msocket(const char *path, int domain, int type, int protocol)
{
	return msocket_at(AT_FDCWD, path, 0, domain, type, protocol);
}

/* msocket on an fd opened on a stack file. */
static inline int msocket_fd(int stackfd, int domain, int type, int protocol)
{
	return msocket_at(stackfd, NULL, AT_EMPTY_PATH, domain, type, protocol);
}

static inline int mkstack_at(int dirfd, const char *path, int netns_fd,
			     unsigned int mode)
{
	struct msocket_mkstack_args args = {
		.size = sizeof(args),
		.dirfd = dirfd,
		.netns_fd = netns_fd,
		.mode = mode,
		.path = (uintptr_t)path,
	};

	return ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &args);
}

static inline int mkstack(const char *path, int netns_fd, unsigned int mode)
{
	return mkstack_at(AT_FDCWD, path, netns_fd, mode);
}

/* The 64-bit id of the namespace of an nsfs fd (NS_GET_ID), or 0. */
static inline uint64_t ns_id_of_fd(int nsfd)
{
	uint64_t id = 0;

	if (ioctl(nsfd, NS_GET_ID, &id))
		return 0;
	return id;
}

static inline uint64_t ns_id_of_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t id;

	if (fd < 0)
		return 0;
	id = ns_id_of_fd(fd);
	close(fd);
	return id;
}

/* The id of the namespace a socket belongs to (SIOCGSKNS), or 0. */
static inline uint64_t socket_ns_id(int sock)
{
	int nsfd = ioctl(sock, SIOCGSKNS);
	uint64_t id;

	if (nsfd < 0)
		return 0;
	id = ns_id_of_fd(nsfd);
	close(nsfd);
	return id;
}

/* The id of a stack file's namespace (STACKFS_IOC_NETNS_ID), or 0. */
static inline uint64_t stack_ns_id(const char *path)
{
	uint64_t id = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (ioctl(fd, STACKFS_IOC_NETNS_ID, &id))
		id = 0;
	close(fd);
	return id;
}

/*
 * A new network namespace, returned as an nsfs fd; the caller stays in its
 * own namespace. Loopback is brought up. -1 on failure.
 */
static inline int new_netns(void)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int nsfd = -1, sock;
	struct ifreq ifr = { .ifr_name = "lo" };

	if (self < 0)
		return -1;
	if (unshare(CLONE_NEWNET) == 0) {
		nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sock >= 0 && ioctl(sock, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(sock, SIOCSIFFLAGS, &ifr);
		}
		if (sock >= 0)
			close(sock);
		if (setns(self, CLONE_NEWNET)) {
			perror("setns back");
			exit(1);
		}
	}
	close(self);
	return nsfd;
}

/*
 * A stack file at @path bound to a new namespace; returns the namespace's
 * nsfs fd (the caller closes it: then only the file holds the namespace),
 * or -1.
 */
static inline int new_stack(const char *path, unsigned int mode)
{
	int nsfd = new_netns();

	if (nsfd >= 0 && mkstack(path, nsfd, mode)) {
		close(nsfd);
		return -1;
	}
	return nsfd;
}

/* Mounts a new stackfs on a new temporary directory, returned in @dir. */
static inline int mount_stackfs(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/stackfs.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return mount("none", dir, "stackfs", 0, NULL);
}

static inline void umount_stackfs(const char *dir)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static inline int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * Enters a new user namespace (plus the namespaces in @flags) as its root,
 * mapped to the caller's uid and gid, the way an unprivileged user does.
 */
static inline int enter_userns(int flags)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | flags))
		return -1;
	if (write_file("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", map))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_file("/proc/self/gid_map", map);
}

/*
 * Waits for the child @pid: its exit status (0-255); 1000 + the signal
 * number if a signal killed it; -1 if it cannot be waited for. Never
 * WEXITSTATUS alone: a child killed by a signal would read as exit 0.
 */
static inline int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return -1;
}

/*
 * Runs @fn(@arg) in a child process as user @uid (group @uid, supplementary
 * groups @groups, no capabilities) and returns its exit status, or -1 if
 * it did not exit normally (a signal counts as a failure, never a pass).
 */
static inline int run_as_groups(uid_t uid, size_t ngroups, const gid_t *groups,
				int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(ngroups, groups) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(125);
		/* Changing ids made us undumpable: /proc/self would be root's. */
		prctl(PR_SET_DUMPABLE, 1);
		_exit(fn(arg));
	}
	status = wait_exit(pid);
	return status > 255 ? -1 : status;
}

/*
 * run_as_groups() for a test user as the VM has them: in group msocket,
 * which may open /dev/msocket.
 */
static inline int run_as(uid_t uid, int (*fn)(void *), void *arg)
{
	static const gid_t groups[] = { MSOCKET_GID };

	return run_as_groups(uid, 1, groups, fn, arg);
}

#endif /* MSOCKET_TEST_H */
