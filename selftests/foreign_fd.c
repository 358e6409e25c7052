// SPDX-License-Identifier: GPL-2.0
/*
 * A stack fd handed to every fd-taking interface a user can reach gets a
 * plain, exact errno from it (or a harmless success), never a kernel
 * report. Stack inodes were S_IFSOCK inside the kernel, and core code that
 * trusts S_ISSOCK on any fd did SOCKET_I() on them: SCM_RIGHTS made
 * unix_get_socket() read out of bounds, mq_notify(SIGEV_THREAD) oopsed in
 * netlink_getsockbyfd(). A stack inode is now an empty S_IFREG inside (stat
 * still says S_IFSTACK) with ioctl as its only file operation.
 *
 * Table-driven: each TEST is one interface; the variants are the fd kinds
 * (O_RDONLY, O_WRONLY, O_PATH, and O_RDONLY on a stack file of another
 * stackfs mount) times the identities (root, and uid 65534 after
 * setgroups/setresgid/setresuid in the forked test process, which opens
 * the fds itself). Stack files are 0644 as `mstack add` makes them, so the
 * user opens them O_RDONLY or O_PATH; for the user's O_WRONLY variant the
 * files are chowned to the user (still 0644). Each expected errno names the
 * function of Linux 7.3 that decides it. After every test the parent
 * unmounts both stackfs mounts without MNT_DETACH: a stack file still held
 * anywhere (an fd left in flight, a leak) makes that EBUSY and fails it.
 *
 * Interfaces the kernel lacks (no io_uring, POSIX message queues, inotify,
 * fanotify, kcmp or file handles in the debug kernel's config) are skipped
 * with the reason printed.
 */
#include <linux/bpf.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/kcmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "io_uring_raw.h"
#include "kselftest_harness.h"
#include "msocket_test.h"

#define NOBODY 65534

FIXTURE(ffd) {
	char dir[64], dir2[64];	/* the stackfs mounts */
	char stack[96];		/* the variant's stack file (mode 0644) */
	char exec[96];		/* a stack file beside it, mode 0755 */
	int fd;			/* the variant's fd on stack */
	int xfd;		/* the same kind of fd on exec */
	int rpeer, wpeer;	/* O_RDONLY, O_WRONLY on dir's stack, opened as root */
	bool owner;		/* the test's identity owns stack */
	struct stat st;		/* of stack */
};

FIXTURE_VARIANT(ffd) {
	int how;		/* O_RDONLY, O_WRONLY or O_PATH */
	bool other;		/* on the stack file of the second mount */
	bool user;		/* as uid NOBODY instead of root */
};

FIXTURE_VARIANT_ADD(ffd, root_rdonly) { .how = O_RDONLY };
FIXTURE_VARIANT_ADD(ffd, root_wronly) { .how = O_WRONLY };
FIXTURE_VARIANT_ADD(ffd, root_path) { .how = O_PATH };
FIXTURE_VARIANT_ADD(ffd, root_other_stackfs) { .how = O_RDONLY, .other = true };
FIXTURE_VARIANT_ADD(ffd, user_rdonly) { .how = O_RDONLY, .user = true };
FIXTURE_VARIANT_ADD(ffd, user_wronly) { .how = O_WRONLY, .user = true };
FIXTURE_VARIANT_ADD(ffd, user_path) { .how = O_PATH, .user = true };
FIXTURE_VARIANT_ADD(ffd, user_other_stackfs) { .how = O_RDONLY, .other = true, .user = true };

/* The errno (0: success) for the variant's fd kind. */
static int by_kind(const struct _fixture_variant_ffd *v, int path, int rdonly, int wronly)
{
	if (v->how == O_PATH)
		return path;
	return v->how == O_WRONLY ? wronly : rdonly;
}

/*
 * Whether a system call failed with @err because this kernel was built
 * without it (the debug kernel's tinyconfig lacks several).
 */
static bool not_built(int err)
{
	return err == ENOSYS;
}

/* The call's errno, 0 if it returned >= 0, must be @want. */
#define EXPECT_ERRNO(want, call) do {						\
	int __want = (want), __err;						\
	long __ret;								\
	errno = 0;								\
	__ret = (call);								\
	__err = __ret < 0 ? errno : 0;						\
	EXPECT_EQ(__want, __err)						\
		TH_LOG("%s: %s, expected %s", #call,				\
		       __err ? strerror(__err) : "success",			\
		       __want ? strerror(__want) : "success");			\
} while (0)

static void become_nobody(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setresgid(NOBODY, NOBODY, NOBODY));
	ASSERT_EQ(0, setresuid(NOBODY, NOBODY, NOBODY));
	/* Changing ids made us undumpable: /proc/self, ptrace would be root's. */
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1));
}

