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
//! Options are parsed as VUOS parses them, with `getopt_long` (options
//! before and after the stack, `--` consumed), except that they end at the
//! command: `vustack STACK ls -l` passes `-l` to `ls` (see [`parse_with`]).
//! The work is done as by `mstack exec` (see [`crate::exec`]).

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

/// The long options, as VUOS's vustack declares them (`getopt_long`):
/// the name, and whether it takes an argument.
const LONG_OPTIONS: &[(&str, char, bool)] = &[
    ("help", 'h', false),
    ("verbose", 'v', false),
    ("supported", 's', false),
    ("family", 'f', true),
    ("families", 'f', true),
];

/// The long option `name` names, as `getopt_long` finds it: an exact
/// name, or a prefix of names that all mean the same option.
fn long_option(name: &str) -> Result<(char, bool), String> {
    if let Some(&(_, c, arg)) = LONG_OPTIONS.iter().find(|(n, _, _)| *n == name) {
        return Ok((c, arg));
    }
    let matches: Vec<_> = LONG_OPTIONS
        .iter()
        .filter(|(n, _, _)| !name.is_empty() && n.starts_with(name))
        .collect();
    match matches.as_slice() {
        [] => Err(format!("unknown option --{name}")),
        [first, rest @ ..] if rest.iter().all(|o| (o.1, o.2) == (first.1, first.2)) => {
            Ok((first.1, first.2))
        }
        _ => Err(format!("option --{name} is ambiguous")),
    }
}

/// Parses the arguments after the program name, as VUOS's vustack does
/// with `getopt_long`, except where that is not sane (see vustack(1)):
///
/// - options may come before and after the stack (getopt's argument
///   permutation), and `--` ends them there (it is consumed): `vustack
///   STACK -- CMD ARGS` and `vustack -v STACK -f inet CMD` both work;
/// - the command ends the options: what follows it is the command's own,
///   `-l` and `--` included (getopt would take them for vustack's);
/// - with `POSIXLY_CORRECT` in the environment (`posix`), the options end
///   at the stack, as getopt then does;
/// - `-family` and `-families` are these long options (getopt reads them as
///   `-f amily`), and long options may be abbreviated (`--verb`, `--fam`);
/// - `-h` stops the parsing, with the `-v` given before it, as in VUOS.
pub fn parse_with(args: &[OsString], posix: bool) -> Result<Parsed, String> {
    let mut families: Option<Vec<i32>> = None;
    let (mut supported, mut verbose) = (false, false);
    let mut operands: Vec<OsString> = Vec::new();
    let mut i = 0;
    let add_families = |list: &str, families: &mut Option<Vec<i32>>| {
        families::parse_into(list, families.get_or_insert_with(Vec::new))
    };
    // The argument of option `name` (with `inline` if it was `--opt=VALUE`).
    let take_arg = |name: &str, inline: Option<String>, i: &mut usize| match inline {
        Some(v) => Ok(v),
        None => {
            let v = args
                .get(*i)
                .ok_or_else(|| format!("option {name} needs a list of families"))?;
            *i += 1;
            Ok::<String, String>(v.to_string_lossy().into_owned())
        }
    };
    while i < args.len() {
        // The stack is the first operand, the command the second: there
        // the options end.
        if operands.len() == 2 || (posix && operands.len() == 1) {
            break;
        }
        let arg = args[i].to_string_lossy().into_owned();
        i += 1;
        if arg == "--" {
            break;
        }
        if arg == "-" || !arg.starts_with('-') {
            operands.push(args[i - 1].clone());
            continue;
        }
        // A long option: --name, --name=value, and VUOS's -family, -families.
        let long = if let Some(body) = arg.strip_prefix("--") {
            Some(body.to_string())
        } else if arg == "-family" || arg == "-families" {
            Some(arg[1..].to_string())
        } else {
            None
        };
        if let Some(body) = long {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body, None),
            };
            let (c, has_arg) = long_option(&name)?;
            if !has_arg && inline.is_some() {
                return Err(format!("option --{name} takes no argument"));
            }
            match c {
                'h' => return Ok(Parsed::Help { verbose }),
                'v' => verbose = true,
                's' => supported = true,
                _ => {
                    let list = take_arg(&format!("--{name}"), inline, &mut i)?;
                    add_families(&list, &mut families)?;
                }
            }
            continue;
        }
        // A cluster of short options, as getopt takes them: -sv, -finet.
        let chars: Vec<char> = arg[1..].chars().collect();
        for (k, c) in chars.iter().enumerate() {
            match c {
                'h' => return Ok(Parsed::Help { verbose }),
                'v' => verbose = true,
                's' => supported = true,
                'f' => {
                    let rest: String = chars[k + 1..].iter().collect();
                    let inline = (!rest.is_empty()).then_some(rest);
                    let list = take_arg("-f", inline, &mut i)?;
                    add_families(&list, &mut families)?;
                    break;
                }
                _ => return Err(format!("unknown option -{c}")),
            }
        }
    }
    operands.extend(args[i..].iter().cloned());
    if operands.len() < 2 {
        return Err("a stack and a command are needed".to_string());
    }
    Ok(Parsed::Run {
        stack: operands[0].clone(),
        families,
        supported,
        verbose,
        command: operands[1..].to_vec(),
    })
}

