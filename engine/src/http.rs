//! A small HTTP/1.1 client on hyper, over tokio and rustls (the crates the AWS SDK already
//! brings, rustls with ring): webhook notifications, and the signed AWS calls of
//! `aws_call/`. One connection per request; every connection has a deadline and every
//! answer a size bound; HTTPS verifies the server against the system's roots.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL's scheme and host only: its path, query and user may be secret.
    #[error("`{0}…` is not a valid http:// or https:// URL")]
    BadUrl(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Io(String),
    /// The answer's body is larger than the caller accepts.
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

/// An answer: its status, headers and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

/// What a webhook's answer body may be (read and dropped).
const WEBHOOK_ANSWER_LIMIT: usize = 64 * 1024;

/// A URL taken apart: scheme, host, port, path with query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    /// Parses `http[s]://host[:port][/path]`.
    pub fn parse(text: &str) -> Result<Url, HttpError> {
        let bad = || HttpError::BadUrl(scheme_and_host(text));
        let (https, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad());
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                (host, port.parse().map_err(|_| bad())?)
            }
            _ => (authority, if https { 443 } else { 80 }),
        };
        if host.is_empty() {
            return Err(bad());
        }
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        Ok(Url {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            path,
        })
    }
}

/// `scheme://host[:port]` of a URL, without its user, password, path or query.
pub fn scheme_and_host(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

impl Url {
    /// The `Host` header for this URL: the host, and the port when it is not the scheme's
    /// default (an IPv6 host in brackets).
    pub(crate) fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.https { 443 } else { 80 };
        if self.port == default_port {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `scheme://host[:port]` (the port only when it is not the scheme's default, an IPv6
    /// host in brackets): what may be shown of a URL whose path or query may be secret.
    pub fn origin(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.host_header())
    }
}

/// POSTs `body` as JSON to `url`; the response's status code.
pub async fn post_json(url: &str, body: Vec<u8>, deadline: Duration) -> Result<u16, HttpError> {
    let url = Url::parse(url)?;
    tokio::time::timeout(deadline, post(&url, body, deadline))
        .await
        .map_err(|_| HttpError::Timeout(deadline))?
}

async fn post(url: &Url, body: Vec<u8>, deadline: Duration) -> Result<u16, HttpError> {
    let request = Request::post(&url.path)
        .header(hyper::header::HOST, url.host_header())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, USER_AGENT)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| HttpError::Io(e.to_string()))?;
    Ok(exchange(url, request, deadline, WEBHOOK_ANSWER_LIMIT)
        .await?
        .status)
}

/// The `User-Agent` of what the engine sends.
pub(crate) const USER_AGENT: &str = concat!("playbook/", env!("CARGO_PKG_VERSION"));

/// Sends `request` (origin-form URI, its `Host` set) to `url`'s host on a new connection
/// (made within `connect`), and reads the answer's body up to `limit` bytes. No deadline
/// of its own beyond the connection's: callers put one around it.
pub(crate) async fn exchange(
    url: &Url,
    request: Request<Full<Bytes>>,
    connect: Duration,
    limit: usize,
) -> Result<Answer, HttpError> {
    let io = |e: &dyn std::fmt::Display| HttpError::Io(e.to_string());
    let tcp = tokio::time::timeout(connect, TcpStream::connect((url.host.as_str(), url.port)))
        .await
        .map_err(|_| HttpError::Timeout(connect))?
        .map_err(|e| io(&e))?;
    if url.https {
        let name = rustls::pki_types::ServerName::try_from(url.host.clone()).map_err(|e| io(&e))?;
        let tls = tokio::time::timeout(
            connect,
            tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp),
        )
        .await
        .map_err(|_| HttpError::Timeout(connect))?
        .map_err(|e| io(&e))?;
        send(TokioIo::new(tls), request, limit).await
    } else {
        send(TokioIo::new(tcp), request, limit).await
    }
}

async fn send<T>(
    io: TokioIo<T>,
    request: Request<Full<Bytes>>,
    limit: usize,
) -> Result<Answer, HttpError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let err = |e: &dyn std::fmt::Display| HttpError::Io(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| err(&e))?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| err(&e))?;
    let (parts, body) = response.into_parts();
    // Read the body whole (so the server sees the exchange through), never more than `limit`.
    let body = http_body_util::Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                HttpError::TooLarge(limit)
            } else {
                HttpError::Io(e.to_string())
            }
        })?
        .to_bytes();
    Ok(Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}

/// The TLS configuration: the system's root certificates, loaded once.
pub(crate) fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| b.with_root_certificates(roots).with_no_client_auth())
                .unwrap_or_else(|_| {
                    rustls::ClientConfig::builder()
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth()
                });
            Arc::new(config)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart() {
        let url = Url::parse("https://hooks.slack.com/services/T0/B0/x?a=1").unwrap();
        assert_eq!(
            url,
            Url {
                https: true,
                host: "hooks.slack.com".into(),
                port: 443,
                path: "/services/T0/B0/x?a=1".into()
            }
        );
        let url = Url::parse("http://127.0.0.1:8123").unwrap();
        assert_eq!((url.port, url.path.as_str(), url.https), (8123, "/", false));
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("http://:80/").is_err());
    }
}