FIXTURE_SETUP(ffd)
{
	bool user_owns = variant->user && variant->how == O_WRONLY;
	char path[96];
	int m, netns_fd;

	self->fd = -1;
	self->xfd = -1;
	self->rpeer = -1;
	self->wpeer = -1;
	/* The stacks name the test's own namespace: nothing here uses them. */
	netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, netns_fd);
	umask(022);
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, mount_stackfs(self->dir2, sizeof(self->dir2)));
	for (m = 0; m < 2; m++) {
		const char *dir = m ? self->dir2 : self->dir;

		ASSERT_EQ(0, chmod(dir, 0755));
		snprintf(path, sizeof(path), "%s/stack", dir);
		ASSERT_EQ(0, mkstack(path, netns_fd, 0644));
		snprintf(path, sizeof(path), "%s/exec", dir);
		ASSERT_EQ(0, mkstack(path, netns_fd, 0755));
	}
	close(netns_fd);
	snprintf(self->stack, sizeof(self->stack), "%s/stack",
		 variant->other ? self->dir2 : self->dir);
	snprintf(self->exec, sizeof(self->exec), "%s/exec",
		 variant->other ? self->dir2 : self->dir);
	if (user_owns) {
		ASSERT_EQ(0, chown(self->stack, NOBODY, NOBODY));
		ASSERT_EQ(0, chown(self->exec, NOBODY, NOBODY));
	}
	self->owner = !variant->user || user_owns;
	snprintf(path, sizeof(path), "%s/stack", self->dir);
	self->rpeer = open(path, O_RDONLY | O_CLOEXEC);
	self->wpeer = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, self->rpeer);
	ASSERT_LE(0, self->wpeer);
	if (variant->user)
		become_nobody(_metadata);
	self->fd = open(self->stack, variant->how | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", self->stack, strerror(errno));
	self->xfd = open(self->exec, variant->how | O_CLOEXEC);
	ASSERT_LE(0, self->xfd) TH_LOG("open %s: %s", self->exec, strerror(errno));
	ASSERT_EQ(0, fstat(self->fd, &self->st));
	ASSERT_TRUE(S_ISSTACK(self->st.st_mode));
}

/*
 * Unmounts @dir as the parent (root), after the test process exited: EBUSY
 * means something still holds a file of it. Unix sockets freed by the
 * garbage collector release their files from a workqueue: wait a while.
 */
static void release_mount(struct __test_metadata *_metadata, const char *dir)
{
	int i;

	if (!dir[0])
		return;
	for (i = 0; i < 500; i++) {
		if (umount2(dir, 0) == 0 || errno != EBUSY)
			break;
		usleep(10000);
	}
	EXPECT_LT(i, 500) TH_LOG("%s still busy 5 s after the test: a stack file leaked", dir);
	if (i == 500)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
}

FIXTURE_TEARDOWN_PARENT(ffd)
{
	release_mount(_metadata, self->dir);
	release_mount(_metadata, self->dir2);
}

/* Whether @fd is open on the stack file @st describes. */
static bool same_stack(int fd, const struct stat *st)
{
	struct stat fst;

	return fstat(fd, &fst) == 0 && S_ISSTACK(fst.st_mode) &&
	       fst.st_dev == st->st_dev && fst.st_ino == st->st_ino;
}

/* --- SCM_RIGHTS -------------------------------------------------------- */

/* Receives one fd sent with send_fds: the fd, or -1. */
static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

/*
 * The stack fd in flight and back (unix_attach_fds() takes any file;
 * unix_get_socket() must see no socket in it): the same file, opened the
 * same way, whose ioctl answers as the original's.
 */
static void scm_rights(struct __test_metadata *_metadata, struct _test_data_ffd *self,
		       const struct _fixture_variant_ffd *variant, int type)
{
	uint64_t id = 0, id2 = 0;
	int sv[2], fd;

	ASSERT_EQ(0, socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv));
	EXPECT_EQ(1, send_fds(sv[0], &self->fd, 1)) TH_LOG("sendmsg: %s", strerror(errno));
	fd = recv_fd(sv[1]);
	ASSERT_LE(0, fd) TH_LOG("recvmsg: %s", strerror(errno));
	EXPECT_TRUE(same_stack(fd, &self->st));
	EXPECT_EQ(fcntl(self->fd, F_GETFL) & (O_ACCMODE | O_PATH),
		  fcntl(fd, F_GETFL) & (O_ACCMODE | O_PATH));
	/* stackfs's ioctl: NETNS_ID needs a file open for reading. */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, EBADF), ioctl(fd, STACKFS_IOC_NETNS_ID, &id2));
	if (variant->how == O_RDONLY) {
		EXPECT_EQ(0, ioctl(self->fd, STACKFS_IOC_NETNS_ID, &id));
		EXPECT_EQ(id, id2);
	}
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(ffd, scm_rights_stream)
{
	scm_rights(_metadata, self, variant, SOCK_STREAM);
}

TEST_F(ffd, scm_rights_dgram)
{
	scm_rights(_metadata, self, variant, SOCK_DGRAM);
}

TEST_F(ffd, scm_rights_seqpacket)
{
	scm_rights(_metadata, self, variant, SOCK_SEQPACKET);
}

/*
 * Cycles the unix garbage collector must walk (unix_walk_scc() over the
 * edges unix_add_edges() made): for each socket type a pair whose ends
 * are in flight in each other, with the stack fd and a witness socket
 * beside them, all closed. Closing a unix socket schedules the collector
 * (unix_release_sock() -> unix_schedule_gc()); once it freed the cycles,
 * the witness's peer reads EOF. The parent's unmount then proves that the
 * stack files were released too.
 */
TEST_F(ffd, scm_rights_gc_cycle)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	int w[2], sv[2], t[2], fds[3], i;
	struct pollfd pfd;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, types[i] | SOCK_CLOEXEC, 0, sv));
		fds[0] = self->fd;
		fds[1] = sv[1];
		fds[2] = w[0];
		EXPECT_EQ(1, send_fds(sv[0], fds, 3)) TH_LOG("sendmsg: %s", strerror(errno));
		fds[1] = sv[0];
		EXPECT_EQ(1, send_fds(sv[1], fds, 3)) TH_LOG("sendmsg: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
	}
	close(w[0]);
	pfd = (struct pollfd){ .fd = w[1], .events = POLLIN };
	for (i = 0; i < 100; i++) {
		/* A socketpair with an fd in flight, closed: the collector runs. */
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, t));
		EXPECT_EQ(1, send_fds(t[0], &t[1], 1));
		close(t[0]);
		close(t[1]);
		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	EXPECT_LT(i, 100) TH_LOG("the unix garbage collector did not free the cycles in 10 s");
	EXPECT_EQ(0, read(w[1], &c, 1));
	close(w[1]);
}

