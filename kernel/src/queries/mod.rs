//! Queries without a compile: magic cells (`%%logs`, `%%metrics`, `%%events`, `%%alarms`,
//! `%%contributors`, `%source`, `%window`, …) answered by the kernel itself, and `playbook query` from a
//! shell. Both turn their options into queries through `options.rs`, so a cell and a
//! command line with the same options ask the same question. A cell's `{name}`s are filled
//! in from the parameters in effect (`interpolate.rs`). `catalogue.rs` holds each magic's
//! one line, which `%lsmagic` and `%help` show.

mod catalogue;
pub(crate) mod cells;
pub(crate) mod cli;
pub(crate) mod interpolate;
pub(crate) mod magics;
mod options;
