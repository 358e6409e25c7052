//! `vustack`: run a command with a default network stack, with the command
//! line of VUOS's vustack. See vustack(1).

fn main() -> std::process::ExitCode {
    mstack::vustack::main()
}