/* --- mq_notify --------------------------------------------------------- */

/*
 * SIGEV_THREAD takes a netlink socket fd in sigev_signo and a 32-byte
 * cookie: netlink_getsockbyfd() checks S_ISSOCK (ENOTSOCK), after fdget
 * (EBADF for O_PATH). glibc's mq_notify() makes its own socket: the raw
 * system call.
 */
TEST_F(ffd, mq_notify_sigev_thread)
{
	char name[32], cookie[32] = "the cookie";
	struct sigevent sev;
	int q;

	snprintf(name, sizeof(name), "foreign_fd.%d", getpid());
	q = syscall(SYS_mq_open, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, NULL);
	if (q < 0 && not_built(errno))
		SKIP(return, "no POSIX message queues (CONFIG_POSIX_MQUEUE)");
	ASSERT_LE(0, q) TH_LOG("mq_open: %s", strerror(errno));
	syscall(SYS_mq_unlink, name);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_signo = self->fd;
	sev.sigev_value.sival_ptr = cookie;
	EXPECT_ERRNO(by_kind(variant, EBADF, ENOTSOCK, ENOTSOCK),
		     syscall(SYS_mq_notify, q, &sev));
	close(q);
}

/* --- io_uring ---------------------------------------------------------- */

/*
 * A ring with the stack fd as fixed file 0 (io_sqe_files_register() takes
 * it with fget(): EBADF for O_PATH, checked here). Returns whether the
 * test goes on; skips where io_uring is off.
 */
static bool ring_with_stack(struct __test_metadata *_metadata, struct _test_data_ffd *self,
			    const struct _fixture_variant_ffd *variant, struct ring *r)
{
	int err = ring_init(r);

	if (not_built(-err))
		SKIP(return false, "no io_uring (CONFIG_IO_URING)");
	if (err == -EPERM)
		SKIP(return false, "io_uring disabled for this user (kernel.io_uring_disabled)");
	if (err) {
		EXPECT_EQ(0, err) TH_LOG("io_uring_setup: %s", strerror(-err));
		return false;
	}
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0),
		     ring_register(r, IORING_REGISTER_FILES, &self->fd, 1));
	return variant->how != O_PATH;
}

TEST_F(ffd, io_uring_read)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_READ, 0);
	char buf[16];
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	sqe.addr = (uintptr_t)buf;
	sqe.len = sizeof(buf);
	/* io_rw_init_file(): EBADF without FMODE_READ; io_iter_do_read(): EINVAL. */
	EXPECT_EQ(-by_kind(variant, EBADF, EINVAL, EBADF), ring_run(&r, &sqe));
}

TEST_F(ffd, io_uring_write)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_WRITE, 0);
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	sqe.addr = (uintptr_t)"data";
	sqe.len = 4;
	/* io_rw_init_file(): EBADF without FMODE_WRITE; io_write(): EINVAL. */
	EXPECT_EQ(-by_kind(variant, EBADF, EBADF, EINVAL), ring_run(&r, &sqe));
}

TEST_F(ffd, io_uring_fsync)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_FSYNC, 0);
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	/* vfs_fsync_range(): no ->fsync. */
	EXPECT_EQ(-EINVAL, ring_run(&r, &sqe));
}

TEST_F(ffd, io_uring_fallocate)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_FALLOCATE, 0);
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	sqe.addr = 4096;	/* the length; len is the mode, 0 */
	/* vfs_fallocate(): EBADF without FMODE_WRITE, then no ->fallocate. */
	EXPECT_EQ(-by_kind(variant, EBADF, EBADF, EOPNOTSUPP), ring_run(&r, &sqe));
}

TEST_F(ffd, io_uring_fadvise)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_FADVISE, 0);
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	sqe.fadvise_advice = POSIX_FADV_NORMAL;
	/* generic_fadvise(): advice taken (and ignored on the noop bdi). */
	EXPECT_EQ(0, ring_run(&r, &sqe));
}

TEST_F(ffd, io_uring_sync_file_range)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_SYNC_FILE_RANGE, 0);
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	sqe.sync_range_flags = SYNC_FILE_RANGE_WRITE;
	/* sync_file_range(): a regular file with no pages, nothing to write. */
	EXPECT_EQ(0, ring_run(&r, &sqe));
}

TEST_F(ffd, io_uring_splice)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_SPLICE, 0);
	struct ring r;
	int p[2];

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(5, write(p[1], "hello", 5));
	sqe.splice_fd_in = p[0];	/* from the pipe to the stack fd */
	sqe.splice_off_in = -1;
	sqe.off = -1;
	sqe.len = 5;
	/* do_splice(): EBADF without FMODE_WRITE; do_splice_from(): no ->splice_write. */
	EXPECT_EQ(-by_kind(variant, EBADF, EBADF, EINVAL), ring_run(&r, &sqe));
	close(p[0]);
	close(p[1]);
}

TEST_F(ffd, io_uring_uring_cmd)
{
	struct io_uring_sqe sqe = fixed_sqe(IORING_OP_URING_CMD, 0);
	struct ring r;

	if (!ring_with_stack(_metadata, self, variant, &r))
		return;
	/* io_uring_cmd(): no ->uring_cmd. */
	EXPECT_EQ(-EOPNOTSUPP, ring_run(&r, &sqe));
}

/* --- epoll, splice, tee, sendfile, copy_file_range ---------------------- */

TEST_F(ffd, epoll_ctl_add)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	/* do_epoll_ctl(): fdget (EBADF); do_epoll_ctl_file(): !file_can_poll(). */
	EXPECT_ERRNO(by_kind(variant, EBADF, EPERM, EPERM),
		     epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	close(ep);
}

