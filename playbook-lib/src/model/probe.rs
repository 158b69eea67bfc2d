//! Probes: scripted HTTP requests a canary sends, timed the way CloudWatch Synthetics
//! reports them (DNS, connect, TLS, first byte, download, total), with the status, the
//! size, a body check and the TLS certificate's days to expiry.
//!
//! `probe(url)` is a builder; `.run()` sends one, [`probe_all`] sends several at once.
//! The requests run in the kernel's host (like queries): each obeys its deadline, is
//! recorded in the query log with its timings, and header values never reach the record
//! or the result (only header names are kept, and a URL's query values and user info are
//! masked). A target that is down is a result (`ok: false` and why), not an error: an error
//! means the probe itself could not be sent as written (a bad URL or pattern).
//! The table a report renders is in `probe_table`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// The deadline of a probe that names none.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// The most probes one call sends.
pub const MAX_PROBES: usize = 100;

/// One request to send, as the builder assembled it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// What the result and the record call it (default: the method and URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub url: String,
    pub method: String,
    /// Sent as given; only their names are ever recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub timeout_ms: u64,
    /// Accepted statuses (empty: any 2xx).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect_status: Vec<u16>,
    /// The body must contain this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// The body must match this regular expression (Rust `regex` syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_matches: Option<String>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Probe")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &header_names)
            .field("timeout_ms", &self.timeout_ms)
            .field("expect_status", &self.expect_status)
            .field("body_contains", &self.body_contains)
            .field("body_matches", &self.body_matches)
            .finish_non_exhaustive()
    }
}

/// A GET of `url` with a 10 s deadline, expecting a 2xx (see the builder methods).
pub fn probe(url: &str) -> Probe {
    Probe {
        name: None,
        url: url.trim().to_owned(),
        method: "GET".to_owned(),
        headers: Vec::new(),
        body: None,
        timeout_ms: DEFAULT_TIMEOUT_MS,
        expect_status: Vec::new(),
        body_contains: None,
        body_matches: None,
    }
}

impl Probe {
    /// What the result calls it.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// The HTTP method (`GET`, `POST`, `HEAD`, …).
    pub fn method(mut self, method: &str) -> Self {
        self.method = method.trim().to_ascii_uppercase();
        self
    }

    /// Adds a header; its value is sent but never recorded or shown.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The request body.
    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    /// The deadline for the whole exchange, in seconds.
    pub fn timeout_secs(mut self, seconds: f64) -> Self {
        self.timeout_ms = (seconds.max(0.0) * 1000.0).round() as u64;
        self
    }

    /// Accepts `status` (call again to accept several); without it any 2xx passes.
    pub fn expect_status(mut self, status: u16) -> Self {
        self.expect_status.push(status);
        self
    }

    /// The body must contain `text`.
    pub fn body_contains(mut self, text: &str) -> Self {
        self.body_contains = Some(text.to_owned());
        self
    }

    /// The body must match the regular expression `pattern`.
    pub fn body_matches(mut self, pattern: &str) -> Self {
        self.body_matches = Some(pattern.to_owned());
        self
    }

    /// Checks what cannot be sent, with what to write instead.
    pub fn validate(&self) -> Result<()> {
        let lower = self.url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(Error::InvalidInput(format!(
                "probe `{}`: give an http:// or https:// URL",
                self.url
            )));
        }
        if self.method.is_empty() || !self.method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::InvalidInput(format!(
                "probe method `{}`: give GET, POST, HEAD, …",
                self.method
            )));
        }
        if self.timeout_ms == 0 || self.timeout_ms > 300_000 {
            return Err(Error::InvalidInput(format!(
                "probe timeout {} ms: give between 1 ms and 300 s",
                self.timeout_ms
            )));
        }
        Ok(())
    }
}

/// Where a probe's time went, in milliseconds; a stage it never reached is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeTimings {
    pub dns_ms: Option<f64>,
    pub connect_ms: Option<f64>,
    /// HTTPS only.
    pub tls_ms: Option<f64>,
    /// From the request sent to the response's first byte (its status line and headers).
    pub first_byte_ms: Option<f64>,
    /// Reading the body.
    pub download_ms: Option<f64>,
    pub total_ms: f64,
}

/// The stage a failed probe stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProbeStage {
    Dns,
    Connect,
    Tls,
    /// Sending the request or waiting for the answer.
    Response,
    /// Reading the body.
    Download,
    /// The answer came, with a status the probe does not accept.
    Status,
    /// The body did not contain or match what the probe expects.
    Body,
}

impl ProbeStage {
    /// The name shown (`first byte` for [`ProbeStage::Response`]).
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeStage::Dns => "dns",
            ProbeStage::Connect => "connect",
            ProbeStage::Tls => "tls",
            ProbeStage::Response => "first byte",
            ProbeStage::Download => "download",
            ProbeStage::Status => "status",
            ProbeStage::Body => "body",
        }
    }
}

/// Why a probe failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeFailure {
    pub stage: ProbeStage,
    /// Whether the deadline ended it.
    #[serde(default)]
    pub timed_out: bool,
    pub message: String,
}

/// The server's TLS certificate, as the probe saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub not_after: DateTime<Utc>,
    /// Days from the probe to `not_after` (negative: expired).
    pub days_left: f64,
}

/// What one probe saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub name: String,
    pub method: String,
    /// The URL with its query values and user info masked.
    pub url: String,
    pub started_at: DateTime<Utc>,
    /// Whether it answered as expected (status, body).
    pub ok: bool,
    #[serde(default)]
    pub status: Option<u16>,
    /// Body bytes received.
    #[serde(default)]
    pub bytes: u64,
    pub timings: ProbeTimings,
    #[serde(default)]
    pub certificate: Option<Certificate>,
    #[serde(default)]
    pub failure: Option<ProbeFailure>,
}

impl ProbeResult {
    /// The total time, in milliseconds.
    pub fn latency_ms(&self) -> f64 {
        self.timings.total_ms
    }

    /// What happened, in a few words (`200 in 41 ms`, `timed out at first byte after 2000 ms`).
    pub fn outcome(&self) -> String {
        match (&self.failure, self.status) {
            (None, Some(status)) => format!("{status} in {:.0} ms", self.timings.total_ms),
            (Some(f), _) if f.timed_out => format!(
                "timed out at {} after {:.0} ms",
                f.stage.as_str(),
                self.timings.total_ms
            ),
            (Some(f), _) => format!("{}: {}", f.stage.as_str(), f.message),
            (None, None) => "no answer".to_owned(),
        }
    }
}

/// The results of one [`probe_all`] call, in the order the probes were given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub results: Vec<ProbeResult>,
}

impl ProbeReport {
    /// The share of probes that answered as expected (1.0 when there were none).
    pub fn availability(&self) -> f64 {
        if self.results.is_empty() {
            return 1.0;
        }
        self.results.iter().filter(|r| r.ok).count() as f64 / self.results.len() as f64
    }

    /// The slowest total time among probes that answered, in milliseconds.
    pub fn max_latency_ms(&self) -> Option<f64> {
        self.results
            .iter()
            .filter(|r| r.status.is_some())
            .map(|r| r.timings.total_ms)
            .reduce(f64::max)
    }

    /// The fewest days any certificate has left.
    pub fn min_certificate_days(&self) -> Option<f64> {
        self.results
            .iter()
            .filter_map(|r| r.certificate.as_ref().map(|c| c.days_left))
            .reduce(f64::min)
    }
}
