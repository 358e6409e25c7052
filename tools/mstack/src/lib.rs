//! `mstack` and `vustack`: the commands of msocket.
//!
//! ```text
//! mstack add [-m MODE] PATH (--netns FILE | --pid PID | --new)
//! mstack rm PATH...
//! mstack ls [-l] [-j] [DIR]
//! mstack probe [-j] STACK
//! mstack export STACK NAME
//! mstack import [--dir DIR] [-m MODE] [NAME...]
//! mstack identify [PID]
//! mstack link set DEV STACK [--from STACK]
//! mstack up [-v] [--netns FILE] [-m MODE] [--owner USER] [--group GROUP] [--export] STACK
//! mstack down [-v] [--export] STACK
//! mstack listen [-v] [NAME=]STACK:PROTO:ADDRESS... -- CMD [ARGS...]
//! mstack completions SHELL [--command vustack]
//! mstack exec [-f FAMILIES] [-s] [-v] [--setns | --preload] STACK -- CMD [ARGS...]
//! vustack [-h] [-v] [-s] [-f FAMILIES] STACK CMD [ARGS...]
//! ```
//!
//! An operand that names a stack (or a directory of a stackfs) and has no
//! `/` is a NAME in the default stackfs, `$MSOCKET_STACKFS` or else
//! `/dev/net`, as `ip netns` names namespaces: `mstack exec blue -- ip a`
//! uses `/dev/net/blue`; `./blue` is the file in the current directory
//! (see [`names`]). vustack keeps VUOS's paths. As for `ip netns`, `list`
//! is `ls` and `del` and `delete` are `rm`.
//!
//! Exit codes: 0 success; 1 a system call failed (the message names the
//! file and the errno, e.g. `mstack: /dev/net/x: ENOENT (No such file or
//! directory)`); 2 a bad command line; for `exec` and `vustack`, the
//! command's own status once it runs, 126 if it cannot be run, 127 if it
//! is not found.

#![warn(missing_docs)]

/// `eprintln!` that never panics: a standard error that cannot be written
/// is ignored.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod boot;
pub mod commands;
pub mod completions;
pub mod error;
pub mod exec;
pub mod families;
pub mod ids;
pub mod json;
pub mod listen;
pub mod names;
pub mod netns;
pub mod rtnl;
pub mod vustack;

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::error::{Error, EXIT_USAGE};

/// Manage msocket network stacks: stack files that name network namespaces.
#[derive(Parser, Debug)]
#[command(name = "mstack", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// JSON output (ls, probe), as `ip -j`.
    #[arg(short = 'j', long = "json", global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const AFTER_HELP: &str =
    "Stacks: a STACK, PATH or DIR without a '/' is a NAME in the default stackfs, \
$MSOCKET_STACKFS or else /dev/net (`mstack exec blue -- ip a` uses /dev/net/blue); \
with a '/' it is a path: write ./NAME for a file in the current directory.