TEST_F(ffd, splice_pipe_to_stack)
{
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(5, write(p[1], "hello", 5));
	/* do_splice(): EBADF without FMODE_WRITE; do_splice_from(): no ->splice_write. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, EINVAL),
		     splice(p[0], NULL, self->fd, NULL, 5, 0));
	close(p[0]);
	close(p[1]);
}

TEST_F(ffd, splice_stack_to_pipe)
{
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	/* do_splice(): EBADF without FMODE_READ; do_splice_read(): no ->splice_read. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EBADF),
		     splice(self->fd, NULL, p[1], NULL, 5, SPLICE_F_NONBLOCK));
	close(p[0]);
	close(p[1]);
}

TEST_F(ffd, tee)
{
	int a[2], b[2];

	ASSERT_EQ(0, pipe2(a, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(b, O_CLOEXEC));
	ASSERT_EQ(5, write(a[1], "hello", 5));
	/* Control: between two pipes tee works. */
	EXPECT_EQ(5, tee(a[0], b[1], 5, SPLICE_F_NONBLOCK));
	/* do_tee(): EBADF without FMODE_READ/FMODE_WRITE; no pipe: EINVAL. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EBADF),
		     tee(self->fd, b[1], 5, SPLICE_F_NONBLOCK));
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, EINVAL),
		     tee(a[0], self->fd, 5, SPLICE_F_NONBLOCK));
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

TEST_F(ffd, sendfile_from_stack)
{
	int mfd = memfd_create("foreign_fd", MFD_CLOEXEC);

	ASSERT_LE(0, mfd);
	/*
	 * do_sendfile(): EBADF without FMODE_READ; splice_direct_to_actor():
	 * EINVAL, the input is not seekable (no ->llseek, no FMODE_LSEEK).
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EBADF), sendfile(mfd, self->fd, NULL, 5));
	close(mfd);
}

TEST_F(ffd, sendfile_to_stack)
{
	int mfd = memfd_create("foreign_fd", MFD_CLOEXEC);

	ASSERT_LE(0, mfd);
	ASSERT_EQ(5, pwrite(mfd, "hello", 5, 0));
	/* do_sendfile(): EBADF without FMODE_WRITE; do_splice_from(): no ->splice_write. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, EINVAL), sendfile(self->fd, mfd, NULL, 5));
	close(mfd);
}

TEST_F(ffd, copy_file_range_stack_to_regular)
{
	int mfd = memfd_create("foreign_fd", MFD_CLOEXEC);

	ASSERT_LE(0, mfd);
	/*
	 * The syscall's fdget: EBADF for O_PATH; generic_file_rw_checks():
	 * EBADF without FMODE_READ; generic_copy_file_checks(): tmpfs and
	 * stackfs are two super blocks, neither has ->copy_file_range: EXDEV.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, EXDEV, EBADF),
		     copy_file_range(self->fd, NULL, mfd, NULL, 5, 0));
	close(mfd);
}

TEST_F(ffd, copy_file_range_regular_to_stack)
{
	int mfd = memfd_create("foreign_fd", MFD_CLOEXEC);

	ASSERT_LE(0, mfd);
	ASSERT_EQ(5, pwrite(mfd, "hello", 5, 0));
	/* As above, the other way: EBADF without FMODE_WRITE, else EXDEV. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, EXDEV),
		     copy_file_range(mfd, NULL, self->fd, NULL, 5, 0));
	close(mfd);
}

TEST_F(ffd, copy_file_range_stack_to_stack)
{
	/*
	 * Into wpeer (dir's stack file, O_WRONLY). generic_file_rw_checks():
	 * EBADF without FMODE_READ; generic_copy_file_checks(): another mount
	 * is EXDEV; on the same super block the copy is shortened to i_size,
	 * 0, and vfs_copy_file_range() copies nothing: 0.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, variant->other ? EXDEV : 0, EBADF),
		     copy_file_range(self->fd, NULL, self->wpeer, NULL, 5, 0));
}

/* --- fcntl ------------------------------------------------------------- */

/* fcntl() on O_PATH files takes only F_DUPFD*, F_GETFD/F_SETFD, F_GETFL (check_fcntl_cmd). */

TEST_F(ffd, fcntl_setlease)
{
	/*
	 * vfs_setlease(): EACCES unless the caller owns the file or has
	 * CAP_LEASE; kernel_setlease(): no ->setlease, EINVAL.
	 */
	int e = self->owner ? EINVAL : EACCES;

	EXPECT_ERRNO(by_kind(variant, EBADF, e, e), fcntl(self->fd, F_SETLEASE, F_RDLCK));
	EXPECT_ERRNO(by_kind(variant, EBADF, e, e), fcntl(self->fd, F_SETLEASE, F_WRLCK));
	/* __fcntl_getlease(): no lease, F_UNLCK. */
	if (variant->how == O_PATH)
		EXPECT_ERRNO(EBADF, fcntl(self->fd, F_GETLEASE));
	else
		EXPECT_EQ(F_UNLCK, fcntl(self->fd, F_GETLEASE));
}

/* F_SETLK or F_OFD_SETLK: read lock, write lock, unlock. */
static void setlk(struct __test_metadata *_metadata, struct _test_data_ffd *self,
		  const struct _fixture_variant_ffd *variant, int cmd)
{
	struct flock fl = { .l_whence = SEEK_SET };

	/* Locks are generic (posix_lock_file); check_fmode_for_setlk(): EBADF. */
	fl.l_type = F_RDLCK;
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, EBADF), fcntl(self->fd, cmd, &fl));
	fl.l_type = F_WRLCK;
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, 0), fcntl(self->fd, cmd, &fl));
	fl.l_type = F_UNLCK;
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0), fcntl(self->fd, cmd, &fl));
}

