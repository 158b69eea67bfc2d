//! The request as sent: its host, headers and body, signed with SigV4 by `aws-sigv4` (the
//! SDK's own signer) — S3 with its own rules (the path signed as sent, never normalised;
//! `x-amz-content-sha256` with the body's hash) — and S3 keys percent-encoded per path
//! segment as SigV4 requires.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningParams,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::Full;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{Failure, Request, Service};
use crate::http::Url;

/// What a path segment keeps as it is: RFC 3986's unreserved characters. Everything else
/// (spaces, `+`, `=`, `%`, non-ASCII as UTF-8 bytes) is `%XX`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An S3 key (or bucket) as a URI path: each `/`-separated segment percent-encoded.
pub(crate) fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|segment| utf8_percent_encode(segment, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// A form value (`application/x-www-form-urlencoded` bodies of the query protocol).
pub(crate) fn encode_form_value(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).to_string()
}

/// Who signs, where, when.
pub(crate) struct Signing<'a> {
    pub service: &'a Service,
    pub region: &'a str,
    pub credentials: &'a Credentials,
    pub time: SystemTime,
}

/// The SigV4 settings of `service`.
fn settings(service: &Service) -> SigningSettings {
    let mut settings = SigningSettings::default();
    if service.signing_name == "s3" {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    settings
}

/// `request` at `path` (encoded) on `url`'s host, with `Host`, `User-Agent` and the
/// signature's headers (`Authorization`, `X-Amz-Date`, the session token, and S3's
/// `x-amz-content-sha256`).
pub(crate) fn signed(
    signing: &Signing<'_>,
    url: &Url,
    path: &str,
    request: &Request,
) -> Result<hyper::Request<Full<Bytes>>, Failure> {
    let bad = |e: &dyn std::fmt::Display| Failure::Config(format!("signing the request: {e}"));
    let host = url.host_header();
    let mut headers: Vec<(&str, &str)> = vec![("host", host.as_str())];
    headers.extend(
        request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str())),
    );
    let scheme = if url.https { "https" } else { "http" };
    let identity: Identity = signing.credentials.clone().into();
    let params: SigningParams<'_> = v4::SigningParams::builder()
        .identity(&identity)
        .region(signing.region)
        .name(signing.service.signing_name)
        .time(signing.time)
        .settings(settings(signing.service))
        .build()
        .map_err(|e| bad(&e))?
        .into();
    let signable = SignableRequest::new(
        request.method.as_str(),
        format!("{scheme}://{host}{path}"),
        headers.iter().copied(),
        SignableBody::Bytes(&request.body),
    )
    .map_err(|e| bad(&e))?;
    let (instructions, _signature) = sign(signable, &params).map_err(|e| bad(&e))?.into_parts();
    let mut builder = hyper::Request::builder()
        .method(request.method.clone())
        .uri(path)
        .header(hyper::header::HOST, &host)
        .header(hyper::header::USER_AGENT, crate::http::USER_AGENT);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let mut out = builder
        .body(Full::new(request.body.clone()))
        .map_err(|e| bad(&e))?;
    instructions.apply_to_request_http1x(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn odd_s3_keys_are_encoded_per_segment() {
        assert_eq!(
            encode_key("incidents/2026/run.ipynb"),
            "incidents/2026/run.ipynb"
        );
        assert_eq!(
            encode_key("reports/a b+c=d&e/ü 東京.html"),
            "reports/a%20b%2Bc%3Dd%26e/%C3%BC%20%E6%9D%B1%E4%BA%AC.html"
        );
        assert_eq!(encode_key("a%2Fb/~x_y-z.q"), "a%252Fb/~x_y-z.q");
        assert_eq!(encode_key("dir//x"), "dir//x", "empty segments stay");
    }

    fn signing_of<'a>(service: &'static Service, credentials: &'a Credentials) -> Signing<'a> {
        Signing {
            service,
            region: "eu-west-1",
            credentials,
            // 2026-12-07T12:00:00Z
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_644_800),
        }
    }

    fn header(request: &hyper::Request<Full<Bytes>>, name: &str) -> String {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn s3_requests_carry_the_payload_hash_and_sign_the_path_as_sent() {
        let credentials =
            Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()), None, "t");
        let url = Url::parse("http://127.0.0.1:9000").unwrap();
        let request = Request {
            method: hyper::Method::PUT,
            bucket: Some("records".into()),
            path: format!("/{}", encode_key("a b/ü.txt")),
            headers: vec![(hyper::header::CONTENT_TYPE, "text/plain".into())],
            body: Bytes::from_static(b"hello"),
        };
        let path = format!("/records{}", request.path);
        let out = signed(
            &signing_of(&super::super::S3, &credentials),
            &url,
            &path,
            &request,
        )
        .unwrap();
        assert_eq!(out.uri().path(), "/records/a%20b/%C3%BC.txt");
        assert_eq!(header(&out, "host"), "127.0.0.1:9000");
        assert_eq!(
            header(&out, "x-amz-content-sha256"),
            // sha256("hello")
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(header(&out, "x-amz-date"), "20261207T120000Z");
        assert_eq!(header(&out, "x-amz-security-token"), "token");
        let authorization = header(&out, "authorization");
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/eu-west-1/s3/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, \
                 Signature="
            ),
            "{authorization}"
        );
        assert_eq!(header(&out, "content-type"), "text/plain");
    }

    #[test]
    fn other_services_sign_without_the_payload_header() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "t");
        let url = Url::parse("https://sns.eu-west-1.amazonaws.com").unwrap();
        let request = Request {
            method: hyper::Method::POST,
            bucket: None,
            path: "/".into(),
            headers: vec![],
            body: Bytes::from_static(b"Action=Publish"),
        };
        let out = signed(
            &signing_of(&super::super::SNS, &credentials),
            &url,
            "/",
            &request,
        )
        .unwrap();
        assert_eq!(header(&out, "host"), "sns.eu-west-1.amazonaws.com");
        assert!(out.headers().get("x-amz-content-sha256").is_none());
        assert!(out.headers().get("x-amz-security-token").is_none());
        assert!(
            header(&out, "authorization")
                .contains("/eu-west-1/sns/aws4_request, SignedHeaders=host;x-amz-date,")
        );
    }
}