Exit codes: 0 success, 1 failure (the message names the errno), \
2 bad command line; exec: the command's status, 126 cannot run it, 127 not found.";

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a stack file bound to a network namespace.
    Add(AddArgs),
    /// Remove stack files (and refuse anything else).
    #[command(visible_aliases = ["del", "delete"])]
    Rm {
        /// The stack files: each a NAME in the default stackfs, or a path.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// List the stacks in a directory of a stackfs.
    #[command(visible_alias = "list")]
    Ls {
        /// Also show mode, owner, namespace id, interfaces and addresses.
        #[arg(short = 'l')]
        long: bool,
        /// The directory (or a stack file): a NAME in the default stackfs, or a path [default: the default stackfs].
        dir: Option<PathBuf>,
    },
    /// Print the address families a stack supports.
    Probe {
        /// The stack: a NAME in the default stackfs, or a path.
        stack: PathBuf,
    },
    /// Run a command with a stack as its default stack.
    Exec(ExecArgs),
    /// Make a stack's namespace visible to ip netns: /run/netns/NAME (a bind mount).
    Export {
        /// The stack: a NAME in the default stackfs, or a path.
        stack: PathBuf,
        /// The name for ip netns.
        name: String,
    },
    /// Make stack files for ip netns namespaces (all of /run/netns without NAMEs).
    Import {
        /// Where the stack files go: a directory NAME in the default stackfs, or a path [default: the default stackfs].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Permission bits, in octal.
        #[arg(short, long, value_parser = parse_mode, default_value = "0666")]
        mode: u32,
        /// The ip netns names.
        names: Vec<String>,
    },
    /// Mount a new stackfs on DIR (default $MSOCKET_STACKFS or /dev/net), keeping DIR/tun (the tun device) working.
    Mount {
        /// The directory (a path) [default: the default stackfs].
        dir: Option<PathBuf>,
    },
    /// Undo mstack mount: unmount the stackfs on DIR (default $MSOCKET_STACKFS or /dev/net) and the tun node's bind mount.
    Umount {
        /// The directory (a path) [default: the default stackfs].
        dir: Option<PathBuf>,
    },
    /// Print the names of the stacks (in the default stackfs) of a process's network namespace, as ip netns identify.
    Identify {
        /// The process [default: this one].
        pid: Option<u32>,
    },
    /// Move a network interface into a stack (as ip link set DEV netns).
    Link {
        /// What to do with the interface.
        #[command(subcommand)]
        action: LinkAction,
    },
    /// Run a daemon with listening sockets made in several stacks, passed as systemd passes a socket unit's (LISTEN_FDS).
    Listen {
        /// Say what is done, on standard error.
        #[arg(short, long)]
        verbose: bool,
        /// The sockets, fds 3, 4, ... in this order: [NAME=]STACK:PROTO:ADDRESS, PROTO tcp, udp, unix or unix-dgram (blue:tcp:0.0.0.0:80, red:udp:[::]:53, web=red:unix:@ctl).
        #[arg(required = true, value_name = "SOCKET", value_parser = listen::parse)]
        sockets: Vec<listen::Listener>,
        /// The daemon and its arguments, after --.
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<OsString>,
    },
    /// Make a stack, or check the one there, and set its owner and mode (what msocket-stack@NAME.service runs at boot).
    Up(UpArgs),
    /// Undo mstack up: remove the stack (and with --export its /run/netns name); a stack not there is no error.
    Down(UpArgs),
    /// Print a shell completion script for mstack or vustack.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
        /// The command to complete.
        #[arg(long, value_name = "COMMAND", default_value = "mstack",
              value_parser = ["mstack", "vustack"])]
        command: String,
    },
}

/// `mstack link`'s actions.
#[derive(Subcommand, Debug)]
pub enum LinkAction {
    /// Move DEV (of this process's namespace, or of --from) into STACK.
    Set {
        /// The interface.
        dev: String,
        /// The stack it goes to: a NAME in the default stackfs, or a path.
        stack: PathBuf,
        /// The stack it is in: a NAME in the default stackfs, or a path [default: this process's namespace].
        #[arg(long, value_name = "STACK")]
        from: Option<PathBuf>,
    },
}

/// `mstack add`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("namespace").required(true).args(["netns", "pid", "new"])))]
pub struct AddArgs {
    /// Permission bits, in octal: w = may make sockets, r = may read the namespace.
    #[arg(short, long, value_parser = parse_mode, default_value = "0666")]
    pub mode: u32,
    /// The new stack file: a NAME in the default stackfs, or a path in a stackfs.
    pub path: PathBuf,
    /// The namespace of an nsfs file (/proc/PID/ns/net, /run/netns/NAME) or of another stack (a NAME in the default stackfs, or a path).
    #[arg(long, value_name = "FILE")]
    pub netns: Option<PathBuf>,
    /// The namespace of a process.
    #[arg(long)]
    pub pid: Option<u32>,
    /// A new namespace with loopback up (the caller does not enter it).
    #[arg(long)]
    pub new: bool,
}

