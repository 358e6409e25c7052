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
//! inode is `S_IFREG`, as the kernel objects nsfs and pidfs hand out by path
//! are: a type every kernel path handles as "not a socket, not a device,
//! not a directory". Core code trusts the file type of any fd it is given
//! (`S_ISSOCK` makes `unix_get_socket()` and `netlink_getsockbyfd()` read a
//! `struct socket` around the inode), so a special file must never claim a
//! type whose objects it is not. What could make an empty regular file do
//! something is closed off: it has no contents (`i_size` is 0 and cannot
//! grow: `setattr` refuses a non-zero size), its file operations are only
//! `ioctl` (no read, write, mmap, splice, llseek, fsync, poll or lease),
//! and its super block is `SB_I_NOEXEC` and `SB_I_NODEV`. readdir reports
//! `DT_UNKNOWN` for it, so that programs stat it.
//!
//! # Types
//!
//! [`Inode`] is any inode; [`Type::special`] checks once that one is a
//! special file of `T` and returns a [`SpecialInode<T>`], whose data needs
//! no further check. The special file operations see a [`SpecialFile`].

use super::bindings;
use core::{
    marker::PhantomData,
    ptr::{addr_of, addr_of_mut},
    sync::atomic::{AtomicU32, AtomicU64, Ordering},
};
use kernel::{
    error::{code::*, from_result, to_result, Result, VTABLE_DEFAULT_ERROR},
    ffi::{c_int, c_long, c_uint, c_ulong},
    fs::File,
    page::{PAGE_SHIFT, PAGE_SIZE},
    prelude::*,
    seq_file::SeqFile,
    str::CStr,
    types::{ForeignOwnable, Opaque},
    uaccess::UserPtr,
};

/// The file type of special inodes inside the kernel (see the module
/// documentation).
const INNER_SPECIAL_TYPE: u32 = bindings::S_IFREG;

/// A file system of directories and special files.
#[vtable]
pub(crate) trait FileSystem: Sized + 'static {
    /// The name of the type, as in `mount -t NAME`.
    const NAME: &'static CStr;
    /// `f_type` of statfs(2).
    const MAGIC: u32;
    /// The `S_IFMT` bits user space sees on the special files.
    const SPECIAL_TYPE: u32;
    /// Whether a user namespace's root may mount it (`FS_USERNS_MOUNT`).
    const USERNS_MOUNT: bool;
    /// What each special file owns while it exists.
    type Data: ForeignOwnable + Send + Sync;

    /// Handles `ioctl(cmd, arg)` on `file`, an open special file. Without
    /// it, special files have no ioctls (`ENOTTY`).
    fn ioctl(_file: &SpecialFile<'_, Self>, _cmd: u32, _arg: usize) -> Result<isize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Parses the mount option `key` (`key=value`, or `key` alone with
    /// `value` `None`) of `mount -o` into `flags`, the options of a mount as
    /// bits, which start at 0 (or, for a remount, at the mount's current
    /// ones). `ENOPARAM` for an option it does not know (the VFS then
    /// takes `source` itself, and refuses any other with `EINVAL`). Without
    /// it, a mount takes no options.
    fn parse_option(_flags: &mut u32, _key: &CStr, _value: Option<&CStr>) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Writes `flags` as mount options (`,key=value`) for /proc/mounts.
    fn show_options(_flags: u32, _m: &SeqFile) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
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

    pub(crate) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// The file type bits of `i_mode`, which never change.
    fn file_type(&self) -> u32 {
        // SAFETY: The inode is alive; the read is a single aligned `u16`
        // load, as READ_ONCE does (chmod(2) may change the permission bits
        // meanwhile, under the inode lock we do not hold).
        u32::from(unsafe { addr_of!((*self.as_ptr()).i_mode).read_volatile() }) & bindings::S_IFMT
    }

    /// `st_dev` and `st_ino` as stat(2) reports them.
    fn id(&self) -> (u64, u64) {
        // SAFETY: The inode is alive; `i_ino` and the `s_dev` of its super
        // block are set before the inode is visible and never change.
        let (s_dev, i_ino) = unsafe { ((*(*self.as_ptr()).i_sb).s_dev, (*self.as_ptr()).i_ino) };
        (u64::from(encode_dev(s_dev)), i_ino)
    }

    /// Whether this is the inode that stat(2) reports with `st_dev` `dev`
    /// and `st_ino` `ino`.
    pub(crate) fn has_id(&self, dev: u64, ino: u64) -> bool {
        self.id() == (dev, ino)
    }

    /// The 32-bit tag of the inode: `STACKFS_SOCKET_TAG` of
    /// `uapi/linux/msocket.h` applied to its `st_dev` and `st_ino`.
    pub(crate) fn tag(&self) -> u32 {
        let (dev, ino) = self.id();
        (ino as u32) ^ ((ino >> 32) as u32) ^ (dev as u32).rotate_left(16)
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

    /// The options of the mount this inode is in (see
    /// [`FileSystem::parse_option`]); a remount may change them at any time.
    ///
    /// # Safety
    ///
    /// The inode is of a file system of this module, whose super blocks
    /// have a [`SuperInfo`].
    unsafe fn mount_flags(&self) -> u32 {
        // SAFETY: A live inode has a live super block; the caller
        // guarantees its `s_fs_info`, which lives as long as it does.
        let info = unsafe { &*(*(*self.as_ptr()).i_sb).s_fs_info.cast::<SuperInfo>() };
        info.mount_flags.load(Ordering::Relaxed)
    }

    fn sb_type(&self) -> *mut bindings::file_system_type {
        // SAFETY: A live inode has a live super block, whose type is fixed.
        unsafe { (*(*self.as_ptr()).i_sb).s_type }
    }
}

/// A special file of file system `T`: an [`Inode`] known to hold a
/// [`FileSystem::Data`].
///
/// # Invariants
///
/// The inode is alive while a `&SpecialInode<T>` exists, is of a super
/// block of `T`, has the file type of special files, and its `i_private`
/// holds a `T::Data` from `into_foreign` until it is evicted.
#[repr(transparent)]
pub(crate) struct SpecialInode<T: FileSystem>(Inode, PhantomData<T>);

impl<T: FileSystem> SpecialInode<T> {
    /// Borrows the special inode at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is a special inode of `T` (see the type invariants) that stays
    /// alive for `'a`.
    unsafe fn from_ptr<'a>(ptr: *const bindings::inode) -> &'a Self {
        // SAFETY: `SpecialInode` is a transparent wrapper of `Inode`, itself
        // one of `struct inode`; the caller guarantees the rest.
        unsafe { &*ptr.cast() }
    }

    /// The data of the special file, borrowed while the inode is.
    pub(crate) fn data(&self) -> <T::Data as ForeignOwnable>::Borrowed<'_> {
        // SAFETY: By the type invariants `i_private` holds the data until
        // eviction, which cannot happen while `self` is borrowed; it is set
        // before the inode is visible and never changed.
        unsafe { T::Data::borrow((*self.0.as_ptr()).i_private) }
    }
}

