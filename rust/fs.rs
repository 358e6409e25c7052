// SPDX-License-Identifier: GPL-2.0

//! In-memory file systems of directories and special files.
//!
//! A file system is a type implementing [`FileSystem`]; its
//! `struct file_system_type` is a [`Type`] in a `static`, registered while a
//! [`Registration`] lives. Each mount is a new instance (`get_tree_nodev`)
//! whose tree lives in the dentry cache like ramfs's: directories come from
//! `mkdir`, and special files (of the type's own `S_IFMT` value) carry a
//! [`FileSystem::Data`] for as long as the inode exists. libfs's `simple_*`
//! helpers do lookup, unlink, rmdir, rename, link, setattr, getattr and
//! statfs.

use super::{bindings, errno::eopnotsupp};
use core::{ffi::c_void, marker::PhantomData, mem::MaybeUninit, ptr::NonNull};
use kernel::{
    error::{code::*, from_result, to_result, Result},
    ffi::{c_int, c_long, c_uint, c_ulong},
    page::{PAGE_SHIFT, PAGE_SIZE},
    str::CStr,
    types::{ARef, AlwaysRefCounted, Opaque},
    uaccess::UserPtr,
    ThisModule,
};

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
    /// The `S_IFMT` bits of the special files.
    const SPECIAL_TYPE: u32;
    /// Whether a user namespace's root may mount it (`FS_USERNS_MOUNT`).
    const USERNS_MOUNT: bool;
    /// What each special file holds while it exists.
    type Data: InodeData;

    /// Handles `ioctl(cmd, arg)` on an open special file whose data is
    /// `data`.
    fn ioctl(
        data: <Self::Data as InodeData>::Borrowed<'_>,
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

    /// `i_mode`: file type and permission bits.
    pub(crate) fn mode(&self) -> u32 {
        // SAFETY: The inode is alive; `i_mode` of a live inode changes only
        // in its permission bits, and a torn read is impossible for a u16.
        u32::from(unsafe { (*self.as_ptr()).i_mode })
    }

    /// Whether this is the inode that stat(2) reports with `st_dev` `dev`
    /// and `st_ino` `ino`.
    pub(crate) fn has_id(&self, dev: u64, ino: u64) -> bool {
        // SAFETY: The inode is alive; `i_ino` and the `s_dev` of its super
        // block are set before the inode is visible and never change.
        let (s_dev, i_ino) = unsafe { ((*(*self.as_ptr()).i_sb).s_dev, (*self.as_ptr()).i_ino) };
        i_ino as u64 == ino && u64::from(encode_dev(s_dev)) == dev
    }

    /// Whether the inode still has a name in some directory (`i_nlink` is
    /// not zero). Unless the caller holds the inode lock, the answer may be
    /// stale as soon as it is given, as with any racing unlink.
    pub(crate) fn is_linked(&self) -> bool {
        // SAFETY: The inode is alive; `i_nlink` is an aligned `u32`, read
        // once without tearing while it may be written under the inode lock.
        unsafe {
            core::ptr::read_volatile(core::ptr::addr_of!(
                (*self.as_ptr()).__bindgen_anon_1.i_nlink
            )) != 0
        }
    }

    /// Checks that the caller may access the inode with `MAY_*` `mask`:
    /// `EACCES` (or `EPERM`, `EROFS`) if not.
    pub(crate) fn permission(&self, mask: u32) -> Result {
        // SAFETY: The inode is alive; msocket's file systems are never
        // idmapped, so the identity mapping is the right one.
        to_result(unsafe {
            bindings::inode_permission(
                core::ptr::addr_of_mut!(bindings::nop_mnt_idmap),
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

// SAFETY: The C structure is written once, before registration, and only
// read afterwards (by the kernel and by `is_special`).
unsafe impl<T: FileSystem> Sync for Type<T> {}

impl<T: FileSystem> Type<T> {
    /// The file system type, not yet registered.
    pub(crate) const fn new() -> Self {
        // SAFETY: All-zero is a valid `file_system_type` (no callbacks, no
        // flags, zeroed lock class keys, which live in static storage).
        let mut fs: bindings::file_system_type = unsafe { MaybeUninit::zeroed().assume_init() };
        fs.name = T::NAME.as_char_ptr();
        fs.init_fs_context = Some(Callbacks::<T>::init_fs_context);
        fs.kill_sb = Some(bindings::kill_litter_super);
        if T::USERNS_MOUNT {
            fs.fs_flags = bindings::FS_USERNS_MOUNT as _;
        }
        Type {
            fs: Opaque::new(fs),
            _fs: PhantomData,
        }
    }

    /// Whether `inode` is a special file of this file system type.
    pub(crate) fn is_special(&self, inode: &Inode) -> bool {
        inode.sb_type() == self.fs.get() && inode.mode() & bindings::S_IFMT == T::SPECIAL_TYPE
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

    /// Creates a special file at `entry` (a name reserved by
    /// [`NewEntry::user_path_create`]) with permission bits `mode` less the
    /// umask, owned by the caller, holding `data`.
    ///
    /// Errors: `EOPNOTSUPP` if `entry` is not in a file system of this
    /// type; `EACCES` without write and search permission on the
    /// directory; `ENOENT` if the directory was removed; `EOVERFLOW` if the
    /// caller's fsuid or fsgid has no mapping in the file system's user
    /// namespace; `ENOMEM`.
    pub(crate) fn create_special(&self, entry: &NewEntry, mode: u32, data: T::Data) -> Result {
        let dir = entry.dir();
        if dir.sb_type() != self.fs.get() {
            return Err(eopnotsupp());
        }
        // SAFETY: The directory is alive and locked by `entry`.
        to_result(unsafe { bindings::msocket_may_create(dir.as_ptr()) })?;
        // SAFETY: `current_umask` only reads the caller's fs_struct.
        let umask = unsafe { bindings::current_umask() } as u32;
        let mode = T::SPECIAL_TYPE | (mode & 0o7777 & !umask);
        // SAFETY: The directory's super block is alive and of type `T`.
        let inode = unsafe { new_inode::<T>((*dir.as_ptr()).i_sb, dir.as_ptr(), mode)? };
        // SAFETY: The inode is new and not yet visible; it owns the data
        // from now on (dropped in `evict_inode`).
        unsafe { (*inode).i_private = data.into_raw() };
        // SAFETY: `entry` holds a negative dentry in the locked directory,
        // which takes over our inode reference.
        unsafe {
            bindings::msocket_d_instantiate_pinned(entry.dentry, inode);
            bindings::msocket_inode_touch(dir.as_ptr());
            bindings::msocket_fsnotify_create(dir.as_ptr(), entry.dentry);
        }
        Ok(())
    }
}

/// A registered file system type: `mount -t NAME` works while it lives.
pub(crate) struct Registration<T: FileSystem> {
    ty: &'static Type<T>,
}

impl<T: FileSystem> Registration<T> {
    /// Registers `ty`, owned by `module`: while a super block of the type
    /// exists, the module cannot be unloaded.
    pub(crate) fn register(ty: &'static Type<T>, module: &'static ThisModule) -> Result<Self> {
        let fs = ty.fs.get();
        // SAFETY: The type is not registered yet, so nobody else reads
        // `owner`. (Registering it twice fails below with EBUSY, after
        // writing the same value again.)
        unsafe { (*fs).owner = module.as_ptr() };
        // SAFETY: `fs` is a complete file system type in static storage.
        to_result(unsafe { bindings::register_filesystem(fs) })?;
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

/// A name about to be created, like mknodat(2) reserves one: the parent
/// directory is locked and write access to the mount is held until drop.
///
/// # Invariants
///
/// `parent` and `dentry` come from a successful `user_path_create` and are
/// handed back to `done_path_create` in `drop`.
pub(crate) struct NewEntry {
    parent: bindings::path,
    dentry: *mut bindings::dentry,
}

impl NewEntry {
    /// Reserves the user-space path `name` relative to `dirfd`: `EEXIST` if
    /// it exists, `ENOENT` if its directory does not, `EROFS` on a
    /// read-only mount.
    pub(crate) fn user_path_create(dirfd: i32, name: UserPtr) -> Result<NewEntry> {
        let mut parent = MaybeUninit::<bindings::path>::zeroed();
        // SAFETY: `user_path_create` copies the name from user space and
        // fills `parent` on success.
        let dentry =
            unsafe { bindings::user_path_create(dirfd, name as *const _, parent.as_mut_ptr(), 0) };
        let dentry = kernel::error::from_err_ptr(dentry)?;
        // INVARIANT: Success.
        Ok(NewEntry {
            // SAFETY: Filled on success.
            parent: unsafe { parent.assume_init() },
            dentry,
        })
    }

    /// The directory the entry is created in.
    pub(crate) fn dir(&self) -> &Inode {
        // SAFETY: The parent path is held, so its inode is alive.
        unsafe { Inode::from_ptr((*self.parent.dentry).d_inode) }
    }
}

impl Drop for NewEntry {
    fn drop(&mut self) {
        // SAFETY: By the type invariant.
        unsafe { bindings::done_path_create(&mut self.parent, self.dentry) };
    }
}

/// A new inode of `T` on `sb` with `mode`, owned by the caller and
/// inheriting from `dir` (null for the root).
///
/// # Safety
///
/// `sb` is a live super block of `T`; `dir` is null or a live directory of
/// it.
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
    // SAFETY: The inode is new and ours; `dir` is null or live.
    unsafe {
        (*inode).i_ino = bindings::get_next_ino() as c_ulong;
        bindings::inode_init_owner(
            core::ptr::addr_of_mut!(bindings::nop_mnt_idmap),
            inode,
            dir,
            mode as u16,
        );
        bindings::simple_inode_init_ts(inode);
        if mode & bindings::S_IFMT == bindings::S_IFDIR {
            bindings::msocket_inode_set_ops(
                inode,
                &Callbacks::<T>::DIR_INODE_OPS,
                core::ptr::addr_of!(bindings::simple_dir_operations),
            );
            // A directory starts with two links: its name and its ".".
            bindings::inc_nlink(inode);
        } else {
            bindings::msocket_inode_set_ops(
                inode,
                &Callbacks::<T>::SPECIAL_INODE_OPS,
                &Callbacks::<T>::SPECIAL_FILE_OPS,
            );
        }
    }
    Ok(inode)
}

/// The C callbacks and operation tables of file system `T`.
struct Callbacks<T>(PhantomData<T>);

impl<T: FileSystem> Callbacks<T> {
    const CONTEXT_OPS: bindings::fs_context_operations = bindings::fs_context_operations {
        get_tree: Some(Self::get_tree),
        // SAFETY: All-zero is valid: no further operations; mount options
        // are refused by the VFS with EINVAL.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    const SUPER_OPS: bindings::super_operations = bindings::super_operations {
        statfs: Some(bindings::simple_statfs),
        drop_inode: Some(bindings::generic_delete_inode),
        evict_inode: Some(Self::evict_inode),
        // SAFETY: All-zero is valid: the VFS defaults for the rest.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    const DIR_INODE_OPS: bindings::inode_operations = bindings::inode_operations {
        lookup: Some(bindings::simple_lookup),
        mkdir: Some(Self::mkdir),
        rmdir: Some(bindings::simple_rmdir),
        unlink: Some(bindings::simple_unlink),
        link: Some(bindings::simple_link),
        rename: Some(bindings::simple_rename),
        setattr: Some(bindings::simple_setattr),
        getattr: Some(bindings::simple_getattr),
        // SAFETY: All-zero is valid: no create, mknod or symlink, so
        // regular files, device nodes and symlinks cannot be made.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    const SPECIAL_INODE_OPS: bindings::inode_operations = bindings::inode_operations {
        setattr: Some(bindings::simple_setattr),
        getattr: Some(bindings::simple_getattr),
        // SAFETY: All-zero is valid.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    const SPECIAL_FILE_OPS: bindings::file_operations = bindings::file_operations {
        unlocked_ioctl: Some(Self::special_ioctl),
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: Some(bindings::compat_ptr_ioctl),
        // SAFETY: All-zero is valid: read and write fail with EINVAL.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
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
            // SAFETY: The VFS hands us a new super block, ours to set up.
            let s = unsafe { &mut *sb };
            s.s_maxbytes = i64::MAX;
            s.s_blocksize = PAGE_SIZE as c_ulong;
            s.s_blocksize_bits = PAGE_SHIFT as u8;
            s.s_magic = T::MAGIC as c_ulong;
            s.s_op = &Self::SUPER_OPS;
            s.s_time_gran = 1;
            // SAFETY: `sb` is live and of type `T`; the root has no parent.
            let root = unsafe { new_inode::<T>(sb, core::ptr::null(), bindings::S_IFDIR | 0o755)? };
            // SAFETY: `root` is a new inode; `d_make_root` takes it over,
            // and releases it on failure.
            let dentry = unsafe { bindings::d_make_root(root) };
            if dentry.is_null() {
                return Err(ENOMEM);
            }
            s.s_root = dentry;
            Ok(0)
        })
    }

    /// `evict_inode`: drops the data of a special inode.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, on an inode of `T` that nobody uses.
    unsafe extern "C" fn evict_inode(inode: *mut bindings::inode) {
        // SAFETY: The VFS evicts a live inode of ours, with no users left.
        unsafe {
            bindings::truncate_inode_pages_final(&mut (*inode).i_data);
            bindings::clear_inode(inode);
            if u32::from((*inode).i_mode) & bindings::S_IFMT == T::SPECIAL_TYPE
                && !(*inode).i_private.is_null()
            {
                drop(T::Data::from_raw((*inode).i_private));
                (*inode).i_private = core::ptr::null_mut();
            }
        }
    }

    /// `mkdir`: a new directory.
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
    ) -> c_int {
        from_result(|| {
            // SAFETY: The VFS calls this with `dir` locked and live, in a
            // super block of `T`, and `dentry` negative.
            unsafe {
                let inode = new_inode::<T>((*dir).i_sb, dir, bindings::S_IFDIR | u32::from(mode))?;
                bindings::msocket_d_instantiate_pinned(dentry, inode);
                // The new directory's ".." links to `dir`.
                bindings::inc_nlink(dir);
                bindings::msocket_inode_touch(dir);
            }
            Ok(0)
        })
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
        match T::ioctl(data, cmd, arg as UserPtr) {
            Ok(ret) => ret as c_long,
            Err(err) => err.to_errno() as c_long,
        }
    }
}