/// `mstack up` and `down` (which uses --export only, and takes the rest so
/// that a unit passes both the same options).
#[derive(Args, Debug)]
pub struct UpArgs {
    /// The namespace: an nsfs file (/run/netns/NAME, /proc/PID/ns/net) or another stack (a NAME in the default stackfs, or a path) [default: a new namespace with loopback up].
    #[arg(long, value_name = "FILE")]
    pub netns: Option<PathBuf>,
    /// Permission bits, in octal, set exactly (no umask).
    #[arg(short, long, value_parser = parse_mode, default_value = "0666")]
    pub mode: u32,
    /// The owner: a user name or number.
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    /// The group: a group name or number.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Also name the namespace for ip netns: /run/netns/NAME (NAME: the stack's).
    #[arg(long)]
    pub export: bool,
    /// Say what was done, on standard error.
    #[arg(short, long)]
    pub verbose: bool,
    /// The stack: a NAME in the default stackfs, or a path.
    pub stack: PathBuf,
}

impl UpArgs {
    fn spec(&self) -> Result<boot::Spec, Error> {
        Ok(boot::Spec {
            netns: self.netns.as_deref().map(names::resolve).transpose()?,
            mode: self.mode,
            owner: self.owner.clone(),
            group: self.group.clone(),
            export: self.export,
        })
    }
}

/// `mstack exec`.
#[derive(Args, Debug)]
pub struct ExecArgs {
    /// Only these address families (names, numbers, or ip, ipv4, ipv6...; comma-separated; repeatable).
    #[arg(short = 'f', long = "families", value_name = "FAMILIES")]
    pub families: Vec<String>,
    /// Every family the stack supports.
    #[arg(short, long)]
    pub supported: bool,
    /// Say what is done, on standard error.
    #[arg(short, long)]
    pub verbose: bool,
    /// Enter the stack's network namespace (needs CAP_SYS_ADMIN, or a stack of your own made with add --new; every family).
    #[arg(long, conflicts_with = "preload")]
    pub setns: bool,
    /// Use LD_PRELOAD=libmsocket.so.0 even where it cannot work (static or setuid programs).
    #[arg(long)]
    pub preload: bool,
    /// The stack: a NAME in the default stackfs, or a path.
    pub stack: PathBuf,
    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

/// An octal mode such as `0600` or `644`.
pub fn parse_mode(text: &str) -> Result<u32, String> {
    match u32::from_str_radix(text, 8) {
        Ok(mode) if mode <= 0o7777 => Ok(mode),
        _ => Err(format!("'{text}' is not an octal mode (0000 to 7777)")),
    }
}

/// Runs a parsed `mstack` command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Add(a) => {
            let source = match (a.netns, a.pid) {
                (Some(file), _) => commands::Source::File(names::resolve(&file)?),
                (None, Some(pid)) => commands::Source::Pid(pid),
                (None, None) => commands::Source::New,
            };
            commands::add(&names::resolve(&a.path)?, &source, a.mode)
        }
        Command::Rm { paths } => {
            let paths = paths
                .iter()
                .map(|p| names::resolve(p))
                .collect::<Result<Vec<_>, _>>()?;
            commands::rm(&paths, |e| error::report("mstack", e))
                // Each failure was reported as it happened: only the status is left.
                .map_err(|e| Error::quiet(io::Error::other(e.to_string())))
        }
        Command::Ls { long, dir } => {
            let dir = match dir {
                Some(dir) => names::resolve(&dir)?,
                None => names::stackfs_dir(),
            };
            let entries = commands::ls_entries(&dir, long)?;
            error::write_stdout(&if cli.json {
                commands::ls_json(&entries)
            } else {
                commands::ls_text(&entries)
            })
        }
        Command::Probe { stack } => {
            let families = commands::probe_families(&names::resolve(&stack)?)?;
            error::write_stdout(&if cli.json {
                commands::probe_json(&families)
            } else {
                commands::probe_text(&families)
            })
        }
        Command::Export { stack, name } => commands::export(&names::resolve(&stack)?, &name),
        Command::Mount { dir } => commands::mount_stackfs(&dir.unwrap_or_else(names::stackfs_dir)),
        Command::Umount { dir } => {
            commands::umount_stackfs(&dir.unwrap_or_else(names::stackfs_dir))
        }
        Command::Import {
            dir,
            mode,
            names: netns_names,
        } => {
            let dir = match dir {
                Some(dir) => names::resolve(&dir)?,
                None => names::stackfs_dir(),
            };
            commands::import(&dir, &netns_names, mode, |e| error::report("mstack", e))
                .map_err(|e| Error::quiet(io::Error::other(e.to_string())))
        }
        Command::Identify { pid } => {
            let names = commands::identify(&names::stackfs_dir(), pid)?;
            error::write_stdout(&names.iter().map(|n| format!("{n}\n")).collect::<String>())
        }
        Command::Link {
            action: LinkAction::Set { dev, stack, from },
        } => {
            let from = from.map(|f| names::resolve(&f)).transpose()?;
            commands::link_set(&dev, &names::resolve(&stack)?, from.as_deref())
        }
        Command::Listen {
            verbose,
            sockets,
            command,
        } => Err(listen::run(&sockets, verbose, &command)),
        Command::Up(a) => {
            let done = boot::up(&names::resolve(&a.stack)?, &a.spec()?)?;
            if a.verbose {
                note!("mstack up: {done}");
            }
            Ok(())
        }
        Command::Down(a) => {
            let done = boot::down(&names::resolve(&a.stack)?, &a.spec()?)?;
            if a.verbose {
                note!("mstack down: {done}");
            }
            Ok(())
        }
        Command::Completions { shell, command } => {
            error::write_stdout(&completions::script(shell, &command))
        }
        Command::Exec(e) => {
            let mut families = None;
            for list in &e.families {
                let set = families.get_or_insert_with(Vec::new);
                families::parse_into(list, set).map_err(Error::usage)?;
            }
            let mode = if e.setns {
                exec::Mode::Setns
            } else if e.preload {
                exec::Mode::Preload
            } else {
                exec::Mode::Auto
            };
            Err(exec::run(
                "mstack",
                exec::Request {
                    stack: names::resolve(&e.stack)?,
                    families,
                    supported: e.supported,
                    verbose: e.verbose,
                    mode,
                    command: e.command,
                },
            ))
        }
    }
}

