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
