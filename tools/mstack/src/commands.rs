//! `mstack add`, `rm`, `ls`, `probe`, `export`, `import`, `identify`,
//! `link set`, `mount` and `umount`.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use msocket::Stack;

use crate::error::{Context, Error};
use crate::ids::id_name;
use crate::{json, netns, rtnl};

/// Where `mstack add` takes the namespace from.
#[derive(Debug)]
pub enum Source {
    /// An nsfs file or another stack file.
    File(PathBuf),
    /// A process.
    Pid(u32),
    /// A new namespace with loopback up.
    New,
}

/// `mstack add`: creates the stack file `path` for the namespace of
/// `source`, with permission bits `mode` (less the umask).
pub fn add(path: &Path, source: &Source, mode: u32) -> Result<(), Error> {
    let ns = match source {
        Source::File(file) => netns::from_file(file).about(file.display())?,
        Source::Pid(pid) => netns::of_pid(*pid).about(format!("/proc/{pid}/ns/net"))?,
        Source::New => netns::new().about("new network namespace")?,
    };
    msocket::mkstack(path, &ns, mode).about(path.display())
}

/// `mstack rm`: removes stack files, and nothing else. Like rm(1), it
/// carries on past an operand it cannot remove: each failure is reported
/// through `report`, and the result is the last one (exit status 1).
pub fn rm(paths: &[PathBuf], mut report: impl FnMut(&Error)) -> Result<(), Error> {
    let mut last = Ok(());
    for path in paths {
        if let Err(e) = rm_one(path) {
            report(&e);
            last = Err(e);
        }
    }
    last
}

fn rm_one(path: &Path) -> Result<(), Error> {
    let meta = std::fs::symlink_metadata(path).about(path.display())?;
    if !msocket::is_stack(meta.mode()) {
        return Err(Error::io(
            format!("{}: not a stack file", path.display()),
            io::Error::from_raw_os_error(libc::EOPNOTSUPP),
        ));
    }
    std::fs::remove_file(path).about(path.display())
}

/// Where iproute2 keeps the names of network namespaces.
pub const NETNS_RUN_DIR: &str = "/run/netns";

/// A name ip netns accepts: not empty, no `/`, not `.` or `..`.
fn netns_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(Error::usage(format!(
            "'{name}' is not a valid ip netns name"
        )));
    }
    Ok(())
}

/// `mstack export`: bind-mounts the stack's namespace on
/// `/run/netns/NAME`, as `ip netns add` does for a namespace of its own,
/// so that `ip netns exec NAME`, `nsenter --net=/run/netns/NAME`,
/// systemd's `NetworkNamespacePath=` and CNI find it. Needs
/// `CAP_SYS_ADMIN` (the mount) and read permission on the stack file.
/// `ip netns del NAME` undoes it.
pub fn export(stack: &Path, name: &str) -> Result<(), Error> {
    netns_name(name)?;
    let ns = Stack::open(stack)
        .and_then(|s| s.netns_fd())
        .about(stack.display())?;
    std::fs::create_dir_all(NETNS_RUN_DIR).about(NETNS_RUN_DIR)?;
    let target = Path::new(NETNS_RUN_DIR).join(name);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .about(target.display())?;
    let source = format!("/proc/self/fd/{}\0", std::os::fd::AsRawFd::as_raw_fd(&ns));
    let c_target = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())
        .map_err(|_| Error::usage("a NUL byte in the name"))?;
    // SAFETY: NUL-terminated strings; a bind mount takes no data.
    let ret = unsafe {
        libc::mount(
            source.as_ptr().cast(),
            c_target.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        )
    };
    if ret < 0 {
        let err = io::Error::last_os_error();
        let _ = std::fs::remove_file(&target);
        return Err(Error::io(format!("{}: bind mount", target.display()), err));
    }
    Ok(())
}

/// Undoes `export`: detaches the bind mount on `target` (a name in
/// `/run/netns`) and removes the file, as `ip netns del` does.
pub fn unexport(target: &Path) -> Result<(), Error> {
    umount(target, libc::MNT_DETACH)?;
    std::fs::remove_file(target).about(target.display())
}

