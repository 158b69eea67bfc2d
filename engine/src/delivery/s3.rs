//! S3 objects: `s3://bucket/key` addresses and PutObject (path-style addressing when an
//! endpoint is configured, as local S3-compatible endpoints need).

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;

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

/// PutObject.
pub async fn put(
    config: &SdkConfig,
    uri: &S3Uri,
    body: Vec<u8>,
    content_type: &str,
) -> Result<(), EngineError> {
    // Path-style addressing and checksums only where required: what S3-compatible
    // endpoints (a local one, MinIO) understand; AWS accepts both.
    let s3 = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(s3)
        .put_object()
        .bucket(&uri.bucket)
        .key(&uri.key)
        .content_type(content_type)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(drop)
        .map_err(|e| crate::cloudwatch::errors::from_sdk("PutObject", "3,500 PUT/s per prefix", e))
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
