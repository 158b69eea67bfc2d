//! What is in effect for this session: the data source, the default time window and the
//! playbook's parameters, as the host resolved them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::time_range::TimeRange;

/// The session context as the host sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionContext {
    /// The data source spec in effect (`cloudwatch`, `local:DIR`), if one is chosen.
    pub source: Option<String>,
    /// Where the choice came from (`PLAYBOOK_SOURCE`, `--source`, `%source`, …).
    pub source_origin: String,
    /// The default window, resolved to absolute instants, if one is set.
    pub window: Option<TimeRange>,
    /// Parameters in effect, by name.
    pub parameters: BTreeMap<String, Value>,
    /// The version of the `playbook` host answering.
    pub host_version: String,
}

impl fmt::Display for SessionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => writeln!(f, "source: {source} (from {})", self.source_origin)?,
            None => writeln!(f, "source: none chosen ({})", self.source_origin)?,
        }
        match &self.window {
            Some(window) => writeln!(f, "window: {window}")?,
            None => writeln!(f, "window: not set")?,
        }
        if self.parameters.is_empty() {
            writeln!(f, "parameters: none")?;
        }
        for (name, value) in &self.parameters {
            writeln!(f, "parameter {name} = {value}")?;
        }
        write!(f, "host: playbook {}", self.host_version)
    }
}
