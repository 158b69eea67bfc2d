//! What is in effect for this session: the data source, the default time window and the
//! playbook's parameters, as the host resolved them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::host;
use crate::protocol::Request;
use crate::time_range::TimeRange;

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

impl SessionContext {
    /// Shows the context as a cell's result (its `Display` form).
    pub fn evcxr_display(&self) {
        crate::display::MimeBundle::text(self.to_string()).evcxr_display();
    }
}

/// Asks the host what source, window and parameters are in effect.
pub fn context() -> Result<SessionContext> {
    host::call(&Request::Context)
}

/// The value of the parameter `name` the run set (`playbook run -p NAME=VALUE`, a fleet
/// target's, or the default), as a `T`. `playbook run` injects typed parameters this
/// way, so that a cell's compiled code does not depend on their values.
pub fn parameter<T: serde::de::DeserializeOwned>(name: &str) -> Result<T> {
    let context = context()?;
    let value = context.parameters.get(name).cloned().ok_or_else(|| {
        crate::Error::InvalidInput(format!(
            "parameter `{name}` is not set in this session (`playbook run` sets it)"
        ))
    })?;
    serde_json::from_value(value).map_err(|e| {
        crate::Error::InvalidInput(format!(
            "parameter `{name}`: {e} (as {})",
            std::any::type_name::<T>()
        ))
    })
}

/// Sends `payload` to the host and returns what came back (a channel check).
pub fn echo(payload: impl Serialize) -> Result<Value> {
    let payload = serde_json::to_value(payload)
        .map_err(|e| crate::Error::Channel(format!("payload is not JSON: {e}")))?;
    host::call(&Request::Echo { payload })
}
