// SPDX-License-Identifier: GPL-2.0

//! In-memory file systems of directories and special files.
//!
//! Upstream's `kernel` crate has no file-system registration, super block
//! or inode abstractions yet; this is the small part of one that stackfs
//! needs, shaped like `fs/ramfs/inode.c`.
//!
//! A file system is a type implementing [`FileSystem`]; its
//! `struct file_system_type` is a [`Type`] in a `static`, registered while a
//! [`Registration`] lives. Each mount is a new instance (`get_tree_nodev`)
//! whose tree lives in the dentry cache like ramfs's: directories come from
//! mkdir(2), special files from [`Type::mknod`], and libfs's `simple_*`
//! helpers do lookup, unlink, rmdir, rename, link, setattr and statfs.
//!
//! # Special files
//!
//! A special file carries a [`FileSystem::Data`] for as long as its inode
//! exists, and user space sees it with the file type
//! [`FileSystem::SPECIAL_TYPE`] (stat(2), statx(2)). Inside the kernel its
//! inode is `S_IFSOCK`, a type every VFS path knows: a file type the VFS
//! does not know trips its assertions (`may_open()` and `do_open_execat()`
//! in Linux 7.x), as anonymous inodes showed upstream, which likewise keep
//! a known mode inside and report another one. `S_IFSOCK` fits best: a
//! stack file names a network endpoint, so it cannot be executed,
//! truncated, mapped, read or written; LSMs treat its creation as mknod of
//! a socket node (Landlock's `MAKE_SOCK`, SELinux's `sock_file`); connect(2)
//! to it finds no socket (`ECONNREFUSED`). readdir reports `DT_UNKNOWN` for
//! it, so that programs stat it.

use super::bindings;
use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{addr_of, addr_of_mut, NonNull},
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::{
    error::{code::*, from_result, to_result, Result},
    ffi::{c_int, c_long, c_uint, c_ulong},
    fs::File,
    page::{PAGE_SHIFT, PAGE_SIZE},
    prelude::*,
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
    uaccess::UserPtr,
};

/// The file type of special inodes inside the kernel (see the module
/// documentation).
const INNER_SPECIAL_TYPE: u32 = bindings::S_IFSOCK;

/// What a special inode owns: stored as a raw pointer in `i_private`.
pub(crate) trait InodeData: Send + Sync + Sized {
    /// A borrow of the data, valid while the inode is.
    type Borrowed<'a>;

    /// Gives up ownership for a raw pointer.
    fn into_raw(self) -> *mut c_void;

    /// Takes ownership back.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`InodeData::into_raw`] and is not used afterwards.
    unsafe fn from_raw(ptr: *mut c_void) -> Self;

    /// Borrows the data behind `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`InodeData::into_raw`] and is not taken back
    /// with [`InodeData::from_raw`] during `'a`.
    unsafe fn borrow<'a>(ptr: *mut c_void) -> Self::Borrowed<'a>;
}

impl<T: AlwaysRefCounted + Send + Sync + 'static> InodeData for ARef<T> {
    type Borrowed<'a> = &'a T;

    fn into_raw(self) -> *mut c_void {
        ARef::into_raw(self).as_ptr().cast()
    }

    unsafe fn from_raw(ptr: *mut c_void) -> Self {
        // SAFETY: The caller gives back the reference `into_raw` made.
        unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast())) }
    }

    unsafe fn borrow<'a>(ptr: *mut c_void) -> &'a T {
        // SAFETY: The reference behind `ptr` stays owned during `'a`.
        unsafe { &*ptr.cast::<T>() }
    }
}

/// A file system of directories and special files.
pub(crate) trait FileSystem: Sized + 'static {
    /// The name of the type, as in `mount -t NAME`.
    const NAME: &'static CStr;
    /// `f_type` of statfs(2).
    const MAGIC: u32;
    /// The `S_IFMT` bits user space sees on the special files.
    const SPECIAL_TYPE: u32;
    /// Whether a user namespace's root may mount it (`FS_USERNS_MOUNT`).
    const USERNS_MOUNT: bool;
    /// What each special file holds while it exists.
    type Data: InodeData;

    /// Handles `ioctl(cmd, arg)` on `file`, an open special file whose data
    /// is `data`.
    fn ioctl(
        data: <Self::Data as InodeData>::Borrowed<'_>,
        file: &File,
        cmd: u32,
        arg: UserPtr,
    ) -> Result<isize>;
}

