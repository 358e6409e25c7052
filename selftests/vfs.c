// SPDX-License-Identifier: GPL-2.0
/*
 * Stack files and the VFS: stat(2) and readdir show S_IFSTACK and
 * DT_UNKNOWN, while every other path of the kernel meets a file type it
 * knows (S_IFSOCK inside), so exec, open with every access mode and
 * O_PATH, truncate, mmap, splice, sendfile and chmod to every mode end in
 * an errno, never in a kernel warning or BUG (the run fails on any report;
 * the debug kernel has CONFIG_DEBUG_VFS). The same checks run as root and
 * as a user in a stackfs of their own (in a user namespace).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/msocket.h>

#include "kselftest_harness.h"
#include "msocket_test.h"

/*
 * Counts and logs the checks that do not hold (the battery runs as root
 * and, in a child, as a user, so it cannot use the harness's ASSERTs).
 */
static int bad;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		bad++;							\
	}								\
} while (0)

/* The call @ret failed with one of the errnos in @ok (0-terminated). */
static int failed_with(long ret, const int *ok)
{
	int e = errno;

	if (ret != -1)
		return 0;
	for (; *ok; ok++)
		if (*ok == e)
			return 1;
	return 0;
}

#define FAILS(call, ...) do {						\
	static const int ok_[] = { __VA_ARGS__, 0 };			\
	long r_ = (long)(call);						\
	CHECK(failed_with(r_, ok_), "returned %ld, errno %d (%s)",	\
	      r_, r_ == -1 ? errno : 0, r_ == -1 ? strerror(errno) : "-");	\
} while (0)

#define WORKS(call) do {						\
	long r_ = (long)(call);						\
	CHECK(r_ != -1, "failed: %s", strerror(errno));			\
} while (0)

static int stack_type_is_reported(const char *path, unsigned int perm)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSTACK &&
		(st.st_mode & 07777) == perm;
}

/* exec of @path in a child: it must fail with EACCES (no WARN). */
static void exec_fails(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *const argv[] = { (char *)path, NULL };

		execve(path, argv, NULL);
		_exit(errno == EACCES ? 0 : 10 + errno);
	}
	CHECK(wait_exit(pid) == 0, "exec of %s did not fail with EACCES", path);
}

