//! Reading objects back from S3 (`playbook review s3://BUCKET/PREFIX`): ListObjectsV2 one
//! page at a time (the caller bounds the pages), and GetObject bounded by
//! `limits::MAX_NOTEBOOK_BYTES`, as signed REST calls over the same `aws_call` client and
//! S3 addressing as PutObject (`s3.rs`). The listing is read with `aws-smithy-xml`, the
//! reader the error shapes already use.

use aws_config::SdkConfig;
use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use bytes::Bytes;
use playbook::model::source::AwsTarget;

use super::s3::S3Uri;
use crate::aws_call::{self, Client, Service};
use crate::error::EngineError;

/// S3 as a reader of records: answers as large as a record may be.
const S3_READ: Service = Service {
    answer_limit: crate::limits::MAX_NOTEBOOK_BYTES as usize,
    ..aws_call::S3
};

/// Keys a page of ListObjectsV2 holds at most (the service's own maximum).
pub const KEYS_PER_PAGE: usize = 1000;

/// `s3://BUCKET` or `s3://BUCKET/PREFIX`: where records are listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Prefix {
    pub bucket: String,
    /// The key prefix, possibly empty (`incidents/` lists that "folder").
    pub prefix: String,
}

impl S3Prefix {
    /// Parses `s3://BUCKET[/PREFIX]`; `None` when `text` is not an S3 address.
    pub fn parse(text: &str) -> Option<Result<S3Prefix, EngineError>> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(if bucket.is_empty() || bucket.contains(['?', '#']) {
            Err(EngineError::InvalidInput(format!(
                "`{text}`: write s3://BUCKET or s3://BUCKET/PREFIX"
            )))
        } else {
            Ok(S3Prefix {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            })
        })
    }

    /// The object `key` of this prefix's bucket.
    pub fn object(&self, key: &str) -> S3Uri {
        S3Uri {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
        }
    }
}

impl std::fmt::Display for S3Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The keys of the page and their sizes in bytes, in the service's (key) order.
    pub objects: Vec<(String, u64)>,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

/// Reads objects of one account and region.
#[derive(Debug, Clone)]
pub struct ObjectReader {
    s3: Client,
}

impl ObjectReader {
    /// A reader in `target`'s account and region.
    pub async fn new(target: &AwsTarget) -> Result<ObjectReader, EngineError> {
        Ok(ObjectReader::from_sdk_config(
            crate::aws::sdk_config(target).await?,
        ))
    }

    /// A reader with an explicit SDK configuration (the engine's HTTPS client when it
    /// names none).
    pub fn from_sdk_config(config: SdkConfig) -> ObjectReader {
        let config = crate::aws::with_https_client(config);
        ObjectReader {
            s3: Client::new(&config, &S3_READ),
        }
    }

    /// One page of ListObjectsV2 under `at`, from `token` (a previous page's `next`).
    pub async fn list_page(&self, at: &S3Prefix, token: Option<&str>) -> Result<Page, EngineError> {
        let request = list_request(at, token);
        let body = self
            .s3
            .call("ListObjectsV2", "5,500 GET/s per prefix", &request)
            .await?;
        parse_page(&body).ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "ListObjectsV2 on {at} answered something that is not a listing"
            ))
        })
    }

    /// The body of `uri` (at most `limits::MAX_NOTEBOOK_BYTES`).
    pub async fn get(&self, uri: &S3Uri) -> Result<Bytes, EngineError> {
        let request = aws_call::Request {
            method: hyper::Method::GET,
            bucket: Some(uri.bucket.clone()),
            path: format!("/{}", aws_call::encode_key(&uri.key)),
            headers: Vec::new(),
            body: Bytes::new(),
        };
        self.s3
            .call("GetObject", "5,500 GET/s per prefix", &request)
            .await
    }
}

/// The ListObjectsV2 request of a page.
fn list_request(at: &S3Prefix, token: Option<&str>) -> aws_call::Request {
    let encode = crate::aws_call::encode_query_value;
    let mut path = format!("/?list-type=2&max-keys={KEYS_PER_PAGE}");
    if let Some(token) = token {
        path.push_str(&format!("&continuation-token={}", encode(token)));
    }
    if !at.prefix.is_empty() {
        path.push_str(&format!("&prefix={}", encode(&at.prefix)));
    }
    aws_call::Request {
        method: hyper::Method::GET,
        bucket: Some(at.bucket.clone()),
        path,
        headers: Vec::new(),
        body: Bytes::new(),
    }
}