/// `mstack import`: a stack file `DIR/NAME` for each ip netns namespace
/// `NAME` (every one in `/run/netns` if `names` is empty). Carries on past
/// a failure, reporting it, as `rm` does.
pub fn import(
    dir: &Path,
    names: &[String],
    mode: u32,
    mut report: impl FnMut(&Error),
) -> Result<(), Error> {
    let names: Vec<String> = if names.is_empty() {
        let mut all: Vec<String> = match std::fs::read_dir(NETNS_RUN_DIR) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(NETNS_RUN_DIR, e)),
        };
        all.sort();
        all
    } else {
        names.to_vec()
    };
    let mut last = Ok(());
    for name in &names {
        let result = netns_name(name).and_then(|()| {
            let file = Path::new(NETNS_RUN_DIR).join(name);
            add(&dir.join(name), &Source::File(file), mode)
        });
        if let Err(e) = result {
            report(&e);
            last = Err(e);
        }
    }
    last
}

/// `NS_GET_ID` of `linux/nsfs.h` (`_IOR(0xb7, 13, __u64)`).
const NS_GET_ID: libc::c_ulong = 0x8008_b70d;

/// The 64-bit id of the namespace of the nsfs file `file` (`NS_GET_ID`).
pub(crate) fn nsfs_id(file: &std::fs::File) -> io::Result<u64> {
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes a u64 to its argument.
    if unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(file), NS_GET_ID, &mut id) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(id)
}

