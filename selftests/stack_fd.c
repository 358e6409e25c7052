// SPDX-License-Identifier: GPL-2.0
/*
 * The stack fd as the capability: a socket is made through a file open
 * for writing on the stack file. STACKFS_IOC_SOCKET on such an fd (its
 * arguments packed into the ioctl argument), and its errnos; the open for
 * writing that msocket by path, and by an O_PATH or O_RDONLY fd, does for
 * the call; what a stack file is to the VFS (a regular file with no
 * contents: no truncation, no execution, readdir's DT_UNKNOWN).
 */
#include <dirent.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "msocket_test.h"

FIXTURE(sfd) {
	char dir[64];
	char blue[128];
	uint64_t blue_id;
	struct stat st;
};

FIXTURE_SETUP(sfd)
{
	int nsfd;

	umask(022);
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->blue, sizeof(self->blue), "%s/blue", self->dir);
	nsfd = new_stack(self->blue, 0644);
	ASSERT_LE(0, nsfd);
	self->blue_id = ns_id_of_fd(nsfd);
	ASSERT_NE(0, self->blue_id);
	close(nsfd);
	ASSERT_EQ(0, stat(self->blue, &self->st));
}

FIXTURE_TEARDOWN(sfd)
{
	umount_stackfs(self->dir);
}

static unsigned long packed(int domain, int type, int protocol)
{
	return STACKFS_SOCKET_ARG(domain, type, protocol);
}

static unsigned long tagged(const struct stat *st, int domain, int type)
{
	return packed(domain, type, 0) | STACKFS_SOCKET_EXPECT |
	       (unsigned long)STACKFS_SOCKET_TAG(st->st_dev, st->st_ino) << 32;
}

TEST_F(sfd, ioctl_makes_a_socket_in_the_stack)
{
	int fd = open(self->blue, O_WRONLY | O_CLOEXEC), s, type;
	socklen_t len = sizeof(type);

	ASSERT_LE(0, fd);
	s = ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0));
	ASSERT_LE(0, s) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(self->blue_id, socket_ns_id(s));
	EXPECT_EQ(0, getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len));
	EXPECT_EQ(SOCK_STREAM, type);
	/* No flags asked: blocking, inherited across exec. */
	EXPECT_EQ(0, fcntl(s, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(s, F_GETFL) & O_NONBLOCK);
	close(s);
	/* The protocol and the flags travel in the argument too. */
	s = ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_DGRAM, IPPROTO_UDP) |
		  STACKFS_SOCKET_NONBLOCK | STACKFS_SOCKET_CLOEXEC);
	ASSERT_LE(0, s);
	EXPECT_EQ(FD_CLOEXEC, fcntl(s, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(self->blue_id, socket_ns_id(s));
	close(s);
	/* An O_RDWR fd is open for writing too. */
	close(fd);
	fd = open(self->blue, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	s = ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET6, SOCK_DGRAM, 0));
	ASSERT_LE(0, s);
	EXPECT_EQ(self->blue_id, socket_ns_id(s));
	close(s);
	close(fd);
}

TEST_F(sfd, ioctl_needs_an_fd_open_for_writing)
{
	int rd = open(self->blue, O_RDONLY | O_CLOEXEC);
	int path = open(self->blue, O_PATH | O_CLOEXEC);

	ASSERT_LE(0, rd);
	ASSERT_LE(0, path);
	EXPECT_EQ(-1, ioctl(rd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0)));
	EXPECT_EQ(EBADF, errno);
	/* The VFS itself refuses any ioctl on an O_PATH fd. */
	EXPECT_EQ(-1, ioctl(path, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0)));
	EXPECT_EQ(EBADF, errno);
	close(rd);
	close(path);
}

TEST_F(sfd, ioctl_errnos)
{
	int fd = open(self->blue, O_WRONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	/* Bit 31 and any high bit without STACKFS_SOCKET_EXPECT: unknown. */
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0) | 1UL << 31));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0) | 1UL << 40));
	EXPECT_EQ(EINVAL, errno);
	/* Type 0 is SOCK_DEFAULT: a check, no socket. */
	EXPECT_EQ(0, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_DEFAULT, 0)));
	EXPECT_EQ(0, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_UNSPEC, SOCK_DEFAULT, 0)));
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_DEFAULT, 6)));
	EXPECT_EQ(EINVAL, errno);
	/* A family the stack lacks, a type that does not exist. */
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, packed(250, SOCK_STREAM, 0)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, 15, 0)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 200)));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	/* Unknown ioctls of a stack file. */
	EXPECT_EQ(-1, ioctl(fd, _IO(MSOCKET_IOC_MAGIC, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_F(sfd, expect_checks_the_tag_and_the_link)
{
	struct stat other = self->st;
	char moved[160];
	int fd = open(self->blue, O_WRONLY | O_CLOEXEC), s;

	ASSERT_LE(0, fd);
	s = ioctl(fd, STACKFS_IOC_SOCKET, tagged(&self->st, AF_INET, SOCK_STREAM));
	ASSERT_LE(0, s) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(self->blue_id, socket_ns_id(s));
	close(s);
	other.st_ino++;
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, tagged(&other, AF_INET, SOCK_STREAM)));
	EXPECT_EQ(ESTALE, errno);
	/* Renamed, it is the same file: the tag follows it. */
	snprintf(moved, sizeof(moved), "%s/moved", self->dir);
	ASSERT_EQ(0, rename(self->blue, moved));
	s = ioctl(fd, STACKFS_IOC_SOCKET, tagged(&self->st, AF_INET, SOCK_STREAM));
	EXPECT_LE(0, s);
	close(s);
	/* Unlinked, the stack is gone for callers that expect it. */
	ASSERT_EQ(0, unlink(moved));
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_SOCKET, tagged(&self->st, AF_INET, SOCK_STREAM)));
	EXPECT_EQ(ESTALE, errno);
	/* Without the tag, the open fd still works: it holds the stack. */
	s = ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0));
	EXPECT_LE(0, s);
	EXPECT_EQ(self->blue_id, socket_ns_id(s));
	close(s);
	close(fd);
}

