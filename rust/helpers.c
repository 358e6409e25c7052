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
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/slab.h>
#include <linux/security.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "helpers.h"

/*
 * The caller's network namespace, not counted: only the caller itself can
 * change it (setns(2), unshare(2)), so it lives as long as the system call.
 */
struct net *msocket_current_net(void)
{
	return current->nsproxy->net_ns;
}

/*
 * The namespace's 64-bit id: the one NS_GET_ID gives and listns(2) lists,
 * never reused while the system runs (unlike the nsfs inode number).
 */
u64 msocket_net_ns_id(const struct net *net)
{
	return net->ns.ns_id;
}

/* Does the caller have @cap over the user namespace that owns @net? */
bool msocket_net_capable(const struct net *net, int cap)
{
	return ns_capable(net->user_ns, cap);
}

/*
 * May the caller enter @net with setns(2)? netns_install()'s rule:
 * CAP_SYS_ADMIN over the user namespace owning @net and in the caller's
 * own. An nsfs file names a stack for msocket with exactly this privilege.
 */
bool msocket_may_enter_net(const struct net *net)
{
	return ns_capable(net->user_ns, CAP_SYS_ADMIN) &&
	       ns_capable(current_user_ns(), CAP_SYS_ADMIN);
}

/*
 * The network namespace of the nsfs inode @inode (/proc/PID/ns/net, or a
 * bind mount of one such as /run/netns/NAME), not counted: an nsfs inode
 * holds a reference on its namespace until it is evicted, so the namespace
 * lives while the caller holds the inode. ERR_PTR(-EOPNOTSUPP) if @inode
 * is not nsfs's, ERR_PTR(-EINVAL) for a namespace of another kind.
 */
struct net *msocket_nsfs_net(struct inode *inode)
{
	struct ns_common *ns;

	if (inode->i_sb->s_magic != NSFS_MAGIC)
		return ERR_PTR(-EOPNOTSUPP);
	ns = inode->i_private;
	if (!ns || ns->ns_type != CLONE_NEWNET)
		return ERR_PTR(-EINVAL);
	return container_of(ns, struct net, ns);
}

/*
 * A network namespace held the way an nsfs file or bind mount holds it: a
 * counted (and, with CONFIG_NET_NS_REFCNT_TRACKER, tracked) reference, and
 * a reference on the nsfs dentry, which keeps the nsfs inode and with it
 * the namespace's active reference (7.x): the namespace stays visible to
 * listns(2) and lsns and can be reopened by file handle, as one kept by
 * `ip netns add` can. No mount is held: the nsfs file may come from a bind
 * mount (/run/netns/NAME), which must stay free to unmount.
 */
/* The namespace of the nsfs fd @fd, held (see above): EBADF, EINVAL, ENOMEM. */
struct msocket_netns *msocket_netns_from_fd(int fd)
{
	struct msocket_netns *held;
	struct file *file;
	struct net *net;

	held = kmalloc_obj(*held, GFP_KERNEL);
	if (!held)
		return ERR_PTR(-ENOMEM);
	file = fget(fd);
	if (!file) {
		kfree(held);
		return ERR_PTR(-EBADF);
	}
	net = get_net_ns_by_fd(fd);
	/* The fd may have been replaced meanwhile: the file must be @net's. */
	if (!IS_ERR(net) && (file_inode(file)->i_sb->s_magic != NSFS_MAGIC ||
			     file_inode(file)->i_private != &net->ns)) {
		put_net(net);
		net = ERR_PTR(-EINVAL);
	}
	if (IS_ERR(net)) {
		fput(file);
		kfree(held);
		return ERR_CAST(net);
	}
	held->net = net;
	netns_tracker_alloc(net, &held->tracker, GFP_KERNEL);
	held->nsfs = dget(file->f_path.dentry);
	fput(file);
	return held;
}

