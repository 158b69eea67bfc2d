//! The model floor: plain data, serde only. Queries as cells build them, results as the
//! host answers them, the query record, and the pure arithmetic on them (windows,
//! statistics, series summaries, span trees). Nothing here talks to the host or renders:
//! the protocol carries these types, the client asks for them, the render floor shows
//! them.

pub mod action;
pub mod alarms;
pub mod check;
pub mod context;
pub mod contributors;
pub mod discovery;
pub mod error;
pub mod inventory;
pub mod log_anomalies;
pub mod log_table;
pub mod logs_query;
pub mod period;
pub mod probe;
pub mod publish;
pub mod query;
pub mod record;
pub mod series;
pub mod series_set;
pub mod source;
pub mod span;
pub mod statistic;
pub mod time_range;
pub mod trace;
pub mod trace_list;
pub mod window;