/* Run as OTHER_UID, who has only r on the stack file (mode 0644). */
static int reader_cannot_use_the_stack(void *arg)
{
	const char *stack = arg;
	int fd;

	/* The open for writing is the check. */
	if (open(stack, O_WRONLY | O_CLOEXEC) >= 0 || errno != EACCES)
		return 1;
	fd = open(stack, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 2;
	if (ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0)) >= 0 || errno != EBADF)
		return 3;
	/* By the O_RDONLY fd through /dev/msocket: opened for writing, refused. */
	if (msocket_at(fd, "", AT_EMPTY_PATH, AF_INET, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return 4;
	close(fd);
	fd = open(stack, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 5;
	if (msocket_at(fd, NULL, AT_EMPTY_PATH, AF_INET, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return 6;
	close(fd);
	if (sys_msocket(stack, AF_INET, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return 7;
	return 0;
}

/* An fd opened for writing is a capability: it outlives a chmod. */
static int holder_keeps_its_capability(void *arg)
{
	int fd = *(int *)arg, s;

	s = ioctl(fd, STACKFS_IOC_SOCKET, packed(AF_INET, SOCK_STREAM, 0));
	if (s < 0)
		return 1;
	close(s);
	return 0;
}

TEST_F(sfd, only_an_open_for_writing_uses_a_stack)
{
	int fd;

	EXPECT_EQ(0, run_as(OTHER_UID, reader_cannot_use_the_stack, self->blue));
	/* Opened for writing while allowed, then handed on: it works. */
	ASSERT_EQ(0, chmod(self->blue, 0666));
	fd = open(self->blue, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, chmod(self->blue, 0600));
	EXPECT_EQ(0, run_as(OTHER_UID, holder_keeps_its_capability, &fd));
	close(fd);
}

TEST_F(sfd, a_read_only_mount_refuses_the_open_for_writing)
{
	char ro[64], path[128];
	int fd;

	snprintf(ro, sizeof(ro), "/tmp/stackfs-ro.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(ro));
	ASSERT_EQ(0, mount(self->dir, ro, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	snprintf(path, sizeof(path), "%s/blue", ro);
	EXPECT_EQ(-1, sys_msocket(path, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EROFS, errno);
	EXPECT_EQ(-1, open(path, O_WRONLY | O_CLOEXEC));
	EXPECT_EQ(EROFS, errno);
	/* Reading its namespace still works there. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd);
	close(fd);
	EXPECT_EQ(self->blue_id, stack_ns_id(path));
	umount2(ro, MNT_DETACH);
	rmdir(ro);
}

TEST_F(sfd, a_stack_file_has_no_contents)
{
	int fd = open(self->blue, O_RDWR | O_CLOEXEC);
	char c;
	struct stat st;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ftruncate(fd, 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, truncate(self->blue, 1));
	EXPECT_EQ(EINVAL, errno);
	/* Truncation to 0 changes nothing: O_TRUNC opens work, as `exec 3>` does. */
	EXPECT_EQ(0, ftruncate(fd, 0));
	close(fd);
	fd = open(self->blue, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
	fd = open(self->blue, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	fd = open(self->blue, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	ASSERT_EQ(0, stat(self->blue, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(S_IFSTACK, st.st_mode & S_IFMT);
	EXPECT_EQ(0644, st.st_mode & 07777);
}

TEST_F(sfd, a_stack_file_cannot_be_executed)
{
	char *const *argv = (char *[]){ self->blue, NULL };
	char *const *envp = (char *[]){ NULL };
	int fd;

	ASSERT_EQ(0, chmod(self->blue, 0755));
	EXPECT_EQ(-1, execve(self->blue, argv, envp));
	EXPECT_EQ(EACCES, errno);
	fd = open(self->blue, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH));
	EXPECT_EQ(EACCES, errno);
	close(fd);
}

TEST_F(sfd, readdir_says_unknown_and_stat_says_stack)
{
	DIR *d = opendir(self->dir);
	struct dirent *de;
	int seen = 0;

	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, "blue"))
			continue;
		seen++;
		EXPECT_EQ(DT_UNKNOWN, de->d_type);
	}
	closedir(d);
	EXPECT_EQ(1, seen);
}

TEST_F(sfd, no_regular_file_can_be_made_here)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/plain", self->dir);
	EXPECT_EQ(-1, open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mknod(path, S_IFREG | 0644, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mknod(path, S_IFIFO | 0644, 0));
	EXPECT_EQ(EPERM, errno);
}

TEST_HARNESS_MAIN
