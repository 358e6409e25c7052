// SPDX-License-Identifier: GPL-2.0
/*
 * stackfs: mounts, directories, S_IFSTACK stack files bound to network
 * namespaces, their VFS operations and ioctls, and MSOCKET_IOC_MKSTACK.
 */
#include <dirent.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "msocket_test.h"
#include "kselftest_harness.h"

FIXTURE(fs) {
	char dir[64];
	char path[128];
	int nsfd;
};

FIXTURE_SETUP(fs)
{
	umask(022);
	ASSERT_EQ(0, mount_stackfs(self->dir, sizeof(self->dir)));
	snprintf(self->path, sizeof(self->path), "%s/blue", self->dir);
	self->nsfd = new_netns();
	ASSERT_LE(0, self->nsfd);
}

FIXTURE_TEARDOWN(fs)
{
	close(self->nsfd);
	umount_stackfs(self->dir);
}

TEST_F(fs, root_is_directory_with_magic)
{
	struct statfs sfs;
	struct stat st;

	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0755, st.st_mode & 07777);
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(STACKFS_MAGIC, sfs.f_type);
}

TEST_F(fs, stack_file_stats_as_s_ifstack)
{
	struct stat st;
	time_t now = time(NULL);

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0666));
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISSTACK(st.st_mode));
	EXPECT_EQ(S_IFSTACK | 0644, st.st_mode);	/* 0666 less umask 022 */
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(1, st.st_nlink);
	EXPECT_LE(now - 5, st.st_mtime);
	EXPECT_LE(now - 5, st.st_ctime);
	EXPECT_FALSE(S_ISREG(st.st_mode));
	EXPECT_FALSE(S_ISDIR(st.st_mode));
	EXPECT_FALSE(S_ISSOCK(st.st_mode));
}

TEST_F(fs, umask_applies)
{
	struct stat st;

	umask(077);
	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0666));
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(S_IFSTACK | 0600, st.st_mode);
}

TEST_F(fs, ls_lists_stack_file)
{
	char cmd[256], line[256] = "";
	FILE *p;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0640));
	snprintf(cmd, sizeof(cmd), "ls -l %s", self->dir);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "blue"))
			break;
	pclose(p);
	/* An unknown file type: ls shows "?" then the permission bits. */
	EXPECT_EQ(0, strncmp(line, "?rw-r-----", 10)) {
		TH_LOG("ls -l printed: %s", line);
	}
}

TEST_F(fs, readdir_lists_stack_file)
{
	struct dirent *de;
	int found = 0;
	DIR *d;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	d = opendir(self->dir);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d)))
		if (!strcmp(de->d_name, "blue"))
			found = 1;
	closedir(d);
	EXPECT_TRUE(found);
}

