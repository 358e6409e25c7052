//! User and group names and ids, from the system databases (`ls -l`'s
//! owner and group, `up --owner/--group`).

use std::ffi::{CStr, CString};
use std::io;

use crate::error::Error;

/// Runs `lookup` (a `get{pw,gr}{uid,nam}_r` call on the buffer it is
/// given) with a buffer that grows while the C library says it is too
/// small (`ERANGE`): a group with many members needs far more than one
/// page. `Ok(None)`: no such entry; `Err(errno)`: the lookup failed.
fn lookup<T>(
    mut lookup: impl FnMut(&mut [libc::c_char]) -> (libc::c_int, Option<T>),
) -> Result<Option<T>, i32> {
    let mut len = 1024;
    while len <= 64 << 20 {
        let mut buf = vec![0 as libc::c_char; len];
        match lookup(&mut buf) {
            (0, found) => return Ok(found),
            (libc::ERANGE, _) => len *= 4,
            (e, _) => return Err(e),
        }
    }
    Err(libc::ERANGE)
}

/// A user's or group's name from the system databases, else the number.
pub fn id_name(id: u32, group: bool) -> String {
    let name = lookup(|buf| {
        // SAFETY: the getpwuid_r/getgrgid_r contract: a result struct, a
        // buffer and its length, and a pointer for the result; the name is
        // copied out before `buf` goes away.
        unsafe {
            if group {
                let mut gr: libc::group = std::mem::zeroed();
                let mut res = std::ptr::null_mut();
                let ret = libc::getgrgid_r(id, &mut gr, buf.as_mut_ptr(), buf.len(), &mut res);
                let name = (ret == 0 && !res.is_null())
                    .then(|| CStr::from_ptr(gr.gr_name).to_string_lossy().into_owned());
                (ret, name)
            } else {
                let mut pw: libc::passwd = std::mem::zeroed();
                let mut res = std::ptr::null_mut();
                let ret = libc::getpwuid_r(id, &mut pw, buf.as_mut_ptr(), buf.len(), &mut res);
                let name = (ret == 0 && !res.is_null())
                    .then(|| CStr::from_ptr(pw.pw_name).to_string_lossy().into_owned());
                (ret, name)
            }
        }
    });
    name.ok().flatten().unwrap_or_else(|| id.to_string())
}

/// The id of user (or group, if `group`) `name`: a number, or a name in
/// the system databases.
pub fn id_of(name: &str, group: bool) -> Result<u32, Error> {
    if let Ok(id) = name.parse::<u32>() {
        return Ok(id);
    }
    let what = if group { "group" } else { "user" };
    let c = CString::new(name).map_err(|_| Error::usage(format!("{what} '{name}': a NUL byte")))?;
    let id = lookup(|buf| {
        // SAFETY: the getpwnam_r/getgrnam_r contract: a name, a result
        // struct, a buffer and its length, a pointer for the result; the
        // id is read before `buf` goes away.
        unsafe {
            if group {
                let mut gr: libc::group = std::mem::zeroed();
                let mut res = std::ptr::null_mut();
                let ret =
                    libc::getgrnam_r(c.as_ptr(), &mut gr, buf.as_mut_ptr(), buf.len(), &mut res);
                (ret, (ret == 0 && !res.is_null()).then_some(gr.gr_gid))
            } else {
                let mut pw: libc::passwd = std::mem::zeroed();
                let mut res = std::ptr::null_mut();
                let ret =
                    libc::getpwnam_r(c.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut res);
                (ret, (ret == 0 && !res.is_null()).then_some(pw.pw_uid))
            }
        }
    });
    match id {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(Error::io(
            format!("{what} '{name}': no such {what}"),
            io::Error::from_raw_os_error(libc::ENOENT),
        )),
        Err(e) => Err(Error::io(
            format!("{what} '{name}'"),
            io::Error::from_raw_os_error(e),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_ids() {
        assert_eq!(id_name(0, false), "root");
        assert_eq!(id_name(4_000_000, true), "4000000");
    }

    #[test]
    fn ids_of_names() {
        assert_eq!(id_of("root", false).unwrap(), 0);
        assert_eq!(id_of("4000000", true).unwrap(), 4_000_000);
        let e = id_of("no-such-user-here", false).unwrap_err();
        assert_eq!(e.errno(), Some(libc::ENOENT));
        assert_eq!(e.code(), crate::error::EXIT_FAILURE);
    }
}
