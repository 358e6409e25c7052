/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C API of the msocket module that the kernel crate's bindings lack;
 * bindgen reads this header (see Kbuild and bindgen_allowlist).
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <linux/msocket.h>

#include "helpers.h"

/* Macros bindgen cannot evaluate, as constants it can. */
const u32 MSOCKET_CONST_IOC_SOCKET = MSOCKET_IOC_SOCKET;
const u32 MSOCKET_CONST_IOC_MKSTACK = MSOCKET_IOC_MKSTACK;
const u32 MSOCKET_CONST_STACKFS_IOC_NETNS_FD = STACKFS_IOC_NETNS_FD;
const u32 MSOCKET_CONST_STACKFS_IOC_NETNS_ID = STACKFS_IOC_NETNS_ID;
const u32 MSOCKET_CONST_STACKFS_IOC_SOCKET = STACKFS_IOC_SOCKET;
const u32 MSOCKET_CONST_FMODE_READ = (__force u32)FMODE_READ;
const u32 MSOCKET_CONST_FMODE_WRITE = (__force u32)FMODE_WRITE;
const u32 MSOCKET_CONST_FMODE_PATH = (__force u32)FMODE_PATH;
const u32 MSOCKET_CONST_ATTR_SIZE = ATTR_SIZE;
const u64 MSOCKET_CONST_STACKFS_SOCKET_NONBLOCK = STACKFS_SOCKET_NONBLOCK;
const u64 MSOCKET_CONST_STACKFS_SOCKET_CLOEXEC = STACKFS_SOCKET_CLOEXEC;
const u64 MSOCKET_CONST_STACKFS_SOCKET_EXPECT = STACKFS_SOCKET_EXPECT;
const int MSOCKET_CONST_SOCK_MAX = SOCK_MAX;
const unsigned int MSOCKET_CONST_LOOKUP_FOLLOW = LOOKUP_FOLLOW;
const unsigned int MSOCKET_CONST_LOOKUP_EMPTY = LOOKUP_EMPTY;
