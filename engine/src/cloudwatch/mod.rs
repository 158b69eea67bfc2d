//! The CloudWatch source: metrics through the AWS SDK and logs through the engine's own
//! signed calls (`logs_api.rs` over `aws_call/`), with one shared client per service, a client-side rate limiter per API, a gate on concurrent Logs Insights
//! queries, bounded retries and a deadline on every wait.
//!
//! The SDK is async; the engine's callers (the kernel's blocking workers, `playbook
//! query`) are not, so the source owns a small tokio runtime and waits on it through a
//! channel (never `block_on` inside another runtime).

pub mod alarms;
pub mod batch;
mod contributors;
pub mod discovery;
pub mod errors;
pub mod events;
mod insights_queue;
mod insights_quota;
mod inventory;
pub mod limiter;
pub mod log_anomalies;
pub mod logs;
mod logs_api;
mod logs_wire;
pub mod metrics;
mod paging;
pub mod publish;
pub mod quotas;
pub mod retries;
mod service_quotas;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::backend::{Backend, Outcome, ResolvedMetric};
use crate::error::EngineError;
use playbook::model::log_table::LogTable;
use playbook::model::publish::MetricDatum;
use playbook::model::query::{FilterQuery, LogsQuery};
use playbook::model::series::Series;
use playbook::model::source::AwsTarget;
use playbook::model::time_range::TimeRange;

pub use quotas::DEFAULT_INSIGHTS_CONCURRENCY;

/// The shared state of the CloudWatch source.
pub struct CloudWatchSource {
    /// `None` only while dropping (see `Drop`).
    runtime: OwnRuntime,
    shared: Arc<Shared>,
}

/// The source's own tokio runtime. A runtime dropped from inside an async context (the
/// headless runner drops its session there, or a source that failed to open) panics;
/// this one shuts down in the background, which never does.
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::ops::Deref for OwnRuntime {
    type Target = tokio::runtime::Runtime;

    fn deref(&self) -> &tokio::runtime::Runtime {
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime is only taken when dropping"))
    }
}

/// What every call shares.
pub struct Shared {
    pub metrics: aws_sdk_cloudwatch::Client,
    /// CloudWatch Logs, through `aws_call/` (`logs_api.rs`).
    pub(crate) logs: logs_api::LogsApi,
    pub sts: aws_sdk_sts::Client,
    /// Reads the account's Logs Insights concurrency quota (`insights_quota.rs`): one
    /// attempt per call, a short deadline.
    pub(crate) service_quotas: crate::aws_call::Client,
    /// Service Quotas for queries (`service_quotas.rs`): retried as every query's calls.
    pub(crate) quotas_api: crate::aws_call::Client,
    /// Where the SDK gets its credentials (environment, profile, SSO, an assumed role).
    pub credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// The credentials resolved so far, for masking records, and when they were last
    /// asked for (the provider is asked again every few minutes: roles rotate them).
    pub resolved_secrets: std::sync::Mutex<(Vec<String>, Option<std::time::Instant>)>,
    /// The role assumed, when the target names one.
    pub role: Option<String>,
    /// The source spec (`cloudwatch`, `cloudwatch:region=…`), for the record.
    pub spec: String,
    /// The account id, asked once (None inside: unknown).
    pub account: std::sync::OnceLock<Option<String>>,
    /// The endpoint override, if any.
    pub endpoint: Option<String>,
    pub region: String,
    /// The account and region's quotas, shared by every source of the process that asks
    /// them (`quotas.rs`).
    pub quotas: Arc<quotas::Quotas>,
    /// The calls of these clients retried, by the SDK or `aws_call/` (`retries.rs`).
    pub retries: retries::Retries,
    /// Set by an interrupt: running waits stop (and StopQuery their queries).
    pub cancelled: AtomicBool,
    /// How long a Logs Insights query may run before it is stopped.
    pub query_timeout: Duration,
    /// Where a running query reports progress.
    pub progress: std::sync::Mutex<Option<crate::backend::ProgressSink>>,
}