/// An inode of any file system.
///
/// # Invariants
///
/// The inode is alive while a `&Inode` exists.
#[repr(transparent)]
pub(crate) struct Inode(Opaque<bindings::inode>);

impl Inode {
    /// Borrows the inode at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is an inode that stays alive for `'a`.
    pub(crate) unsafe fn from_ptr<'a>(ptr: *const bindings::inode) -> &'a Inode {
        // SAFETY: `Inode` is a transparent wrapper; the caller guarantees
        // the lifetime.
        unsafe { &*ptr.cast() }
    }

    fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// `i_mode`: file type and permission bits, read once (`READ_ONCE`):
    /// chmod(2) may change the permission bits at any time, under the
    /// inode lock we do not hold; the type never changes.
    fn mode(&self) -> u32 {
        // SAFETY: The inode is alive; the read is a single aligned `u16`
        // load, as READ_ONCE does.
        u32::from(unsafe { addr_of!((*self.as_ptr()).i_mode).read_volatile() })
    }

    /// Whether this is the inode that stat(2) reports with `st_dev` `dev`
    /// and `st_ino` `ino`.
    pub(crate) fn has_id(&self, dev: u64, ino: u64) -> bool {
        // SAFETY: The inode is alive; `i_ino` and the `s_dev` of its super
        // block are set before the inode is visible and never change.
        let (s_dev, i_ino) = unsafe { ((*(*self.as_ptr()).i_sb).s_dev, (*self.as_ptr()).i_ino) };
        i_ino == ino && u64::from(encode_dev(s_dev)) == dev
    }

    /// Whether the inode still has a name in some directory (`i_nlink` is
    /// not zero). Unless the caller holds the inode lock, the answer may be
    /// stale as soon as it is given, as with any racing unlink.
    pub(crate) fn is_linked(&self) -> bool {
        // SAFETY: The inode is alive; `i_nlink` is an aligned `u32`, read
        // once without tearing (READ_ONCE) while it may be written under
        // the inode lock.
        unsafe { addr_of!((*self.as_ptr()).__bindgen_anon_1.i_nlink).read_volatile() != 0 }
    }

    /// Checks that the caller may access the inode with `MAY_*` `mask`:
    /// `EACCES` (or `EPERM`, `EROFS`) if not.
    pub(crate) fn permission(&self, mask: u32) -> Result {
        // SAFETY: The inode is alive; msocket's file systems are never
        // idmapped, so the identity mapping is the right one.
        to_result(unsafe {
            bindings::inode_permission(
                addr_of_mut!(bindings::nop_mnt_idmap),
                self.as_ptr(),
                mask as c_int,
            )
        })
    }

    fn sb_type(&self) -> *mut bindings::file_system_type {
        // SAFETY: A live inode has a live super block, whose type is fixed.
        unsafe { (*(*self.as_ptr()).i_sb).s_type }
    }

    fn private(&self) -> *mut c_void {
        // SAFETY: The inode is alive; `i_private` is set before the inode is
        // visible and not changed afterwards.
        unsafe { (*self.as_ptr()).i_private }
    }
}

