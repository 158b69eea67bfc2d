//! Cells: what runs when a client executes one — the kernel's shared state and the cell
//! lifecycle (`state.rs`), one execution (`execute.rs`), Rust cells through evcxr
//! (`rust_engine.rs`, `compile_errors.rs`, `cell_cache.rs`, `library.rs`), and the host channel cells
//! use to reach the kernel and the engine (`host.rs`). Query cells are delegated to
//! `crate::queries`.

mod action_host;
pub(crate) mod cell_cache;
mod cell_sources;
mod compile_errors;
mod compiled_cells;
mod completion;
mod execute;
pub(crate) mod hints;
pub(crate) mod host;
pub(crate) mod library;
mod member_index;
mod member_probes;
mod receiver;
pub(crate) mod rust_engine;
mod sealed;
mod socket_dir;
mod state;
pub(crate) mod template;
mod template_lock;

pub(crate) use action_host::Asker;
pub(crate) use cell_cache::remove_build_dirs;
pub(crate) use execute::{execute_one, refused_input};
pub(crate) use state::Kernel;

/// Whether kernels of this process start without saying so on stderr (a fleet starts
/// many; its targets' logs say what matters).
static QUIET_START: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Kernels started from now on do not announce their start on stderr.
pub(crate) fn start_quietly() {
    QUIET_START.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Prints a kernel's start-up line, unless [`start_quietly`] was called.
pub(crate) fn announce(line: &str) {
    if !QUIET_START.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{line}");
    }
}
