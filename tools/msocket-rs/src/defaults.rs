//! The default stacks of the address families, and their carrier, the
//! environment variable [`ENV`] (`MSOCKET_DEFAULTS`).
//!
//! The format, shared with libmsocket, `mstack exec` and `vustack`:
//!
//! ```text
//! MSOCKET_DEFAULTS=*=/dev/net/red,inet6=/dev/net/blue,netlink=
//! ```
//!
//! a comma-separated list of `FAMILY=PATH` entries. `FAMILY` is a family
//! name or number (see [`crate::family`]) or `*`, every family without an
//! entry of its own. `PATH` is the absolute path of a stack file, with `%`
//! and `,` written `%25` and `%2C`; an empty `PATH` is the native stack
//! (the caller's own network namespace). A later entry for the same key
//! replaces an earlier one, empty entries are ignored, and a variable that
//! does not parse is an error (`EINVAL` from the C library) rather than a
//! silent fallback to the native stack. Written values put `*` first, then
//! the families in number order, by name.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::family;

/// The name of the environment variable that carries the defaults.
pub const ENV: &str = "MSOCKET_DEFAULTS";

/// A table of default stacks: what [`ENV`] holds.
///
/// ```
/// use msocket::Defaults;
/// use std::path::Path;
///
/// let mut d: Defaults = "*=/dev/net/red,inet6=/dev/net/blue".parse()?;
/// assert_eq!(d.stack(libc::AF_INET), Some(Path::new("/dev/net/red")));
/// assert_eq!(d.stack(libc::AF_INET6), Some(Path::new("/dev/net/blue")));
/// d.set(libc::AF_INET, None)?; // back to the native stack
/// assert_eq!(d.stack(libc::AF_INET), None);
/// assert_eq!(d.to_string(), "*=/dev/net/red,inet=,inet6=/dev/net/blue");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Defaults {
    /// The stack of every family without an entry of its own.
    all: Option<PathBuf>,
    /// Families' own entries: `None` is the native stack.
    family: BTreeMap<i32, Option<PathBuf>>,
}

/// Why a value of [`ENV`] does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    entry: String,
    reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{ENV}: entry \"{}\": {}", self.entry, self.reason)
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for io::Error {
    fn from(err: ParseError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, err)
    }
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes the `PATH` of an entry; `None` for the native stack.
fn decode_path(raw: &[u8]) -> Result<Option<PathBuf>, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'%' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let (Some(hi), Some(lo)) = (
            raw.get(i + 1).copied().and_then(hex_value),
            raw.get(i + 2).copied().and_then(hex_value),
        ) else {
            return Err("bad %-escape");
        };
        if hi == 0 && lo == 0 {
            return Err("%00 in a path");
        }
        out.push(hi << 4 | lo);
        i += 3;
    }
    if out.is_empty() {
        return Ok(None);
    }
    if out[0] != b'/' {
        return Err("the path is not absolute");
    }
    Ok(Some(PathBuf::from(OsString::from_vec(out))))
}

fn encode_path(out: &mut Vec<u8>, path: &Path) {
    for &b in path.as_os_str().as_bytes() {
        match b {
            b'%' => out.extend_from_slice(b"%25"),
            b',' => out.extend_from_slice(b"%2C"),
            _ => out.push(b),
        }
    }
}

/// A stack path that may be stored: absolute, without NUL bytes.
fn check_path(path: &Path) -> io::Result<()> {
    if !path.is_absolute() || path.as_os_str().as_bytes().contains(&0) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    Ok(())
}

impl Defaults {
    /// No defaults: every family uses the native stack.
    pub fn new() -> Defaults {
        Defaults::default()
    }

    /// Parses a value of [`ENV`], which may hold any bytes but NUL.
    pub fn parse_bytes(value: &[u8]) -> Result<Defaults, ParseError> {
        let mut d = Defaults::new();
        for entry in value.split(|&b| b == b',').filter(|e| !e.is_empty()) {
            let error = |reason| ParseError {
                entry: String::from_utf8_lossy(entry).into_owned(),
                reason,
            };
            let eq = entry
                .iter()
                .position(|&b| b == b'=')
                .ok_or_else(|| error("no '='"))?;
            let (key, raw) = (&entry[..eq], &entry[eq + 1..]);
            let path = decode_path(raw).map_err(error)?;
            if key == b"*" {
                d.all = path;
                continue;
            }
            let family = std::str::from_utf8(key)
                .ok()
                .and_then(family::parse)
                .filter(|&f| f > 0)
                .ok_or_else(|| error("unknown address family"))?;
            d.family.insert(family, path);
        }
        Ok(d)
    }

