//! `playbook`: the library that playbook cells use.
//!
//! Cells in the **Playbook (Rust)** kernel write `use playbook::prelude::*;` (the kernel
//! does it for them) and get the light side of this crate: plain result types, display
//! helpers, checks, and a client that asks the engine hosted by the kernel process for
//! anything that needs the outside world.
//!
//! # Layout
//! - [`protocol`]: the request/response messages spoken between cells and their host.
//! - [`host`]: the cell-side client of the host channel (a Unix socket whose path the
//!   kernel hands the evaluation process in `PLAYBOOK_HOST_SOCKET`).
//! - [`series`]: time series and their summary statistics; [`transform`]: resample,
//!   delta, rate, rolling means, joins, top-N; [`analysis`]: change points and lagged
//!   correlation; [`chart`]: SVG line charts and trace waterfalls.
//! - [`query`]: metric, Logs Insights and filtered-events queries and the blocking calls
//!   that run them on the host; [`time_range`]: windows; [`period`]: CloudWatch's period
//!   rules; [`statistic`]: statistics; [`source`]: source specs; [`record`]: the log of
//!   every query.
//! - [`baseline`]: "what is normal?" — week-ago baselines, seasonal bands, excursions,
//!   anomalies, candidate ranking.
//! - [`alarms`]: alarms and their state changes in a window (the alarm timeline);
//!   [`inventory`]: log group settings and anomaly detectors (what is configured).
//! - [`probe`]: HTTP probes (a canary's requests), timed stage by stage on the host;
//!   [`local_service`]: a small HTTP service to probe when running on the bundled data.
//! - [`contributors`]: a Contributor Insights rule's top contributors (GetInsightRuleReport,
//!   or the rule evaluated over local logs).
//! - [`log_anomalies`]: unusual log patterns in a window (ListAnomalies, or detected
//!   locally).
//! - [`log_table`]: log query results; [`series_set`]: several series from one fetch.
//! - [`traces`]: the slowest or erroring traces of a service and one trace by id, from
//!   Transaction Search's `aws/spans` through Logs Insights; [`trace`]: a trace in tree
//!   order (its waterfall, [`chart::Waterfall`]); [`trace_list`]: the traces found;
//!   [`span`]: one stored span.
//! - [`check`]: checks and their verdicts (`check!`, `Check::new(..).expect_below(..)`).
//! - [`context`]: what is in effect for this session (source, window, parameters).
//! - [`display`]: rich output (`display`, in-place updates, `clear_output`).
//! - [`input`]: asking the person at the notebook a question (`confirm`, `ask`).
//! - [`runtime`]: the per-cell guard and panic hook the kernel relies on to report
//!   panics and `?` errors as cell errors.
//!
//! The host side that answers those requests is the `playbook-engine` crate (sessions,
//! the query log, the local and CloudWatch sources), linked by the `playbook` binary and
//! never by cells: this crate has no AWS SDK, no engine and no in-process fallback.
//! - [`error`]: the library's error type.

pub mod alarms;
pub mod analysis;
pub mod baseline;
pub mod bindings;
pub mod chart;
pub mod check;
pub mod context;
pub mod contributors;
pub use context::parameter;
pub mod discovery;
pub mod display;
pub mod error;
pub mod host;
pub mod html;
pub mod input;
pub mod inventory;
pub mod local_service;
pub mod log_anomalies;
pub mod log_table;
pub mod logs_query;
pub mod period;
pub mod prelude;
pub mod probe;
mod probe_table;
pub mod protocol;
pub mod publish;
pub mod query;
pub mod record;
pub mod runtime;
pub mod series;
pub mod series_set;
pub mod source;
pub mod span;
pub mod statistic;
pub mod time_range;
pub mod trace;
pub mod trace_list;
pub mod traces;
pub mod transform;

pub use error::{Error, Result};
/// Re-exported so cells can use them without a `:dep`.
pub use {chrono, serde_json};
