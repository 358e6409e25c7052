//! `mstack up` and `mstack down`: a named stack made, or checked, with its
//! owner, group and mode, as the template unit `msocket-stack@NAME.service`
//! does at boot, and taken away again when the unit stops. Both may run
//! again and again: `up` of a stack that is there already checks that it is
//! bound where it should be and sets its owner and mode again; `down` of a
//! stack that is gone succeeds.

use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use msocket::Stack;

use crate::commands::{self, Source, NETNS_RUN_DIR};
use crate::error::{Context, Error};
use crate::ids::{self, id_of};

/// What `up` makes, and what `down` undoes (of which it uses `export`).
#[derive(Debug, Default)]
pub struct Spec {
    /// The namespace to bind the stack to (an nsfs file or another stack);
    /// `None`: a new namespace with loopback up.
    pub netns: Option<PathBuf>,
    /// Permission bits.
    pub mode: u32,
    /// The owner: a user name or number.
    pub owner: Option<String>,
    /// The group: a group name or number.
    pub group: Option<String>,
    /// Also name the namespace for ip netns, `/run/netns/NAME`.
    pub export: bool,
}

fn errno(what: impl std::fmt::Display, errno: i32) -> Error {
    Error::io(what, io::Error::from_raw_os_error(errno))
}

/// The namespace id of the nsfs file or stack file `path`.
fn netns_id_of(path: &Path) -> Result<u64, Error> {
    match Stack::open(path) {
        Ok(stack) => stack.netns_id().about(path.display()),
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => std::fs::File::open(path)
            .and_then(|f| commands::nsfs_id(&f))
            .about(path.display()),
        Err(e) => Err(Error::io(path.display(), e)),
    }
}

/// The last component of `path`, the name the stack has for ip netns.
fn stack_name(path: &Path) -> Result<&str, Error> {
    path.file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::usage(format!("{}: no file name", path.display())))
}

/// `mstack up`: the stack file `path` bound to `spec.netns` (or a new
/// namespace), with `spec`'s owner, group and mode; exported as
/// `/run/netns/NAME` if asked. Returns what was done, for `-v`.
pub fn up(path: &Path, spec: &Spec) -> Result<String, Error> {
    // Names first: a wrong one must not leave half a stack.
    let uid = spec.owner.as_deref().map(|o| id_of(o, false)).transpose()?;
    let gid = spec.group.as_deref().map(|g| id_of(g, true)).transpose()?;
    let mut done = Vec::new();
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !msocket::is_stack(meta.mode()) => {
            return Err(errno(
                format!("{}: exists and is not a stack file", path.display()),
                libc::EEXIST,
            ));
        }
        Ok(_) => {
            if let Some(netns) = &spec.netns {
                let want = netns_id_of(netns)?;
                let have = netns_id_of(path)?;
                if want != have {
                    return Err(errno(
                        format!(
                            "{}: bound to netns-id:{have}, not to {} (netns-id:{want}); mstack down it first",
                            path.display(),
                            netns.display()
                        ),
                        libc::EEXIST,
                    ));
                }
            }
            done.push("there already".to_string());
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let source = match &spec.netns {
                Some(file) => Source::File(file.clone()),
                None => Source::New,
            };
            commands::add(path, &source, spec.mode)?;
            done.push(match &spec.netns {
                Some(file) => format!("made for {}", file.display()),
                None => "made with a new namespace".to_string(),
            });
        }
        Err(e) => return Err(Error::io(path.display(), e)),
    }
    // add's mode was less the umask; a stack that was there may have
    // another: the mode asked for, exactly.
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(path, uid, gid).about(format!("{}: chown", path.display()))?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(spec.mode))
        .about(format!("{}: chmod", path.display()))?;
    let meta = std::fs::metadata(path).about(path.display())?;
    done.push(format!(
        "{} {}:{}",
        commands::mode_string(meta.mode() & 0o777),
        ids::id_name(meta.uid(), false),
        ids::id_name(meta.gid(), true)
    ));
    if spec.export {
        let name = stack_name(path)?;
        let target = Path::new(NETNS_RUN_DIR).join(name);
        if target.exists() {
            if netns_id_of(&target)? != netns_id_of(path)? {
                return Err(errno(
                    format!(
                        "{}: names another namespace than {}",
                        target.display(),
                        path.display()
                    ),
                    libc::EEXIST,
                ));
            }
        } else {
            commands::export(path, name)?;
        }
        done.push(format!("exported as {}", target.display()));
    }
    Ok(format!("{}: {}", path.display(), done.join(", ")))
}

/// `mstack down`: the export `up` made (if `spec.export`, and only if
/// `/run/netns/NAME` still names the stack's namespace), then the stack
/// file. A stack that is not there is not an error.
pub fn down(path: &Path, spec: &Spec) -> Result<String, Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(format!("{}: not there", path.display()));
        }
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    if !msocket::is_stack(meta.mode()) {
        return Err(errno(
            format!("{}: not a stack file", path.display()),
            libc::EOPNOTSUPP,
        ));
    }
    let mut done = Vec::new();
    if spec.export {
        let target = Path::new(NETNS_RUN_DIR).join(stack_name(path)?);
        if target.exists() && netns_id_of(&target)? == netns_id_of(path)? {
            commands::unexport(&target)?;
            done.push(format!("{} removed", target.display()));
        }
    }
    std::fs::remove_file(path).about(path.display())?;
    done.push("removed".to_string());
    Ok(format!("{}: {}", path.display(), done.join(", ")))
}
