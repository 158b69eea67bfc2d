//! Signed calls to the AWS APIs the engine makes only a handful of — S3 PutObject (and the
//! claims' conditional puts, GetObject and DeleteObject), ListObjectsV2, the SQS calls of a
//! queue worker, SNS
//! Publish, Service Quotas' ListServiceQuotas and ListAWSDefaultServiceQuotas, and the
//! seven CloudWatch Logs operations (`cloudwatch/logs_api.rs`) — without a generated SDK
//! crate per service (those cost minutes of a cold build for a few operations each). A call is signed with SigV4 by `aws-sigv4` (the SDK's own signer)
//! with the credentials and region of the target's `SdkConfig` (so every provider the SDK
//! knows still applies: environment, profiles with SSO and `credential_process`, instance
//! and container roles, web identity, an assumed role), sent over the engine's HTTP client
//! (`crate::http`), retried as the SDK's standard mode retries, and its errors keep the
//! service's code and message and are classified as the SDK's are.
//!
//! - `endpoint.rs`: where a service answers (the configured endpoint, else the partition's).
//! - `sign.rs`: the request as signed, and S3's key encoding.
//! - `wire.rs`: each protocol's request and error shapes (REST-XML, query, AWS JSON).
//! - `retry.rs`: attempts, backoff with jitter, deadlines.
//! - `failure.rs`: what went wrong, and the engine error it becomes.

mod endpoint;
mod failure;
mod retry;
mod sign;
#[cfg(test)]
pub(crate) mod tests;
mod wire;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::Bytes;

use crate::error::EngineError;
pub(crate) use failure::Failure;
pub(crate) use retry::Policy;
pub(crate) use sign::{encode_form_value as encode_query_value, encode_key};
pub(crate) use wire::{Protocol, xml_text};

/// The most an answer's body may be for most services (a page of Service Quotas is tens
/// of KiB, S3 and SNS answer a few hundred bytes).
const ANSWER_LIMIT: usize = 4 * 1024 * 1024;
/// Credentials are asked for again this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// An AWS service as the calls need it.
#[derive(Debug)]
pub(crate) struct Service {
    /// The SDK's service id (`AWS_ENDPOINT_URL_<ID>`, a profile's `services` section).
    pub id: &'static str,
    /// The SigV4 signing name.
    pub signing_name: &'static str,
    /// The first label of the service's host name.
    pub endpoint_prefix: &'static str,
    pub protocol: Protocol,
    /// The most an answer's body may be.
    pub answer_limit: usize,
}

pub(crate) const S3: Service = Service {
    id: "S3",
    signing_name: "s3",
    endpoint_prefix: "s3",
    protocol: Protocol::RestXml,
    answer_limit: ANSWER_LIMIT,
};

pub(crate) const SNS: Service = Service {
    id: "SNS",
    signing_name: "sns",
    endpoint_prefix: "sns",
    protocol: Protocol::Query {
        version: "2010-03-31",
    },
    answer_limit: ANSWER_LIMIT,
};

pub(crate) const SERVICE_QUOTAS: Service = Service {
    id: "Service Quotas",
    signing_name: "servicequotas",
    endpoint_prefix: "servicequotas",
    protocol: Protocol::Json {
        version: wire::JsonVersion::V1_1,
        target_prefix: "ServiceQuotasV20190624",
    },
    answer_limit: ANSWER_LIMIT,
};

/// CloudWatch Logs. A page of FilterLogEvents or GetLogEvents is at most 1 MB of events
/// (and their JSON escaping); a completed Logs Insights query answers all of its up to
/// 10,000 rows at once, each field up to an event's size, so its bound is a memory
/// bound far above real results rather than the service's.
/// Amazon SQS over its AWS JSON 1.0 protocol (what the SDK speaks to it since 2023). A
/// long-polled ReceiveMessage answers at most 10 messages of at most 256 KiB each.
pub(crate) const SQS: Service = Service {
    id: "SQS",
    signing_name: "sqs",
    endpoint_prefix: "sqs",
    protocol: Protocol::Json {
        version: wire::JsonVersion::V1_0,
        target_prefix: "AmazonSQS",
    },
    answer_limit: ANSWER_LIMIT,
};

pub(crate) const LOGS: Service = Service {
    id: "CloudWatch Logs",
    signing_name: "logs",
    endpoint_prefix: "logs",
    protocol: Protocol::Json {
        version: wire::JsonVersion::V1_1,
        target_prefix: "Logs_20140328",
    },
    answer_limit: 256 * 1024 * 1024,
};

