//! `playbook`: the library that playbook cells use.
//!
//! Cells in the **Playbook (Rust)** kernel write `use playbook::prelude::*;` (the kernel
//! does it for them) and get the light side of this crate: plain result types, display
//! helpers, checks, and a client that asks the engine hosted by the kernel process for
//! anything that needs the outside world.
//!
//! # Floors
//! The crate is built in floors; each uses only the floors below it (a test,
//! `tests/floors.rs`, holds it):
//! - [`model`]: plain data, serde only — queries, results, the query record, windows,
//!   statistics, series, spans and traces.
//! - [`protocol`]: the request/response messages between cells and their host, over the
//!   model (the wire contract the engine answers).
//! - [`client`]: the blocking calls cells make (a Unix socket whose path the kernel hands
//!   the evaluation process in `PLAYBOOK_HOST_SOCKET`).
//! - [`render`]: how results show themselves — one [`render::MimeBundle`] builder and
//!   one [`render::Table`] (text, HTML and Markdown from one description), SVG charts.
//! - Above them, what cells use directly: [`analysis`], [`transform`], [`baseline`],
//!   [`check`], [`action`] (runbook steps that change things, run by the host once
//!   approved), [`verify`] (`wait_until`), [`display`], [`input`], [`runtime`],
//!   [`local_service`], [`prelude`].
//!
//! The modules cells have always named (`playbook::query`, `playbook::alarms`,
//! `playbook::check`, …) stay: each is the model module of that name, or, where it also
//! has blocking calls, the model's items and the client's calls together.
//!
//! The host side that answers those requests is the `playbook-engine` crate (sessions,
//! the query log, the local and CloudWatch sources), linked by the `playbook` binary and
//! never by cells: this crate has no AWS SDK, no engine and no in-process fallback. The
//! engine uses the model and the protocol only.

pub mod client;
pub mod model;
pub mod protocol;
pub mod render;

pub mod action;
pub mod analysis;
pub mod baseline;
pub mod check;
pub mod display;
pub mod input;
pub mod local_service;
pub mod prelude;
pub mod runtime;
pub mod transform;
pub mod verify;

pub use client::{host, traces};
pub use model::{
    alarms, contributors, discovery, error, log_anomalies, log_table, logs_query, period, series,
    series_set, span, statistic, time_range, trace, trace_list,
};
pub use render::{chart, html};

/// Names bound by query cells, and the call that fetches them.
pub mod bindings {
    pub use crate::client::fetch;
    pub use crate::protocol::bindings::*;
}

/// What is in effect for this session (source, window, parameters).
pub mod context {
    pub use crate::client::{context, echo, parameter, set_parameter};
    pub use crate::model::context::*;
}

/// Log group settings and anomaly detectors (what is configured).
pub mod inventory {
    pub use crate::client::{anomaly_detectors, log_group_settings};
    pub use crate::model::inventory::*;
}

/// HTTP probes, timed stage by stage on the host.
pub mod probe {
    pub use crate::client::probe_all;
    pub use crate::model::probe::*;
}

/// Publishing a measurement as a metric.
pub mod publish {
    pub use crate::client::publish_metric;
    pub use crate::model::publish::*;
}

/// Metric, Logs Insights and filtered-events queries, and the calls that run them.
pub mod query {
    pub use crate::client::{fetch_many, set_window};
    pub use crate::model::query::*;
}

/// The log of every query.
pub mod record {
    pub use crate::client::queries;
    pub use crate::model::record::*;
}

/// Source specs, and choosing the session's source.
pub mod source {
    pub use crate::client::set_source;
    pub use crate::model::source::*;
}

pub use context::parameter;
pub use error::{Error, Result};
/// Re-exported so cells can use them without a `:dep`.
pub use {chrono, serde_json};