/// `mstack identify`: the names of the stack files in `dir` bound to the
/// network namespace of process `pid` (this one if `None`), compared by
/// namespace id, as `ip netns identify` does for `/run/netns`. A stack file
/// the caller may not read is left out, as `ip netns identify` leaves out
/// what it cannot open.
pub fn identify(dir: &Path, pid: Option<u32>) -> Result<Vec<String>, Error> {
    let ns_path = match pid {
        Some(pid) => PathBuf::from(format!("/proc/{pid}/ns/net")),
        None => PathBuf::from("/proc/self/ns/net"),
    };
    let target = std::fs::File::open(&ns_path)
        .and_then(|f| nsfs_id(&f))
        .about(ns_path.display())?;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).about(dir.display())? {
        let entry = entry.about(dir.display())?;
        let path = entry.path();
        let is_stack = std::fs::symlink_metadata(&path).is_ok_and(|m| msocket::is_stack(m.mode()));
        if !is_stack {
            continue;
        }
        if Stack::open(&path).and_then(|s| s.netns_id()).ok() == Some(target) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// `mstack link set`: moves the interface `dev` of `from` (this process's
/// namespace if `None`) into the stack `to`, as `ip link set DEV netns`
/// does; the route socket is made in `from` with msocket. Needs read
/// permission on `to` and `CAP_NET_ADMIN` over both namespaces.
pub fn link_set(dev: &str, to: &Path, from: Option<&Path>) -> Result<(), Error> {
    let ns = Stack::open(to)
        .and_then(|s| s.netns_fd())
        .about(to.display())?;
    let source = match from {
        Some(from) => Stack::open(from).about(from.display())?,
        None => Stack::native(),
    };
    crate::rtnl::move_link(&source, dev, &ns).about(format!("{dev}: moving it to {}", to.display()))
}

/// `rwxr-x---` for permission bits.
pub fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// An interface of a stack, as `ls -l` shows it.
#[derive(Debug)]
pub struct Interface {
    /// Its name.
    pub name: String,
    /// `UP`, `DOWN`, `UP,NO-CARRIER`.
    pub state: &'static str,
    /// `ADDRESS/PREFIX`.
    pub addresses: Vec<String>,
}

/// What `ls -l` says about a stack file.
#[derive(Debug)]
pub struct Details {
    /// Permission bits.
    pub mode: u32,
    /// Owner and group ids.
    pub uid: u32,
    /// The group id.
    pub gid: u32,
    /// The namespace's 64-bit id (`STACKFS_IOC_NETNS_ID`: that of
    /// `NS_GET_ID` and listns(2), not the nsfs inode number), if the stack
    /// file is readable.
    pub netns_id: Option<u64>,
    /// The interfaces, or why they cannot be read.
    pub interfaces: Result<Vec<Interface>, String>,
}

/// One entry of `ls`.
#[derive(Debug)]
pub struct Entry {
    /// The name in the directory, or the path given for a stack file.
    pub name: String,
    /// Its path.
    pub path: PathBuf,
    /// A directory, else a stack file.
    pub dir: bool,
    /// With `-l`, for stack files.
    pub details: Option<Details>,
}

fn details(path: &Path, meta: &std::fs::Metadata) -> Details {
    let stack = Stack::open(path);
    let netns_id = stack.as_ref().ok().and_then(|s| s.netns_id().ok());
    let interfaces = match stack.and_then(|s| rtnl::links(&s)) {
        Ok(links) => Ok(links
            .into_iter()
            .map(|link| Interface {
                state: link.state(),
                addresses: link
                    .addresses
                    .iter()
                    .map(|(a, p)| format!("{a}/{p}"))
                    .collect(),
                name: link.name,
            })
            .collect()),
        Err(e) => Err(msocket::errno::describe(&e)),
    };
    Details {
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        netns_id,
        interfaces,
    }
}

/// `mstack ls`: the stack files (and subdirectories) of `dir`, sorted, or
/// `dir` itself if it is a stack file; with `long`, each stack's mode,
/// owner, group, namespace id, interfaces and addresses.
pub fn ls_entries(dir: &Path, long: bool) -> Result<Vec<Entry>, Error> {
    let meta = std::fs::metadata(dir).about(dir.display())?;
    let mut entries = Vec::new();
    if msocket::is_stack(meta.mode()) {
        entries.push((dir.to_path_buf(), dir.display().to_string(), meta));
    } else {
        for entry in std::fs::read_dir(dir).about(dir.display())? {
            let entry = entry.about(dir.display())?;
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_dir() || msocket::is_stack(meta.mode()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                entries.push((path, name, meta));
            }
        }
        entries.sort_by(|a, b| a.1.cmp(&b.1));
    }
    Ok(entries
        .into_iter()
        .map(|(path, name, meta)| Entry {
            details: (long && !meta.is_dir()).then(|| details(&path, &meta)),
            dir: meta.is_dir(),
            name,
            path,
        })
        .collect())
}

/// The text of `ls`: names (directories with a `/`), and with `-l` a line
/// of mode, owner, group and namespace and one per interface.
pub fn ls_text(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let Some(d) = &e.details else {
            out.push_str(&e.name);
            out.push_str(if e.dir { "/\n" } else { "\n" });
            continue;
        };
        // The 64-bit namespace id (NS_GET_ID, listns(2)), in a notation
        // of its own: not "net:[N]", which names the nsfs inode number.
        let id = d
            .netns_id
            .map_or("netns-id:?".to_string(), |id| format!("netns-id:{id}"));
        out.push_str(&format!(
            "{} {} {} {} {}\n",
            mode_string(d.mode),
            id_name(d.uid, false),
            id_name(d.gid, true),
            id,
            e.name
        ));
        match &d.interfaces {
            Ok(links) => {
                for link in links {
                    let line = format!(
                        "    {:<12} {:<14} {}",
                        link.name,
                        link.state,
                        link.addresses.join(" ")
                    );
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
            Err(e) => out.push_str(&format!("    (interfaces: {e})\n")),
        }
    }
    out
}

/// `ls -j`: a JSON array, one object per entry (as `ip -j netns`).
pub fn ls_json(entries: &[Entry]) -> String {
    let items: Vec<String> = entries
        .iter()
        .map(|e| {
            let mut fields = vec![
                ("name", json::string(&e.name)),
                ("path", json::string(&e.path.to_string_lossy())),
                (
                    "type",
                    json::string(if e.dir { "directory" } else { "stack" }),
                ),
            ];
            if let Some(d) = &e.details {
                fields.push(("mode", json::string(&format!("{:04o}", d.mode & 0o7777))));
                fields.push(("owner", json::string(&id_name(d.uid, false))));
                fields.push(("group", json::string(&id_name(d.gid, true))));
                fields.push(("uid", d.uid.to_string()));
                fields.push(("gid", d.gid.to_string()));
                fields.push((
                    "netns_id",
                    d.netns_id.map_or("null".to_string(), |id| id.to_string()),
                ));
                match &d.interfaces {
                    Ok(links) => {
                        let links: Vec<String> = links
                            .iter()
                            .map(|l| {
                                json::object(&[
                                    ("name", json::string(&l.name)),
                                    ("state", json::string(l.state)),
                                    (
                                        "addresses",
                                        json::array(
                                            l.addresses.iter().map(|a| json::string(a)).collect(),
                                        ),
                                    ),
                                ])
                            })
                            .collect();
                        fields.push(("interfaces", json::array(links)));
                    }
                    Err(err) => {
                        fields.push(("interfaces", "null".to_string()));
                        fields.push(("interfaces_error", json::string(err)));
                    }
                }
            }
            json::object(&fields)
        })
        .collect();
    json::array(items) + "\n"
}

/// `mstack ls`, as text.
pub fn ls(dir: &Path, long: bool) -> Result<String, Error> {
    Ok(ls_text(&ls_entries(dir, long)?))
}

/// `mstack probe`: the families the stack supports, in order.
pub fn probe_families(path: &Path) -> Result<Vec<i32>, Error> {
    let stack = Stack::open(path).about(path.display())?;
    stack.families().about(path.display())
}

/// `mstack probe`: `NUMBER NAME` of every family the stack supports.
pub fn probe(path: &Path) -> Result<String, Error> {
    Ok(probe_text(&probe_families(path)?))
}

/// The text of `probe`: `NUMBER NAME` lines.
pub fn probe_text(families: &[i32]) -> String {
    families
        .iter()
        .map(|&f| format!("{f} {}\n", msocket::family::display(f)))
        .collect()
}

/// `probe -j`: `[{"family":2,"name":"inet"},...]`.
pub fn probe_json(families: &[i32]) -> String {
    json::array(
        families
            .iter()
            .map(|&f| {
                json::object(&[
                    ("family", f.to_string()),
                    ("name", json::string(&msocket::family::display(f))),
                ])
            })
            .collect(),
    ) + "\n"
}

/// Where `mstack mount` keeps the tun device node while a stackfs covers
/// its directory.
const TUN_KEEP: &str = "/run/msocket/tun";

/// A path as a C string.
fn c_path(path: &Path) -> Result<std::ffi::CString, Error> {
    std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| Error::usage("a NUL byte in a path"))
}

/// mount(2): `source` on `target`, of `fstype` (None for a bind mount).
fn mount(
    source: &Path,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
) -> Result<(), Error> {
    let (src, dst) = (c_path(source)?, c_path(target)?);
    let fstype = fstype.map(|t| std::ffi::CString::new(t).expect("no NUL in a type"));
    // SAFETY: NUL-terminated strings that live across the call; no data.
    let ret = unsafe {
        libc::mount(
            src.as_ptr(),
            dst.as_ptr(),
            fstype.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
            flags,
            std::ptr::null(),
        )
    };
    if ret < 0 {
        return Err(Error::io(
            format!("{}: mount", target.display()),
            io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// umount2(2) of `target`.
fn umount(target: &Path, flags: libc::c_int) -> Result<(), Error> {
    let dst = c_path(target)?;
    // SAFETY: a NUL-terminated string that lives across the call.
    if unsafe { libc::umount2(dst.as_ptr(), flags) } < 0 {
        return Err(Error::io(
            format!("{}: umount", target.display()),
            io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// `mstack mount DIR`: mounts a new stackfs on `DIR` (normally `/dev/net`)
/// and keeps the tun device working beside the stacks: `DIR/tun`, the
/// devtmpfs node OpenVPN, WireGuard, QEMU, slirp4netns and pasta open, is
/// bind-mounted back over a placeholder of the same name in the stackfs
/// (a stack file of mode 0, which no one may use; a bind mount needs a
/// file to cover, and stackfs holds no device nodes). Without a tun node
/// in `DIR`, only the stackfs is mounted.
pub fn mount_stackfs(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::FileTypeExt;
    let tun = dir.join("tun");
    let has_tun = std::fs::symlink_metadata(&tun)
        .map(|m| m.file_type().is_char_device())
        .unwrap_or(false);
    let keep = Path::new(TUN_KEEP);
    if has_tun {
        std::fs::create_dir_all(keep.parent().expect("a parent")).about("/run/msocket")?;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(keep)
            .about(TUN_KEEP)?;
        mount(&tun, keep, None, libc::MS_BIND)?;
    }
    if let Err(e) = mount(Path::new("none"), dir, Some("stackfs"), 0) {
        if has_tun {
            let _ = umount(keep, libc::MNT_DETACH);
        }
        return Err(e);
    }
    if has_tun {
        let placed = std::fs::File::open("/proc/self/ns/net")
            .and_then(|ns| msocket::mkstack(&tun, &ns, 0))
            .about(tun.display())
            .and_then(|()| mount(keep, &tun, None, libc::MS_BIND));
        if let Err(e) = placed {
            let _ = umount(dir, libc::MNT_DETACH);
            let _ = umount(keep, libc::MNT_DETACH);
            return Err(e);
        }
    }
    Ok(())
}

/// `mstack umount DIR`: undoes [`mount_stackfs`]: the tun node's bind mount,
/// the stackfs (lazily, as its stack files may be open), the kept node.
pub fn umount_stackfs(dir: &Path) -> Result<(), Error> {
    let tun = dir.join("tun");
    let keep = Path::new(TUN_KEEP);
    // The bind mount over the placeholder, if there is one.
    let _ = umount(&tun, 0);
    umount(dir, libc::MNT_DETACH)?;
    if keep.exists() {
        let _ = umount(keep, libc::MNT_DETACH);
        let _ = std::fs::remove_file(keep);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(mode_string(0o160644), "rw-r--r--");
        assert_eq!(mode_string(0o777), "rwxrwxrwx");
        assert_eq!(mode_string(0), "---------");
    }

    #[test]
    fn ls_long_names_the_namespace_id_not_the_inode() {
        let entry = |netns_id| Entry {
            name: "red".into(),
            path: PathBuf::from("/dev/net/red"),
            dir: false,
            details: Some(Details {
                mode: 0o160644,
                uid: 0,
                gid: 4_000_000,
                netns_id,
                interfaces: Ok(vec![Interface {
                    name: "lo".into(),
                    state: "UP",
                    addresses: vec!["127.0.0.1/8".into()],
                }]),
            }),
        };
        let entries = [entry(Some(4097)), entry(None)];
        assert_eq!(
            ls_text(&entries),
            "rw-r--r-- root 4000000 netns-id:4097 red\n    lo           UP             127.0.0.1/8\n\
             rw-r--r-- root 4000000 netns-id:? red\n    lo           UP             127.0.0.1/8\n"
        );
        let json = ls_json(&entries);
        assert!(json.contains(r#""netns_id":4097,"#), "{json}");
        assert!(json.contains(r#""netns_id":null,"#), "{json}");
    }

    #[test]
    fn host_errors() {
        let mut reported = Vec::new();
        let e = rm(
            &[PathBuf::from("/etc/passwd"), PathBuf::from("/nonexistent")],
            |e| reported.push(e.to_string()),
        )
        .unwrap_err();
        // rm(1) carries on: both operands are reported, the last is returned.
        assert_eq!(reported.len(), 2);
        assert_eq!(
            reported[0],
            "/etc/passwd: not a stack file: EOPNOTSUPP (Operation not supported)"
        );
        assert_eq!(e.to_string(), reported[1]);
        let e = rm(&[PathBuf::from("/etc/passwd")], |_| ()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/etc/passwd: not a stack file: EOPNOTSUPP (Operation not supported)"
        );
        let e = rm(&[PathBuf::from("/nonexistent")], |_| ()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent: ENOENT (No such file or directory)"
        );
        let e = probe(Path::new("/etc")).unwrap_err();
        assert_eq!(e.errno(), Some(libc::EOPNOTSUPP));
        // A directory without stacks lists only its subdirectories.
        let listing = ls(Path::new("/"), false).unwrap();
        assert!(listing.lines().any(|l| l == "etc/"));
        assert!(!listing.lines().any(|l| l == "etc"));
        let json = ls_json(&ls_entries(Path::new("/"), false).unwrap());
        assert!(json.starts_with("[{"), "{json}");
        assert!(
            json.contains(r#"{"name":"etc","path":"/etc","type":"directory"}"#),
            "{json}"
        );
        assert_eq!(
            probe_json(&[1, 2]),
            "[{\"family\":1,\"name\":\"unix\"},{\"family\":2,\"name\":\"inet\"}]\n"
        );
        assert_eq!(probe_json(&[]), "[]\n");
    }
}