    /// The defaults in the environment of this process; none if [`ENV`] is
    /// not set, and none in a set-user-ID, set-group-ID or file-capability
    /// program (`AT_SECURE`, as `secure_getenv(3)` tells), which the user
    /// who runs it must not steer into a stack only its raised credentials
    /// may use (libmsocket does the same).
    pub fn from_env() -> Result<Defaults, ParseError> {
        // SAFETY: getauxval takes no pointers and only reads the auxv.
        if unsafe { libc::getauxval(libc::AT_SECURE) } != 0 {
            return Ok(Defaults::new());
        }
        match std::env::var_os(ENV) {
            Some(value) => Defaults::parse_bytes(value.as_bytes()),
            None => Ok(Defaults::new()),
        }
    }

    /// Whether every family uses the native stack.
    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.family.values().all(Option::is_none)
    }

    /// The default stack of `domain`; `None` for the native stack.
    pub fn stack(&self, domain: i32) -> Option<&Path> {
        match self.family.get(&domain) {
            Some(own) => own.as_deref(),
            None => self.all.as_deref(),
        }
    }

    /// Sets the default stack of `domain` (`AF_UNSPEC`: of every family,
    /// replacing all entries) to the absolute path `stack`, or to the
    /// native stack for `None`. The path is stored as given: make it
    /// canonical first (see [`crate::set_default`]).
    ///
    /// Errors: `EAFNOSUPPORT` for a family outside `0..FAMILIES`, `EINVAL`
    /// for a relative path.
    pub fn set(&mut self, domain: i32, stack: Option<&Path>) -> io::Result<()> {
        if !(0..family::FAMILIES).contains(&domain) {
            return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        }
        if let Some(path) = stack {
            check_path(path)?;
        }
        let stack = stack.map(Path::to_path_buf);
        if domain == libc::AF_UNSPEC {
            self.family.clear();
            self.all = stack;
        } else if stack.is_none() && self.all.is_none() {
            self.family.remove(&domain);
        } else {
            self.family.insert(domain, stack);
        }
        Ok(())
    }

    /// The value of [`ENV`] for these defaults; empty if there are none.
    pub fn to_os_string(&self) -> OsString {
        let mut out = Vec::new();
        if let Some(all) = &self.all {
            out.extend_from_slice(b"*=");
            encode_path(&mut out, all);
            out.push(b',');
        }
        for (&family, path) in &self.family {
            out.extend_from_slice(family::display(family).as_bytes());
            out.push(b'=');
            if let Some(path) = path {
                encode_path(&mut out, path);
            }
            out.push(b',');
        }
        out.pop();
        OsString::from_vec(out)
    }

    /// Writes these defaults to this process's environment (removing
    /// [`ENV`] when there are none), for its later sockets and its
    /// children.
    ///
    /// # Safety
    ///
    /// As [`std::env::set_var`] (unsafe in Rust 2024): no other thread
    /// may read or write the environment at the same time through C
    /// (`getenv(3)`, libmsocket's `socket()`...); Rust's own accesses are
    /// serialized by the standard library, C's are not.
    pub unsafe fn export(&self) {
        #[allow(unused_unsafe)]
        // SAFETY: the caller's promise.
        unsafe {
            if self.is_empty() {
                std::env::remove_var(ENV);
            } else {
                std::env::set_var(ENV, self.to_os_string());
            }
        }
    }

    /// Gives these defaults to the children `cmd` will start, without
    /// touching this process's environment.
    pub fn apply_to(&self, cmd: &mut Command) {
        if self.is_empty() {
            cmd.env_remove(ENV);
        } else {
            cmd.env(ENV, self.to_os_string());
        }
    }
}

impl std::str::FromStr for Defaults {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Defaults, ParseError> {
        Defaults::parse_bytes(s.as_bytes())
    }
}

