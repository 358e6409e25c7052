//! `vustack`, with the command line of VUOS's vustack:
//!
//! ```text
//! vustack [options] stack cmd [args]
//!     -h --help                print this short usage message
//!     -f --family --families   set the list of address families
//!                              (also -family, -families)
//!     -s --supported           all families supported by the stack
//!     -v --verbose             verbose mode
//! ```
//!
//! Without `-f` or `-s` the stack becomes the default of every family.
//! Unlike VUOS, options end at the stack: `vustack STACK ls -l` passes
//! `-l` to `ls`. The work is done as by `mstack exec` (see
//! [`crate::exec`]).

use std::ffi::OsString;
use std::process::ExitCode;

use crate::error::{Error, EXIT_USAGE};
use crate::exec::{self, Mode, Request};
use crate::families;

/// A parsed vustack command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// `-h`: print the usage (with the family list if verbose).
    Help {
        /// `-v` was given too.
        verbose: bool,
    },
    /// Run a command.
    Run {
        /// The stack file.
        stack: OsString,
        /// `None` for every family.
        families: Option<Vec<i32>>,
        /// `-s`.
        supported: bool,
        /// `-v`.
        verbose: bool,
        /// The command and its arguments.
        command: Vec<OsString>,
    },
}

/// The usage message; with `verbose`, the family names and aliases too.
pub fn usage(prog: &str, verbose: bool) -> String {
    let mut text = format!(
        "{prog}: set the default networking stack\n\n\
         Usage: {prog} [options] stack cmd [args]\n\n\
         \x20   -h --help            print this short usage message\n\
         \x20   -f list\n\
         \x20     -family list\n\
         \x20     -families list     set the list of address families\n\
         \x20   -s --supported       all families supported by the stack\n\n\
         \x20   -v --verbose         verbose mode\n\n"
    );
    if verbose {
        text.push_str("List address family names and numbers:\n");
        for (f, name) in msocket::family::named() {
            text.push_str(&format!("{f:5}: {name}\n"));
        }
        text.push_str(&format!(
            "\nMax family number {}\n\nAliases:\n  ip: inet,inet6,netlink,packet\n  \
             ipv4: inet, ip4: inet, ipv6: inet6, ip6: inet6, bt: bluetooth, ir: irda\n\n",
            msocket::family::FAMILIES - 1
        ));
    }
    text
}

/// Parses the arguments after the program name.
pub fn parse(args: &[OsString]) -> Result<Parsed, String> {
    let mut families: Option<Vec<i32>> = None;
    let (mut supported, mut verbose, mut help) = (false, false, false);
    let mut i = 0;
    let add_families = |list: &str, families: &mut Option<Vec<i32>>| {
        families::parse_into(list, families.get_or_insert_with(Vec::new))
    };
    while i < args.len() {
        let arg = args[i].to_string_lossy().into_owned();
        i += 1;
        match arg.as_str() {
            "--" => break,
            "-h" | "--help" => help = true,
            "-v" | "--verbose" => verbose = true,
            "-s" | "--supported" => supported = true,
            "-f" | "--family" | "--families" | "-family" | "-families" => {
                let list = args
                    .get(i)
                    .ok_or_else(|| format!("option {arg} needs a list of families"))?;
                i += 1;
                add_families(&list.to_string_lossy(), &mut families)?;
            }
            a if a.starts_with("--family=") || a.starts_with("--families=") => {
                add_families(a.split_once('=').map_or("", |(_, v)| v), &mut families)?;
            }
            a if a.starts_with("--") => return Err(format!("unknown option {a}")),
            a if a.starts_with('-') && a.len() > 1 => {
                // A cluster of short options, as getopt takes them: -sv, -finet.
                let chars: Vec<char> = a[1..].chars().collect();
                for (k, c) in chars.iter().enumerate() {
                    match c {
                        'h' => help = true,
                        'v' => verbose = true,
                        's' => supported = true,
                        'f' => {
                            let rest: String = chars[k + 1..].iter().collect();
                            let list = if rest.is_empty() {
                                i += 1;
                                args.get(i - 1)
                                    .ok_or("option -f needs a list of families")?
                                    .to_string_lossy()
                                    .into_owned()
                            } else {
                                rest
                            };
                            add_families(&list, &mut families)?;
                            break;
                        }
                        _ => return Err(format!("unknown option -{c}")),
                    }
                }
            }
            _ => {
                i -= 1;
                break;
            }
        }
    }
    if help {
        return Ok(Parsed::Help { verbose });
    }
    let rest = &args[i..];
    if rest.len() < 2 {
        return Err("a stack and a command are needed".to_string());
    }
    Ok(Parsed::Run {
        stack: rest[0].clone(),
        families,
        supported,
        verbose,
        command: rest[1..].to_vec(),
    })
}