impl Shared {
    /// The clients for `config` in `region`, and the quotas of the account `principal`
    /// (a role or profile; none: the default credentials) reaches there.
    fn new(config: &aws_config::SdkConfig, region: String, principal: Option<&str>) -> Shared {
        let config = &crate::aws::with_https_client(config.clone());
        let endpoint = config.endpoint_url();
        let quotas = quotas::Quotas::shared(&quotas::key(endpoint, &region, principal));
        let query_timeout = std::env::var("PLAYBOOK_QUERY_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(900), Duration::from_secs);
        let retries = retries::Retries::default();
        let metrics = aws_sdk_cloudwatch::config::Builder::from(config)
            .interceptor(retries.clone())
            .build();
        let quotas_api = crate::aws_call::Client::new(config, &crate::aws_call::SERVICE_QUOTAS)
            .with_retry_count(retries.counter());
        Shared {
            metrics: aws_sdk_cloudwatch::Client::from_conf(metrics),
            logs: logs_api::LogsApi::new(config, retries.counter()),
            retries,
            sts: aws_sdk_sts::Client::new(config),
            service_quotas: insights_quota::client(config),
            quotas_api,
            credentials: config.credentials_provider(),
            resolved_secrets: std::sync::Mutex::new((Vec::new(), None)),
            role: None,
            spec: "cloudwatch".to_owned(),
            account: std::sync::OnceLock::new(),
            endpoint: config.endpoint_url().map(str::to_owned),
            region,
            quotas,
            cancelled: AtomicBool::new(false),
            query_timeout,
            progress: std::sync::Mutex::new(None),
        }
    }

    /// A `Shared` for unit tests: clients that are never called.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Shared {
        let config = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        Shared::new(&config, "us-east-1".into(), None)
    }

    /// Reports progress, if someone listens.
    pub fn report(&self, text: &str) {
        let sink = self
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink {
            sink(text);
        }
    }
}

impl std::fmt::Debug for CloudWatchSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CloudWatchSource({})", self.shared.region)
    }
}

impl CloudWatchSource {
    /// Loads the AWS configuration for `target` (environment, profiles incl. SSO, IMDS,
    /// `AWS_ENDPOINT_URL`, narrowed by the target's region, profile and role) and builds
    /// the clients; fails when no region is configured.
    pub fn open(target: &AwsTarget) -> Result<CloudWatchSource, EngineError> {
        let runtime = new_runtime()?;
        let owned = target.clone();
        let config = wait(
            &runtime,
            async move { crate::aws::sdk_config(&owned).await },
        )??;
        let principal = target.role_arn.as_deref().or(target.profile.as_deref());
        let mut source = CloudWatchSource::with_config(runtime, &config, principal)?;
        if let Some(shared) = Arc::get_mut(&mut source.shared) {
            shared.role = target.role_arn.clone();
            shared.spec = playbook::model::source::Source::CloudWatch(target.clone()).to_string();
        }
        Ok(source)
    }

    /// A source with an explicit SDK configuration (tests point it at a local endpoint).
    pub fn from_sdk_config(
        config: &aws_config::SdkConfig,
    ) -> Result<CloudWatchSource, EngineError> {
        CloudWatchSource::with_config(new_runtime()?, config, None)
    }

    fn with_config(
        runtime: OwnRuntime,
        config: &aws_config::SdkConfig,
        principal: Option<&str>,
    ) -> Result<CloudWatchSource, EngineError> {
        let Some(region) = config.region().map(|r| r.to_string()) else {
            return Err(EngineError::Credentials(
                "no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1) or a region in your \
                 AWS profile (AWS_PROFILE), or use a local source (PLAYBOOK_SOURCE=local:DIR)"
                    .into(),
            ));
        };
        let shared = Shared::new(config, region, principal);
        Ok(CloudWatchSource {
            runtime,
            shared: Arc::new(shared),
        })
    }