TEST_F(ffd, fcntl_setlk)
{
	setlk(_metadata, self, variant, F_SETLK);
}

TEST_F(ffd, fcntl_ofd_setlk)
{
	setlk(_metadata, self, variant, F_OFD_SETLK);
}

TEST_F(ffd, fcntl_pipe_sz)
{
	/* pipe_fcntl(): get_pipe_info() finds no pipe. */
	EXPECT_ERRNO(EBADF, fcntl(self->fd, F_SETPIPE_SZ, 65536));
	EXPECT_ERRNO(EBADF, fcntl(self->fd, F_GETPIPE_SZ));
}

TEST_F(ffd, fcntl_add_seals)
{
	/* memfd_add_seals(): EPERM without FMODE_WRITE; not shmem: EINVAL. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EPERM, EINVAL),
		     fcntl(self->fd, F_ADD_SEALS, F_SEAL_SEAL));
	/* memfd_get_seals(): not shmem. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), fcntl(self->fd, F_GET_SEALS));
}

/* --- ioctls (the ioctl syscall's fdget: EBADF for O_PATH) --------------- */

TEST_F(ffd, ioctl_fionread)
{
	int n = -1;

	/* do_vfs_ioctl(): a regular file, i_size - f_pos = 0. */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0), ioctl(self->fd, FIONREAD, &n));
	if (variant->how != O_PATH)
		EXPECT_EQ(0, n);
}

TEST_F(ffd, ioctl_figetbsz)
{
	int n = -1;

	/* do_vfs_ioctl(): s_blocksize, a page. */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0), ioctl(self->fd, FIGETBSZ, &n));
	if (variant->how != O_PATH)
		EXPECT_EQ(getpagesize(), n);
}

TEST_F(ffd, ioctl_fs_ioc_getflags)
{
	int flags = 0;

	/* vfs_fileattr_get(): no ->fileattr_get, ENOIOCTLCMD; stackfs's ioctl: ENOTTY. */
	EXPECT_ERRNO(by_kind(variant, EBADF, ENOTTY, ENOTTY),
		     ioctl(self->fd, FS_IOC_GETFLAGS, &flags));
}

TEST_F(ffd, ioctl_fs_ioc_setflags)
{
	int flags = 0;

	/* vfs_fileattr_set(): no ->fileattr_set, ENOIOCTLCMD; stackfs's ioctl: ENOTTY. */
	EXPECT_ERRNO(by_kind(variant, EBADF, ENOTTY, ENOTTY),
		     ioctl(self->fd, FS_IOC_SETFLAGS, &flags));
}

TEST_F(ffd, ioctl_fs_ioc_fsgetxattr)
{
	struct fsxattr fa;

	/* vfs_fileattr_get(): ENOIOCTLCMD; stackfs's ioctl: ENOTTY. */
	EXPECT_ERRNO(by_kind(variant, EBADF, ENOTTY, ENOTTY),
		     ioctl(self->fd, FS_IOC_FSGETXATTR, &fa));
}

TEST_F(ffd, ioctl_fs_ioc_fiemap)
{
	struct fiemap fm = { .fm_length = FIEMAP_MAX_OFFSET };

	/* ioctl_fiemap(): no ->fiemap. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EOPNOTSUPP, EOPNOTSUPP),
		     ioctl(self->fd, FS_IOC_FIEMAP, &fm));
}

TEST_F(ffd, ioctl_ficlone)
{
	/*
	 * Into the stack fd from rpeer (dir's stack file, O_RDONLY).
	 * vfs_clone_file_range(): EXDEV across super blocks;
	 * generic_file_rw_checks(): EBADF without FMODE_WRITE; no
	 * ->remap_file_range: EOPNOTSUPP.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, variant->other ? EXDEV : EBADF, EOPNOTSUPP),
		     ioctl(self->fd, FICLONE, self->rpeer));
}

TEST_F(ffd, ioctl_ficlonerange)
{
	struct file_clone_range r = { .src_fd = self->fd, .src_length = 4096 };

	/*
	 * From the stack fd into wpeer (dir's stack file, O_WRONLY):
	 * ioctl_file_clone()'s fdget of src_fd (EBADF for O_PATH), then as
	 * FICLONE with the roles swapped: EBADF without FMODE_READ.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, variant->other ? EXDEV : EOPNOTSUPP, EBADF),
		     ioctl(self->wpeer, FICLONERANGE, &r));
}

TEST_F(ffd, ioctl_fideduperange)
{
	uint64_t buf[(sizeof(struct file_dedupe_range) +
		      sizeof(struct file_dedupe_range_info)) / 8] = { 0 };
	struct file_dedupe_range *d = (void *)buf;

	d->src_length = 4096;
	d->dest_count = 1;
	d->info[0].dest_fd = self->wpeer;
	/* vfs_dedupe_file_range(): EINVAL without FMODE_READ; no ->remap_file_range. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EOPNOTSUPP, EINVAL),
		     ioctl(self->fd, FIDEDUPERANGE, d));
}

TEST_F(ffd, ioctl_fibmap)
{
	int block = 0;

	/* ioctl_fibmap(): EPERM without CAP_SYS_RAWIO; bmap(): no ->bmap, EINVAL. */
	int e = variant->user ? EPERM : EINVAL;

	EXPECT_ERRNO(by_kind(variant, EBADF, e, e), ioctl(self->fd, FIBMAP, &block));
}

TEST_F(ffd, ioctl_fs_ioc_getversion)
{
	int version;

	/* file_ioctl(): not one of its commands; stackfs's ioctl: ENOTTY. */
	EXPECT_ERRNO(by_kind(variant, EBADF, ENOTTY, ENOTTY),
		     ioctl(self->fd, FS_IOC_GETVERSION, &version));
}