/// A kernel `dev_t` as stat(2) reports it in `st_dev`: `new_encode_dev()`
/// of `include/linux/kdev_t.h` (12 bits of major, 20 of minor, interleaved
/// so that old 16-bit numbers keep their value).
fn encode_dev(dev: bindings::dev_t) -> u32 {
    let major = dev >> 20;
    let minor = dev & 0xfffff;
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

/// The `struct file_system_type` of `T`, to be kept in a `static`.
pub(crate) struct Type<T: FileSystem> {
    fs: Opaque<bindings::file_system_type>,
    _fs: PhantomData<T>,
}

// SAFETY: The C structure is complete at compile time; after registration
// only the VFS writes to it (its list links, under its own locks), and we
// only compare its address.
unsafe impl<T: FileSystem> Sync for Type<T> {}

impl<T: FileSystem> Type<T> {
    /// The file system type, not yet registered, owned by this module:
    /// while a super block of the type exists, the module cannot be
    /// unloaded.
    pub(crate) const fn new() -> Self {
        let mut fs: bindings::file_system_type = pin_init::zeroed();
        fs.name = kernel::str::as_char_ptr_in_const_context(T::NAME);
        fs.owner = kernel::module::this_module::<crate::LocalModule>().as_ptr();
        fs.init_fs_context = Some(Callbacks::<T>::init_fs_context);
        fs.kill_sb = Some(Callbacks::<T>::kill_sb);
        if T::USERNS_MOUNT {
            fs.fs_flags = bindings::FS_USERNS_MOUNT as c_int;
        }
        Type {
            fs: Opaque::new(fs),
            _fs: PhantomData,
        }
    }

    /// Whether `inode` is a special file of this file system type.
    fn is_special(&self, inode: &Inode) -> bool {
        inode.sb_type() == self.fs.get() && inode.mode() & bindings::S_IFMT == INNER_SPECIAL_TYPE
    }

    /// The data of a special file of this file system type; `None` for any
    /// other inode.
    pub(crate) fn special_data<'a>(
        &self,
        inode: &'a Inode,
    ) -> Option<<T::Data as InodeData>::Borrowed<'a>> {
        if !self.is_special(inode) {
            return None;
        }
        // SAFETY: A special inode of `T` holds data from `into_raw` in
        // `i_private` until it is evicted, which cannot happen while `inode`
        // is borrowed.
        Some(unsafe { T::Data::borrow(inode.private()) })
    }

    /// Creates the special file `name` (a user-space path relative to
    /// `dirfd`, as mknodat(2) takes it) with permission bits `mode`, owned
    /// by the caller, holding `data`. It goes the way of mknodat(2):
    /// `security_path_mknod` (AppArmor, Landlock, TOMOYO), `may_create`'s
    /// checks and audit record, the umask and `S_ISGID` rules,
    /// `security_inode_mknod` (SELinux), the LSMs' inode labelling and
    /// fsnotify.
    ///
    /// Errors: those of mknodat(2) (`EEXIST`, `ENOENT`, `EACCES`, `EROFS`,
    /// `EOVERFLOW`, an LSM's denial...), `EOPNOTSUPP` if the directory is
    /// not in a file system of this type, `ENOMEM`.
    pub(crate) fn mknod(&self, dirfd: i32, name: UserPtr, mode: u32, data: T::Data) -> Result {
        let mut token = MknodToken::<T> {
            fs: self.fs.get(),
            data: Some(data),
        };
        // SAFETY: `name` is a user pointer, copied by the helper; the
        // token lives until the helper returns, and `Callbacks::mknod`
        // only uses it during the helper's `vfs_mknod` call.
        to_result(unsafe {
            bindings::msocket_mknod_with_token(
                dirfd,
                name.as_const_ptr().cast(),
                (mode & 0o7777) as u16,
                self.fs.get().cast(),
                addr_of_mut!(token).cast(),
            )
        })
    }
}

/// What [`Type::mknod`] hands to [`Callbacks::mknod`] through the new
/// dentry's `d_fsdata`: the data of the special file to create.
struct MknodToken<T: FileSystem> {
    fs: *mut bindings::file_system_type,
    data: Option<T::Data>,
}

/// A registered file system type: `mount -t NAME` works while it lives.
pub(crate) struct Registration<T: FileSystem> {
    ty: &'static Type<T>,
}

impl<T: FileSystem> Registration<T> {
    /// Registers `ty`.
    pub(crate) fn register(ty: &'static Type<T>) -> Result<Self> {
        // SAFETY: `ty.fs` is a complete file system type in static storage.
        to_result(unsafe { bindings::register_filesystem(ty.fs.get()) })?;
        Ok(Registration { ty })
    }
}

impl<T: FileSystem> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: Registered in `register`; no super block is left, since
        // each one holds a reference on the module.
        unsafe { bindings::unregister_filesystem(self.ty.fs.get()) };
    }
}

/// What each super block of ours owns (`s_fs_info`).
struct SuperInfo {
    /// The next inode number: 64-bit and per super block, so `st_dev` and
    /// `st_ino` name one file for as long as the mount exists.
    next_ino: AtomicU64,
}

