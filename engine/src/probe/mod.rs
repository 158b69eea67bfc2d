//! HTTP probes sent for cells (`probe(url)`, `probe_all`): prepared (URL, headers and
//! body pattern checked before anything is sent), sent concurrently on a runtime of their
//! own, each under its deadline, and recorded in the query log with its timings. Header
//! values never reach the record; a URL's query values and user info are masked.

mod certificate;
mod exchange;

use std::time::Duration;

use playbook::model::probe::{Probe, ProbeReport, ProbeResult};
use playbook::model::record::{QueryKind, QueryRecord, QueryStatus};
use regex::Regex;

use crate::Session;
use crate::error::EngineError;
use crate::http::Url;

pub use certificate::not_after;

/// A probe ready to send.
pub(crate) struct Prepared {
    spec: Probe,
    name: String,
    url: Url,
    masked_url: String,
    pattern: Option<Regex>,
}

/// Checks what would make `spec` unsendable, before anything is sent.
fn prepare(spec: &Probe) -> Result<Prepared, EngineError> {
    spec.validate()?;
    let url = Url::parse(&spec.url).map_err(|e| EngineError::InvalidInput(e.to_string()))?;
    for (name, value) in &spec.headers {
        let bad_name = hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err();
        if bad_name || hyper::header::HeaderValue::from_str(value).is_err() {
            return Err(EngineError::InvalidInput(format!(
                "probe header `{name}`: not a valid HTTP header name and value"
            )));
        }
    }
    let pattern = match &spec.body_matches {
        Some(p) => Some(
            Regex::new(p)
                .map_err(|e| EngineError::InvalidInput(format!("probe body pattern /{p}/: {e}")))?,
        ),
        None => None,
    };
    let masked_url = masked(&url);
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| format!("{} {masked_url}", spec.method));
    Ok(Prepared {
        spec: spec.clone(),
        name,
        url,
        masked_url,
        pattern,
    })
}

/// The URL as records show it: no user info (dropped when parsed), query values masked.
fn masked(url: &Url) -> String {
    let origin = url.origin();
    let path = url.path.split('#').next().unwrap_or_default();
    let path = match path.split_once('?') {
        Some((path, query)) => {
            let keys: Vec<String> = query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) => format!("{key}=…"),
                    None => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", keys.join("&"))
        }
        None => path.to_owned(),
    };
    format!("{origin}{path}")
}

/// Sends every probe at once on a runtime of its own (in a thread of its own, so this
/// works from any caller, async or not) and waits for all of them.
fn send_all(prepared: Vec<Prepared>) -> Result<Vec<ProbeResult>, EngineError> {
    let longest = prepared
        .iter()
        .map(|p| p.spec.timeout_ms)
        .max()
        .unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::InvalidInput(format!("starting the probe runtime: {e}")))?;
    let work = async move {
        let mut set = tokio::task::JoinSet::new();
        for (i, probe) in prepared.into_iter().enumerate() {
            set.spawn(async move { (i, exchange::send(&probe).await) });
        }
        let mut results = Vec::new();
        let guard = Duration::from_millis(longest + 1_000);
        while let Ok(Some(joined)) = tokio::time::timeout(guard, set.join_next()).await {
            if let Ok(result) = joined {
                results.push(result);
            }
        }
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
    };
    std::thread::scope(|scope| {
        scope
            .spawn(|| runtime.block_on(work))
            .join()
            .map_err(|_| EngineError::InvalidInput("a probe panicked".into()))
    })
}

impl Session {
    /// Sends `probes` concurrently and records each.
    pub fn run_probes(&self, probes: &[Probe]) -> Result<ProbeReport, EngineError> {
        let prepared = probes.iter().map(prepare).collect::<Result<Vec<_>, _>>()?;
        let expected = prepared.len();
        let results = send_all(prepared)?;
        if results.len() != expected {
            return Err(EngineError::InvalidInput(format!(
                "{} of {expected} probes did not finish",
                expected - results.len()
            )));
        }
        self.log(results.iter().map(record).collect());
        Ok(ProbeReport { results })
    }
}

/// A probe's entry in the query log.
fn record(result: &ProbeResult) -> QueryRecord {
    let query = format!("{} {}", result.method, result.url);
    QueryRecord {
        api_calls: 1,
        status: if result.ok {
            QueryStatus::Ok
        } else {
            QueryStatus::Failed
        },
        results: u64::from(result.status.is_some()),
        notes: vec![timing_note(result)],
        duration_ms: result.timings.total_ms.round() as u64,
        error: result.failure.as_ref().map(|_| result.outcome()),
        probe: Some(Box::new(result.clone())),
        ..QueryRecord::new(
            QueryKind::Probe,
            "http".to_owned(),
            query,
            result.started_at,
        )
    }
}

/// `dns 0 ms · connect 1 ms · tls 4 ms · first byte 35 ms · download 0 ms · 200, 2 bytes`.
fn timing_note(result: &ProbeResult) -> String {
    let t = &result.timings;
    let stages = [
        ("dns", t.dns_ms),
        ("connect", t.connect_ms),
        ("tls", t.tls_ms),
        ("first byte", t.first_byte_ms),
        ("download", t.download_ms),
    ];
    let mut parts: Vec<String> = stages
        .iter()
        .filter_map(|(name, ms)| ms.map(|ms| format!("{name} {ms:.0} ms")))
        .collect();
    if let Some(status) = result.status {
        parts.push(format!("{status}, {} bytes", result.bytes));
    }
    if let Some(cert) = &result.certificate {
        parts.push(format!("certificate expires in {:.1} days", cert.days_left));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests;