TEST_F(ffd, ioctl_fifreeze)
{
	/* ioctl_fsfreeze(): EPERM without CAP_SYS_ADMIN; no ->freeze_fs. */
	int e = variant->user ? EPERM : EOPNOTSUPP;

	EXPECT_ERRNO(by_kind(variant, EBADF, e, e), ioctl(self->fd, FIFREEZE, 0));
	if (variant->how != O_PATH && !variant->user)
		ioctl(self->fd, FITHAW, 0);	/* should the freeze have worked */
}

/* --- fanotify, inotify ------------------------------------------------- */

/* Opens and closes the stack file: FAN_OPEN, IN_OPEN. */
static void open_close(struct __test_metadata *_metadata, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(ffd, fanotify_mark)
{
	struct fanotify_event_metadata ev[4];
	int fan;

	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC);
	if (fan < 0 && not_built(errno))
		SKIP(return, "no fanotify (CONFIG_FANOTIFY)");
	if (variant->user) {
		/* fanotify_init(): a user's group must report file ids. */
		EXPECT_EQ(-1, fan);
		EXPECT_EQ(EPERM, errno) TH_LOG("fanotify_init: %s", strerror(errno));
		return;
	}
	ASSERT_LE(0, fan);
	/* fanotify_find_path(): fdget of dfd, EBADF for O_PATH. */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0),
		     fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN, self->fd, NULL));
	if (variant->how != O_PATH) {
		open_close(_metadata, self->stack);
		ASSERT_LE((ssize_t)sizeof(ev[0]), read(fan, ev, sizeof(ev)));
		EXPECT_TRUE(ev[0].mask & FAN_OPEN);
		/* The event's fd: the stack file, opened by fanotify. */
		ASSERT_LE(0, ev[0].fd);
		EXPECT_TRUE(same_stack(ev[0].fd, &self->st));
		close(ev[0].fd);
	}
	close(fan);
}

TEST_F(ffd, fanotify_mark_report_fid)
{
	struct fanotify_event_metadata ev[4];
	int fan;

	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_CLOEXEC | FAN_NONBLOCK,
			    O_RDONLY | O_CLOEXEC);
	if (fan < 0 && not_built(errno))
		SKIP(return, "no fanotify (CONFIG_FANOTIFY)");
	ASSERT_LE(0, fan) TH_LOG("fanotify_init: %s", strerror(errno));
	/*
	 * fanotify_find_path(): EBADF for O_PATH; fanotify_test_fsid() (the
	 * s_dev simple_statfs() reports) and fanotify_test_fid() (no export
	 * ops: file ids of inode numbers) let an inode mark be.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0),
		     fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN, self->fd, NULL));
	if (variant->how != O_PATH) {
		open_close(_metadata, self->stack);
		ASSERT_LE((ssize_t)sizeof(ev[0]), read(fan, ev, sizeof(ev)));
		EXPECT_TRUE(ev[0].mask & FAN_OPEN);
		EXPECT_EQ(FAN_NOFD, ev[0].fd);
	}
	close(fan);
}

TEST_F(ffd, inotify_add_watch)
{
	char proc[64], buf[sizeof(struct inotify_event) + 256];
	struct inotify_event *ev = (void *)buf;
	int in, wd;

	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 && not_built(errno))
		SKIP(return, "no inotify (CONFIG_INOTIFY_USER)");
	ASSERT_LE(0, in);
	/* Through the fd's /proc link: any fd kind names the file. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", self->fd);
	wd = inotify_add_watch(in, proc, IN_ATTRIB | IN_OPEN);
	ASSERT_LE(0, wd) TH_LOG("inotify_add_watch: %s", strerror(errno));
	if (self->owner) {
		/* notify_change(): IN_ATTRIB */
		ASSERT_EQ(0, chmod(self->stack, 0644));
	} else {
		/* Not ours to chmod: IN_OPEN */
		open_close(_metadata, self->stack);
	}
	ASSERT_LE((ssize_t)sizeof(*ev), read(in, buf, sizeof(buf)));
	EXPECT_EQ(wd, ev->wd);
	EXPECT_EQ(self->owner ? IN_ATTRIB : IN_OPEN, ev->mask);
	close(in);
}

/* --- pidfd_getfd, kcmp ------------------------------------------------- */

TEST_F(ffd, pidfd_getfd)
{
	int p[2], pidfd, fd;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Holds the stack fd until the parent closes the pipe. */
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	ASSERT_LE(0, pidfd) TH_LOG("pidfd_open: %s", strerror(errno));
	/* __pidfd_fget(): fget_task() takes any file, O_PATH ones too. */
	fd = syscall(SYS_pidfd_getfd, pidfd, self->fd, 0);
	EXPECT_LE(0, fd) TH_LOG("pidfd_getfd: %s", strerror(errno));
	if (fd >= 0) {
		EXPECT_TRUE(same_stack(fd, &self->st));
		EXPECT_EQ(fcntl(self->fd, F_GETFL) & (O_ACCMODE | O_PATH),
			  fcntl(fd, F_GETFL) & (O_ACCMODE | O_PATH));
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
		close(fd);
	}
	close(p[1]);
	EXPECT_EQ(0, wait_exit(pid));
	close(pidfd);
}

