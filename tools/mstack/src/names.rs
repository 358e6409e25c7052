//! Stack operands as `ip netns` takes namespace names: an operand without
//! a `/` is the NAME of a stack in the default stackfs (`$MSOCKET_STACKFS`,
//! else `/dev/net`), one with a `/` is a path. `./NAME` is the file NAME of
//! the current directory.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The environment variable that names the default stackfs directory.
pub const STACKFS_ENV: &str = "MSOCKET_STACKFS";

/// The default stackfs directory when `MSOCKET_STACKFS` is unset or empty.
pub const DEFAULT_STACKFS: &str = "/dev/net";

/// The default stackfs directory: `$MSOCKET_STACKFS`, else `/dev/net`.
pub fn stackfs_dir() -> PathBuf {
    match std::env::var_os(STACKFS_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(DEFAULT_STACKFS),
    }
}

/// The path an operand names, with the default stackfs directory.
pub fn resolve(operand: &Path) -> Result<PathBuf, Error> {
    resolve_in(operand, &stackfs_dir())
}

/// The path an operand names: `dir/NAME` for a NAME (no `/`), the operand
/// itself for a path. The empty name, `.` and `..` are no stack names: a
/// usage error that says how to write the path meant.
pub fn resolve_in(operand: &Path, dir: &Path) -> Result<PathBuf, Error> {
    let bytes = operand.as_os_str().as_bytes();
    if bytes.contains(&b'/') {
        return Ok(operand.to_path_buf());
    }
    match bytes {
        b"" => Err(Error::usage(format!(
            "an empty stack name (a NAME of {} or a path with a '/')",
            dir.display()
        ))),
        b"." | b".." => Err(Error::usage(format!(
            "'{0}' is not a stack name of {1}: for the directory, write {0}/",
            operand.display(),
            dir.display()
        ))),
        _ => Ok(dir.join(OsStr::from_bytes(bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_USAGE;

    #[test]
    fn names_and_paths() {
        let dir = Path::new("/dev/net");
        let r = |s: &str| resolve_in(Path::new(s), dir);
        assert_eq!(r("blue").unwrap(), PathBuf::from("/dev/net/blue"));
        assert_eq!(r("./blue").unwrap(), PathBuf::from("./blue"));
        assert_eq!(r("sub/blue").unwrap(), PathBuf::from("sub/blue"));
        assert_eq!(r("/x/blue").unwrap(), PathBuf::from("/x/blue"));
        assert_eq!(r("../").unwrap(), PathBuf::from("../"));
        assert_eq!(r("-").unwrap(), PathBuf::from("/dev/net/-"));
        assert_eq!(r("...").unwrap(), PathBuf::from("/dev/net/..."));
        let other = resolve_in(Path::new("red"), Path::new("/srv/stacks")).unwrap();
        assert_eq!(other, PathBuf::from("/srv/stacks/red"));
    }

    #[test]
    fn bad_names_are_usage_errors() {
        let dir = Path::new("/dev/net");
        for (name, message) in [
            (
                ".",
                "'.' is not a stack name of /dev/net: for the directory, write ./",
            ),
            (
                "..",
                "'..' is not a stack name of /dev/net: for the directory, write ../",
            ),
            (
                "",
                "an empty stack name (a NAME of /dev/net or a path with a '/')",
            ),
        ] {
            let e = resolve_in(Path::new(name), dir).unwrap_err();
            assert_eq!(e.code(), EXIT_USAGE, "{name:?}");
            assert_eq!(e.to_string(), message);
        }
    }
}