/// A new inode of `T` on `sb` with `mode`, owned by the caller and
/// inheriting from `dir` (null for the root).
///
/// # Safety
///
/// `sb` is a live super block of `T` whose `s_fs_info` is a [`SuperInfo`];
/// `dir` is null or a live directory of it.
unsafe fn new_inode<T: FileSystem>(
    sb: *mut bindings::super_block,
    dir: *const bindings::inode,
    mode: u32,
) -> Result<*mut bindings::inode> {
    // SAFETY: `sb` is live.
    let inode = unsafe { bindings::new_inode(sb) };
    if inode.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: The caller guarantees `s_fs_info`; it lives as long as `sb`.
    let info = unsafe { &*(*sb).s_fs_info.cast::<SuperInfo>() };
    // SAFETY: The inode is new and ours; `dir` is null or live.
    unsafe {
        (*inode).i_ino = info.next_ino.fetch_add(1, Ordering::Relaxed);
        bindings::inode_init_owner(
            addr_of_mut!(bindings::nop_mnt_idmap),
            inode,
            dir,
            mode as u16,
        );
        bindings::simple_inode_init_ts(inode);
        if mode & bindings::S_IFMT == bindings::S_IFDIR {
            (*inode).i_op = &Callbacks::<T>::DIR_INODE_OPS;
            (*inode).__bindgen_anon_3.i_fop = &Callbacks::<T>::DIR_FILE_OPS;
            // A directory starts with two links: its name and its ".".
            bindings::inc_nlink(inode);
        } else {
            (*inode).i_op = &Callbacks::<T>::SPECIAL_INODE_OPS;
            (*inode).__bindgen_anon_3.i_fop = &Callbacks::<T>::SPECIAL_FILE_OPS;
        }
    }
    Ok(inode)
}

/// The C callbacks and operation tables of file system `T`.
struct Callbacks<T>(PhantomData<T>);

impl<T: FileSystem> Callbacks<T> {
    const CONTEXT_OPS: bindings::fs_context_operations = bindings::fs_context_operations {
        get_tree: Some(Self::get_tree),
        // SAFETY: All-zero is valid: no further operations (mount options
        // are refused with EINVAL).
        ..unsafe { core::mem::zeroed() }
    };

    const SUPER_OPS: bindings::super_operations = bindings::super_operations {
        statfs: Some(bindings::simple_statfs),
        drop_inode: Some(bindings::inode_just_drop),
        evict_inode: Some(Self::evict_inode),
        // The VFS defaults for the rest.
        ..pin_init::zeroed()
    };

    const DIR_INODE_OPS: bindings::inode_operations = bindings::inode_operations {
        lookup: Some(bindings::simple_lookup),
        mkdir: Some(Self::mkdir),
        mknod: Some(Self::mknod),
        rmdir: Some(bindings::simple_rmdir),
        unlink: Some(bindings::simple_unlink),
        link: Some(bindings::simple_link),
        rename: Some(bindings::simple_rename),
        setattr: Some(bindings::simple_setattr),
        getattr: Some(bindings::simple_getattr),
        // No create or symlink: regular files and symlinks cannot be made.
        ..pin_init::zeroed()
    };

    /// `simple_dir_operations`, with a readdir that reports special files
    /// as `DT_UNKNOWN`.
    const DIR_FILE_OPS: bindings::file_operations = bindings::file_operations {
        open: Some(bindings::dcache_dir_open),
        release: Some(bindings::dcache_dir_close),
        llseek: Some(bindings::dcache_dir_lseek),
        read: Some(bindings::generic_read_dir),
        iterate_shared: Some(bindings::msocket_dcache_readdir),
        fsync: Some(bindings::noop_fsync),
        ..pin_init::zeroed()
    };

    const SPECIAL_INODE_OPS: bindings::inode_operations = bindings::inode_operations {
        setattr: Some(bindings::simple_setattr),
        getattr: Some(Self::special_getattr),
        ..pin_init::zeroed()
    };

    const SPECIAL_FILE_OPS: bindings::file_operations = bindings::file_operations {
        unlocked_ioctl: Some(Self::special_ioctl),
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: Some(bindings::compat_ptr_ioctl),
        owner: kernel::module::this_module::<crate::LocalModule>().as_ptr(),
        // No read, write, mmap, splice or llseek: they fail with EINVAL,
        // ENODEV or ESPIPE, as for any file without them.
        ..pin_init::zeroed()
    };

    /// `init_fs_context` of the file system type: every mount uses
    /// [`Self::CONTEXT_OPS`].
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with a new, live `fc`.
    unsafe extern "C" fn init_fs_context(fc: *mut bindings::fs_context) -> c_int {
        // SAFETY: The VFS calls this on a new, live context.
        unsafe { bindings::msocket_fc_set_ops(fc, &Self::CONTEXT_OPS) };
        0
    }

