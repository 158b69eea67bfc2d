//! `playbook`: parses the command line and calls the library.

use std::process::ExitCode;

use clap::Parser;
use playbook_kernel::cell_cache;
use playbook_kernel::cli::{Cli, Command, run};

fn main() -> ExitCode {
    // The evaluation child is this binary re-executed: it must become evcxr's runtime
    // before anything else happens.
    evcxr::runtime_hook();
    let cli = Cli::parse();
    let build_dir = cli.evcxr_build_dir();
    if let Some(dir) = &build_dir {
        // Kernels start offline when the prebuilt template exists; the prebuild resolves.
        let offline = matches!(cli.command, Command::Kernel { .. } | Command::Run(_))
            && cell_cache::has_template();
        match cell_cache::write_evcxr_config(dir, offline) {
            // SAFETY: no other thread exists yet (the async runtime and evcxr start
            // later), so nothing can read the environment concurrently.
            #[allow(unsafe_code)]
            Ok(config) => unsafe { std::env::set_var("EVCXR_CONFIG_DIR", config) },
            Err(error) => {
                eprintln!("playbook: {error:#}");
                return ExitCode::from(3);
            }
        }
    }
    match run(cli, build_dir) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("playbook: {error:#}");
            ExitCode::from(3)
        }
    }
}
