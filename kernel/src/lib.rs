//! The `playbook` binary's library: the Jupyter kernel for operational playbooks.
//!
//! `main.rs` only parses the command line and calls [`cli::run`].
//!
//! # Layout
//! - [`cli`]: subcommands (`kernel`, `install`, `run`, `report`).
//! - [`connection_file`], [`wire`] (framing + HMAC), [`kernel`] (sockets and tasks),
//!   [`iopub`] (publishing, output forwarding), [`stdin`] (input requests).
//! - [`shell`]: every request but execute; [`execute`]: the cell executor;
//!   [`is_complete`], [`history`].
//! - [`rust_engine`]: evcxr; [`compile_errors`]: readable compile errors;
//!   [`cell_cache`]: per-kernel build directories seeded from a prebuilt template.
//! - [`host`]: the host channel cells use to reach the kernel and the engine.
//! - [`install`]: the kernelspec and the prebuild.
//! - [`runner`]: `playbook run`, the headless runner; [`notebook`]: notebook files and
//!   outputs; [`parameters`]: typed parameter injection (papermill's conventions);
//!   [`redact`]: secrets masked out of records; [`report`]: `playbook report`.
//!
//! Only this crate knows ZeroMQ and Jupyter; only `playbook-lib` knows data sources.

pub mod cell_cache;
pub mod cli;
pub mod compile_errors;
pub mod connection_file;
pub mod execute;
pub mod history;
pub mod host;
pub mod install;
pub mod iopub;
pub mod is_complete;
pub mod kernel;
pub mod magics;
pub mod notebook;
pub mod parameters;
pub mod progress;
pub mod query_cells;
pub mod query_cli;
pub mod redact;
pub mod report;
pub mod runner;
pub mod rust_engine;
pub mod shell;
pub mod stdin;
pub mod wire;