/// The value of [`ENV`]; a path that is not UTF-8 is shown lossily (use
/// [`Defaults::to_os_string`] to store it).
impl fmt::Display for Defaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.to_os_string().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn p(s: &str) -> Option<&Path> {
        Some(Path::new(s))
    }

    #[test]
    fn empty_and_unset() {
        let d: Defaults = "".parse().unwrap();
        assert!(d.is_empty());
        assert_eq!(d.stack(libc::AF_INET), None);
        assert_eq!(d.to_string(), "");
        assert_eq!(",,".parse::<Defaults>().unwrap(), Defaults::new());
    }

    #[test]
    fn all_and_families() {
        let d: Defaults = "inet6=/b,*=/a,netlink=".parse().unwrap();
        assert_eq!(d.stack(libc::AF_INET), p("/a"));
        assert_eq!(d.stack(libc::AF_UNIX), p("/a"));
        assert_eq!(d.stack(libc::AF_INET6), p("/b"));
        assert_eq!(d.stack(libc::AF_NETLINK), None);
        // Families beyond the table follow "*" too.
        assert_eq!(d.stack(200), p("/a"));
        assert_eq!(d.to_string(), "*=/a,inet6=/b,netlink=");
    }

    #[test]
    fn keys_by_number_name_and_case_later_wins() {
        let d: Defaults = "2=/x,AF_INET=/y,Inet6=/z,local=/u,10=/w".parse().unwrap();
        assert_eq!(d.stack(libc::AF_INET), p("/y"));
        assert_eq!(d.stack(libc::AF_INET6), p("/w"));
        assert_eq!(d.stack(libc::AF_UNIX), p("/u"));
        assert_eq!(d.to_string(), "unix=/u,inet=/y,inet6=/w");
        let d: Defaults = "50=/n".parse().unwrap();
        assert_eq!(d.to_string(), "50=/n");
    }

    #[test]
    fn star_empty_is_no_default() {
        let d: Defaults = "*=".parse().unwrap();
        assert!(d.is_empty());
        assert_eq!(d.to_string(), "");
    }

    #[test]
    fn escapes_round_trip() {
        let d: Defaults = "inet=/n/a%2Cb%25c%2cd=e".parse().unwrap();
        assert_eq!(d.stack(libc::AF_INET), p("/n/a,b%c,d=e"));
        assert_eq!(d.to_string(), "inet=/n/a%2Cb%25c%2Cd=e");
        let mut d = Defaults::new();
        d.set(libc::AF_UNSPEC, p("/odd/,%,")).unwrap();
        let text = d.to_string();
        assert_eq!(text, "*=/odd/%2C%25%2C");
        assert_eq!(text.parse::<Defaults>().unwrap(), d);
    }

    #[test]
    fn non_utf8_paths() {
        let raw = b"inet=/n/\xff\xfe";
        let d = Defaults::parse_bytes(raw).unwrap();
        assert_eq!(
            d.stack(libc::AF_INET).unwrap().as_os_str().as_bytes(),
            b"/n/\xff\xfe"
        );
        assert_eq!(d.to_os_string().as_bytes(), raw);
    }

    #[test]
    fn rejects() {
        for (bad, reason) in [
            ("inet=relative", "the path is not absolute"),
            ("bogus=/x", "unknown address family"),
            ("inet", "no '='"),
            ("0=/x", "unknown address family"),
            ("unspec=/x", "unknown address family"),
            ("64=/x", "unknown address family"),
            ("=/x", "unknown address family"),
            ("inet=/a%zz", "bad %-escape"),
            ("inet=/a%2", "bad %-escape"),
            ("inet=/a%00b", "%00 in a path"),
            ("ip=/x", "unknown address family"),
        ] {
            let err = bad.parse::<Defaults>().unwrap_err();
            assert_eq!(err.reason, reason, "{bad}");
            assert!(
                err.to_string().starts_with("MSOCKET_DEFAULTS: entry"),
                "{err}"
            );
        }
        let err: io::Error = "x=/y".parse::<Defaults>().unwrap_err().into();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn set_follows_the_c_library() {
        let mut d = Defaults::new();
        d.set(libc::AF_INET, p("/r")).unwrap();
        assert_eq!(d.to_string(), "inet=/r");
        // Back to native with no "*": the entry goes.
        d.set(libc::AF_INET, None).unwrap();
        assert!(d.is_empty());
        d.set(libc::AF_UNSPEC, p("/b")).unwrap();
        d.set(libc::AF_INET6, p("/r")).unwrap();
        assert_eq!(d.to_string(), "*=/b,inet6=/r");
        // Back to native under "*": an empty entry.
        d.set(libc::AF_INET, None).unwrap();
        assert_eq!(d.to_string(), "*=/b,inet=,inet6=/r");
        // AF_UNSPEC replaces everything.
        d.set(libc::AF_UNSPEC, p("/g")).unwrap();
        assert_eq!(d.to_string(), "*=/g");
        d.set(libc::AF_UNSPEC, None).unwrap();
        assert!(d.is_empty());
    }

    #[test]
    fn set_errors() {
        let mut d = Defaults::new();
        let err = d.set(libc::AF_INET, p("relative")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
        let err = d.set(64, p("/x")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EAFNOSUPPORT));
        let err = d.set(-1, None).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EAFNOSUPPORT));
        assert!(d.is_empty());
    }

    #[test]
    fn apply_to_command() {
        let mut d = Defaults::new();
        d.set(libc::AF_UNSPEC, p("/dev/net/x")).unwrap();
        let mut cmd = Command::new("true");
        d.apply_to(&mut cmd);
        let envs: Vec<_> = cmd.get_envs().collect();
        assert_eq!(
            envs,
            vec![(OsStr::new(ENV), Some(OsStr::new("*=/dev/net/x")))]
        );
        Defaults::new().apply_to(&mut cmd);
        let envs: Vec<_> = cmd.get_envs().collect();
        assert_eq!(envs, vec![(OsStr::new(ENV), None)]);
    }
}
