//! Running a command with a default stack: `mstack exec` and `vustack`.
//!
//! Two ways to move an unmodified program:
//!
//! - *preload* (any user; dynamically linked programs): the default stacks
//!   go in `MSOCKET_DEFAULTS` and libmsocket goes in `LD_PRELOAD`, so the
//!   program's `socket()` calls follow them, family by family;
//! - *setns* (needs `CAP_SYS_ADMIN`, or a stack of one's own made with
//!   `mstack add --new`; any program, static ones too): the command runs
//!   in the stack's network namespace, every family at once. For a stack
//!   whose namespace belongs to a user namespace of the caller's own, the
//!   command enters that user namespace first, as `nsenter --user --net`
//!   would (see [`enter_netns`]).
//!
//! The automatic choice is preload, or setns for a statically linked
//! program, which `LD_PRELOAD` cannot reach.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use msocket::{Defaults, Stack};

use crate::error::{Context, Error, EXIT_CANNOT_RUN, EXIT_NOT_FOUND};
use crate::families;

/// The name of the preloaded library.
pub const PRELOAD_LIBRARY: &str = "libmsocket.so.0";

/// How the command is moved to the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Preload for dynamically linked programs, setns for static ones.
    Auto,
    /// `LD_PRELOAD` and `MSOCKET_DEFAULTS`.
    Preload,
    /// `setns(2)` into the stack's namespace.
    Setns,
}

/// What to run, where.
#[derive(Debug)]
pub struct Request {
    /// The stack file.
    pub stack: PathBuf,
    /// The families to move; `None` for all of them.
    pub families: Option<Vec<i32>>,
    /// Add every family the stack supports (`-s`).
    pub supported: bool,
    /// Say what is done, on standard error.
    pub verbose: bool,
    /// How.
    pub mode: Mode,
    /// The command and its arguments.
    pub command: Vec<OsString>,
}

/// Where libmsocket.so.0 is: `$MSOCKET_PRELOAD`, else `../lib` next to
/// this program, else the library directory it was built for.
pub fn preload_library() -> io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("MSOCKET_PRELOAD") {
        return Ok(PathBuf::from(path));
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe().and_then(std::fs::canonicalize) {
        if let Some(bin) = exe.parent() {
            candidates.push(bin.join("../lib").join(PRELOAD_LIBRARY));
        }
    }
    if let Some(libdir) = option_env!("MSOCKET_LIBDIR") {
        candidates.push(Path::new(libdir).join(PRELOAD_LIBRARY));
    }
    // The directory is made canonical, not the name: the soname symlink
    // keeps pointing at the installed version.
    candidates
        .into_iter()
        .find(|p| p.exists())
        .map(|p| match p.parent().map(std::fs::canonicalize) {
            Some(Ok(dir)) => dir.join(PRELOAD_LIBRARY),
            _ => p,
        })
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))
}

/// `LD_PRELOAD` with `lib` first (once).
pub fn ld_preload_with(current: Option<&OsStr>, lib: &Path) -> OsString {
    let mut out = OsString::from(lib);
    if let Some(current) = current {
        for entry in current
            .as_bytes()
            .split(|&b| b == b':' || b == b' ')
            .filter(|e| !e.is_empty() && *e != lib.as_os_str().as_bytes())
        {
            out.push(":");
            out.push(OsStr::from_bytes(entry));
        }
    }
    out
}

/// The file `command` runs: itself if it has a slash, else found in PATH.
fn resolve(command: &OsStr) -> Option<PathBuf> {
    if command.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(command));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(command))
        .find(|p| p.is_file())
}

