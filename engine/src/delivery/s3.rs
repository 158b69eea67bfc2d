//! S3 objects: `s3://bucket/key` addresses, PutObject and GetObject as signed REST calls
//! (`crate::aws_call`: the key percent-encoded per segment, the bucket in the path when
//! an endpoint is configured, as local S3-compatible endpoints need; no checksum headers,
//! as PutObject requires none).

use bytes::Bytes;

use crate::aws_call::{self, Client};
use crate::error::EngineError;

/// An `s3://bucket/key` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    pub bucket: String,
    pub key: String,
}

impl S3Uri {
    /// Parses `s3://bucket/key`; `None` when `text` is not an S3 address.
    pub fn parse(text: &str) -> Option<Result<S3Uri, EngineError>> {
        let rest = text.strip_prefix("s3://")?;
        Some(match rest.split_once('/') {
            Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() && !key.ends_with('/') => {
                Ok(S3Uri {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                })
            }
            _ => Err(EngineError::InvalidInput(format!(
                "`{text}`: write s3://BUCKET/KEY, with a file name at the end of the key"
            ))),
        })
    }
}

impl std::fmt::Display for S3Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The PutObject request putting `body` at `uri` with `content_type`.
pub(super) fn put_request(uri: &S3Uri, body: Bytes, content_type: &str) -> aws_call::Request {
    aws_call::Request {
        method: hyper::Method::PUT,
        bucket: Some(uri.bucket.clone()),
        path: format!("/{}", aws_call::encode_key(&uri.key)),
        headers: vec![(hyper::header::CONTENT_TYPE, content_type.to_owned())],
        body,
    }
}

/// The GetObject request of `uri`.
pub(super) fn get_request(uri: &S3Uri) -> aws_call::Request {
    aws_call::Request {
        method: hyper::Method::GET,
        bucket: Some(uri.bucket.clone()),
        path: format!("/{}", aws_call::encode_key(&uri.key)),
        headers: Vec::new(),
        body: Bytes::new(),
    }
}

/// GetObject: the object's bytes.
pub(super) async fn get(s3: &Client, request: &aws_call::Request) -> Result<Vec<u8>, EngineError> {
    (s3.call("GetObject", "5,500 GET/s per prefix", request)
        .await)
        .map(|b| b.to_vec())
}

/// PutObject.
pub(super) async fn put(s3: &Client, request: &aws_call::Request) -> Result<(), EngineError> {
    s3.call("PutObject", "3,500 PUT/s per prefix", request)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_need_a_bucket_and_a_file_name() {
        let uri = S3Uri::parse("s3://records/incidents/2026/run.ipynb")
            .unwrap()
            .unwrap();
        assert_eq!(
            (uri.bucket.as_str(), uri.key.as_str()),
            ("records", "incidents/2026/run.ipynb")
        );
        assert_eq!(uri.to_string(), "s3://records/incidents/2026/run.ipynb");
        assert!(S3Uri::parse("s3://records/").unwrap().is_err());
        assert!(S3Uri::parse("s3://records/dir/").unwrap().is_err());
        assert!(S3Uri::parse("/tmp/x").is_none());
    }
}