/// A `ListBucketResult`: its `Contents` (`Key`, `Size`) and `NextContinuationToken` when
/// `IsTruncated`; `None` when the body is not one.
fn parse_page(body: &[u8]) -> Option<Page> {
    let mut document = Document::try_from(body).ok()?;
    let mut root = document.root_element().ok()?;
    if !root.start_el().matches("ListBucketResult") {
        return None;
    }
    let mut page = Page::default();
    let mut truncated = false;
    let mut token = None;
    while let Some(mut tag) = root.next_tag() {
        let name = tag.start_el().local().to_owned();
        match name.as_str() {
            "Contents" => {
                if let Some(object) = contents(&mut tag) {
                    page.objects.push(object);
                }
            }
            "IsTruncated" => truncated = try_data(&mut tag).ok()?.trim() == "true",
            "NextContinuationToken" => token = Some(try_data(&mut tag).ok()?.trim().to_owned()),
            _ => {}
        }
    }
    page.next = token.filter(|t| truncated && !t.is_empty());
    Some(page)
}

/// One `Contents` element: its key and size.
fn contents(tag: &mut ScopedDecoder<'_, '_>) -> Option<(String, u64)> {
    let (mut key, mut size) = (None, 0);
    while let Some(mut field) = tag.next_tag() {
        let name = field.start_el().local().to_owned();
        match name.as_str() {
            "Key" => key = Some(try_data(&mut field).ok()?.into_owned()),
            "Size" => size = try_data(&mut field).ok()?.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    key.map(|k| (k, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_name_a_bucket_and_maybe_a_prefix() {
        let at = S3Prefix::parse("s3://records/runs/2026/").unwrap().unwrap();
        assert_eq!(
            (at.bucket.as_str(), at.prefix.as_str()),
            ("records", "runs/2026/")
        );
        let whole = S3Prefix::parse("s3://records").unwrap().unwrap();
        assert_eq!(whole.prefix, "");
        assert!(S3Prefix::parse("s3:///x").unwrap().is_err());
        assert!(S3Prefix::parse("runs/").is_none());
        assert_eq!(
            at.object("runs/2026/a.ipynb").to_string(),
            "s3://records/runs/2026/a.ipynb"
        );
    }

    #[test]
    fn a_listing_page_gives_keys_sizes_and_where_the_next_starts() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
<Prefix>runs/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>
<IsTruncated>true</IsTruncated>
<Contents><Key>runs/a &amp; b.ipynb</Key><LastModified>2026-12-01T00:00:00.000Z</LastModified>
<ETag>"x"</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>runs/c.json</Key><Size>5</Size></Contents>
<NextContinuationToken>tok+en/=</NextContinuationToken></ListBucketResult>"#;
        let page = parse_page(body).unwrap();
        assert_eq!(
            page.objects,
            vec![
                ("runs/a & b.ipynb".to_owned(), 1234),
                ("runs/c.json".to_owned(), 5)
            ]
        );
        assert_eq!(page.next.as_deref(), Some("tok+en/="));
        let last = br#"<ListBucketResult><IsTruncated>false</IsTruncated>
<NextContinuationToken>ignored</NextContinuationToken></ListBucketResult>"#;
        assert_eq!(
            parse_page(last).unwrap().next,
            None,
            "the last page has no next"
        );
        assert!(parse_page(b"<Error><Code>x</Code></Error>").is_none());
        assert!(parse_page(b"not xml").is_none());
    }

    #[test]
    fn a_listing_cut_anywhere_or_mangled_never_panics() {
        let body = "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a\
                    </Key><Size>12</Size></Contents><NextContinuationToken>t\
                    </NextContinuationToken></ListBucketResult>";
        for end in 0..=body.len() {
            let _ = parse_page(&body.as_bytes()[..end]);
        }
        for (at, byte) in body.bytes().enumerate() {
            let mut mangled = body.as_bytes().to_vec();
            mangled[at] = byte.wrapping_add(1);
            let _ = parse_page(&mangled);
        }
        let deep = "<ListBucketResult>".to_owned() + &"<Contents>".repeat(10_000);
        let _ = parse_page(deep.as_bytes());
    }

    #[test]
    fn a_listing_request_encodes_its_prefix_and_token() {
        let at = S3Prefix::parse("s3://b/runs 2026/ü").unwrap().unwrap();
        let request = list_request(&at, Some("a+b/c="));
        assert_eq!(
            request.path,
            "/?list-type=2&max-keys=1000&continuation-token=a%2Bb%2Fc%3D\
             &prefix=runs%202026%2F%C3%BC"
        );
        assert_eq!(request.bucket.as_deref(), Some("b"));
    }
}