/// `main` of `vustack`.
pub fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let prog = args
        .next()
        .map(|a| {
            let a = std::path::PathBuf::from(a);
            a.file_name()
                .map_or("vustack".into(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "vustack".into());
    let args: Vec<OsString> = args.collect();
    match parse(&args) {
        Ok(Parsed::Help { verbose }) => {
            print!("{}", usage(&prog, verbose));
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run {
            stack,
            families,
            supported,
            verbose,
            command,
        }) => {
            let err: Error = exec::run(
                &prog,
                Request {
                    stack: stack.into(),
                    families,
                    supported,
                    verbose,
                    mode: Mode::Auto,
                    command,
                },
            );
            eprintln!("{prog}: {err}");
            ExitCode::from(err.code())
        }
        Err(message) => {
            eprintln!("{prog}: {message}\n");
            eprint!("{}", usage(&prog, false));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Parsed, String> {
        parse(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    fn run(
        stack: &str,
        families: Option<Vec<i32>>,
        supported: bool,
        verbose: bool,
        command: &[&str],
    ) -> Parsed {
        Parsed::Run {
            stack: stack.into(),
            families,
            supported,
            verbose,
            command: command.iter().map(OsString::from).collect(),
        }
    }

    #[test]
    fn all_families_by_default() {
        assert_eq!(
            p(&["/dev/net/x", "ls", "-l"]).unwrap(),
            run("/dev/net/x", None, false, false, &["ls", "-l"])
        );
    }

    #[test]
    fn family_options_in_every_spelling() {
        let inet = Some(vec![libc::AF_INET]);
        for args in [
            &["-f", "inet"][..],
            &["--family", "ipv4"],
            &["--families", "ip4"],
            &["-family", "inet"],
            &["-families", "2"],
            &["--family=inet"],
            &["-finet"],
        ] {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["/s", "cmd"]);
            assert_eq!(
                p(&all).unwrap(),
                run("/s", inet.clone(), false, false, &["cmd"]),
                "{args:?}"
            );
        }
        assert_eq!(
            p(&["-f", "ip", "-f", "unix", "/s", "cmd"]).unwrap(),
            run("/s", Some(vec![1, 2, 10, 16, 17]), false, false, &["cmd"])
        );
    }

    #[test]
    fn flags_and_clusters() {
        assert_eq!(
            p(&["-sv", "/s", "cmd", "-s"]).unwrap(),
            run("/s", None, true, true, &["cmd", "-s"])
        );
        assert_eq!(
            p(&["--supported", "--verbose", "--", "/s", "cmd"]).unwrap(),
            run("/s", None, true, true, &["cmd"])
        );
        assert_eq!(
            p(&["-vfip6", "/s", "cmd"]).unwrap(),
            run("/s", Some(vec![libc::AF_INET6]), false, true, &["cmd"])
        );
        assert_eq!(p(&["-h"]).unwrap(), Parsed::Help { verbose: false });
        assert_eq!(
            p(&["-v", "--help", "x"]).unwrap(),
            Parsed::Help { verbose: true }
        );
    }

    #[test]
    fn errors() {
        assert_eq!(p(&["-x", "/s", "c"]).unwrap_err(), "unknown option -x");
        assert_eq!(
            p(&["--bogus", "/s", "c"]).unwrap_err(),
            "unknown option --bogus"
        );
        assert_eq!(
            p(&["-f"]).unwrap_err(),
            "option -f needs a list of families"
        );
        assert_eq!(
            p(&["-f", "nope", "/s", "c"]).unwrap_err(),
            "unknown protocol family nope"
        );
        assert_eq!(p(&["/s"]).unwrap_err(), "a stack and a command are needed");
        assert_eq!(p(&[]).unwrap_err(), "a stack and a command are needed");
    }

    #[test]
    fn usage_lists_families_when_verbose() {
        let short = usage("vustack", false);
        assert!(short.starts_with("vustack: set the default networking stack\n"));
        assert!(!short.contains("inet6"));
        let long = usage("vustack", true);
        assert!(long.contains("   10: inet6\n"));
        assert!(long.contains("ip: inet,inet6,netlink,packet"));
    }
}