/// Whether the ELF image `head` (its first bytes) has no program
/// interpreter: a static program. `None` if it is not ELF.
pub fn elf_is_static(head: &[u8]) -> Option<bool> {
    if head.len() < 64 || &head[..4] != b"\x7fELF" || head[5] != 1 {
        return None;
    }
    let u16_at = |at: usize| Some(u16::from_le_bytes(head.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(head.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(head.get(at..at + 8)?.try_into().ok()?));
    let (phoff, phentsize, phnum) = match head[4] {
        2 => (
            u64_at(0x20)? as usize,
            u16_at(0x36)? as usize,
            u16_at(0x38)? as usize,
        ),
        1 => (
            u32_at(0x1c)? as usize,
            u16_at(0x2a)? as usize,
            u16_at(0x2c)? as usize,
        ),
        _ => return None,
    };
    const PT_INTERP: u32 = 3;
    for i in 0..phnum {
        if u32_at(phoff + i * phentsize)? == PT_INTERP {
            return Some(false);
        }
    }
    Some(true)
}

/// Why `LD_PRELOAD=libmsocket.so.0` cannot move the ELF program `file`
/// (its first bytes `head`), if it cannot: statically linked (no
/// interpreter to preload anything), another ELF class or machine than
/// this program's (the library cannot be loaded into it: the dynamic
/// linker skips it with a warning), or a Go program (Go makes its sockets
/// by raw system calls, not through libc's `socket()`).
pub fn elf_obstacle(file: &Path, head: &[u8]) -> Option<&'static str> {
    let is_static = elf_is_static(head)?;
    let class = if cfg!(target_pointer_width = "64") {
        2
    } else {
        1
    };
    let machine = u16::from_le_bytes([head[0x12], head[0x13]]);
    if head[4] != class || machine != host_machine() {
        return Some(if head[4] == 1 && class == 2 {
            "is a 32-bit program (the 64-bit libmsocket cannot be preloaded into it)"
        } else {
            "is a program of another architecture (libmsocket cannot be preloaded into it)"
        });
    }
    if is_static {
        return Some("is statically linked");
    }
    if elf_is_go(file, head) {
        return Some(
            "is a Go program (Go makes its sockets by raw system calls, not libc's socket())",
        );
    }
    None
}

/// The ELF `e_machine` of this program.
fn host_machine() -> u16 {
    if cfg!(target_arch = "x86_64") {
        62
    } else if cfg!(target_arch = "aarch64") {
        183
    } else if cfg!(target_arch = "x86") {
        3
    } else if cfg!(target_arch = "arm") {
        40
    } else if cfg!(target_arch = "riscv64") {
        243
    } else {
        0
    }
}

/// Whether the ELF64 file `file` has a section of the Go toolchain
/// (`.go.buildinfo`, `.note.go.buildid`): section names read from the
/// section header table and its string table.
pub fn elf_is_go(file: &Path, head: &[u8]) -> bool {
    use std::os::unix::fs::FileExt;
    if head.len() < 64 || head[4] != 2 {
        return false;
    }
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as u64;
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let (shoff, shentsize, shnum, shstrndx) = (
        u64_at(head, 0x28),
        u16_at(head, 0x3a),
        u16_at(head, 0x3c),
        u16_at(head, 0x3e),
    );
    if shentsize < 64 || shnum == 0 || shnum > 4096 || shstrndx >= shnum {
        return false;
    }
    let Ok(f) = std::fs::File::open(file) else {
        return false;
    };
    let mut table = vec![0u8; (shentsize * shnum) as usize];
    if f.read_exact_at(&mut table, shoff).is_err() {
        return false;
    }
    let section = |i: u64| &table[(i * shentsize) as usize..][..64];
    let strtab = section(shstrndx);
    let (str_off, str_size) = (u64_at(strtab, 0x18), u64_at(strtab, 0x20).min(1 << 20));
    let mut names = vec![0u8; str_size as usize];
    if f.read_exact_at(&mut names, str_off).is_err() {
        return false;
    }
    (0..shnum).any(|i| {
        let at = u32::from_le_bytes(section(i)[..4].try_into().unwrap()) as usize;
        let name = names.get(at..).unwrap_or(&[]);
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        name == b".go.buildinfo" || name == b".note.go.buildid"
    })
}

/// Why `LD_PRELOAD` cannot move `file` (following one `#!`), if it cannot.
fn preload_obstacle(file: &Path, depth: u32) -> Option<&'static str> {
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    head.truncate(n);
    if let Some(rest) = head.strip_prefix(b"#!") {
        if depth > 0 {
            return None;
        }
        let line = rest.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let interp = line
            .split(|&b| b == b' ' || b == b'\t')
            .find(|s| !s.is_empty())?;
        return preload_obstacle(Path::new(OsStr::from_bytes(interp)), 1);
    }
    elf_obstacle(file, &head)
}

