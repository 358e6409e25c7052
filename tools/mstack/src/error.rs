//! Errors of the commands, with what they were about, and exit codes.

use std::fmt;
use std::io;

/// Exit code: a system call failed (the message says which and why).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: the command line is wrong.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `exec`: the command was found but could not be run.
pub const EXIT_CANNOT_RUN: u8 = 126;
/// Exit code of `exec`: the command was not found.
pub const EXIT_NOT_FOUND: u8 = 127;

/// A failure: an OS error (or a message) about something, and the exit
/// code it calls for.
#[derive(Debug)]
pub struct Error {
    what: String,
    err: io::Error,
    code: u8,
    quiet: bool,
}

impl Error {
    /// An OS error about `what` (a path, a command...).
    pub fn io(what: impl fmt::Display, err: io::Error) -> Error {
        Error {
            what: what.to_string(),
            err,
            code: EXIT_FAILURE,
            quiet: false,
        }
    }

    /// A usage error.
    pub fn usage(message: impl fmt::Display) -> Error {
        Error {
            what: String::new(),
            err: io::Error::new(io::ErrorKind::InvalidInput, message.to_string()),
            code: EXIT_USAGE,
            quiet: false,
        }
    }

    /// A failure already reported (or not worth a message: a reader that
    /// went away, `EPIPE`): exit status 1, nothing printed.
    pub fn quiet(err: io::Error) -> Error {
        Error {
            what: String::new(),
            err,
            code: EXIT_FAILURE,
            quiet: true,
        }
    }

    /// Whether this error is not to be printed.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// The same error with another exit code.
    pub fn with_code(mut self, code: u8) -> Error {
        self.code = code;
        self
    }

    /// The exit code this error calls for.
    pub fn code(&self) -> u8 {
        self.code
    }

    /// The underlying OS error number, if any.
    pub fn errno(&self) -> Option<i32> {
        self.err.raw_os_error()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.what.is_empty() {
            write!(f, "{}: ", self.what)?;
        }
        f.write_str(&msocket::errno::describe(&self.err))
    }
}

/// Writes `text` to standard output and flushes it. A reader that went
/// away (`EPIPE`: `mstack ls | head -1`) ends the command quietly with
/// status 1; any other failure (`ENOSPC`: `mstack ls >/dev/full`) is an
/// error about standard output.
pub fn write_stdout(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EPIPE) => Err(Error::quiet(e)),
        Err(e) => Err(Error::io("standard output", e)),
    }
}

/// Prints `prog: error` on standard error, unless the error is quiet; a
/// standard error that cannot be written is ignored (no panic).
pub fn report(prog: &str, err: &Error) {
    use std::io::Write;
    if !err.is_quiet() {
        let _ = writeln!(io::stderr(), "{prog}: {err}");
    }
}

/// Adds what an [`io::Result`] was about.
pub trait Context<T> {
    /// Turns an error into an [`Error`] about `what`.
    fn about(self, what: impl fmt::Display) -> Result<T, Error>;
}

impl<T> Context<T> for io::Result<T> {
    fn about(self, what: impl fmt::Display) -> Result<T, Error> {
        self.map_err(|e| Error::io(what, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_errno() {
        let e = Error::io("/dev/net/x", io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(
            e.to_string(),
            "/dev/net/x: ENOENT (No such file or directory)"
        );
        assert_eq!(e.code(), EXIT_FAILURE);
        assert_eq!(e.errno(), Some(libc::ENOENT));
        let e = Error::io("/x", io::Error::from_raw_os_error(libc::EOPNOTSUPP));
        assert_eq!(e.to_string(), "/x: EOPNOTSUPP (Operation not supported)");
        let e = Error::usage("no command").with_code(EXIT_USAGE);
        assert_eq!(e.to_string(), "no command");
        assert_eq!(e.code(), EXIT_USAGE);
        let r: io::Result<()> = Err(io::Error::from_raw_os_error(libc::EACCES));
        let e = r.about("red").unwrap_err();
        assert_eq!(e.to_string(), "red: EACCES (Permission denied)");
    }
}