/// A request before it is addressed and signed.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: hyper::Method,
    /// S3 only: the bucket, in the host name or the path as the endpoint allows.
    pub bucket: Option<String>,
    /// The path after the endpoint (and bucket), already percent-encoded; starts with `/`.
    pub path: String,
    /// Headers beyond `Host` and the signature's.
    pub headers: Vec<(hyper::header::HeaderName, String)>,
    pub body: Bytes,
}

/// A client for one service in one account and region.
#[derive(Clone)]
pub(crate) struct Client {
    service: &'static Service,
    region: Option<String>,
    endpoint: endpoint::Endpoint,
    provider: Option<SharedCredentialsProvider>,
    cached: Arc<Mutex<Option<Credentials>>>,
    policy: Policy,
    /// Counts the attempts after the first of every call (the record's retried calls).
    retried: Option<Arc<AtomicU64>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "aws_call::Client({}, {:?})",
            self.service.id, self.region
        )
    }
}

impl Client {
    /// A client for `service` with `config`'s credentials, region, endpoint, retries and
    /// timeouts.
    pub(crate) fn new(config: &SdkConfig, service: &'static Service) -> Client {
        Client {
            service,
            region: config.region().map(|r| r.to_string()),
            endpoint: endpoint::Endpoint::of(config, service),
            provider: config.credentials_provider(),
            cached: Arc::new(Mutex::new(None)),
            policy: Policy::of(config),
            retried: None,
        }
    }

    /// The same client with other attempts and deadlines.
    pub(crate) fn with_policy(mut self, policy: Policy) -> Client {
        self.policy = policy;
        self
    }

    /// The same client, adding each attempt after a call's first to `retried`.
    pub(crate) fn with_retry_count(mut self, retried: Arc<AtomicU64>) -> Client {
        self.retried = Some(retried);
        self
    }

    /// Sends `request` as `api` (whose quota is `limit`, for a throttling message); the
    /// body of the 2xx answer.
    pub(crate) async fn call(
        &self,
        api: &'static str,
        limit: &'static str,
        request: &Request,
    ) -> Result<Bytes, EngineError> {
        self.answer(api, limit, request).await.map(|a| a.body)
    }

    /// Like [`Client::call`], with the answer's status and headers (an S3 object's ETag).
    pub(crate) async fn answer(
        &self,
        api: &'static str,
        limit: &'static str,
        request: &Request,
    ) -> Result<crate::http::Answer, EngineError> {
        let mut attempts = 0u32;
        let attempt = || {
            attempts += 1;
            if attempts > 1
                && let Some(retried) = &self.retried
            {
                retried.fetch_add(1, Ordering::Relaxed);
            }
            self.attempt(request)
        };
        retry::run(&self.policy, attempt)
            .await
            .map_err(|failure| failure.into_engine_error(api, limit))
    }

    async fn attempt(&self, request: &Request) -> Result<crate::http::Answer, Failure> {
        let region = self.region.as_deref().ok_or(Failure::NoRegion)?;
        let (url, path) = self.endpoint.address(region, request.bucket.as_deref())?;
        let credentials = self.credentials().await?;
        let path = format!("{path}{}", request.path);
        let signed = sign::signed(
            &sign::Signing {
                service: self.service,
                region,
                credentials: &credentials,
                time: SystemTime::now(),
            },
            &url,
            &path,
            request,
        )?;
        let answer =
            crate::http::exchange(&url, signed, self.policy.connect, self.service.answer_limit)
                .await
                .map_err(Failure::from)?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(wire::error(self.service.protocol, &answer))
        }
    }

    /// The credentials to sign with: the provider's, kept until shortly before they expire
    /// (the SDK's clients cache them the same way).
    async fn credentials(&self) -> Result<Credentials, Failure> {
        let fresh = |c: &Credentials| {
            c.expiry()
                .is_none_or(|at| at > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        };
        if let Some(known) = self
            .cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .filter(fresh)
        {
            return Ok(known);
        }
        let provider = self
            .provider
            .as_ref()
            .ok_or_else(|| Failure::Credentials("no credentials provider is configured".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| Failure::Credentials(failure::error_chain(&e)))?;
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(credentials.clone());
        Ok(credentials)
    }
}