TEST_F(ffd, kcmp)
{
	pid_t me = getpid();
	int dup = fcntl(self->fd, F_DUPFD_CLOEXEC, 0);
	long same, other;

	ASSERT_LE(0, dup);
	same = syscall(SYS_kcmp, me, me, KCMP_FILE, self->fd, dup);
	if (same < 0 && not_built(errno))
		SKIP(return, "no kcmp (CONFIG_KCMP)");
	/* kcmp_ptr() of the struct files: a dup is the same file, rpeer another. */
	EXPECT_EQ(0, same) TH_LOG("kcmp: %s", strerror(errno));
	other = syscall(SYS_kcmp, me, me, KCMP_FILE, self->fd, self->rpeer);
	EXPECT_TRUE(other == 1 || other == 2) TH_LOG("kcmp: %ld", other);
	close(dup);
}

/* --- bpf --------------------------------------------------------------- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

TEST_F(ffd, bpf_map_lookup_elem)
{
	char key[8], value[8];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = self->fd;
	attr.key = (uintptr_t)key;
	attr.value = (uintptr_t)value;
	/* __bpf_map_get(): fdget (EBADF), then not bpf_map_fops: EINVAL. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr));
}

TEST_F(ffd, bpf_obj_get_info_by_fd)
{
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = self->fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uintptr_t)&info;
	/* bpf_obj_get_info_by_fd(): EBADFD (sic) for no fd; no bpf object: EINVAL. */
	EXPECT_ERRNO(by_kind(variant, EBADFD, EINVAL, EINVAL),
		     sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr));
}

/* A cgroup skb program that passes every packet (root only). */
static int load_cgroup_skb_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	attr.expected_attach_type = BPF_CGROUP_INET_INGRESS;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (uintptr_t)"GPL";
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

TEST_F(ffd, bpf_prog_attach)
{
	union bpf_attr attr;
	int prog;

	memset(&attr, 0, sizeof(attr));
	attr.attach_type = BPF_CGROUP_INET_INGRESS;
	attr.target_fd = self->fd;
	attr.attach_bpf_fd = self->fd;
	/* The program first: __bpf_prog_get(): fdget (EBADF), not bpf_prog_fops (EINVAL). */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), sys_bpf(BPF_PROG_ATTACH, &attr));
	if (variant->user)
		return;	/* loading a program needs CAP_BPF */
	prog = load_cgroup_skb_prog();
	ASSERT_LE(0, prog) TH_LOG("BPF_PROG_LOAD: %s", strerror(errno));
	/* A real program, the stack fd as the cgroup: css_tryget_online_from_dir(), EBADF. */
	attr.attach_bpf_fd = prog;
	EXPECT_ERRNO(EBADF, sys_bpf(BPF_PROG_ATTACH, &attr));
	close(prog);
}

TEST_F(ffd, so_attach_bpf)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, s);
	/* sk_attach_bpf(): __bpf_prog_get(): EBADF, or EINVAL for a file not a program. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL),
		     setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &self->fd, sizeof(self->fd)));
	close(s);
}

TEST_F(ffd, so_attach_reuseport_ebpf)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, s);
	/* sk_reuseport_attach_bpf(): as SO_ATTACH_BPF, for both program types. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL),
		     setsockopt(s, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF,
				&self->fd, sizeof(self->fd)));
	close(s);
}

/* --- socket calls on the stack fd itself ------------------------------- */

/*
 * net/socket.c: CLASS(fd) (EBADF for O_PATH), then sock_from_file():
 * ENOTSOCK, not a file of socket_file_ops.
 */
#define EXPECT_ENOTSOCK(call) \
	EXPECT_ERRNO(by_kind(variant, EBADF, ENOTSOCK, ENOTSOCK), call)

/* 127.0.0.1, port 0 (network byte order on x86: 0x0100007f). */
static const struct sockaddr_in loopback = {
	.sin_family = AF_INET, .sin_addr = { .s_addr = 0x0100007f },
};

TEST_F(ffd, socket_bind)
{
	EXPECT_ENOTSOCK(bind(self->fd, (const struct sockaddr *)&loopback, sizeof(loopback)));
}

TEST_F(ffd, socket_connect)
{
	EXPECT_ENOTSOCK(connect(self->fd, (const struct sockaddr *)&loopback, sizeof(loopback)));
}

TEST_F(ffd, socket_listen)
{
	EXPECT_ENOTSOCK(listen(self->fd, 1));
}

TEST_F(ffd, socket_accept4)
{
	EXPECT_ENOTSOCK(accept4(self->fd, NULL, NULL, SOCK_CLOEXEC));
}

TEST_F(ffd, socket_getsockopt)
{
	socklen_t len = sizeof(int);
	int type;

	EXPECT_ENOTSOCK(getsockopt(self->fd, SOL_SOCKET, SO_TYPE, &type, &len));
}

TEST_F(ffd, socket_setsockopt)
{
	int one = 1;

	EXPECT_ENOTSOCK(setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
}

TEST_F(ffd, socket_getsockname)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	EXPECT_ENOTSOCK(getsockname(self->fd, (struct sockaddr *)&ss, &len));
}

TEST_F(ffd, socket_getpeername)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	EXPECT_ENOTSOCK(getpeername(self->fd, (struct sockaddr *)&ss, &len));
}

TEST_F(ffd, socket_sendmsg)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	EXPECT_ENOTSOCK(sendmsg(self->fd, &msg, MSG_DONTWAIT));
}

TEST_F(ffd, socket_recvmsg)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	EXPECT_ENOTSOCK(recvmsg(self->fd, &msg, MSG_DONTWAIT));
}

TEST_F(ffd, socket_sendto)
{
	EXPECT_ENOTSOCK(sendto(self->fd, "x", 1, MSG_DONTWAIT,
			       (const struct sockaddr *)&loopback, sizeof(loopback)));
}

TEST_F(ffd, socket_recvfrom)
{
	char c;

	EXPECT_ENOTSOCK(recvfrom(self->fd, &c, 1, MSG_DONTWAIT, NULL, NULL));
}