/// Whether `file` is a statically linked program (following one `#!`).
#[cfg(test)]
fn is_static(file: &Path, depth: u32) -> bool {
    let mut head = vec![0u8; 4096];
    let Ok(n) = std::fs::File::open(file).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    head.truncate(n);
    if let Some(rest) = head.strip_prefix(b"#!") {
        let line = rest.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let interp = line
            .split(|&b| b == b' ' || b == b'\t')
            .find(|s| !s.is_empty());
        return depth == 0 && interp.is_some_and(|i| is_static(Path::new(OsStr::from_bytes(i)), 1));
    }
    elf_is_static(&head).unwrap_or(false)
}

/// Whether running `file` is a secure execution (setuid, setgid, or file
/// capabilities), in which the dynamic linker ignores `LD_PRELOAD` paths.
fn is_secure_exec(file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return false;
    };
    if meta.mode() & (libc::S_ISUID | libc::S_ISGID) != 0 {
        return true;
    }
    let Ok(c) = std::ffi::CString::new(file.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a NUL-terminated path and name; a null buffer of size 0
    // only asks for the attribute's size.
    let size = unsafe {
        libc::getxattr(
            c.as_ptr(),
            c"security.capability".as_ptr(),
            std::ptr::null_mut(),
            0,
        )
    };
    size > 0
}

/// Prepares `req`, then replaces this process by the command. Returns only
/// on failure.
pub fn run(prog: &str, req: Request) -> Error {
    match prepare(prog, &req) {
        Ok(cmd) => replace_process(cmd, &req.command[0]),
        Err(e) => e,
    }
}

/// Replaces this process by `cmd` (whose program is `program`); returns
/// only on failure, with exit code 127 if the program is not found, 126 if
/// it cannot be run.
pub fn replace_process(mut cmd: Command, program: &OsStr) -> Error {
    let err = cmd.exec();
    let code = if err.raw_os_error() == Some(libc::ENOENT) {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_RUN
    };
    Error::io(program.to_string_lossy(), err).with_code(code)
}

fn prepare(prog: &str, req: &Request) -> Result<Command, Error> {
    let shown = req.stack.display();
    let stack = Stack::open(&req.stack).about(&shown)?;
    let mut families = req.families.clone();
    if req.supported {
        let mut all = families.take().unwrap_or_default();
        all.extend(stack.families().about(&shown)?);
        all.sort_unstable();
        all.dedup();
        families = Some(all);
    }
    let mut mode = req.mode;
    // Why LD_PRELOAD cannot reach the program, if it cannot.
    let mut unreachable = None;
    if mode == Mode::Auto {
        let file = resolve(&req.command[0]);
        if let Some(why) = file.as_deref().and_then(|f| preload_obstacle(f, 0)) {
            unreachable = Some(why);
        } else if file.as_deref().is_some_and(is_secure_exec) {
            unreachable =
                Some("is setuid, setgid or has file capabilities (LD_PRELOAD is ignored)");
        }
        mode = if unreachable.is_some() {
            Mode::Setns
        } else {
            Mode::Preload
        };
        if let (Some(why), true) = (unreachable, req.verbose) {
            note!(
                "{prog}: {} {why}: LD_PRELOAD cannot reach it, using setns",
                req.command[0].to_string_lossy()
            );
        }
    }
    if mode == Mode::Setns && families.is_some() {
        return Err(Error::usage(format!(
            "{}: setns moves every address family at once: it cannot be used with -f or -s{}",
            req.command[0].to_string_lossy(),
            unreachable.map_or(String::new(), |why| format!(
                " (the program {why}, so LD_PRELOAD cannot reach it)"
            ))
        )));
    }

    // The kernel checks that we may use the stack for each family.
    match &families {
        None => stack.check(libc::AF_UNSPEC).about(&shown)?,
        Some(list) => {
            for &f in list {
                stack
                    .check(f)
                    .about(format!("{shown}: {}", msocket::family::display(f)))?;
            }
        }
    }

    let mut cmd = Command::new(&req.command[0]);
    cmd.args(&req.command[1..]);
    if mode == Mode::Setns {
        // The namespace fd takes CAP_NET_ADMIN over the namespace's owner
        // (which the owner of a --new stack has), setns CAP_SYS_ADMIN.
        let ns = stack
            .netns_fd()
            .map_err(|e| Error::io(format!("{shown}: {SETNS_NEEDS}"), e))?;
        // The command's own namespace is now the stack: no defaults.
        cmd.env_remove(msocket::defaults::ENV);
        if req.verbose {
            note!("{prog}: entering the network namespace of {shown} (every family)");
        }
        match enter_netns(&ns).map_err(|e| e.about_stack(&shown))? {
            Entered::Directly => (),
            Entered::AsOwner { uid } if req.verbose => note!(
                "{prog}: {shown} belongs to a user namespace of yours: entered it first \
                 (uid {uid} here is uid 0 there)"
            ),
            Entered::AsOwner { .. } => (),
        }
        let name = req.stack.file_name().unwrap_or_default().to_string_lossy();
        enter_like_ip_netns_exec(&name).about(format!("{shown}: as ip netns exec"))?;
        return Ok(cmd);
    }

    let canonical = std::fs::canonicalize(&req.stack).about(&shown)?;
    let mut defaults = match (&families, Defaults::from_env()) {
        (None, _) => Defaults::new(),
        (Some(_), Ok(d)) => d,
        (Some(_), Err(e)) => {
            return Err(Error::io(
                "",
                io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
            ))
        }
    };
    match &families {
        None => defaults.set(libc::AF_UNSPEC, Some(&canonical)),
        Some(list) => list
            .iter()
            .try_for_each(|&f| defaults.set(f, Some(&canonical))),
    }
    .about(&shown)?;
    let lib = preload_library().about(format!("{PRELOAD_LIBRARY} (set MSOCKET_PRELOAD)"))?;
    let preload = ld_preload_with(std::env::var_os("LD_PRELOAD").as_deref(), &lib);
    defaults.apply_to(&mut cmd);
    cmd.env("LD_PRELOAD", &preload);
    if req.verbose {
        match &families {
            None => note!("{prog}: using {shown} for all address families"),
            Some(list) => note!(
                "{prog}: using {shown} for the address families {}",
                families::show(list)
            ),
        }
        note!(
            "{prog}: {}={} LD_PRELOAD={}",
            msocket::defaults::ENV,
            defaults,
            preload.to_string_lossy()
        );
    }
    Ok(cmd)
}