TEST_F(fs, netns_id_ioctl_names_the_namespace)
{
	uint64_t id = 0;
	int fd;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	fd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, STACKFS_IOC_NETNS_ID, &id));
	EXPECT_EQ(ns_id_of_fd(self->nsfd), id);
	EXPECT_NE(ns_id_of_path("/proc/self/ns/net"), id);
	EXPECT_EQ(-1, ioctl(fd, STACKFS_IOC_NETNS_ID, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(MSOCKET_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_F(fs, netns_fd_ioctl_opens_the_namespace)
{
	int fd, nsfd, self_ns;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	fd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	nsfd = ioctl(fd, STACKFS_IOC_NETNS_FD);
	ASSERT_LE(0, nsfd);
	EXPECT_EQ(ns_id_of_fd(self->nsfd), ns_id_of_fd(nsfd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(nsfd, F_GETFD) & FD_CLOEXEC);
	/* It is a real nsfs fd: setns(2) enters the stack. */
	self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWNET));
	EXPECT_EQ(ns_id_of_fd(self->nsfd), ns_id_of_path("/proc/self/ns/net"));
	ASSERT_EQ(0, setns(self_ns, CLONE_NEWNET));
	close(self_ns);
	close(nsfd);
	close(fd);
}

TEST_F(fs, o_path_open_and_read_fails)
{
	char buf[4];
	int fd;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	fd = open(self->path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	fd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* A namespace bound to a stack file outlives every process in it. */
TEST_F(fs, namespace_lives_without_processes)
{
	uint64_t child_ns;
	int sock;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int nsfd;

		if (unshare(CLONE_NEWNET))
			_exit(1);
		nsfd = open("/proc/self/ns/net", O_RDONLY);
		_exit(mkstack(self->path, nsfd, 0600) ? 2 : 0);
	}
	ASSERT_EQ(0, wait_exit(pid));
	/* The child is gone; its namespace is reachable through the file. */
	child_ns = stack_ns_id(self->path);
	ASSERT_NE(0, child_ns);
	sock = sys_msocket(self->path, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, sock);
	EXPECT_EQ(child_ns, socket_ns_id(sock));
	close(sock);
}

TEST_F(fs, unlink_rename_link)
{
	char other[160], sub[160], moved[192];
	uint64_t id = ns_id_of_fd(self->nsfd);
	struct stat st;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	snprintf(other, sizeof(other), "%s/red", self->dir);
	snprintf(sub, sizeof(sub), "%s/group", self->dir);
	snprintf(moved, sizeof(moved), "%s/group/green", self->dir);

	ASSERT_EQ(0, rename(self->path, other));
	EXPECT_EQ(-1, stat(self->path, &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(id, stack_ns_id(other));

	ASSERT_EQ(0, mkdir(sub, 0755));
	ASSERT_EQ(0, rename(other, moved));
	EXPECT_EQ(id, stack_ns_id(moved));

	ASSERT_EQ(0, link(moved, self->path));
	ASSERT_EQ(0, stat(moved, &st));
	EXPECT_EQ(2, st.st_nlink);
	EXPECT_EQ(id, stack_ns_id(self->path));

	ASSERT_EQ(0, unlink(moved));
	EXPECT_EQ(-1, stat(moved, &st));
	EXPECT_EQ(id, stack_ns_id(self->path));
	ASSERT_EQ(0, unlink(self->path));
	EXPECT_EQ(-1, stat(self->path, &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, rmdir(sub));
}

TEST_F(fs, chmod_chown_keep_the_type)
{
	struct stat st;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	ASSERT_EQ(0, chmod(self->path, 0604));
	ASSERT_EQ(0, chown(self->path, TEST_UID, TEST_GID));
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(S_IFSTACK | 0604, st.st_mode);
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
}

TEST_F(fs, directories)
{
	char sub[160], deep[192], stack[224];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/a", self->dir);
	snprintf(deep, sizeof(deep), "%s/a/b", self->dir);
	snprintf(stack, sizeof(stack), "%s/a/b/s", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0700));
	ASSERT_EQ(0, mkdir(deep, 0750));
	ASSERT_EQ(0, stat(deep, &st));
	EXPECT_EQ(S_IFDIR | 0750, st.st_mode);
	ASSERT_EQ(0, stat(sub, &st));
	EXPECT_EQ(3, st.st_nlink);
	ASSERT_EQ(0, mkstack(stack, self->nsfd, 0600));
	EXPECT_EQ(-1, rmdir(deep));
	EXPECT_EQ(ENOTEMPTY, errno);
	ASSERT_EQ(0, unlink(stack));
	EXPECT_EQ(0, rmdir(deep));
	EXPECT_EQ(0, rmdir(sub));
}

TEST_F(fs, no_regular_files_devices_or_symlinks)
{
	char name[160];

	snprintf(name, sizeof(name), "%s/file", self->dir);
	EXPECT_EQ(-1, open(name, O_CREAT | O_WRONLY, 0600));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mknod(name, S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, symlink("/tmp", name));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(fs, mkstack_errors)
{
	char missing[160];
	int file;

	snprintf(missing, sizeof(missing), "%s/none/blue", self->dir);
	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	EXPECT_EQ(-1, mkstack(self->path, self->nsfd, 0600));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, mkstack(missing, self->nsfd, 0600));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mkstack("/tmp/not-a-stackfs", self->nsfd, 0600));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, mkstack("/tmp/x", self->nsfd, 010600));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mkstack("/tmp/x", -1, 0600));
	EXPECT_EQ(EBADF, errno);
	file = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, file);
	EXPECT_EQ(-1, mkstack("/tmp/x", file, 0600));
	EXPECT_EQ(EINVAL, errno);
	close(file);
	EXPECT_EQ(-1, mkstack((const char *)8, self->nsfd, 0600));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(fs, mkstack_argument_sizes)
{
	struct {
		struct msocket_mkstack_args args;
		uint64_t extension;
	} big = { 0 };
	struct msocket_mkstack_args args = {
		.size = sizeof(args), .dirfd = AT_FDCWD, .netns_fd = self->nsfd,
		.mode = 0600, .path = (uintptr_t)self->path,
	};

	args.size = MSOCKET_MKSTACK_ARGS_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &args));
	EXPECT_EQ(EINVAL, errno);
	args.size = 4097;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &args));
	EXPECT_EQ(E2BIG, errno);
	args.size = sizeof(args);
	args.flags = 1;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &args));
	EXPECT_EQ(EINVAL, errno);
	args.flags = 0;
	args.__reserved = 1;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &args));
	EXPECT_EQ(EINVAL, errno);
	args.__reserved = 0;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* A larger, newer struct: fine while its extension is zero. */
	big.args = args;
	big.args.size = sizeof(big);
	big.extension = 1;
	EXPECT_EQ(-1, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &big));
	EXPECT_EQ(E2BIG, errno);
	big.extension = 0;
	EXPECT_EQ(0, ioctl(msocket_dev(), MSOCKET_IOC_MKSTACK, &big));
	EXPECT_TRUE(S_ISSTACK(({ struct stat st; stat(self->path, &st); st.st_mode; })));
}

