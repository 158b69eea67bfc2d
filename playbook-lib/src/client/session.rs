//! The blocking calls about the session rather than a query: what is in effect (context,
//! parameters, source), the query log, published metrics and the values query cells bound.

use serde::Serialize;
use serde_json::Value;

use super::host;
use crate::model::context::SessionContext;
use crate::model::error::{Error, Result};
use crate::model::publish::MetricDatum;
use crate::model::record::QueryRecord;
use crate::protocol::{FromAnswer, Request};

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
        Error::InvalidInput(format!(
            "parameter `{name}` is not set in this session (`playbook run` sets it)"
        ))
    })?;
    serde_json::from_value(value).map_err(|e| {
        Error::InvalidInput(format!(
            "parameter `{name}`: {e} (as {})",
            std::any::type_name::<T>()
        ))
    })
}

/// Makes `{name}` in the query cells below stand for `value` (text or a number), as a
/// run's parameters do: `set_parameter("service", &service)?` lets a notebook whose
/// `%%logs --group /ecs/{service}` cell runs headlessly run in a kernel too, where no run
/// set the parameters. A name that is not a Rust identifier is refused.
pub fn set_parameter(name: &str, value: impl Serialize) -> Result<()> {
    let identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !identifier {
        return Err(Error::InvalidInput(format!(
            "set_parameter: `{name}` is not a name a query cell can use (letters, digits, _)"
        )));
    }
    let value = serde_json::to_value(value)
        .map_err(|e| Error::InvalidInput(format!("set_parameter `{name}`: {e}")))?;
    host::call(&Request::SetParameter {
        name: name.to_owned(),
        value,
    })
}

/// Sends `payload` to the host and returns what came back (a channel check).
pub fn echo(payload: impl Serialize) -> Result<Value> {
    let payload = serde_json::to_value(payload)
        .map_err(|e| Error::Channel(format!("payload is not JSON: {e}")))?;
    host::call(&Request::Echo { payload })
}

/// Chooses the source for the rest of the session (`cloudwatch`, `cloudwatch:region=…`
/// or `local:DIR`).
pub fn set_source(spec: &str) -> Result<SessionContext> {
    host::call(&Request::SetSource {
        spec: spec.to_owned(),
    })
}

/// Every query this session issued so far, in order.
pub fn queries() -> Result<Vec<QueryRecord>> {
    host::call(&Request::Queries)
}

/// Publishes `value` of `name` in `namespace` with `unit` and `dimensions`, timestamped
/// now: `publish_metric("Checkout/Canary", "Availability", 1.0, "Count", &[("Endpoint", "/health")])`.
pub fn publish_metric(
    namespace: &str,
    name: &str,
    value: f64,
    unit: &str,
    dimensions: &[(&str, &str)],
) -> Result<()> {
    let datum = MetricDatum {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
        dimensions: dimensions
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        timestamp: chrono::Utc::now(),
    };
    datum.validate()?;
    host::call(&Request::PublishMetric { datum })
}

/// Fetches the value a query cell bound to `name`.
pub fn fetch<T: FromAnswer>(name: &str) -> Result<T> {
    host::call(&Request::Binding {
        name: name.to_owned(),
    })
}