/// What entering a stack's namespace needs, for the messages.
pub const SETNS_NEEDS: &str =
    "setns: entering the stack's namespace needs CAP_SYS_ADMIN, or a stack of your own (mstack add --new)";

/// `NS_GET_USERNS` of `<linux/nsfs.h>`: an fd of the user namespace that
/// owns a namespace (`EPERM` if that is outside the caller's).
const NS_GET_USERNS: libc::c_ulong = 0xb701;
/// `NS_GET_OWNER_UID`: the owner of a user namespace, as a uid of the
/// caller's user namespace.
const NS_GET_OWNER_UID: libc::c_ulong = 0xb704;

/// How [`enter_netns`] entered the namespace.
#[derive(Debug, PartialEq, Eq)]
pub enum Entered {
    /// With the caller's own privilege (`CAP_SYS_ADMIN`).
    Directly,
    /// Through the namespace's owning user namespace, whose owner is the
    /// caller, `uid`: the caller is now uid 0 there.
    AsOwner {
        /// The caller's (effective) uid outside.
        uid: libc::uid_t,
    },
}

/// Why [`enter_netns`] failed: the step, and the OS error.
#[derive(Debug)]
pub struct EnterError {
    step: &'static str,
    err: io::Error,
}

impl EnterError {
    /// The error, about the stack `shown`.
    pub fn about_stack(self, shown: &impl std::fmt::Display) -> Error {
        Error::io(format!("{shown}: {}", self.step), self.err)
    }
}

