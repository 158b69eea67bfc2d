//! One probe's exchange, stage by stage — DNS, connect, TLS, request to first byte,
//! download — each timed, the whole under the probe's deadline. The stage it was in when
//! it failed or ran out of time says where the problem is.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use playbook::model::probe::{Certificate, ProbeFailure, ProbeResult, ProbeStage, ProbeTimings};
use tokio::net::TcpStream;

use super::Prepared;

/// The most body bytes kept for the body check (the rest is counted, not kept).
const KEPT_BODY: usize = 1 << 20;

/// What the exchange saw so far (kept when the deadline ends it).
#[derive(Default)]
struct Seen {
    stage: Option<ProbeStage>,
    timings: ProbeTimings,
    status: Option<u16>,
    bytes: u64,
    certificate: Option<Certificate>,
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn failed(stage: ProbeStage, error: &dyn std::fmt::Display) -> ProbeFailure {
    ProbeFailure {
        stage,
        timed_out: false,
        message: error.to_string(),
    }
}

/// Sends the probe and reports what it saw.
pub(super) async fn send(probe: &Prepared) -> ProbeResult {
    let started_at = Utc::now();
    let start = Instant::now();
    let deadline = Duration::from_millis(probe.spec.timeout_ms);
    let mut seen = Seen::default();
    let failure = match tokio::time::timeout(deadline, exchange(probe, &mut seen)).await {
        Ok(Ok(())) => None,
        Ok(Err(failure)) => Some(failure),
        Err(_) => Some(ProbeFailure {
            stage: seen.stage.unwrap_or(ProbeStage::Dns),
            timed_out: true,
            message: format!("no answer within {} ms", probe.spec.timeout_ms),
        }),
    };
    seen.timings.total_ms = millis(start);
    ProbeResult {
        name: probe.name.clone(),
        method: probe.spec.method.clone(),
        url: probe.masked_url.clone(),
        started_at,
        ok: failure.is_none(),
        status: seen.status,
        bytes: seen.bytes,
        timings: seen.timings,
        certificate: seen.certificate,
        failure,
    }
}

async fn exchange(probe: &Prepared, seen: &mut Seen) -> Result<(), ProbeFailure> {
    seen.stage = Some(ProbeStage::Dns);
    let at = Instant::now();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((probe.url.host.as_str(), probe.url.port))
        .await
        .map_err(|e| failed(ProbeStage::Dns, &e))?
        .collect();
    seen.timings.dns_ms = Some(millis(at));

    seen.stage = Some(ProbeStage::Connect);
    let at = Instant::now();
    let tcp = connect(&addrs).await?;
    seen.timings.connect_ms = Some(millis(at));

    if !probe.url.https {
        return request(TokioIo::new(tcp), probe, seen).await;
    }
    seen.stage = Some(ProbeStage::Tls);
    let at = Instant::now();
    let name = rustls::pki_types::ServerName::try_from(probe.url.host.clone())
        .map_err(|e| failed(ProbeStage::Tls, &e))?;
    let tls = tokio_rustls::TlsConnector::from(crate::http::tls_config())
        .connect(name, tcp)
        .await
        .map_err(|e| failed(ProbeStage::Tls, &e))?;
    seen.timings.tls_ms = Some(millis(at));
    seen.certificate = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|leaf| super::certificate::not_after(leaf))
        .map(|not_after| Certificate {
            not_after,
            days_left: (not_after - Utc::now()).num_seconds() as f64 / 86_400.0,
        });
    request(TokioIo::new(tls), probe, seen).await
}

/// Connects to the first address that answers.
async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, ProbeFailure> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => failed(ProbeStage::Connect, &e),
        None => failed(ProbeStage::Dns, &"the name resolved to no address"),
    })
}

async fn request<T>(io: TokioIo<T>, probe: &Prepared, seen: &mut Seen) -> Result<(), ProbeFailure>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    seen.stage = Some(ProbeStage::Response);
    let at = Instant::now();
    let response_failed = |e: &dyn std::fmt::Display| failed(ProbeStage::Response, e);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| response_failed(&e))?;
    tokio::spawn(connection);
    let response = sender
        .send_request(probe.request().map_err(|e| response_failed(&e))?)
        .await
        .map_err(|e| response_failed(&e))?;
    seen.timings.first_byte_ms = Some(millis(at));
    let status = response.status().as_u16();
    seen.status = Some(status);

    seen.stage = Some(ProbeStage::Download);
    let at = Instant::now();
    let mut body = response.into_body();
    let mut kept = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| failed(ProbeStage::Download, &e))?;
        if let Some(data) = frame.data_ref() {
            seen.bytes += data.len() as u64;
            let room = KEPT_BODY.saturating_sub(kept.len());
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    seen.timings.download_ms = Some(millis(at));
    probe.judge(status, &kept)
}

impl Prepared {
    /// The request as hyper sends it: the probe's method, path, headers and body.
    fn request(&self) -> Result<hyper::Request<Full<Bytes>>, hyper::http::Error> {
        let host = if self.url.port == 80 || self.url.port == 443 {
            self.url.host.clone()
        } else {
            format!("{}:{}", self.url.host, self.url.port)
        };
        let mut builder = hyper::Request::builder()
            .method(self.spec.method.as_str())
            .uri(self.url.path.as_str())
            .header(hyper::header::HOST, host)
            .header(
                hyper::header::USER_AGENT,
                concat!("playbook-probe/", env!("CARGO_PKG_VERSION")),
            );
        for (name, value) in &self.spec.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = self.spec.body.clone().unwrap_or_default();
        builder.body(Full::new(Bytes::from(body)))
    }

    /// Whether the answer is the one expected: its status, then its body.
    fn judge(&self, status: u16, body: &[u8]) -> Result<(), ProbeFailure> {
        let accepted = if self.spec.expect_status.is_empty() {
            (200..300).contains(&status)
        } else {
            self.spec.expect_status.contains(&status)
        };
        if !accepted {
            let expected = if self.spec.expect_status.is_empty() {
                "a 2xx".to_owned()
            } else {
                format!("{:?}", self.spec.expect_status)
            };
            return Err(failed(
                ProbeStage::Status,
                &format!("answered {status}, expected {expected}"),
            ));
        }
        let text = String::from_utf8_lossy(body);
        if let Some(needle) = &self.spec.body_contains
            && !text.contains(needle.as_str())
        {
            return Err(failed(
                ProbeStage::Body,
                &format!("the body does not contain {needle:?}"),
            ));
        }
        if let Some(pattern) = &self.pattern
            && !pattern.is_match(&text)
        {
            return Err(failed(
                ProbeStage::Body,
                &format!("the body does not match /{}/", pattern.as_str()),
            ));
        }
        Ok(())
    }
}
