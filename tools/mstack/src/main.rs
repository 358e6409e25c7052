//! `mstack`: manage msocket network stacks. See mstack(8).

fn main() -> std::process::ExitCode {
    mstack::mstack_main()
}
