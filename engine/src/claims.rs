//! Claims that workers on any number of machines share, as small S3 objects under a
//! prefix (`s3://BUCKET/PREFIX/`): one is created only when absent (PutObject with
//! `If-None-Match: *`, which S3 answers 412 `PreconditionFailed` when the object exists,
//! and 409 `ConditionalRequestConflict` to the loser of two simultaneous creates),
//! replaced only when unchanged since read (`If-Match: ETAG`), read, and removed. Signed
//! calls over the engine's HTTP client (`crate::aws_call`); what a claim says is the
//! caller's (`playbook respond`'s claims: kernel/src/respond/claim.rs).

use aws_config::SdkConfig;
use bytes::Bytes;
use playbook::model::source::AwsTarget;

use crate::aws_call::{self, Client};
use crate::error::EngineError;

const PUT_LIMIT: &str = "3,500 PUT/s per prefix";
const GET_LIMIT: &str = "5,500 GET/s per prefix";

/// The claims under one S3 prefix.
#[derive(Debug, Clone)]
pub struct Claims {
    s3: Client,
    bucket: String,
    /// Empty, or ending with `/`.
    prefix: String,
}

/// A claim as read: what it says and its version (ETag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub body: Bytes,
    pub etag: String,
}

impl Claims {
    /// The claims at `at` (`s3://BUCKET[/PREFIX]`) in `target`'s account and region.
    pub async fn new(target: &AwsTarget, at: &str) -> Result<Claims, EngineError> {
        let config = crate::aws::sdk_config(target).await?;
        Claims::from_sdk_config(&config, at)
    }

