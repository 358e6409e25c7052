/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of the msocket module: the static inline functions and macros
 * of the kernel's C API that Rust cannot call directly. Each one is a
 * plain wrapper; the Rust abstractions in this directory call them.
 */
#ifndef MSOCKET_HELPERS_H
#define MSOCKET_HELPERS_H

#include <linux/types.h>

struct net;
struct file;
struct inode;
struct super_block;
struct fs_context;
struct dentry;
struct inode_operations;
struct file_operations;
struct fs_context_operations;

struct net *msocket_get_net(struct net *net);
void msocket_put_net(struct net *net);
struct net *msocket_current_net(void);
u64 msocket_net_ns_id(const struct net *net);
int msocket_open_net_ns(struct net *net);
bool msocket_net_capable(const struct net *net, int cap);

void msocket_fc_set_ops(struct fs_context *fc,
			const struct fs_context_operations *ops);
void msocket_inode_set_ops(struct inode *inode,
			   const struct inode_operations *iop,
			   const struct file_operations *fop);
void msocket_d_instantiate_pinned(struct dentry *dentry, struct inode *inode);
void msocket_inode_touch(struct inode *inode);
void msocket_fsnotify_create(struct inode *dir, struct dentry *dentry);
int msocket_may_create(struct inode *dir);

struct file *msocket_fdget_raw(unsigned int fd, bool *counted);

#endif /* MSOCKET_HELPERS_H */