TEST_F(ffd, socket_shutdown)
{
	EXPECT_ENOTSOCK(shutdown(self->fd, SHUT_RDWR));
}

TEST_F(ffd, socket_sendmmsg)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct mmsghdr mm = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };

	EXPECT_ENOTSOCK(sendmmsg(self->fd, &mm, 1, MSG_DONTWAIT));
}

TEST_F(ffd, socket_recvmmsg)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct mmsghdr mm = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };

	EXPECT_ENOTSOCK(recvmmsg(self->fd, &mm, 1, MSG_DONTWAIT, NULL));
}

/* --- the rest of the file interface ------------------------------------ */

TEST_F(ffd, setns)
{
	/* setns(): fdget (EBADF); neither an nsfs file nor a pidfd: EINVAL. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), setns(self->fd, CLONE_NEWNET));
}

TEST_F(ffd, execveat)
{
	static const char * const argv[] = { "stack", NULL }, * const envp[] = { NULL };
	struct stat st;

	ASSERT_EQ(0, fstat(self->xfd, &st));
	ASSERT_EQ(0755, st.st_mode & 07777);
	/* Any fd kind names the file; may_open(): S_IFREG on an SB_I_NOEXEC mount. */
	EXPECT_ERRNO(EACCES, syscall(SYS_execveat, self->xfd, "", argv, envp, AT_EMPTY_PATH));
}

/* mmap(2) of a page of @fd: 0 (unmapped again), or -1 with its errno. */
static int try_mmap(int fd, int prot, int flags)
{
	void *p = mmap(NULL, 4096, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	munmap(p, 4096);
	return 0;
}

TEST_F(ffd, mmap)
{
	/*
	 * ksys_mmap_pgoff(): fget (EBADF); do_mmap(): EACCES without
	 * FMODE_READ, no ->mmap: ENODEV.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, ENODEV, EACCES),
		     try_mmap(self->fd, PROT_READ, MAP_SHARED));
}

TEST_F(ffd, read)
{
	char buf[16];

	/* vfs_read(): EBADF without FMODE_READ; no ->read(_iter): EINVAL (no FMODE_CAN_READ). */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EBADF), read(self->fd, buf, sizeof(buf)));
}

TEST_F(ffd, write)
{
	/* vfs_write(): EBADF without FMODE_WRITE; no ->write(_iter): EINVAL. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, EINVAL), write(self->fd, "data", 4));
}

TEST_F(ffd, lseek)
{
	/* vfs_llseek(): no ->llseek, so no FMODE_LSEEK. */
	EXPECT_ERRNO(by_kind(variant, EBADF, ESPIPE, ESPIPE), lseek(self->fd, 0, SEEK_SET));
}

TEST_F(ffd, ftruncate)
{
	struct stat st;

	/* do_ftruncate(): EINVAL without FMODE_WRITE; stackfs's setattr: EINVAL but for 0. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), ftruncate(self->fd, 4096));
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, 0), ftruncate(self->fd, 0));
	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_TRUE(S_ISSTACK(st.st_mode));
}

TEST_F(ffd, fallocate)
{
	/* vfs_fallocate(): EBADF without FMODE_WRITE; no ->fallocate: EOPNOTSUPP. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EBADF, EOPNOTSUPP), fallocate(self->fd, 0, 0, 4096));
}

TEST_F(ffd, readahead)
{
	/*
	 * ksys_readahead(): EBADF without FMODE_READ; a regular file with a
	 * mapping: generic_fadvise() on the noop bdi ignores the advice, 0.
	 */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, EBADF), readahead(self->fd, 0, 4096));
}

TEST_F(ffd, posix_fadvise)
{
	/* ksys_fadvise64_64(): fdget; generic_fadvise(): noop bdi, 0. Returns the errno. */
	EXPECT_EQ(by_kind(variant, EBADF, 0, 0),
		  posix_fadvise(self->fd, 0, 0, POSIX_FADV_NORMAL));
	EXPECT_EQ(by_kind(variant, EBADF, 0, 0),
		  posix_fadvise(self->fd, 0, 4096, POSIX_FADV_DONTNEED));
}

TEST_F(ffd, fsync)
{
	/* vfs_fsync_range(): no ->fsync. */
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), fsync(self->fd));
	EXPECT_ERRNO(by_kind(variant, EBADF, EINVAL, EINVAL), fdatasync(self->fd));
}

TEST_F(ffd, sync_file_range)
{
	/* sync_file_range(): a regular file, no dirty pages: 0. */
	EXPECT_ERRNO(by_kind(variant, EBADF, 0, 0),
		     sync_file_range(self->fd, 0, 0, SYNC_FILE_RANGE_WRITE));
}

TEST_F(ffd, name_to_handle_at)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h = { .fh = { .handle_bytes = MAX_HANDLE_SZ } };
	int mnt_id, ret;

	ret = name_to_handle_at(self->fd, "", &h.fh, &mnt_id, AT_EMPTY_PATH);
	if (ret < 0 && not_built(errno))
		SKIP(return, "no file handles (CONFIG_FHANDLE)");
	/* do_sys_name_to_handle(): exportfs_can_encode_fh(), no export ops. */
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("name_to_handle_at: %s", strerror(errno));
}

TEST_F(ffd, unix_connect_to_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, s);
	ASSERT_GT(sizeof(sun.sun_path), strlen(self->stack));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", self->stack);
	/* unix_find_bsd(): path_permission(MAY_WRITE), then not S_ISSOCK: ECONNREFUSED. */
	EXPECT_ERRNO(self->owner ? ECONNREFUSED : EACCES,
		     connect(s, (struct sockaddr *)&sun, sizeof(sun)));
	close(s);
}

TEST_HARNESS_MAIN
