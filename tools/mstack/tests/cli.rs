//! The commands' behaviour on the host, where it needs no kernel module:
//! output errors (a closed pipe, a full disk), rm(1)'s carrying on, JSON,
//! shell completions.

use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Output, Stdio};

const MSTACK: &str = env!("CARGO_BIN_EXE_mstack");
const VUSTACK: &str = env!("CARGO_BIN_EXE_vustack");

/// Runs `prog args` with standard output on a pipe whose reader is gone.
fn into_closed_pipe(prog: &str, args: &[&str]) -> Output {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the array with two new fds.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both fds are new and ours.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    Command::new(prog)
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn into_full_disk(prog: &str, args: &[&str]) -> Output {
    Command::new(prog)
        .args(args)
        .stdout(Stdio::from(File::create("/dev/full").unwrap()))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_1() {
    for (prog, args) in [
        (MSTACK, &["ls", "/"][..]),
        (MSTACK, &["ls", "-j", "/"]),
        (MSTACK, &["--help"]),
        (MSTACK, &["completions", "bash"]),
        (VUSTACK, &["-h"]),
    ] {
        let out = into_closed_pipe(prog, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_full_disk_is_an_error_about_standard_output() {
    for (prog, args, name) in [
        (MSTACK, &["ls", "/"][..], "mstack"),
        (MSTACK, &["--version"], "mstack"),
        (VUSTACK, &["--help"], "vustack"),
    ] {
        let out = into_full_disk(prog, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("{name}: standard output: ENOSPC (No space left on device)\n"),
            "{args:?}"
        );
    }
}

#[test]
fn rm_carries_on_past_a_bad_operand() {
    let out = Command::new(MSTACK)
        .args(["rm", "/nonexistent-a", "/etc/passwd", "/nonexistent-b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "mstack: /nonexistent-a: ENOENT (No such file or directory)\n\
         mstack: /etc/passwd: not a stack file: EOPNOTSUPP (Operation not supported)\n\
         mstack: /nonexistent-b: ENOENT (No such file or directory)\n"
    );
}

#[test]
fn json_listing_and_errors() {
    let out = Command::new(MSTACK)
        .args(["-j", "ls", "/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with('[') && text.ends_with("]\n"), "{text}");
    assert!(text.contains(r#"{"name":"etc","path":"/etc","type":"directory"}"#));
    // Errors stay on standard error, with the documented status.
    let out = Command::new(MSTACK)
        .args(["probe", "-j", "/etc/passwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn shell_completions() {
    for (shell, command, needle) in [
        ("bash", "mstack", "_mstack()"),
        ("zsh", "mstack", "#compdef mstack"),
        ("fish", "mstack", "complete -c mstack"),
        ("bash", "vustack", "--supported"),
    ] {
        let out = Command::new(MSTACK)
            .args(["completions", shell, "--command", command])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell} {command}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(needle), "{shell} {command}: {text}");
    }
    let out = Command::new(MSTACK)
        .args(["completions", "nosuchshell"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bare_names_are_stacks_of_the_default_stackfs() {
    let run = |env: Option<&str>, args: &[&str]| {
        let mut cmd = Command::new(MSTACK);
        cmd.args(args).current_dir("/");
        match env {
            Some(dir) => cmd.env("MSOCKET_STACKFS", dir),
            None => cmd.env_remove("MSOCKET_STACKFS"),
        };
        cmd.output().unwrap()
    };
    // A NAME: in $MSOCKET_STACKFS, else /dev/net; not in the working directory.
    for (env, args, message) in [
        (
            Some("/nonexistent-stackfs"),
            &["rm", "etc"][..],
            "mstack: /nonexistent-stackfs/etc: ENOENT (No such file or directory)\n",
        ),
        (
            Some("/nonexistent-stackfs"),
            &["probe", "blue"],
            "mstack: /nonexistent-stackfs/blue: ENOENT (No such file or directory)\n",
        ),
        (
            Some("/nonexistent-stackfs"),
            &["exec", "blue", "--", "true"],
            "mstack: /nonexistent-stackfs/blue: ENOENT (No such file or directory)\n",
        ),
        (
            None,
            &["exec", "no-such-stack-here", "--", "true"],
            "mstack: /dev/net/no-such-stack-here: ENOENT (No such file or directory)\n",
        ),
        (
            Some(""),
            &["probe", "no-such-stack-here"],
            "mstack: /dev/net/no-such-stack-here: ENOENT (No such file or directory)\n",
        ),
        // ./NAME is the file of the working directory (/ here).
        (
            Some("/nonexistent-stackfs"),
            &["probe", "./etc"],
            "mstack: ./etc: EOPNOTSUPP (Operation not supported)\n",
        ),
        (
            Some("/nonexistent-stackfs"),
            &["ls", "-l", "blue"],
            "mstack: /nonexistent-stackfs/blue: ENOENT (No such file or directory)\n",
        ),
        (
            Some("/nonexistent-stackfs"),
            &["add", "blue", "--netns", "red"],
            "mstack: /nonexistent-stackfs/red: ENOENT (No such file or directory)\n",
        ),
    ] {
        let out = run(env, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), message, "{args:?}");
    }
    // ls without DIR lists the default stackfs.
    let out = run(Some("/"), &["ls"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l == "etc/"));
    let out = run(Some("/"), &["ls", "etc"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // ., .. and the empty name are usage errors that say what to write.
    for (args, message) in [
        (
            &["exec", ".", "--", "true"][..],
            "mstack: '.' is not a stack name of /nonexistent-stackfs: for the directory, write ./\n",
        ),
        (
            &["rm", "..", "x"],
            "mstack: '..' is not a stack name of /nonexistent-stackfs: for the directory, write ../\n",
        ),
        (
            &["ls", ".."],
            "mstack: '..' is not a stack name of /nonexistent-stackfs: for the directory, write ../\n",
        ),
    ] {
        let out = run(Some("/nonexistent-stackfs"), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&out), message, "{args:?}");
    }
    let out = run(None, &["probe", ""]);
    assert_eq!(out.status.code(), Some(2));
    // The rule is in --help.
    let out = run(None, &["--help"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("write ./NAME for a file in the current directory"));
}

#[test]
fn bash_completes_bare_stack_names_from_the_default_stackfs() {
    let dir = std::env::temp_dir().join(format!("mstack-complete-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for name in ["blue", "black", "red"] {
        File::create(dir.join(name)).unwrap();
    }
    let script = Command::new(MSTACK)
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(script.status.success());
    let script_file = dir.join("complete.bash");
    std::fs::write(&script_file, &script.stdout).unwrap();
    // t WORDS...: what completing the last word offers.
    let test = format!(
        r#". {script}
t() {{ COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=()
    _mstack_stacks mstack "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$*: ${{COMPREPLY[*]}}"; }}
t mstack exec bl
t mstack exec -f inet r
t mstack exec blue -- b
t mstack rm blue r
t mstack add x --netns b
t mstack ls s
t mstack mount s
"#,
        script = script_file.display()
    );
    let out = Command::new("bash")
        .args(["-c", &test])
        .env("MSOCKET_STACKFS", &dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "mstack exec bl: black blue\n\
         mstack exec -f inet r: red\n\
         mstack exec blue -- b: \n\
         mstack rm blue r: red\n\
         mstack add x --netns b: black blue\n\
         mstack ls s: sub\n\
         mstack mount s: \n"
    );
}