/// [`parse_with`], `POSIXLY_CORRECT` taken from the environment.
pub fn parse(args: &[OsString]) -> Result<Parsed, String> {
    parse_with(args, std::env::var_os("POSIXLY_CORRECT").is_some())
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
        Ok(Parsed::Help { verbose }) => match crate::error::write_stdout(&usage(&prog, verbose)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                crate::error::report(&prog, &err);
                ExitCode::from(err.code())
            }
        },
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
            crate::error::report(&prog, &err);
            ExitCode::from(err.code())
        }
        Err(message) => {
            use std::io::Write;
            let _ = write!(
                std::io::stderr(),
                "{prog}: {message}\n\n{}",
                usage(&prog, false)
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// vustack's command line as a clap command, for shell completions only
/// (the parsing is [`parse`]'s).
pub fn clap_command() -> clap::Command {
    use clap::{Arg, ArgAction, ValueHint};
    clap::Command::new("vustack")
        .about("run a command with a default network stack")
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::SetTrue)
                .help("print this short usage message"),
        )
        .arg(
            Arg::new("families")
                .short('f')
                .long("families")
                .visible_alias("family")
                .value_name("list")
                .action(ArgAction::Append)
                .help("set the list of address families"),
        )
        .arg(
            Arg::new("supported")
                .short('s')
                .long("supported")
                .action(ArgAction::SetTrue)
                .help("all families supported by the stack"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::SetTrue)
                .help("verbose mode"),
        )
        .arg(
            Arg::new("stack")
                .value_hint(ValueHint::FilePath)
                .required(true),
        )
        .arg(
            Arg::new("cmd")
                .value_hint(ValueHint::CommandWithArguments)
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .required(true),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Parsed, String> {
        parse_with(&args.iter().map(OsString::from).collect::<Vec<_>>(), false)
    }

    fn posix(args: &[&str]) -> Result<Parsed, String> {
        parse_with(&args.iter().map(OsString::from).collect::<Vec<_>>(), true)
    }

    #[test]
    fn double_dash_as_getopt_consumes_it() {
        // VUOS: `vustack STACK -- CMD ARGS`; getopt permutes and eats `--`.
        assert_eq!(
            p(&["/s", "--", "ls", "-l"]).unwrap(),
            run("/s", None, false, false, &["ls", "-l"])
        );
        assert_eq!(
            p(&["--", "/s", "ls", "-l"]).unwrap(),
            run("/s", None, false, false, &["ls", "-l"])
        );
        assert_eq!(
            p(&["-v", "/s", "--", "-cmd"]).unwrap(),
            run("/s", None, false, true, &["-cmd"])
        );
        // After the command, `--` is the command's.
        assert_eq!(
            p(&["/s", "git", "diff", "--", "f"]).unwrap(),
            run("/s", None, false, false, &["git", "diff", "--", "f"])
        );
        assert_eq!(
            p(&["/s", "--"]).unwrap_err(),
            "a stack and a command are needed"
        );
    }

    #[test]
    fn options_after_the_stack_are_permuted() {
        assert_eq!(
            p(&["/s", "-f", "inet", "-v", "cmd", "-f", "x"]).unwrap(),
            run(
                "/s",
                Some(vec![libc::AF_INET]),
                false,
                true,
                &["cmd", "-f", "x"]
            )
        );
        assert_eq!(
            p(&["/s", "--supported", "cmd"]).unwrap(),
            run("/s", None, true, false, &["cmd"])
        );
        // POSIXLY_CORRECT: getopt stops at the first operand.
        assert_eq!(
            posix(&["-v", "/s", "-s", "cmd"]).unwrap(),
            run("/s", None, false, true, &["-s", "cmd"])
        );
        // A lone "-" is an operand, as for getopt.
        assert_eq!(
            p(&["-", "cmd"]).unwrap(),
            run("-", None, false, false, &["cmd"])
        );
    }

    #[test]
    fn long_options_abbreviated_as_getopt_long() {
        assert_eq!(
            p(&["--verb", "--sup", "--fam", "inet", "/s", "c"]).unwrap(),
            run("/s", Some(vec![libc::AF_INET]), true, true, &["c"])
        );
        assert_eq!(
            p(&["--f=ip6", "/s", "c"]).unwrap(),
            run("/s", Some(vec![libc::AF_INET6]), false, false, &["c"])
        );
        assert_eq!(p(&["--he"]).unwrap(), Parsed::Help { verbose: false });
        assert_eq!(
            p(&["--verbose=1", "/s", "c"]).unwrap_err(),
            "option --verbose takes no argument"
        );
        assert_eq!(
            p(&["/s", "c", "--family"]).unwrap(),
            run("/s", None, false, false, &["c", "--family"])
        );
        assert_eq!(
            p(&["/s", "--family"]).unwrap_err(),
            "option --family needs a list of families"
        );
        assert_eq!(
            p(&["--", "-h", "c"]).unwrap(),
            run("-h", None, false, false, &["c"])
        );
        assert_eq!(p(&["-h", "-x"]).unwrap(), Parsed::Help { verbose: false });
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
