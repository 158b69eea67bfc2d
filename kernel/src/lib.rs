//! The `playbook` binary's library: the Jupyter kernel for operational playbooks, its
//! runner (`playbook run`, `playbook fleet`), its readers (`playbook report`) and its
//! command line.
//!
//! `main.rs` only parses the command line and calls [`cli::run`].
//!
//! # Layout (modules by concept; arrows point one way)
//! - `jupyter`: the messaging protocol — connection file, framing and signing, iopub,
//!   stdin, history, is_complete. Knows nothing of cells.
//! - `cells`: the kernel's shared state and the cell lifecycle, one execution, Rust cells
//!   through evcxr, and the host channel cells call. Uses `jupyter` and `queries`.
//! - `actions`: the runbook steps that change something — the approval policy, the
//!   command run in this process (never the cell's), the results and undos kept for the
//!   record. Uses `redact`.
//! - `queries`: query cells and `playbook query`, one conversion from options to queries.
//!   Uses `jupyter` (progress in place).
//! - `server`: the kernel process over ZeroMQ — sockets, the shell and control channels,
//!   the executor. Uses `cells` and `jupyter`.
//! - `record`: what a run leaves behind and every reader reads — the executed notebook, the
//!   run record, the run summary, destinations (a path or `s3://`) — and the one writer
//!   of records, reports, summaries and fleet files (atomic, fixed modes, local and S3),
//!   which takes only `redact::Redacted` bodies. Uses `redact` and `exit`.
//! - `report`: `playbook report` (a record as a story, `--compare`, `--postmortem`), HTML
//!   sanitised, and Markdown. Uses `record`, `cells` and `visible`.
//! - `deliver`: what a finished run sends beyond its record — notifications, verdicts as
//!   metrics and EMF, a refused run's summary, a report written where `--report` says.
//!   Uses `record`, `report`, `exit` and `redact`.
//! - `run`: `playbook run` — prepare, each cell, finish, deliver — with its parameters,
//!   progress and YAML inputs. Uses `record`, `deliver`, `report`, `cells` and `jupyter`.
//! - `fleet`: `playbook fleet`, one playbook over many targets. Uses `run` and what it uses.
//! - `respond`: `playbook respond`, a CloudWatch alarm event routed to the playbooks it
//!   starts (responders file, templates over the alarm). Uses `run` and what it uses.
//! - `redact`: secrets masked out of everything shared (records, reports, logs), and kept
//!   out of the evaluation process's environment; `Redacted<T>`, which only it constructs.
//!   Uses nothing else.
//! - `visible`: text shown to a person (a terminal, a document) with its control and bidi
//!   characters as visible escapes. Uses nothing else.
//! - `install`: the kernelspec and the prebuild; [`cli`]: the subcommands.
//! - `scaffold`: `playbook new`, a first playbook that runs as it is, never over a file.
//!   Uses nothing else.
//! - `doctor`: `playbook doctor`, whether this installation can run playbooks (toolchain,
//!   rust-src, cell library and cache, kernelspec, AWS configuration). Uses `cells`,
//!   `install`, `exit` and `visible`.
//!
//! Only this crate knows ZeroMQ and Jupyter; the engine (`playbook-engine`) knows the
//! data sources; cells compile only the light `playbook` crate.

#![warn(unreachable_pub)]

mod actions;
mod cells;
pub mod cli;
mod deliver;
mod doctor;
mod exit;
mod fleet;
mod install;
mod jupyter;
mod queries;
mod record;
mod redact;
mod report;
mod respond;
mod run;
mod scaffold;
mod server;
mod visible;