/* The whole battery on the stack file @dir/stack (mode 0600, ours). */
static void battery(const char *dir)
{
	char path[100], sub[100], other[100];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned int mode;
	struct dirent *de;
	struct stat st;
	int fd, pfd, rw, sock, pipefd[2];
	DIR *d;
	void *map;

	snprintf(path, sizeof(path), "%s/stack", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(other, sizeof(other), "%s/other", dir);

	/* What user space sees. */
	CHECK(stack_type_is_reported(path, 0600), "stat does not show S_IFSTACK|0600");
	CHECK(lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSTACK, "lstat");
	WORKS(mkdir(sub, 0755));
	d = opendir(dir);
	CHECK(d, "opendir");
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, "stack"))
			CHECK(de->d_type == DT_UNKNOWN, "d_type %d for a stack file", de->d_type);
		if (!strcmp(de->d_name, "sub"))
			CHECK(de->d_type == DT_DIR, "d_type %d for a directory", de->d_type);
	}
	if (d)
		closedir(d);

	/* Every open mode: they work (the ioctls need them), or fail cleanly. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "O_RDONLY: %s", strerror(errno));
	rw = open(path, O_RDWR | O_CLOEXEC);
	CHECK(rw >= 0, "O_RDWR: %s", strerror(errno));
	pfd = open(path, O_PATH | O_CLOEXEC);
	CHECK(pfd >= 0, "O_PATH: %s", strerror(errno));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0, "O_WRONLY: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0, "O_TRUNC of an empty file changes nothing: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	FAILS(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ENOTDIR);
	FAILS(open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600), EEXIST);
	fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);
	CHECK(fd >= 0, "O_NOATIME by the owner: %s", strerror(errno));

	/* Nothing to read, write, seek, map, splice or sync. */
	if (fd >= 0 && rw >= 0) {
		char buf[8];

		FAILS(read(fd, buf, sizeof(buf)), EINVAL);
		FAILS(write(rw, "x", 1), EINVAL);
		FAILS(pread(fd, buf, sizeof(buf), 0), EINVAL, ESPIPE);
		FAILS(lseek(fd, 0, SEEK_SET), ESPIPE);
		map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		CHECK(map == MAP_FAILED && (errno == ENODEV || errno == EACCES),
		      "mmap: %s", map == MAP_FAILED ? strerror(errno) : "mapped");
		map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		CHECK(map == MAP_FAILED, "mmap PROT_EXEC: mapped");
		/* No contents: a size of 0 is already its size, any other is refused. */
		WORKS(ftruncate(rw, 0));
		FAILS(ftruncate(rw, 1), EINVAL);
		FAILS(fallocate(rw, 0, 0, 4096), ENODEV, EOPNOTSUPP, ESPIPE);
		FAILS(fsync(fd), EINVAL);
		WORKS(pipe(pipefd));
		FAILS(splice(fd, NULL, pipefd[1], NULL, 16, 0), EINVAL);
		FAILS(splice(pipefd[0], NULL, rw, NULL, 16, SPLICE_F_NONBLOCK), EINVAL, EAGAIN);
		FAILS(sendfile(pipefd[1], fd, NULL, 16), EINVAL);
		/* Both empty regular files of one mount: nothing to copy. */
		CHECK(copy_file_range(fd, NULL, rw, NULL, 16, 0) == 0, "copy_file_range: %s",
		      strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		FAILS(ioctl(fd, _IO(MSOCKET_IOC_MAGIC, 0x7f)), ENOTTY);
		CHECK(fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSTACK, "fstat");
	}
	WORKS(truncate(path, 0));
	FAILS(truncate(path, 4096), EINVAL);

	/* Extended attributes and file handles: not there. */
	FAILS(setxattr(path, "user.x", "1", 1, 0), EOPNOTSUPP, EPERM);
	FAILS(getxattr(path, "user.x", NULL, 0), EOPNOTSUPP, ENODATA);

	/* A unix socket cannot reach it, nor be bound in a stackfs. */
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(sock >= 0, "socket");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	FAILS(connect(sock, (struct sockaddr *)&sun, sizeof(sun)), ECONNREFUSED);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", other);
	FAILS(bind(sock, (struct sockaddr *)&sun, sizeof(sun)), EPERM);
	close(sock);
	FAILS(mknod(other, S_IFSOCK | 0600, 0), EPERM);
	FAILS(mknod(other, S_IFIFO | 0600, 0), EPERM);

	/* chmod to every mode keeps the type; with any x bit, exec fails. */
	for (mode = 0; mode <= 07777; mode++) {
		if (chmod(path, mode)) {
			/* S_ISUID/S_ISGID may be refused to a user, never the rest. */
			CHECK(errno == EPERM && (mode & 06000), "chmod %04o: %s", mode,
			      strerror(errno));
			continue;
		}
		CHECK(stack_type_is_reported(path, mode), "after chmod %04o", mode);
	}
	for (mode = 0; mode <= 07777; mode += 0111) {
		if (chmod(path, mode | 0700))
			continue;
		exec_fails(path);
	}
	WORKS(chmod(path, 0600));
	if (pfd >= 0) {
		pid_t pid = fork();

		if (pid == 0) {
			char *const argv[] = { "stack", NULL };

			chmod(path, 0755);
			syscall(SYS_execveat, pfd, "", argv, NULL, AT_EMPTY_PATH);
			_exit(errno == EACCES ? 0 : 10 + errno);
		}
		CHECK(wait_exit(pid) == 0, "execveat of an O_PATH fd did not fail with EACCES");
		WORKS(chmod(path, 0600));
	}

	/* A stack file still works as one after all this. */
	if (pfd >= 0) {
		sock = msocket_fd(pfd, AF_INET, SOCK_DGRAM, 0);
		CHECK(sock >= 0, "msocket after all this: %s", strerror(errno));
		if (sock >= 0)
			close(sock);
		close(pfd);
	}
	if (fd >= 0)
		close(fd);
	if (rw >= 0)
		close(rw);
	rmdir(sub);
}

TEST(root_in_a_stackfs)
{
	char dir[64], path[96];
	int nsfd;

	bad = 0;
	ASSERT_EQ(0, mount_stackfs(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/stack", dir);
	umask(0);
	nsfd = new_stack(path, 0600);
	ASSERT_LE(0, nsfd);
	close(nsfd);
	battery(dir);
	umount_stackfs(dir);
	EXPECT_EQ(0, bad);
}

/* As a user: a user namespace, a stackfs and a stack of their own. */
static int user_battery(void *arg)
{
	char dir[] = "/tmp/vfs-user.XXXXXX", path[96];
	int nsfd;

	if (!mkdtemp(dir) || enter_userns(CLONE_NEWNET | CLONE_NEWNS))
		return 100;
	if (mount("none", dir, "stackfs", 0, NULL))
		return 101;
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/stack", dir);
	umask(0);
	if (nsfd < 0 || mkstack(path, nsfd, 0600))
		return 102;
	close(nsfd);
	bad = 0;
	battery(dir);
	umount2(dir, MNT_DETACH);
	return bad > 99 ? 99 : bad;
}

TEST(user_in_a_stackfs_of_their_own)
{
	EXPECT_EQ(0, run_as(TEST_UID, user_battery, NULL));
}

TEST_HARNESS_MAIN
