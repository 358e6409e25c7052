// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the msocket module: wrappers of static inline functions
 * and macros, called from the Rust abstractions (see helpers.h).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fsnotify.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <net/net_namespace.h>

#include "helpers.h"

struct net *msocket_get_net(struct net *net)
{
	return get_net(net);
}

void msocket_put_net(struct net *net)
{
	put_net(net);
}

/* A counted reference to the caller's network namespace. */
struct net *msocket_current_net(void)
{
	return get_net(current->nsproxy->net_ns);
}

/* The namespace id users see: the nsfs inode number, N in "net:[N]". */
u64 msocket_net_ns_id(const struct net *net)
{
	return net->ns.inum;
}

/* Does the caller have @cap over the user namespace that owns @net? */
bool msocket_net_capable(const struct net *net, int cap)
{
	return ns_capable(net->user_ns, cap);
}

static struct ns_common *msocket_get_ns(struct ns_common *ns)
{
	return &get_net(container_of(ns, struct net, ns))->ns;
}

/* A new O_CLOEXEC nsfs fd of @net, or a negative errno. */
int msocket_open_net_ns(struct net *net)
{
	return open_related_ns(&net->ns, msocket_get_ns);
}

void msocket_fc_set_ops(struct fs_context *fc,
			const struct fs_context_operations *ops)
{
	fc->ops = ops;
}

void msocket_inode_set_ops(struct inode *inode,
			   const struct inode_operations *iop,
			   const struct file_operations *fop)
{
	inode->i_op = iop;
	inode->i_fop = fop;
}

/*
 * Gives @inode to the negative @dentry and pins the dentry, as ramfs does:
 * an in-memory tree lives in the dentry cache until unlink or umount.
 */
void msocket_d_instantiate_pinned(struct dentry *dentry, struct inode *inode)
{
	d_instantiate(dentry, inode);
	dget(dentry);
}

/* mtime and ctime of @inode become now (a directory that changed). */
void msocket_inode_touch(struct inode *inode)
{
	inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
}

/* Tells inotify/fanotify watchers of @dir about a new entry. */
void msocket_fsnotify_create(struct inode *dir, struct dentry *dentry)
{
	fsnotify_create(dir, dentry);
}

/*
 * The checks of may_create() in fs/namei.c, which is not exported: may the
 * caller add an entry to @dir (locked, on a mount that is never idmapped)?
 */
int msocket_may_create(struct inode *dir)
{
	if (IS_DEADDIR(dir))
		return -ENOENT;
	if (!fsuidgid_has_mapping(dir->i_sb, &nop_mnt_idmap))
		return -EOVERFLOW;
	return inode_permission(&nop_mnt_idmap, dir, MAY_WRITE | MAY_EXEC);
}

/*
 * fdget_raw(), which 6.12 does not export: the file at @fd, O_PATH files
 * included. As __fget_light() does, a caller whose fd table is not shared
 * borrows the file without a reference (no one else can close the fd
 * before the system call returns); otherwise it gets one, and *@counted
 * says so. NULL for no file.
 */
struct file *msocket_fdget_raw(unsigned int fd, bool *counted)
{
	struct files_struct *files = current->files;

	/* Pairs with atomic_dec_and_test() in put_files_struct(). */
	if (likely(atomic_read_acquire(&files->count) == 1)) {
		*counted = false;
		return files_lookup_fd_raw(files, fd);
	}
	*counted = true;
	return fget_raw(fd);
}
