//! `playbook`: becomes evcxr's runtime when re-executed as the evaluation process, and
//! otherwise runs the command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The evaluation child is this binary re-executed: it must become evcxr's runtime
    // before anything else happens.
    evcxr::runtime_hook();
    playbook_kernel::cli::main()
}
