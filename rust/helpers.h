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
struct user_namespace;

struct net *msocket_get_net(struct net *net);
void msocket_put_net(struct net *net);
struct net *msocket_current_net(void);
u64 msocket_net_ns_id(const struct net *net);
struct user_namespace *msocket_net_user_ns(const struct net *net);
int msocket_open_net_ns(struct net *net);
bool msocket_net_capable(const struct net *net, int cap);

struct module *msocket_this_module(void);

int msocket_copy_struct_from_user(void *dst, size_t ksize,
				  const void __user *src, size_t usize);

#endif /* MSOCKET_HELPERS_H */