/// Prints a clap error or help/version text, and returns its exit status:
/// 0 for help and version (1 if they cannot be written), 2 for a bad
/// command line. Never panics on a closed or full output.
pub fn clap_exit(e: clap::Error) -> ExitCode {
    use std::io::Write;
    let text = e.render().ansi().to_string();
    if e.use_stderr() {
        let _ = io::stderr().write_all(text.as_bytes());
        return ExitCode::from(EXIT_USAGE);
    }
    match error::write_stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error::report("mstack", &err);
            ExitCode::from(err.code())
        }
    }
}

/// `main` of `mstack`.
pub fn mstack_main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error::report("mstack", &e);
            ExitCode::from(e.code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mstack").chain(args.iter().copied()))
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn add_needs_exactly_one_namespace() {
        let cli = parse(&["add", "-m", "0600", "/dev/net/a", "--new"]).unwrap();
        let Command::Add(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.mode, 0o600);
        assert!(a.new);
        let cli = parse(&["add", "/dev/net/a", "--pid", "1"]).unwrap();
        let Command::Add(a) = cli.command else {
            panic!()
        };
        assert_eq!((a.mode, a.pid), (0o666, Some(1)));
        assert!(parse(&["add", "/dev/net/a"]).is_err());
        assert!(parse(&["add", "/dev/net/a", "--new", "--pid", "1"]).is_err());
        assert!(parse(&["add", "-m", "0999", "/dev/net/a", "--new"]).is_err());
        assert!(parse(&["add", "-m", "17777", "/dev/net/a", "--new"]).is_err());
    }

    #[test]
    fn exec_takes_the_rest_as_the_command() {
        let cli = parse(&[
            "exec",
            "-f",
            "ip,unix",
            "-v",
            "/dev/net/a",
            "--",
            "ls",
            "-l",
        ])
        .unwrap();
        let Command::Exec(e) = cli.command else {
            panic!()
        };
        assert_eq!(e.families, vec!["ip,unix"]);
        assert!(e.verbose && !e.supported && !e.setns);
        assert_eq!(e.command, vec!["ls", "-l"]);
        let cli = parse(&["exec", "/dev/net/a", "nc", "-l", "80"]).unwrap();
        let Command::Exec(e) = cli.command else {
            panic!()
        };
        assert_eq!(e.command, vec!["nc", "-l", "80"]);
        assert!(parse(&["exec", "/dev/net/a"]).is_err());
        assert!(parse(&["exec", "--setns", "--preload", "/dev/net/a", "x"]).is_err());
    }

    #[test]
    fn ls_and_rm_arguments() {
        let Command::Ls { long, dir } = parse(&["ls"]).unwrap().command else {
            panic!()
        };
        assert!(!long);
        assert_eq!(dir, None);
        let Command::Ls { long, .. } = parse(&["ls", "-l", "/x"]).unwrap().command else {
            panic!()
        };
        assert!(long);
        assert!(parse(&["rm"]).is_err());
        let err = parse(&["bogus"]).unwrap_err();
        assert_eq!(err.exit_code(), i32::from(EXIT_USAGE));
    }

    #[test]
    fn exec_family_errors_are_usage_errors() {
        let cli = parse(&["exec", "-f", "bogus", "/dev/net/a", "true"]).unwrap();
        let e = run(cli).unwrap_err();
        assert_eq!(e.code(), EXIT_USAGE);
        assert_eq!(e.to_string(), "unknown protocol family bogus");
    }

    #[test]
    fn ip_netns_aliases_and_new_verbs() {
        assert!(matches!(
            parse(&["list"]).unwrap().command,
            Command::Ls { .. }
        ));
        assert!(matches!(
            parse(&["del", "a"]).unwrap().command,
            Command::Rm { .. }
        ));
        assert!(matches!(
            parse(&["delete", "a"]).unwrap().command,
            Command::Rm { .. }
        ));
        let Command::Identify { pid } = parse(&["identify", "42"]).unwrap().command else {
            panic!()
        };
        assert_eq!(pid, Some(42));
        let Command::Link {
            action: LinkAction::Set { dev, stack, from },
        } = parse(&["link", "set", "veth1", "blue", "--from", "red"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(
            (dev.as_str(), stack, from),
            ("veth1", "blue".into(), Some("red".into()))
        );
        let Command::Listen {
            sockets, command, ..
        } = parse(&[
            "listen",
            "blue:tcp:0.0.0.0:80",
            "red:udp:[::]:53",
            "--",
            "d",
            "-x",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(sockets.len(), 2);
        assert_eq!(command, vec!["d", "-x"]);
        assert!(parse(&["listen", "blue:tcp:0.0.0.0:80"]).is_err());
        assert!(parse(&["listen", "--", "d"]).is_err());
        assert!(parse(&["listen", "blue:tcp:nowhere", "--", "d"]).is_err());
    }

    #[test]
    fn up_and_down_take_the_same_options() {
        let args = [
            "--netns",
            "/run/netns/x",
            "-m",
            "0660",
            "--owner",
            "alice",
            "--group",
            "web",
            "--export",
            "blue",
        ];
        for verb in ["up", "down"] {
            let cli = parse(&[&[verb][..], &args[..]].concat()).unwrap();
            let (Command::Up(a) | Command::Down(a)) = cli.command else {
                panic!()
            };
            assert_eq!(a.netns, Some("/run/netns/x".into()));
            assert_eq!(a.mode, 0o660);
            assert_eq!(
                (a.owner.as_deref(), a.group.as_deref()),
                (Some("alice"), Some("web"))
            );
            assert!(a.export && !a.verbose);
            assert_eq!(a.stack, PathBuf::from("blue"));
        }
        let Command::Up(a) = parse(&["up", "-v", "blue"]).unwrap().command else {
            panic!()
        };
        assert_eq!(
            (a.mode, a.netns, a.export, a.verbose),
            (0o666, None, false, true)
        );
        assert!(parse(&["up"]).is_err());
        assert!(parse(&["down", "-m", "9", "blue"]).is_err());
    }

    #[test]
    fn modes() {
        assert_eq!(parse_mode("600"), Ok(0o600));
        assert_eq!(parse_mode("0644"), Ok(0o644));
        assert!(parse_mode("8").is_err());
        assert!(parse_mode("").is_err());
    }
}