    /// [`CloudWatchSource::run`] for a query: its outcome notes the calls the SDK
    /// retried meanwhile (throttling, a transient error).
    fn run_query<V: Send + 'static>(
        &self,
        work: impl Future<Output = Result<Outcome<V>, EngineError>> + Send + 'static,
    ) -> Result<Outcome<V>, EngineError> {
        let before = self.shared.retries.count();
        let mut outcome = self.run(work)?;
        let retried = self.shared.retries.count().saturating_sub(before);
        if retried > 0 {
            outcome.retried_calls = u32::try_from(retried).unwrap_or(u32::MAX);
            outcome.notes.push(format!(
                "{retried} call(s) retried after throttling or a transient error (with backoff)"
            ));
        }
        Ok(outcome)
    }

    fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, EngineError>> + Send + 'static,
    ) -> Result<T, EngineError> {
        self.shared.cancelled.store(false, Ordering::SeqCst);
        wait(self.runtime(), work)?
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
}

fn new_runtime() -> Result<OwnRuntime, EngineError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("playbook-aws")
        .enable_all()
        .build()
        .map(|runtime| OwnRuntime(Some(runtime)))
        .map_err(|e| EngineError::InvalidInput(format!("starting the AWS runtime: {e}")))
}

/// Runs `work` on `runtime` and waits for it from this (non-async) thread.
fn wait<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, EngineError> {
    let (tx, rx) = std::sync::mpsc::channel();
    runtime.spawn(async move {
        let _ = tx.send(work.await);
    });
    rx.recv()
        .map_err(|_| EngineError::InvalidInput("the AWS runtime stopped".into()))
}

impl Backend for CloudWatchSource {
    fn spec(&self) -> String {
        self.shared.spec.clone()
    }

    fn region(&self) -> Option<String> {
        Some(self.shared.region.clone())
    }

    fn retention_rules(&self) -> bool {
        true
    }

    fn account(&self) -> Option<String> {
        if let Some(known) = self.shared.account.get() {
            return known.clone();
        }
        let shared = self.shared.clone();
        // Best effort, bounded: the record says "unknown" rather than waiting.
        let asked = wait(self.runtime(), async move {
            let call = shared.sts.get_caller_identity().send();
            match tokio::time::timeout(Duration::from_secs(5), call).await {
                Ok(Ok(identity)) => identity.account().map(str::to_owned),
                _ => None,
            }
        })
        .ok()
        .flatten();
        self.shared.account.get_or_init(|| asked).clone()
    }

    fn endpoint(&self) -> Option<String> {
        self.shared.endpoint.clone()
    }

    fn role(&self) -> Option<String> {
        self.shared.role.clone()
    }

    fn publish_metrics(&self, datums: &[MetricDatum]) -> Result<Outcome<()>, EngineError> {
        let shared = self.shared.clone();
        let datums = datums.to_vec();
        self.run_query(async move { publish::publish(&shared, &datums).await })
    }

    fn known_secrets(&self) -> Vec<String> {
        const AGAIN_AFTER: Duration = Duration::from_secs(300);
        {
            let known = self
                .shared
                .resolved_secrets
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if known.1.is_some_and(|at| at.elapsed() < AGAIN_AFTER) {
                return known.0.clone();
            }
        }
        let Some(provider) = self.shared.credentials.clone() else {
            return Vec::new();
        };
        // The SDK caches what it resolved (and refreshes it), so this is cheap; bounded,
        // because a record must not wait on a credentials endpoint.
        let resolved = wait(self.runtime(), async move {
            use aws_credential_types::provider::ProvideCredentials;
            let call = provider.provide_credentials();
            match tokio::time::timeout(Duration::from_secs(5), call).await {
                Ok(Ok(c)) => [
                    Some(c.access_key_id().to_owned()),
                    Some(c.secret_access_key().to_owned()),
                    c.session_token().map(str::to_owned),
                ]
                .into_iter()
                .flatten()
                .collect(),
                _ => Vec::new(),
            }
        })
        .unwrap_or_default();
        let mut known = self
            .shared
            .resolved_secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for secret in resolved {
            if !known.0.contains(&secret) {
                known.0.push(secret);
            }
        }
        known.1 = Some(std::time::Instant::now());
        known.0.clone()
    }

    fn metrics(
        &self,
        queries: &[ResolvedMetric],
    ) -> Result<Outcome<Vec<Vec<Series>>>, EngineError> {
        let shared = self.shared.clone();
        let queries = queries.to_vec();
        self.run_query(async move { metrics::fetch(&shared, &queries).await })
    }

