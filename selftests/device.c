// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/msocket, the device: it exists once the module is loaded, is a
 * character device that only root and group msocket may open (the kernel
 * makes it 0600 root; the udev rule, mdev in the VM, gives it to group
 * msocket, 0660), and answers unknown ioctls with ENOTTY.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/msocket.h>

#include "kselftest_harness.h"
#include "msocket_test.h"

TEST(device_is_a_char_device_of_group_msocket)
{
	struct stat st;

	ASSERT_EQ(0, stat(MSOCKET_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(MSOCKET_GID, st.st_gid);
}

static int open_device(void *arg)
{
	int fd = open(MSOCKET_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return 0;
	return errno == EACCES ? 1 : 2;
}

/* A member of group msocket may open it; anyone else gets EACCES. */
TEST(only_group_msocket_may_open_it)
{
	EXPECT_EQ(0, run_as(TEST_UID, open_device, NULL));
	EXPECT_EQ(1, run_as_groups(TEST_UID, 0, NULL, open_device, NULL));
}

TEST(unknown_ioctl_is_enotty)
{
	int fd = open(MSOCKET_DEVICE, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(MSOCKET_IOC_MAGIC, 0xff), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO('T', 1), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/* rmmod while /dev/msocket is open fails: the open file pins the module. */
TEST(rmmod_fails_while_device_open)
{
	int fd = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	struct stat st;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "msocket", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, stat("/sys/module/msocket", &st));
	close(fd);
}

TEST_HARNESS_MAIN
