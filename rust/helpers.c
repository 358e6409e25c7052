// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the msocket module: static inline functions and macros of
 * the kernel's C API that Rust cannot call, and two short sequences that
 * must follow fs/namei.c and fs/libfs.c step by step (see helpers.h).
 * The kernel crate's own helpers (rust/helpers/) cannot be extended by an
 * out-of-tree module.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/security.h>
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

/*
 * Gives @inode to the negative @dentry and keeps the dentry until it is
 * removed, as ramfs does: an in-memory tree lives in the dentry cache.
 */
void msocket_d_make_persistent(struct dentry *dentry, struct inode *inode)
{
	d_make_persistent(dentry, inode);
}

/* mtime and ctime of @inode become now (a directory that changed). */
void msocket_inode_touch(struct inode *inode)
{
	inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
}

/*
 * mknodat(2) of an S_IFSOCK node at @dfd + @name (a user pointer), as
 * filename_mknodat() in fs/namei.c does it: the LSMs' path hook
 * (AppArmor, Landlock, TOMOYO), then vfs_mknod() with may_create's
 * checks and audit record, the umask and S_ISGID rules, SELinux's inode
 * hook and fsnotify. While vfs_mknod() runs, the new dentry's d_fsdata is
 * @token, so the file system's ->mknod can tell this call from any other
 * mknod(2) or bind(2) of the name (see rust/fs.rs). The directory must be
 * in a file system of @type, whose dentries are the only ones whose
 * d_fsdata may be borrowed: -EOPNOTSUPP otherwise.
 */
int msocket_mknod_with_token(int dfd, const char __user *name, umode_t mode,
			     struct file_system_type *type, void *token)
{
	unsigned int lookup_flags = 0;
	struct delegated_inode di = { };
	struct dentry *dentry;
	struct path path;
	int error;

	mode = S_IFSOCK | (mode & ~S_IFMT);
retry:
	dentry = start_creating_user_path(dfd, name, &path, lookup_flags);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);

	if (path.dentry->d_sb->s_type != type)
		error = -EOPNOTSUPP;
	else
		error = security_path_mknod(&path, dentry,
					    mode_strip_umask(path.dentry->d_inode, mode), 0);
	if (!error) {
		dentry->d_fsdata = token;
		error = vfs_mknod(mnt_idmap(path.mnt), path.dentry->d_inode,
				  dentry, mode, 0, &di);
		dentry->d_fsdata = NULL;
	}
	end_creating_path(&path, dentry);
	if (is_delegated(&di)) {
		error = break_deleg_wait(&di);
		if (!error)
			goto retry;
	}
	if (retry_estale(error, lookup_flags)) {
		lookup_flags |= LOOKUP_REVAL;
		goto retry;
	}
	return error;
}

/* Runs the LSMs' hook that labels a new inode (SELinux, Smack...). */
int msocket_inode_init_security(struct inode *inode, struct inode *dir,
				struct dentry *dentry)
{
	return security_inode_init_security(inode, dir, &dentry->d_name,
					    NULL, NULL);
}

struct msocket_readdir {
	struct dir_context ctx;
	struct dir_context *caller;
};

static bool msocket_filldir(struct dir_context *ctx, const char *name,
			    int namelen, loff_t offset, u64 ino,
			    unsigned int d_type)
{
	struct msocket_readdir *rd = container_of(ctx, struct msocket_readdir, ctx);
	bool more;

	/* Stack files are S_IFSOCK inside; readdir must not say "socket". */
	if (d_type == DT_SOCK)
		d_type = DT_UNKNOWN;
	rd->caller->pos = ctx->pos;
	more = rd->caller->actor(rd->caller, name, namelen, offset, ino, d_type);
	return more;
}

/*
 * dcache_readdir() of a stackfs directory, with DT_UNKNOWN as the d_type
 * of stack files, so that readdir(3) users stat them and see S_IFSTACK.
 */
int msocket_dcache_readdir(struct file *file, struct dir_context *ctx)
{
	struct msocket_readdir rd = {
		.ctx.actor = msocket_filldir,
		.ctx.pos = ctx->pos,
		.ctx.count = ctx->count,
		.ctx.dt_flags_mask = ctx->dt_flags_mask,
		.caller = ctx,
	};
	int ret = dcache_readdir(file, &rd.ctx);

	ctx->pos = rd.ctx.pos;
	return ret;
}

/*
 * fdget_raw(), which is not exported: the file at @fd, O_PATH files
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

/*
 * Is the caller confined by seccomp (any filter, or strict mode)? seccomp
 * sees an ioctl, not the socket it makes: see stackfs/access.rs.
 */
bool msocket_current_has_seccomp(void)
{
#ifdef CONFIG_SECCOMP
	return READ_ONCE(current->seccomp.mode) != SECCOMP_MODE_DISABLED;
#else
	return false;
#endif
}

/* Is @net the caller's own network namespace? */
bool msocket_net_is_current(const struct net *net)
{
	return current->nsproxy->net_ns == net;
}

/* Is the caller in the initial network namespace? */
bool msocket_current_in_init_net(void)
{
	return net_eq(current->nsproxy->net_ns, &init_net);
}