impl<T: FileSystem> SpecialInode<T> {
    /// The options of the mount the special file is in, as
    /// [`FileSystem::parse_option`] set them.
    pub(crate) fn mount_flags(&self) -> u32 {
        // SAFETY: Of a super block of `T` (type invariant), made by
        // `Callbacks::fill_super` with its `SuperInfo`.
        unsafe { self.0.mount_flags() }
    }
}

impl<T: FileSystem> core::ops::Deref for SpecialInode<T> {
    type Target = Inode;

    fn deref(&self) -> &Inode {
        &self.0
    }
}

/// An open special file of `T`, during one of its file operations.
pub(crate) struct SpecialFile<'a, T: FileSystem> {
    file: &'a File,
    inode: &'a SpecialInode<T>,
}

impl<'a, T: FileSystem> SpecialFile<'a, T> {
    /// Its special inode.
    pub(crate) fn inode(&self) -> &'a SpecialInode<T> {
        self.inode
    }

    /// Whether the file was opened for reading.
    pub(crate) fn is_readable(&self) -> bool {
        file_mode(self.file) & bindings::MSOCKET_CONST_FMODE_READ != 0
    }

    /// Whether the file was opened for writing.
    pub(crate) fn is_writable(&self) -> bool {
        file_is_writable(self.file)
    }
}

/// `f_mode` of `file`: how it was opened, fixed since.
fn file_mode(file: &File) -> u32 {
    // SAFETY: The file is alive; `f_mode`'s access bits are set at open
    // and never change (other bits may, under the file's own locks; a
    // single aligned load is not torn).
    unsafe { addr_of!((*file.as_ptr()).f_mode).read_volatile() }
}

