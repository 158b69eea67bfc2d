//! The `playbook` binary's library: the Jupyter kernel for operational playbooks, its
//! headless runner and its command line.
//!
//! `main.rs` only parses the command line and calls [`cli::run`].
//!
//! # Layout (modules by concept; arrows point one way)
//! - `jupyter`: the messaging protocol — connection file, framing and signing, iopub,
//!   stdin, history, is_complete. Knows nothing of cells.
//! - `cells`: the kernel's shared state and the cell lifecycle, one execution, Rust cells
//!   through evcxr, and the host channel cells call. Uses `jupyter` and `queries`.
//! - `queries`: query cells and `playbook query`, one conversion from options to queries.
//!   Uses `jupyter` (progress in place).
//! - `server`: the kernel process over ZeroMQ — sockets, the shell and control channels,
//!   the executor. Uses `cells` and `jupyter`.
//! - `headless`: `playbook run` and `playbook report`, notebooks, parameters, the run
//!   record, redaction, progress. Uses `cells` and `jupyter`.
//! - `redact`: secrets masked out of everything shared (records, reports, logs), and kept
//!   out of the evaluation process's environment. Uses nothing else.
//! - `visible`: text shown to a person (a terminal, a document) with its control and bidi
//!   characters as visible escapes. Uses nothing else.
//! - `install`: the kernelspec and the prebuild; [`cli`]: the subcommands.
//! - `doctor`: `playbook doctor`, whether this installation can run playbooks (toolchain,
//!   rust-src, cell library and cache, kernelspec, AWS configuration). Uses `cells`,
//!   `install`, `exit` and `visible`.
//!
//! Only this crate knows ZeroMQ and Jupyter; the engine (`playbook-engine`) knows the
//! data sources; cells compile only the light `playbook` crate.

#![warn(unreachable_pub)]

mod cells;
pub mod cli;
mod doctor;
mod exit;
mod fleet;
mod headless;
mod install;
mod jupyter;
mod queries;
mod redact;
mod server;
mod visible;
