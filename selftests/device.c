// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/msocket, the device: it exists once the module is loaded, is a
 * character device anyone may open, and answers unknown ioctls with ENOTTY.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/msocket.h>

#include "kselftest_harness.h"

TEST(device_is_world_usable_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(MSOCKET_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
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