/// Whether `file` was opened for writing (`FMODE_WRITE`).
pub(crate) fn file_is_writable(file: &File) -> bool {
    file_mode(file) & bindings::MSOCKET_CONST_FMODE_WRITE != 0
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
        fs.owner = super::compat::this_module();
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

    /// `inode` as a special file of this file system type; `None` for any
    /// other inode.
    pub(crate) fn special<'a>(&self, inode: &'a Inode) -> Option<&'a SpecialInode<T>> {
        if inode.sb_type() != self.fs.get() || inode.file_type() != INNER_SPECIAL_TYPE {
            return None;
        }
        // SAFETY: Of our file system with the special type, so made by
        // `Callbacks::mknod` with its data (only our `mknod` makes
        // non-directory inodes here); alive while `inode` is borrowed.
        Some(unsafe { SpecialInode::from_ptr(inode.as_ptr()) })
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
    /// The mount options, as [`FileSystem::parse_option`] made them.
    mount_flags: AtomicU32,
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
        free: Some(Self::free_fs_context),
        parse_param: if T::HAS_PARSE_OPTION {
            Some(Self::parse_param)
        } else {
            None
        },
        get_tree: Some(Self::get_tree),
        reconfigure: Some(Self::reconfigure),
        // SAFETY: All-zero is valid: no further operations.
        ..unsafe { core::mem::zeroed() }
    };

    const SUPER_OPS: bindings::super_operations = bindings::super_operations {
        statfs: Some(bindings::simple_statfs),
        show_options: if T::HAS_SHOW_OPTIONS {
            Some(Self::show_options)
        } else {
            None
        },
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
        setattr: Some(Self::special_setattr),
        getattr: Some(Self::special_getattr),
        ..pin_init::zeroed()
    };

    const SPECIAL_FILE_OPS: bindings::file_operations = bindings::file_operations {
        unlocked_ioctl: if T::HAS_IOCTL {
            Some(Self::special_ioctl)
        } else {
            None
        },
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: if T::HAS_IOCTL {
            Some(bindings::compat_ptr_ioctl)
        } else {
            None
        },
        owner: super::compat::this_module(),
        // No read, write, mmap, splice, llseek, fsync, poll or setlease:
        // they fail with EINVAL, ENODEV or ESPIPE, as for any file without
        // them (7.x refuses leases without ->setlease).
        ..pin_init::zeroed()
    };

    /// `init_fs_context` of the file system type: every mount uses
    /// [`Self::CONTEXT_OPS`], and its options are parsed into a `u32` in
    /// `fs_private`: 0 for a new mount, the mount's own for a remount.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with a new, live `fc`.
    unsafe extern "C" fn init_fs_context(fc: *mut bindings::fs_context) -> c_int {
        // SAFETY: The VFS calls this on a new, live context; for a remount
        // it is for one of our super blocks.
        let flags = unsafe { Self::super_info(bindings::msocket_fc_super(fc)) }
            .map_or(0, |info| info.mount_flags.load(Ordering::Relaxed));
        let flags = match KBox::new(flags, GFP_KERNEL) {
            Ok(flags) => flags,
            Err(_) => return ENOMEM.to_errno(),
        };
        // SAFETY: As above; `free_fs_context` takes the box back.
        unsafe {
            *bindings::msocket_fc_private(fc) = KBox::into_raw(flags).cast();
            bindings::msocket_fc_set_ops(fc, &Self::CONTEXT_OPS);
        }
        0
    }

    /// The [`SuperInfo`] of `sb`; `None` for a null `sb`.
    ///
    /// # Safety
    ///
    /// `sb` is null or a live super block of `T` set up by `fill_super`,
    /// which outlives `'a`.
    unsafe fn super_info<'a>(sb: *mut bindings::super_block) -> Option<&'a SuperInfo> {
        if sb.is_null() {
            return None;
        }
        // SAFETY: As the caller guarantees, `s_fs_info` is our `SuperInfo`.
        Some(unsafe { &*(*sb).s_fs_info.cast::<SuperInfo>() })
    }

    /// The options being parsed for the context `fc`.
    ///
    /// # Safety
    ///
    /// `fc` is a live context set up by `init_fs_context`, which nothing
    /// else uses meanwhile.
    unsafe fn context_flags<'a>(fc: *mut bindings::fs_context) -> &'a mut u32 {
        // SAFETY: As the caller guarantees: `fs_private` is our box until
        // `free_fs_context`.
        unsafe { &mut *(*bindings::msocket_fc_private(fc)).cast::<u32>() }
    }

    /// `free` of a context: drops its options.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, once, on a context set up by
    /// `init_fs_context`.
    unsafe extern "C" fn free_fs_context(fc: *mut bindings::fs_context) {
        // SAFETY: As the VFS guarantees; the box came from
        // `init_fs_context` (null if that failed).
        unsafe {
            let private = bindings::msocket_fc_private(fc);
            if !(*private).is_null() {
                drop(KBox::from_raw((*private).cast::<u32>()));
                *private = core::ptr::null_mut();
            }
        }
    }

    /// `parse_param`: one mount option, [`FileSystem::parse_option`].
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with a live context of ours and parameter.
    unsafe extern "C" fn parse_param(
        fc: *mut bindings::fs_context,
        param: *mut bindings::fs_parameter,
    ) -> c_int {
        from_result(|| {
            let mut key = core::ptr::null();
            let mut value = core::ptr::null();
            // SAFETY: The parameter is live; the helper reads it.
            to_result(unsafe { bindings::msocket_fs_param(param, &mut key, &mut value) })?;
            // SAFETY: The key and a string value are NUL-terminated
            // strings of the parameter, live during the call.
            let (key, value) = unsafe {
                (
                    CStr::from_char_ptr(key),
                    (!value.is_null()).then(|| CStr::from_char_ptr(value)),
                )
            };
            // SAFETY: A context of ours, used by this call only.
            T::parse_option(unsafe { Self::context_flags(fc) }, key, value)?;
            Ok(0)
        })
    }

    /// `reconfigure` (a remount): the parsed options become the mount's.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with a live context of ours whose root is a
    /// dentry of one of our super blocks.
    unsafe extern "C" fn reconfigure(fc: *mut bindings::fs_context) -> c_int {
        // SAFETY: As the VFS guarantees; the super block has its
        // `SuperInfo` while it lives.
        unsafe {
            if let Some(info) = Self::super_info(bindings::msocket_fc_super(fc)) {
                info.mount_flags
                    .store(*Self::context_flags(fc), Ordering::Relaxed);
            }
        }
        0
    }

    /// `show_options`: the mount's options in /proc/mounts.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, with a live `seq_file` and the root of one
    /// of our super blocks.
    unsafe extern "C" fn show_options(
        m: *mut bindings::seq_file,
        root: *mut bindings::dentry,
    ) -> c_int {
        // SAFETY: As the VFS guarantees.
        unsafe {
            let flags = Inode::from_ptr((*root).d_inode).mount_flags();
            T::show_options(flags, SeqFile::from_raw(m));
        }
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
        fc: *mut bindings::fs_context,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The context is ours (set up by `init_fs_context`).
            let flags = *unsafe { Self::context_flags(fc) };
            let info = KBox::new(
                SuperInfo {
                    next_ino: AtomicU64::new(1),
                    mount_flags: AtomicU32::new(flags),
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
                drop(T::Data::from_foreign(private));
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
                (*inode).i_private = data.into_foreign();
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

    /// `setattr` of special files: `simple_setattr`, but a special file has
    /// no contents, so a size other than 0 is refused (`EINVAL`), and a
    /// truncation to 0 (`O_TRUNC`, `truncate(path, 0)`) changes only the
    /// times, as for any empty file.
    ///
    /// # Safety
    ///
    /// Called by the VFS only, on a live dentry of a special file of `T`,
    /// with its inode locked.
    unsafe extern "C" fn special_setattr(
        idmap: *mut bindings::mnt_idmap,
        dentry: *mut bindings::dentry,
        attr: *mut bindings::iattr,
    ) -> c_int {
        // SAFETY: The VFS passes a live `iattr`, which we copy: the
        // caller's stays as it was.
        let mut attr = unsafe { attr.read() };
        if attr.ia_valid & bindings::MSOCKET_CONST_ATTR_SIZE != 0 {
            if attr.ia_size != 0 {
                return EINVAL.to_errno();
            }
            attr.ia_valid &= !bindings::MSOCKET_CONST_ATTR_SIZE;
        }
        // SAFETY: As the VFS guarantees; `attr` lives during the call.
        unsafe { bindings::simple_setattr(idmap, dentry, &mut attr) }
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
        // inodes (only they have these file operations), which keeps the
        // inode (and its data) alive throughout. An ioctl does not take
        // `fdget_pos`, and the VFS took no position lock for it.
        let special = unsafe {
            SpecialFile {
                file: File::from_raw_file(file),
                inode: SpecialInode::from_ptr((*file).f_inode),
            }
        };
        match T::ioctl(&special, cmd, arg) {
            Ok(ret) => ret as c_long,
            Err(err) => err.to_errno() as c_long,
        }
    }
}