    fn logs_insights(
        &self,
        query: &LogsQuery,
        groups: &[String],
        window: TimeRange,
    ) -> Result<Outcome<LogTable>, EngineError> {
        let shared = self.shared.clone();
        let (query, groups) = (query.clone(), groups.to_vec());
        self.run_query(async move { logs::insights(&shared, &query, &groups, window).await })
    }

    fn filter_log_events(
        &self,
        query: &FilterQuery,
        window: TimeRange,
    ) -> Result<Outcome<LogTable>, EngineError> {
        let shared = self.shared.clone();
        let query = query.clone();
        self.run_query(async move { logs::filter(&shared, &query, window).await })
    }

    fn log_groups(&self, prefix: Option<&str>) -> Result<Vec<String>, EngineError> {
        let shared = self.shared.clone();
        let prefix = prefix.map(str::to_owned);
        self.run(async move { logs::groups(&shared, prefix.as_deref()).await })
    }

    fn linked_log_groups(
        &self,
        prefix: &str,
        accounts: &[String],
    ) -> Result<Vec<String>, EngineError> {
        let shared = self.shared.clone();
        let (prefix, accounts) = (prefix.to_owned(), accounts.to_vec());
        self.run(async move { inventory::linked_log_groups(&shared, &prefix, &accounts).await })
    }

    fn list_metrics(
        &self,
        search: &playbook::model::query::MetricSearch,
    ) -> Result<Outcome<Vec<playbook::model::query::MetricId>>, EngineError> {
        let shared = self.shared.clone();
        let search = search.clone();
        self.run_query(async move { discovery::list(&shared, &search).await })
    }

    fn contributors(
        &self,
        query: &playbook::model::contributors::ContributorsQuery,
        window: TimeRange,
        period: u32,
    ) -> Result<Outcome<playbook::model::contributors::TopContributors>, EngineError> {
        let shared = self.shared.clone();
        let query = query.clone();
        self.run_query(async move { contributors::report(&shared, &query, window, period).await })
    }

    fn service_quotas(
        &self,
        query: &playbook::model::quotas::QuotasQuery,
    ) -> Result<Outcome<playbook::model::quotas::ServiceQuotas>, EngineError> {
        let shared = self.shared.clone();
        let query = query.clone();
        self.run_query(async move { service_quotas::list(&shared, &query).await })
    }

    fn log_anomalies(
        &self,
        query: &playbook::model::log_anomalies::LogAnomaliesQuery,
        window: TimeRange,
    ) -> Result<Outcome<playbook::model::log_anomalies::LogAnomalies>, EngineError> {
        let shared = self.shared.clone();
        let query = query.clone();
        self.run_query(async move { log_anomalies::list(&shared, &query, window).await })
    }

    fn log_group_settings(
        &self,
        prefix: Option<&str>,
    ) -> Result<Outcome<Vec<playbook::model::inventory::LogGroupInfo>>, EngineError> {
        let shared = self.shared.clone();
        let prefix = prefix.map(str::to_owned);
        self.run_query(async move { inventory::log_groups(&shared, prefix.as_deref()).await })
    }

    fn anomaly_detectors(
        &self,
        namespace: Option<&str>,
    ) -> Result<Outcome<Vec<playbook::model::inventory::AnomalyDetector>>, EngineError> {
        let shared = self.shared.clone();
        let namespace = namespace.map(str::to_owned);
        self.run_query(
            async move { inventory::anomaly_detectors(&shared, namespace.as_deref()).await },
        )
    }

    fn alarms(
        &self,
        query: &playbook::model::alarms::AlarmsQuery,
        window: TimeRange,
    ) -> Result<Outcome<playbook::model::alarms::AlarmReport>, EngineError> {
        let shared = self.shared.clone();
        let query = query.clone();
        self.run_query(async move { alarms::report(&shared, &query, window).await })
    }

    fn set_progress(&self, sink: Option<crate::backend::ProgressSink>) {
        *self
            .shared
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = sink;
    }

    fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_source_inside_an_async_context_does_not_panic() {
        let config = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let source = CloudWatchSource::from_sdk_config(&config).expect("a source");
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        outer.block_on(async move { drop(source) });
    }
}
