//! What a run delivers beyond its record on disk: objects to S3 (records, reports,
//! summaries), messages to SNS topics and webhooks, and metrics (PutMetricData). All in
//! the run's account and region (`crate::aws`), each bounded: a deadline per attempt and
//! overall, a few attempts with backoff for what a retry may fix. `objects.rs` reads
//! objects back (`playbook review`): a page of a listing at a time, one object at a time.

mod objects;
mod s3;
mod sns;
mod webhook;

use std::future::Future;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use playbook::model::publish::MetricDatum;
use playbook::model::source::AwsTarget;

use crate::aws_call::{self, Client};
use crate::error::EngineError;
pub use objects::{KEYS_PER_PAGE, ObjectReader, Page, S3Prefix};
pub use s3::S3Uri;
pub use webhook::post_json;

/// How many times a delivery is tried.
pub const ATTEMPTS: u32 = 3;
/// How long all attempts of one delivery may take together, unless
/// `PLAYBOOK_DELIVERY_TIMEOUT` (seconds) says otherwise: a Kubernetes Job's grace period
/// after SIGTERM is 30 s by default.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// The deadline of one delivery (all its attempts).
pub fn deadline() -> Duration {
    std::env::var("PLAYBOOK_DELIVERY_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_DEADLINE, Duration::from_secs_f64)
}

/// The AWS side of a run's deliveries.
#[derive(Debug, Clone)]
pub struct Deliverer {
    config: SdkConfig,
    s3: Client,
    sns: Client,
}

impl Deliverer {
    /// Deliveries in `target`'s account and region.
    pub async fn new(target: &AwsTarget) -> Result<Deliverer, EngineError> {
        Ok(Deliverer::from_sdk_config(
            crate::aws::sdk_config(target).await?,
        ))
    }

    /// A deliverer with an explicit SDK configuration (tests; the engine's HTTPS client
    /// when it names none).
    pub fn from_sdk_config(config: SdkConfig) -> Deliverer {
        let config = crate::aws::with_https_client(config);
        Deliverer {
            s3: Client::new(&config, &aws_call::S3),
            sns: Client::new(&config, &aws_call::SNS),
            config,
        }
    }

    /// Puts `body` at `uri` with `content_type`.
    pub async fn put_object(
        &self,
        uri: &S3Uri,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), EngineError> {
        let request = s3::put_request(uri, body.into(), content_type);
        retried("PutObject", || s3::put(&self.s3, &request)).await
    }

    /// The object at `uri` (at most S3's answer bound, 4 MiB).
    pub async fn get_object(&self, uri: &S3Uri) -> Result<Vec<u8>, EngineError> {
        let request = s3::get_request(uri);
        retried("GetObject", || s3::get(&self.s3, &request)).await
    }

    /// Publishes a message to an SNS topic; the message id.
    pub async fn publish(
        &self,
        topic_arn: &str,
        subject: &str,
        message: &str,
    ) -> Result<String, EngineError> {
        retried("Publish", || {
            sns::publish(&self.sns, topic_arn, subject, message)
        })
        .await
    }

    /// Publishes metrics (PutMetricData, batched); the number of calls.
    pub async fn put_metrics(&self, datums: &[MetricDatum]) -> Result<u32, EngineError> {
        let client = aws_sdk_cloudwatch::Client::new(&self.config);
        let mut calls = 0;
        for namespace in namespaces(datums) {
            let of_namespace: Vec<_> = datums
                .iter()
                .filter(|d| d.namespace == namespace)
                .map(crate::cloudwatch::publish::aws_datum)
                .collect();
            for chunk in of_namespace.chunks(crate::cloudwatch::publish::MAX_DATUMS_PER_CALL) {
                retried("PutMetricData", || async {
                    client
                        .put_metric_data()
                        .namespace(namespace)
                        .set_metric_data(Some(chunk.to_vec()))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| {
                            crate::cloudwatch::errors::from_sdk("PutMetricData", "500 TPS", e)
                        })
                })
                .await?;
                calls += 1;
            }
        }
        Ok(calls)
    }
}

fn namespaces(datums: &[MetricDatum]) -> Vec<&str> {
    let mut names: Vec<&str> = datums.iter().map(|d| d.namespace.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Runs `attempt` up to [`ATTEMPTS`] times within [`DEADLINE`], again only after a
/// failure a retry may fix (throttling, a deadline, an unavailable service), waiting 1 s
/// then 2 s.
pub async fn retried<T, F, Fut>(api: &str, mut attempt: F) -> Result<T, EngineError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, EngineError>>,
{
    let deadline = deadline();
    let started = Instant::now();
    let mut pause = Duration::from_secs(1);
    let timeout = || EngineError::Timeout {
        what: api.to_owned(),
        seconds: deadline.as_secs(),
        hint: " (PLAYBOOK_DELIVERY_TIMEOUT)".to_owned(),
    };
    for number in 1..=ATTEMPTS {
        let left = deadline.saturating_sub(started.elapsed());
        let outcome = match tokio::time::timeout(left, attempt()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(timeout()),
        };
        match outcome {
            Ok(value) => return Ok(value),
            Err(error)
                if number < ATTEMPTS
                    && error.kind().is_transient()
                    && started.elapsed() + pause < deadline =>
            {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            Err(error) => return Err(error),
        }
    }
    Err(timeout())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_retry_may_fix_is_retried() {
        // Paused time: the backoff between attempts passes at once.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async { tokio::time::pause() });
        let mut calls = 0;
        let result: Result<(), _> = runtime.block_on(retried("Test", || {
            calls += 1;
            async { Err(EngineError::Credentials("denied".into())) }
        }));
        assert!(result.is_err());
        assert_eq!(calls, 1, "a refusal is not retried");
        let mut calls = 0;
        let result: Result<(), _> = runtime.block_on(retried("Test", || {
            calls += 1;
            async {
                Err(EngineError::Throttled {
                    api: "Test",
                    code: "Throttling".into(),
                    message: String::new(),
                    limit: "",
                })
            }
        }));
        assert!(result.is_err());
        assert_eq!(
            calls, ATTEMPTS,
            "throttling is retried, a bounded number of times"
        );
    }
}