    /// `get_tree`: a new super block for each mount.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with a live `fc`.
    unsafe extern "C" fn get_tree(fc: *mut bindings::fs_context) -> c_int {
        // SAFETY: `fc` is live; each mount gets a new super block.
        unsafe { bindings::get_tree_nodev(fc, Some(Self::fill_super)) }
    }

    /// Sets up a new super block and its root directory.
    ///
    /// # Safety
    ///
    /// Called by `get_tree_nodev` only, with a new super block of `T`.
    unsafe extern "C" fn fill_super(
        sb: *mut bindings::super_block,
        _fc: *mut bindings::fs_context,
    ) -> c_int {
        from_result(|| {
            let info = KBox::new(
                SuperInfo {
                    next_ino: AtomicU64::new(1),
                },
                GFP_KERNEL,
            )?;
            // SAFETY: The VFS hands us a new super block, ours to set up
            // until this returns; nobody else reads these fields yet.
            // `s_fs_info` is freed in `kill_sb`, which the VFS calls also
            // when this fails.
            unsafe {
                (*sb).s_fs_info = KBox::into_raw(info).cast();
                (*sb).s_maxbytes = i64::MAX;
                (*sb).s_blocksize = PAGE_SIZE as c_ulong;
                (*sb).s_blocksize_bits = PAGE_SHIFT as u8;
                (*sb).s_magic = T::MAGIC as c_ulong;
                (*sb).s_op = &Self::SUPER_OPS;
                (*sb).s_time_gran = 1;
                // Nothing on a stackfs can be executed or is a device.
                (*sb).s_iflags |= (bindings::SB_I_NOEXEC | bindings::SB_I_NODEV) as c_ulong;
            }
            // SAFETY: `sb` is live, of type `T`, with its `SuperInfo`; the
            // root has no parent.
            let root = unsafe { new_inode::<T>(sb, core::ptr::null(), bindings::S_IFDIR | 0o755)? };
            // SAFETY: `root` is a new inode; `d_make_root` takes it over,
            // and releases it on failure.
            let dentry = unsafe { bindings::d_make_root(root) };
            if dentry.is_null() {
                return Err(ENOMEM);
            }
            // SAFETY: As above.
            unsafe { (*sb).s_root = dentry };
            Ok(0)
        })
    }

    /// `kill_sb`: tears the super block down, then frees its
    /// [`SuperInfo`].
    ///
    /// # Safety
    ///
    /// Called by the VFS only, once, on a super block of `T`.
    unsafe extern "C" fn kill_sb(sb: *mut bindings::super_block) {
        // SAFETY: The VFS passes a live super block it is done with.
        let info = unsafe { (*sb).s_fs_info };
        // SAFETY: As above; this evicts every inode, which still may read
        // `s_fs_info`.
        unsafe { bindings::kill_anon_super(sb) };
        if !info.is_null() {
            // SAFETY: Set by `fill_super` from `KBox::into_raw`; the super
            // block and its inodes are gone.
            drop(unsafe { KBox::from_raw(info.cast::<SuperInfo>()) });
        }
    }

    /// `evict_inode`: drops the data of a special inode.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, on an inode of `T` that nobody uses.
    unsafe extern "C" fn evict_inode(inode: *mut bindings::inode) {
        // SAFETY: The VFS evicts a live inode of ours, with no users left;
        // it is ours alone until this returns.
        unsafe {
            bindings::truncate_inode_pages_final(addr_of_mut!((*inode).i_data));
            bindings::clear_inode(inode);
            let private = (*inode).i_private;
            if u32::from((*inode).i_mode) & bindings::S_IFMT == INNER_SPECIAL_TYPE
                && !private.is_null()
            {
                (*inode).i_private = core::ptr::null_mut();
                drop(T::Data::from_raw(private));
            }
        }
    }

    /// Gives a new inode to `dentry` in `dir`, as ramfs's mknod does:
    /// labelled by the LSMs, kept in the dentry cache until removed.
    ///
    /// # Safety
    ///
    /// `dir` is a locked directory of `T`, `dentry` a negative dentry in it
    /// and `inode` a new inode of the same super block, whose reference
    /// this takes over.
    unsafe fn instantiate(
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        inode: *mut bindings::inode,
    ) -> Result {
        // SAFETY: As the caller guarantees.
        unsafe {
            if let Err(e) = to_result(bindings::msocket_inode_init_security(inode, dir, dentry)) {
                bindings::iput(inode);
                return Err(e);
            }
            bindings::msocket_d_make_persistent(dentry, inode);
            bindings::msocket_inode_touch(dir);
        }
        Ok(())
    }