/// `setns(2)` into the network namespace `ns` (an nsfs fd). With
/// `CAP_SYS_ADMIN` (over this process's user namespace and the one that
/// owns `ns`) directly. Without it, if the user namespace that owns `ns`
/// is the caller's own, as for a stack made unprivileged with `mstack add
/// --new`, the process joins that user namespace first and then `ns`, as
/// `nsenter --user --net` does: uid 0 there is the caller outside, with
/// every capability inside that user namespace and none outside it.
///
/// Nothing here raises a privilege: mstack is not setuid, and each step
/// is the kernel's own check of the caller's credentials, as for
/// nsenter(1). The stack's namespace fd takes `CAP_NET_ADMIN` over the
/// owning user namespace (`STACKFS_IOC_NETNS_FD`); `NS_GET_USERNS` gives
/// a user namespace only within the caller's; joining it takes
/// `CAP_SYS_ADMIN` over it, which only its owner (or a privileged
/// ancestor) has. On top of the kernel's rules, a user namespace whose
/// owner is not the caller's uid is refused (`EPERM`) before any change.
///
/// Must be called single-threaded (joining a user namespace needs it).
pub fn enter_netns(ns: &impl AsRawFd) -> Result<Entered, EnterError> {
    let fail = |step: &'static str| EnterError {
        step,
        err: io::Error::last_os_error(),
    };
    // SAFETY: setns with an nsfs fd; no pointers.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } == 0 {
        return Ok(Entered::Directly);
    }
    let direct = io::Error::last_os_error();
    if direct.raw_os_error() != Some(libc::EPERM) {
        return Err(EnterError {
            step: SETNS_NEEDS,
            err: direct,
        });
    }
    // SAFETY: an ioctl that takes no argument and returns a new fd.
    let user = unsafe { libc::ioctl(ns.as_raw_fd(), NS_GET_USERNS) };
    if user < 0 {
        return Err(fail(SETNS_NEEDS));
    }
    // SAFETY: a new fd nobody else owns.
    let user = unsafe { OwnedFd::from_raw_fd(user) };
    let mut owner: libc::uid_t = 0;
    // SAFETY: NS_GET_OWNER_UID writes one uid_t.
    if unsafe { libc::ioctl(user.as_raw_fd(), NS_GET_OWNER_UID, &mut owner) } < 0 {
        return Err(fail(SETNS_NEEDS));
    }
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    if owner != uid {
        return Err(EnterError {
            step: SETNS_NEEDS,
            err: direct,
        });
    }
    // SAFETY: setns with an nsfs fd of a user namespace.
    if unsafe { libc::setns(user.as_raw_fd(), libc::CLONE_NEWUSER) } < 0 {
        return Err(fail("setns into the user namespace that owns the stack's"));
    }
    // SAFETY: as the first setns.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
        return Err(fail(
            "setns into the stack's namespace from its user namespace",
        ));
    }
    Ok(Entered::AsOwner { uid })
}