void msocket_netns_free(struct msocket_netns *held)
{
	dput(held->nsfs);
	put_net_track(held->net, &held->tracker);
	kfree(held);
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

/*
 * The key of the mount option @param and, for "key=value", its value
 * (NULL for "key" alone): -EINVAL for any other kind of value (a file, a
 * path or a binary blob, which fsconfig(2) can pass).
 */
int msocket_fs_param(const struct fs_parameter *param, const char **key,
		     const char **value)
{
	*key = param->key;
	switch (param->type) {
	case fs_value_is_flag:
		*value = NULL;
		return 0;
	case fs_value_is_string:
		*value = param->string;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Where a file system keeps what it parses for @fc: fc->fs_private. */
void **msocket_fc_private(struct fs_context *fc)
{
	return &fc->fs_private;
}

/* The super block a remount context @fc is for; NULL for a new mount. */
struct super_block *msocket_fc_super(struct fs_context *fc)
{
	return fc->root ? fc->root->d_sb : NULL;
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
 * mknodat(2) of an S_IFREG node at @dfd + @name (a user pointer), as
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

	mode = S_IFREG | (mode & ~S_IFMT);
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

	/*
	 * Stack files are S_IFREG inside; readdir must not say "regular
	 * file" of them. A stackfs has no other regular files.
	 */
	if (d_type == DT_REG)
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
 * How the caller is confined for a use of @net (see stackfs/access.rs),
 * in one call on msocket's fast path: MSOCKET_UNDER_SECCOMP if it runs
 * under seccomp (a filter, or strict mode: seccomp sees an ioctl, not the
 * socket); MSOCKET_FOREIGN_NETNS if it is outside the initial network
 * namespace and @net is not its own.
 */
unsigned int msocket_confinement(const struct net *net)
{
	struct net *own = current->nsproxy->net_ns;
	unsigned int confined = 0;

#ifdef CONFIG_SECCOMP
	if (READ_ONCE(current->seccomp.mode) != SECCOMP_MODE_DISABLED)
		confined |= MSOCKET_UNDER_SECCOMP;
#endif
	if (!net_eq(own, &init_net) && !net_eq(own, net))
		confined |= MSOCKET_FOREIGN_NETNS;
	return confined;
}

/*
 * Opens the file at @path with @flags (O_WRONLY or O_RDONLY), for one
 * msocket call, as openat() opens it once its lookup is done: may_open()'s
 * permission check (MAY_OPEN and @mask: the mode bits, SELinux, Smack),
 * then vfs_open() with the LSMs' file_open hook (AppArmor, Landlock,
 * TOMOYO, SELinux), for a writer the write access it takes on its mount
 * (EROFS on a read-only one), and fsnotify's events. The file is never
 * installed in an fd table; fput() releases it.
 */
static struct file *msocket_open_path(const struct path *path, int mask, int flags)
{
	int err = inode_permission(mnt_idmap(path->mnt), d_inode(path->dentry),
				   MAY_OPEN | mask);

	if (err)
		return ERR_PTR(err);
	return kernel_file_open(path, flags, current_cred());
}

/* A stack file opened for writing: the permission to use the stack. */
struct file *msocket_open_for_writing(const struct path *path)
{
	return msocket_open_path(path, MAY_WRITE, O_WRONLY);
}

/* An nsfs file opened for reading, as a caller of setns(2) opens it first. */
struct file *msocket_open_for_reading(const struct path *path)
{
	return msocket_open_path(path, MAY_READ, O_RDONLY);
}

/* msocket_open_for_writing() of the file @file is open on (O_PATH too). */
struct file *msocket_reopen_for_writing(struct file *file)
{
	return msocket_open_for_writing(&file->f_path);
}

/*
 * The family, type and protocol of the socket at fd @fd, which must be in
 * the caller's own network namespace: 0, -EBADF, -ENOTSOCK, or -EXDEV for
 * a socket of another namespace.
 */
int msocket_socket_kind(int fd, int *family, int *type, int *protocol)
{
	struct socket *sock;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	err = -ENOTSOCK;
	if (sock->sk) {
		*family = sock->sk->sk_family;
		*type = sock->type;
		*protocol = sock->sk->sk_protocol;
		err = net_eq(sock_net(sock->sk), current->nsproxy->net_ns) ? 0 : -EXDEV;
	}
	sockfd_put(sock);
	return err;
}

/* The protocol @sock was given (sk_protocol: 0 resolved to the default). */
int msocket_socket_protocol(const struct socket *sock)
{
	return sock->sk ? sock->sk->sk_protocol : -1;
}

#ifndef MSOCKET_KERNEL_7_3
/*
 * 7.2's kernel crate registers misc devices with file_operations that have
 * no owner, so nothing keeps the module loaded while /dev/msocket is open.
 * Called by the device's open, inside misc_open() (which holds misc_mtx, so
 * opens are serialized): takes a reference on the module and gives @file a
 * copy of its operations with the owner set; the VFS drops the reference
 * (fops_put) after the file's last release. 7.3's crate sets the owner.
 */
int msocket_own_misc_file(struct file *file, struct module *owner)
{
	static struct file_operations owned;

	if (!try_module_get(owner))
		return -ENODEV;
	if (!owned.owner) {
		owned = *file->f_op;
		owned.owner = owner;
	}
	/* The operations being replaced have no owner: no module_put. */
	file->f_op = &owned;
	return 0;
}
#endif