    /// `mkdir`: a new directory. Returns null (the dentry was used) or an
    /// error pointer.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with `dir` of `T` locked and `dentry`
    /// negative.
    unsafe extern "C" fn mkdir(
        _idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        mode: u16,
    ) -> *mut bindings::dentry {
        let ret = (|| -> Result {
            // SAFETY: The VFS calls this with `dir` locked and live, in a
            // super block of `T`, and `dentry` negative.
            unsafe {
                let inode = new_inode::<T>((*dir).i_sb, dir, bindings::S_IFDIR | u32::from(mode))?;
                Self::instantiate(dir, dentry, inode)?;
                // The new directory's ".." links to `dir`.
                bindings::inc_nlink(dir);
            }
            Ok(())
        })();
        match ret {
            Ok(()) => core::ptr::null_mut(),
            Err(e) => kernel::error::Error::to_ptr(e),
        }
    }

    /// `mknod`: only [`Type::mknod`] may create nodes here, and only
    /// special files; any other mknod(2), or bind(2) of a unix socket, is
    /// `EPERM`, as in a file system without `mknod`.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with `dir` of `T` locked and `dentry`
    /// negative.
    unsafe extern "C" fn mknod(
        _idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        mode: u16,
        _dev: bindings::dev_t,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dentry` is live and negative; its `d_fsdata` is null
            // unless `Type::mknod` set it to its token for this call.
            let token = unsafe { (*dentry).d_fsdata }.cast::<MknodToken<T>>();
            if token.is_null() || u32::from(mode) & bindings::S_IFMT != INNER_SPECIAL_TYPE {
                return Err(EPERM);
            }
            // SAFETY: The token lives during this call (see `Type::mknod`),
            // and nothing else uses it meanwhile.
            let token = unsafe { &mut *token };
            // SAFETY: `dir` is live.
            if token.fs != unsafe { (*(*dir).i_sb).s_type } {
                return Err(EPERM);
            }
            let data = token.data.take().ok_or(EPERM)?;
            // SAFETY: The VFS calls this with `dir` locked and live, in a
            // super block of `T`, and `dentry` negative.
            unsafe {
                let inode = new_inode::<T>((*dir).i_sb, dir, u32::from(mode))?;
                // The inode owns the data from now on (dropped in
                // `evict_inode`), before anyone can see it.
                (*inode).i_private = data.into_raw();
                Self::instantiate(dir, dentry, inode)?;
            }
            Ok(0)
        })
    }

    /// `getattr` of special files: [`FileSystem::SPECIAL_TYPE`] as their
    /// file type.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, on a live path to a special file of `T`.
    unsafe extern "C" fn special_getattr(
        idmap: *mut bindings::mnt_idmap,
        path: *const bindings::path,
        stat: *mut bindings::kstat,
        request_mask: u32,
        query_flags: c_uint,
    ) -> c_int {
        // SAFETY: The VFS passes a live path and a `kstat` to fill.
        unsafe {
            let ret = bindings::simple_getattr(idmap, path, stat, request_mask, query_flags);
            if ret == 0 {
                (*stat).mode =
                    ((u32::from((*stat).mode) & !bindings::S_IFMT) | T::SPECIAL_TYPE) as u16;
            }
            ret
        }
    }

    /// `unlocked_ioctl` of special files: [`FileSystem::ioctl`].
    ///
    /// # Safety
    ///
    /// Called by the VFS only, on an open special file of `T`.
    unsafe extern "C" fn special_ioctl(
        file: *mut bindings::file,
        cmd: c_uint,
        arg: c_ulong,
    ) -> c_long {
        // SAFETY: The VFS calls this on an open file of one of our special
        // inodes, which keeps the inode (and its data) alive throughout.
        let data = unsafe { T::Data::borrow((*(*file).f_inode).i_private) };
        // SAFETY: The file is live during the call; an ioctl does not take
        // `fdget_pos`, and the VFS took no position lock for it.
        let file = unsafe { File::from_raw_file(file) };
        match T::ioctl(data, file, cmd, UserPtr::from_addr(arg)) {
            Ok(ret) => ret as c_long,
            Err(err) => err.to_errno() as c_long,
        }
    }
}