TEST_F(fs, mount_options_are_refused)
{
	char dir[] = "/tmp/stackfs-opt.XXXXXX";

	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_EQ(-1, mount("none", dir, "stackfs", 0, "size=1"));
	EXPECT_EQ(EINVAL, errno);
	rmdir(dir);
}

TEST_F(fs, each_mount_is_its_own_instance)
{
	char dir2[64], path2[128];
	struct stat st;

	ASSERT_EQ(0, mount_stackfs(dir2, sizeof(dir2)));
	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	snprintf(path2, sizeof(path2), "%s/blue", dir2);
	EXPECT_EQ(-1, stat(path2, &st));
	EXPECT_EQ(ENOENT, errno);
	umount_stackfs(dir2);
}

TEST_F(fs, rmmod_fails_while_mounted)
{
	EXPECT_EQ(-1, syscall(SYS_delete_module, "msocket", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
}

TEST_F(fs, umount_with_open_stack_file)
{
	uint64_t id = 0;
	int fd;

	ASSERT_EQ(0, mkstack(self->path, self->nsfd, 0600));
	fd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, umount(self->dir));
	EXPECT_EQ(EBUSY, errno);
	/* Detached, the open file still names its stack. */
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	EXPECT_EQ(0, ioctl(fd, STACKFS_IOC_NETNS_ID, &id));
	EXPECT_EQ(ns_id_of_fd(self->nsfd), id);
	close(fd);
}

static int try_mkstack_in(void *arg)
{
	const char *path = arg;
	int nsfd;

	/* Not root: no CAP_NET_ADMIN over the initial namespace. */
	nsfd = open("/proc/self/ns/net", O_RDONLY);
	if (mkstack(path, nsfd, 0600) != -1 || errno != EPERM)
		return 1;
	/* A namespace of its own, in a user namespace of its own. */
	if (enter_userns(CLONE_NEWNET))
		return 2;
	close(nsfd);
	nsfd = open("/proc/self/ns/net", O_RDONLY);
	if (mkstack(path, nsfd, 0600) == 0)
		return 0;
	return errno == EACCES ? 3 : 4;
}

TEST_F(fs, unprivileged_mkstack)
{
	char sub[160], path[192];
	struct stat st;

	/* A directory the user cannot write: EACCES even for its own namespace. */
	EXPECT_EQ(3, run_as(TEST_UID, try_mkstack_in, self->path));
	/* A directory of its own: it may bind the namespace it administers. */
	snprintf(sub, sizeof(sub), "%s/user", self->dir);
	snprintf(path, sizeof(path), "%s/user/mine", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	ASSERT_EQ(0, chown(sub, TEST_UID, TEST_GID));
	EXPECT_EQ(0, run_as(TEST_UID, try_mkstack_in, path));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(S_IFSTACK | 0600, st.st_mode);
	EXPECT_EQ(TEST_UID, st.st_uid);
}

static int userns_mount(void *arg)
{
	char dir[] = "/tmp/stackfs-userns.XXXXXX", path[64];
	int nsfd, sock, init_ns = open("/proc/self/ns/net", O_RDONLY);

	(void)arg;
	if (!mkdtemp(dir))
		return 1;
	if (enter_userns(CLONE_NEWNS | CLONE_NEWNET))
		return 2;
	if (mount("none", dir, "stackfs", 0, NULL))
		return 3;
	snprintf(path, sizeof(path), "%s/own", dir);
	nsfd = open("/proc/self/ns/net", O_RDONLY);
	if (mkstack(path, nsfd, 0600))
		return 4;
	sock = sys_msocket(path, AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || socket_ns_id(sock) != ns_id_of_fd(nsfd))
		return 5;
	/* The initial namespace stays out of reach. */
	snprintf(path, sizeof(path), "%s/init", dir);
	if (mkstack(path, init_ns, 0600) != -1 || errno != EPERM)
		return 6;
	return 0;
}

TEST(mount_in_user_namespace)
{
	EXPECT_EQ(0, run_as(TEST_UID, userns_mount, NULL));
}

TEST_HARNESS_MAIN
