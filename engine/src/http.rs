//! A small HTTP/1.1 client on hyper, over tokio and rustls (the crates the AWS SDK already
//! brings), for what the engine sends that is not an AWS API: webhook notifications.
//! Every request has a deadline; HTTPS verifies the server against the system's roots.

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
}

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
    /// `scheme://host[:port]` (the port only when it is not the scheme's default, an IPv6
    /// host in brackets): what may be shown of a URL whose path or query may be secret.
    pub fn origin(&self) -> String {
        let (scheme, default_port) = if self.https {
            ("https", 443)
        } else {
            ("http", 80)
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default_port {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}:{}", self.port)
        }
    }
}

/// POSTs `body` as JSON to `url`; the response's status code.
pub async fn post_json(url: &str, body: Vec<u8>, deadline: Duration) -> Result<u16, HttpError> {
    let url = Url::parse(url)?;
    tokio::time::timeout(deadline, post(&url, body))
        .await
        .map_err(|_| HttpError::Timeout(deadline))?
}

async fn post(url: &Url, body: Vec<u8>) -> Result<u16, HttpError> {
    let io = |e: &dyn std::fmt::Display| HttpError::Io(e.to_string());
    let tcp = TcpStream::connect((url.host.as_str(), url.port))
        .await
        .map_err(|e| io(&e))?;
    let host = if url.port == 80 || url.port == 443 {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    let request = Request::post(&url.path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(
            hyper::header::USER_AGENT,
            concat!("playbook/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| io(&e))?;
    if url.https {
        let name = rustls::pki_types::ServerName::try_from(url.host.clone()).map_err(|e| io(&e))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config())
            .connect(name, tcp)
            .await
            .map_err(|e| io(&e))?;
        send(TokioIo::new(tls), request).await
    } else {
        send(TokioIo::new(tcp), request).await
    }
}

async fn send<T>(io: TokioIo<T>, request: Request<Full<Bytes>>) -> Result<u16, HttpError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let err = |e: &dyn std::fmt::Display| HttpError::Io(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| err(&e))?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| err(&e))?;
    let status = response.status().as_u16();
    // Read (and drop) the body, so the server sees the exchange through.
    let _ = response.into_body().collect().await;
    Ok(status)
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
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
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
