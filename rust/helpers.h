/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of the msocket module (helpers.c): the static inline
 * functions and macros of the kernel's C API that Rust cannot call
 * directly, and the mknod and readdir sequences stackfs needs. The Rust
 * abstractions in this directory call them.
 */
#ifndef MSOCKET_HELPERS_H
#define MSOCKET_HELPERS_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <net/net_namespace.h>

struct net;
struct file;
struct inode;
struct dentry;
struct dir_context;
struct fs_context;
struct fs_context_operations;
struct file_system_type;

struct dentry;

/*
 * A network namespace held the way an nsfs file or bind mount holds it
 * (see helpers.c); @net is read by Rust directly.
 */
struct msocket_netns {
	struct net *net;
	netns_tracker tracker;
	struct dentry *nsfs;
};

struct msocket_netns *msocket_netns_from_fd(int fd);
void msocket_netns_free(struct msocket_netns *held);
struct net *msocket_current_net(void);
u64 msocket_net_ns_id(const struct net *net);
int msocket_open_net_ns(struct net *net);
bool msocket_net_capable(const struct net *net, int cap);
bool msocket_may_enter_net(const struct net *net);
struct net *msocket_nsfs_net(struct inode *inode);

struct fs_parameter;
int msocket_fs_param(const struct fs_parameter *param, const char **key,
		     const char **value);
struct super_block;
void **msocket_fc_private(struct fs_context *fc);
struct super_block *msocket_fc_super(struct fs_context *fc);
void msocket_fc_set_ops(struct fs_context *fc,
			const struct fs_context_operations *ops);
void msocket_d_make_persistent(struct dentry *dentry, struct inode *inode);
void msocket_inode_touch(struct inode *inode);
int msocket_mknod_with_token(int dfd, const char __user *name, umode_t mode,
			     struct file_system_type *type, void *token);
int msocket_inode_init_security(struct inode *inode, struct inode *dir,
				struct dentry *dentry);
int msocket_dcache_readdir(struct file *file, struct dir_context *ctx);

#ifndef MSOCKET_KERNEL_7_3
struct module;
int msocket_own_misc_file(struct file *file, struct module *owner);
#endif
struct file *msocket_fdget_raw(unsigned int fd, bool *counted);
struct path;
struct file *msocket_open_for_writing(const struct path *path);
struct file *msocket_open_for_reading(const struct path *path);
struct file *msocket_reopen_for_writing(struct file *file);

struct socket;
int msocket_socket_kind(int fd, int *family, int *type, int *protocol);
int msocket_socket_protocol(const struct socket *sock);

#define MSOCKET_UNDER_SECCOMP	0x1
#define MSOCKET_FOREIGN_NETNS	0x2
unsigned int msocket_confinement(const struct net *net);

#endif /* MSOCKET_HELPERS_H */