    /// The claims at `at` with an explicit SDK configuration.
    pub fn from_sdk_config(config: &SdkConfig, at: &str) -> Result<Claims, EngineError> {
        let bad = || {
            EngineError::InvalidInput(format!(
                "--claims `{at}`: write s3://BUCKET/PREFIX (a prefix where workers share claims)"
            ))
        };
        let rest = at.strip_prefix("s3://").ok_or_else(bad)?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || prefix.starts_with('/') {
            return Err(bad());
        }
        let prefix = match prefix.trim_end_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        };
        let config = crate::aws::with_https_client(config.clone());
        Ok(Claims {
            s3: Client::new(&config, &aws_call::S3),
            bucket: bucket.to_owned(),
            prefix,
        })
    }

    /// Where the claim `name` is.
    pub fn location(&self, name: &str) -> String {
        format!("s3://{}/{}{name}", self.bucket, self.prefix)
    }

    fn request(
        &self,
        method: hyper::Method,
        name: &str,
        headers: Vec<(&'static str, String)>,
    ) -> aws_call::Request {
        aws_call::Request {
            method,
            bucket: Some(self.bucket.clone()),
            path: format!(
                "/{}",
                aws_call::encode_key(&format!("{}{name}", self.prefix))
            ),
            headers: headers
                .into_iter()
                .map(|(n, v)| (hyper::header::HeaderName::from_static(n), v))
                .collect(),
            body: Bytes::new(),
        }
    }

    /// Creates the claim `name` saying `body` unless it exists; its ETag, or `None`
    /// when another holds it.
    pub async fn create(&self, name: &str, body: Vec<u8>) -> Result<Option<String>, EngineError> {
        let mut request = self.request(
            hyper::Method::PUT,
            name,
            vec![
                ("content-type", "application/json".into()),
                ("if-none-match", "*".into()),
            ],
        );
        request.body = body.into();
        self.put(&request).await
    }

    /// Replaces the claim `name` with `body` if it is still at `etag`; its new ETag, or
    /// `None` when it changed (or went) since.
    pub async fn replace(
        &self,
        name: &str,
        body: Vec<u8>,
        etag: &str,
    ) -> Result<Option<String>, EngineError> {
        let mut request = self.request(
            hyper::Method::PUT,
            name,
            vec![
                ("content-type", "application/json".into()),
                ("if-match", etag.to_owned()),
            ],
        );
        request.body = body.into();
        self.put(&request).await
    }

    async fn put(&self, request: &aws_call::Request) -> Result<Option<String>, EngineError> {
        match self.s3.answer("PutObject", PUT_LIMIT, request).await {
            Ok(answer) => Ok(Some(etag_of(&answer.headers))),
            Err(error) if is_precondition(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The claim `name`, if there is one.
    pub async fn read(&self, name: &str) -> Result<Option<Held>, EngineError> {
        let request = self.request(hyper::Method::GET, name, Vec::new());
        match self.s3.answer("GetObject", GET_LIMIT, &request).await {
            Ok(answer) => Ok(Some(Held {
                etag: etag_of(&answer.headers),
                body: answer.body,
            })),
            Err(EngineError::Service { code, .. }) if code == "NoSuchKey" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Removes the claim `name` (nothing when it is already gone).
    pub async fn remove(&self, name: &str) -> Result<(), EngineError> {
        let request = self.request(hyper::Method::DELETE, name, Vec::new());
        (self.s3.answer("DeleteObject", PUT_LIMIT, &request).await).map(drop)
    }
}

/// Whether S3 refused a conditional write because its condition did not hold (with
/// `If-Match`, an object that is gone is `NoSuchKey`).
fn is_precondition(error: &EngineError) -> bool {
    matches!(error, EngineError::Service { code, .. }
        if code == "PreconditionFailed" || code == "ConditionalRequestConflict" || code == "NoSuchKey")
}

fn etag_of(headers: &hyper::HeaderMap) -> String {
    (headers.get(hyper::header::ETAG))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_call::tests::{answer, runtime, serve};
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;

    fn claims_at(endpoint: &str, at: &str) -> Result<Claims, EngineError> {
        let config = SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .endpoint_url(endpoint)
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        Claims::from_sdk_config(&config, at)
    }

    #[test]
    fn a_claims_address_is_a_bucket_and_a_prefix() {
        let c = claims_at("http://x", "s3://records/claims").unwrap();
        assert_eq!(c.location("k.json"), "s3://records/claims/k.json");
        let c = claims_at("http://x", "s3://records/").unwrap();
        assert_eq!(c.location("k.json"), "s3://records/k.json");
        for bad in ["records/claims", "s3:///claims", "s3://records//x"] {
            assert!(claims_at("http://x", bad).is_err(), "{bad}");
        }
    }

    const PRECONDITION: &str = "<Error><Code>PreconditionFailed</Code><Message>At least one \
        of the pre-conditions you specified did not hold</Message><Condition>If-None-Match\
        </Condition></Error>";

    #[test]
    fn a_create_that_finds_the_claim_taken_is_none_and_sends_if_none_match() {
        let rt = runtime();
        rt.block_on(async {
            let (url, heads) = serve(vec![answer(412, PRECONDITION)]).await;
            let claims = claims_at(&url, "s3://records/claims").unwrap();
            assert_eq!(claims.create("k.json", b"{}".to_vec()).await.unwrap(), None);
            let head = heads.lock().unwrap()[0].to_ascii_lowercase();
            assert!(head.starts_with("put /records/claims/k.json "), "{head}");
            assert!(head.contains("if-none-match: *"), "{head}");
            let (url, _) = serve(vec![answer(
                403,
                "<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
            )])
            .await;
            let claims = claims_at(&url, "s3://records/claims").unwrap();
            let error = claims.create("k.json", Vec::new()).await.unwrap_err();
            assert!(error.to_string().contains("AccessDenied"), "{error}");
        });
    }

    #[test]
    fn a_missing_claim_reads_as_none() {
        let rt = runtime();
        rt.block_on(async {
            let (url, _) = serve(vec![answer(
                404,
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.\
                 </Message></Error>",
            )])
            .await;
            let claims = claims_at(&url, "s3://records/claims").unwrap();
            assert_eq!(claims.read("k.json").await.unwrap(), None);
        });
    }
}
