//! `mstack add`, `rm`, `ls` and `probe`.

use std::ffi::CStr;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use msocket::Stack;

use crate::error::{Context, Error};
use crate::{netns, rtnl};

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

/// `mstack rm`: removes stack files, and nothing else.
pub fn rm(paths: &[PathBuf]) -> Result<(), Error> {
    for path in paths {
        let meta = std::fs::symlink_metadata(path).about(path.display())?;
        if !msocket::is_stack(meta.mode()) {
            return Err(Error::io(
                format!("{}: not a stack file", path.display()),
                io::Error::from_raw_os_error(libc::EOPNOTSUPP),
            ));
        }
        std::fs::remove_file(path).about(path.display())?;
    }
    Ok(())
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

/// A user's or group's name from the system databases, else the number.
fn id_name(id: u32, group: bool) -> String {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: the getpwuid_r/getgrgid_r contract: a result struct, a
    // buffer and its length, and a pointer for the result; the name is
    // copied out before `buf` goes away.
    unsafe {
        if group {
            let mut gr: libc::group = std::mem::zeroed();
            let mut res = std::ptr::null_mut();
            if libc::getgrgid_r(id, &mut gr, buf.as_mut_ptr(), buf.len(), &mut res) == 0
                && !res.is_null()
            {
                return CStr::from_ptr(gr.gr_name).to_string_lossy().into_owned();
            }
        } else {
            let mut pw: libc::passwd = std::mem::zeroed();
            let mut res = std::ptr::null_mut();
            if libc::getpwuid_r(id, &mut pw, buf.as_mut_ptr(), buf.len(), &mut res) == 0
                && !res.is_null()
            {
                return CStr::from_ptr(pw.pw_name).to_string_lossy().into_owned();
            }
        }
    }
    id.to_string()
}

/// The long listing of one stack file.
fn long_entry(path: &Path, name: &str, meta: &std::fs::Metadata) -> String {
    let stack = Stack::open(path);
    let id = match stack.as_ref().map(|s| s.netns_id()) {
        Ok(Ok(id)) => format!("net:[{id}]"),
        _ => "net:[?]".to_string(),
    };
    let mut out = format!(
        "{} {} {} {} {}\n",
        mode_string(meta.mode()),
        id_name(meta.uid(), false),
        id_name(meta.gid(), true),
        id,
        name
    );
    match stack.and_then(|s| rtnl::links(&s)) {
        Ok(links) => {
            for link in links {
                let addrs: Vec<String> = link
                    .addresses
                    .iter()
                    .map(|(a, p)| format!("{a}/{p}"))
                    .collect();
                let line = format!(
                    "    {:<12} {:<14} {}",
                    link.name,
                    link.state(),
                    addrs.join(" ")
                );
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        Err(e) => out.push_str(&format!(
            "    (interfaces: {})\n",
            msocket::errno::describe(&e)
        )),
    }
    out
}

/// `mstack ls`: the stack files (and subdirectories, with a `/`) of `dir`,
/// or `dir` itself if it is a stack file; with `long`, each stack's mode,
/// owner, group, namespace id, interfaces and addresses.
pub fn ls(dir: &Path, long: bool) -> Result<String, Error> {
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
            let name = entry.file_name().to_string_lossy().into_owned();
            if meta.file_type().is_dir() {
                entries.push((path, format!("{name}/"), meta));
            } else if msocket::is_stack(meta.mode()) {
                entries.push((path, name, meta));
            }
        }
        entries.sort_by(|a, b| a.1.cmp(&b.1));
    }
    let mut out = String::new();
    for (path, name, meta) in entries {
        if long && !meta.is_dir() {
            out.push_str(&long_entry(&path, &name, &meta));
        } else {
            out.push_str(&name);
            out.push('\n');
        }
    }
    Ok(out)
}

/// `mstack probe`: `NUMBER NAME` of every family the stack supports.
pub fn probe(path: &Path) -> Result<String, Error> {
    let stack = Stack::open(path).about(path.display())?;
    let families = stack.families().about(path.display())?;
    Ok(families
        .iter()
        .map(|&f| format!("{f} {}\n", msocket::family::display(f)))
        .collect())
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
    fn names_of_ids() {
        assert_eq!(id_name(0, false), "root");
        assert_eq!(id_name(4_000_000, true), "4000000");
    }

    #[test]
    fn host_errors() {
        let e = rm(&[PathBuf::from("/etc/passwd")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/etc/passwd: not a stack file: EOPNOTSUPP (Operation not supported)"
        );
        let e = rm(&[PathBuf::from("/nonexistent")]).unwrap_err();
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
    }
}