/// What `ip netns exec NAME` does after setns, for the same view of the
/// namespace: a private mount namespace (mounts stay there), `/sys` mounted
/// anew so that `/sys/class/net` shows the namespace's interfaces, and each
/// file of `/etc/netns/NAME/` bind-mounted over its namesake in `/etc`
/// (`resolv.conf`, `hosts`...). `NAME` is the stack file's name.
fn enter_like_ip_netns_exec(name: &str) -> io::Result<()> {
    fn check(ret: libc::c_int) -> io::Result<()> {
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
    fn c(path: &std::path::Path) -> std::ffi::CString {
        std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap_or_default()
    }
    // SAFETY: unshare takes no pointers.
    check(unsafe { libc::unshare(libc::CLONE_NEWNS) })?;
    // SAFETY: NUL-terminated literals; no data.
    check(unsafe {
        libc::mount(
            c"".as_ptr(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_SLAVE | libc::MS_REC,
            std::ptr::null(),
        )
    })?;
    // SAFETY: as above. /sys may not be mounted: then there is nothing
    // to take away.
    unsafe { libc::umount2(c"/sys".as_ptr(), libc::MNT_DETACH) };
    // SAFETY: as above.
    // nosuid, nodev, noexec: sysfs needs none of them, and a user
    // namespace may mount it only as restricted as the /sys it covers.
    check(unsafe {
        libc::mount(
            c"sysfs".as_ptr(),
            c"/sys".as_ptr(),
            c"sysfs".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            std::ptr::null(),
        )
    })?;
    let etc = std::path::Path::new("/etc/netns").join(name);
    let Ok(entries) = std::fs::read_dir(&etc) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let target = std::path::Path::new("/etc").join(entry.file_name());
        if !target.exists() {
            continue;
        }
        let (src, dst) = (c(&entry.path()), c(&target));
        // SAFETY: NUL-terminated strings that live across the call.
        check(unsafe {
            libc::mount(
                src.as_ptr(),
                dst.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND,
                std::ptr::null(),
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ld_preload_puts_libmsocket_first_once() {
        let lib = Path::new("/usr/lib/libmsocket.so.0");
        assert_eq!(ld_preload_with(None, lib), "/usr/lib/libmsocket.so.0");
        assert_eq!(
            ld_preload_with(Some(OsStr::new("/a.so /usr/lib/libmsocket.so.0:b.so")), lib),
            "/usr/lib/libmsocket.so.0:/a.so:b.so"
        );
    }

    #[test]
    fn static_detection() {
        // This test binary is dynamically linked (it uses std and libc).
        let me = std::env::current_exe().unwrap();
        assert!(!is_static(&me, 0));
        assert_eq!(
            elf_is_static(b"not an elf at all, but long enough to be read as one....."),
            None
        );
        // A minimal ELF64 header with no program headers: static.
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        assert_eq!(elf_is_static(&h), Some(true));
        // One PT_INTERP program header at offset 64.
        h[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        h[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        h[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&[0u8; 56]);
        h[64..68].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(elf_is_static(&h), Some(false));
        // A script whose interpreter is dynamic.
        let dir = std::env::temp_dir().join(format!("mstack-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("s");
        std::fs::write(&script, format!("#!{} -x\n", me.display())).unwrap();
        assert!(!is_static(&script, 0));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn obstacles_to_preloading() {
        let me = std::env::current_exe().unwrap();
        assert_eq!(preload_obstacle(&me, 0), None);
        let dir = std::env::temp_dir().join(format!("mstack-elf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A 32-bit ELF header (i386, no program headers).
        let mut h32 = vec![0u8; 64];
        h32[..4].copy_from_slice(b"\x7fELF");
        h32[4] = 1;
        h32[5] = 1;
        h32[0x12] = 3;
        let f32 = dir.join("elf32");
        std::fs::write(&f32, &h32).unwrap();
        assert!(preload_obstacle(&f32, 0).unwrap().contains("32-bit"));
        // This program's header with a Go section added: a section header
        // table of two entries, the second the string table.
        let mut go = std::fs::read(&me).unwrap()[..64].to_vec();
        go.truncate(64);
        let names = b"\0.go.buildinfo\0.shstrtab\0";
        let names_at = 64u64;
        let table_at = 64 + names.len() as u64;
        go.extend_from_slice(names);
        go[0x28..0x30].copy_from_slice(&table_at.to_le_bytes());
        go[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        go[0x3c..0x3e].copy_from_slice(&2u16.to_le_bytes());
        go[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        // No program headers: mark it dynamic by keeping a PT_INTERP? The
        // check for Go comes after the one for static programs, so give it
        // one program header, PT_INTERP, after the table.
        let mut sh = vec![0u8; 128];
        sh[0..4].copy_from_slice(&1u32.to_le_bytes()); // ".go.buildinfo"
        sh[64..68].copy_from_slice(&15u32.to_le_bytes()); // ".shstrtab"
        sh[64 + 0x18..64 + 0x20].copy_from_slice(&names_at.to_le_bytes());
        sh[64 + 0x20..64 + 0x28].copy_from_slice(&(names.len() as u64).to_le_bytes());
        go.extend_from_slice(&sh);
        let ph_at = go.len() as u64;
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&3u32.to_le_bytes());
        go.extend_from_slice(&ph);
        go[0x20..0x28].copy_from_slice(&ph_at.to_le_bytes());
        go[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        go[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        go.resize(4096, 0);
        let fgo = dir.join("go");
        std::fs::write(&fgo, &go).unwrap();
        assert!(preload_obstacle(&fgo, 0).unwrap().contains("Go program"));
        // The same without the Go section name: nothing in the way.
        let plain: Vec<u8> = {
            let mut p = go.clone();
            p[65..65 + 13].copy_from_slice(b".data.rel.ro_");
            p
        };
        let fplain = dir.join("plain");
        std::fs::write(&fplain, &plain).unwrap();
        assert_eq!(preload_obstacle(&fplain, 0), None);
        // A script run by a 32-bit interpreter.
        let script = dir.join("script");
        std::fs::write(&script, format!("#!{}\n", f32.display())).unwrap();
        assert!(preload_obstacle(&script, 0).unwrap().contains("32-bit"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn secure_execution_detection() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("mstack-suid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("prog");
        std::fs::write(&file, b"").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!is_secure_exec(&file));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o4755)).unwrap();
        assert!(is_secure_exec(&file));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o2755)).unwrap();
        assert!(is_secure_exec(&file));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!is_secure_exec(Path::new("/nonexistent")));
    }

    #[test]
    fn resolves_commands() {
        assert_eq!(
            resolve(OsStr::new("/bin/sh")),
            Some(PathBuf::from("/bin/sh"))
        );
        assert!(resolve(OsStr::new("sh")).is_some());
        assert_eq!(resolve(OsStr::new("no-such-command-here")), None);
    }
}
