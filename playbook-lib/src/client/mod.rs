//! The client floor: the blocking calls cells make. Each sends one [`crate::protocol`]
//! request over the host channel ([`host`]) and takes its typed answer; nothing here
//! knows how a result looks (that is `crate::render`'s).

pub mod host;
pub(crate) mod queries;
pub(crate) mod session;
pub mod traces;

pub use queries::{anomaly_detectors, fetch_many, log_group_settings, probe_all, set_window};
pub use session::{
    context, echo, fetch, parameter, publish_metric, queries, set_parameter, set_source,
};
