//! What a source must answer (`Backend`), and the resolved forms of queries the session
//! hands it: windows absolute, periods checked, statistics parsed.

use crate::error::EngineError;
use playbook::model::alarms::{AlarmReport, AlarmsQuery};
use playbook::model::log_table::LogTable;
use playbook::model::publish::MetricDatum;
use playbook::model::query::{
    FilterQuery, LogsQuery, MetricId, MetricKind, MetricQuery, MetricSearch,
};
use playbook::model::series::Series;
use playbook::model::statistic::Statistic;
use playbook::model::time_range::TimeRange;

/// A metric's namespace, name and dimensions.
pub type MetricName<'a> = (&'a str, &'a str, &'a [(String, String)]);

/// A metric query ready to run.
#[derive(Debug, Clone)]
pub struct ResolvedMetric {
    pub query: MetricQuery,
    /// The parsed statistic (`None` for expressions).
    pub stat: Option<Statistic>,
    pub window: TimeRange,
    pub period: u32,
    /// The label of the series it gives.
    pub label: String,
}

impl ResolvedMetric {
    /// The namespace, metric and dimensions, for a statistic query.
    pub fn metric(&self) -> Option<MetricName<'_>> {
        match &self.query.kind {
            MetricKind::Stat {
                namespace,
                metric,
                dimensions,
                ..
            } => Some((namespace, metric, dimensions)),
            MetricKind::Expression { .. } => None,
        }
    }
}

/// A result with what it cost, for the record.
#[derive(Debug, Clone)]
pub struct Outcome<T> {
    pub value: T,
    pub api_calls: u32,
    /// Calls the SDK retried (throttling, a transient error) on the way.
    pub retried_calls: u32,
    pub query_ids: Vec<String>,
    pub notes: Vec<String>,
}

impl<T> Outcome<T> {
    /// A result that took `api_calls` calls and nothing else worth recording.
    pub fn new(value: T, api_calls: u32) -> Outcome<T> {
        Outcome {
            value,
            api_calls,
            retried_calls: 0,
            query_ids: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Where a long query reports how it is going (a line of text, replaced by the next).
pub type ProgressSink = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// A source of metrics and logs.
pub trait Backend: Send + Sync {
    /// The source spec (`cloudwatch`, `local:DIR`).
    fn spec(&self) -> String;

    /// The AWS region, for CloudWatch.
    fn region(&self) -> Option<String> {
        None
    }

    /// The AWS account id, when it is known (STS GetCallerIdentity, asked once).
    fn account(&self) -> Option<String> {
        None
    }

    /// The role the source assumed, when it assumed one.
    fn role(&self) -> Option<String> {
        None
    }

    /// The endpoint queries go to, when it is not the default (`AWS_ENDPOINT_URL`).
    fn endpoint(&self) -> Option<String> {
        None
    }

    /// Whether CloudWatch's data-age period rules apply.
    fn retention_rules(&self) -> bool;

    /// The series of each query, in query order: one for a metric, none for a hidden
    /// input, several for a Metrics Insights `GROUP BY` or a band.
    fn metrics(&self, queries: &[ResolvedMetric])
    -> Result<Outcome<Vec<Vec<Series>>>, EngineError>;

    /// A Logs Insights query over resolved groups.
    fn logs_insights(
        &self,
        query: &LogsQuery,
        groups: &[String],
        window: TimeRange,
    ) -> Result<Outcome<LogTable>, EngineError>;

    /// Raw events matching a filter pattern.
    fn filter_log_events(
        &self,
        query: &FilterQuery,
        window: TimeRange,
    ) -> Result<Outcome<LogTable>, EngineError>;

    /// Log group names starting with `prefix`.
    fn log_groups(&self, prefix: Option<&str>) -> Result<Vec<String>, EngineError>;

    /// The ARNs of the log groups starting with `prefix` in linked `accounts`.
    fn linked_log_groups(
        &self,
        prefix: &str,
        accounts: &[String],
    ) -> Result<Vec<String>, EngineError> {
        let _ = (prefix, accounts);
        Err(EngineError::Unsupported {
            source_name: self.spec(),
            what: "list log groups of other accounts".into(),
            hint: ": linked accounts are read through CloudWatch cross-account observability"
                .into(),
        })
    }

    /// The metrics matching `search`.
    fn list_metrics(&self, search: &MetricSearch) -> Result<Outcome<Vec<MetricId>>, EngineError>;

    /// Alarms and their state changes in `window`.
    fn alarms(
        &self,
        query: &AlarmsQuery,
        window: TimeRange,
    ) -> Result<Outcome<AlarmReport>, EngineError> {
        let _ = (query, window);
        Err(EngineError::Unsupported {
            source_name: self.spec(),
            what: "list alarms".into(),
            hint: String::new(),
        })
    }

    /// Secret values this source resolved (credentials: access key id, secret key,
    /// session token), so records can mask them wherever they appear.
    fn known_secrets(&self) -> Vec<String> {
        Vec::new()
    }

    /// The top contributors of a Contributor Insights rule over `window`, `period` seconds
    /// per point (GetInsightRuleReport; the rule's definition evaluated over local logs).
    fn contributors(
        &self,
        query: &playbook::model::contributors::ContributorsQuery,
        window: TimeRange,
        period: u32,
    ) -> Result<Outcome<playbook::model::contributors::TopContributors>, EngineError>;

    /// The log anomalies of `window` (ListAnomalies; detected over the logs locally).
    fn log_anomalies(
        &self,
        query: &playbook::model::log_anomalies::LogAnomaliesQuery,
        window: TimeRange,
    ) -> Result<Outcome<playbook::model::log_anomalies::LogAnomalies>, EngineError>;

    /// Log groups whose names start with `prefix`, with their settings (retention).
    fn log_group_settings(
        &self,
        prefix: Option<&str>,
    ) -> Result<Outcome<Vec<playbook::model::inventory::LogGroupInfo>>, EngineError>;

    /// The metric anomaly detectors of `namespace` (all: `None`).
    fn anomaly_detectors(
        &self,
        namespace: Option<&str>,
    ) -> Result<Outcome<Vec<playbook::model::inventory::AnomalyDetector>>, EngineError>;

    /// The quotas of the query's services in this account and region: each quota's
    /// applied value, else its default (Service Quotas; `quotas.json` locally).
    fn service_quotas(
        &self,
        query: &playbook::model::quotas::QuotasQuery,
    ) -> Result<Outcome<playbook::model::quotas::ServiceQuotas>, EngineError> {
        let _ = query;
        Err(EngineError::Unsupported {
            source_name: self.spec(),
            what: "read service quotas".into(),
            hint: String::new(),
        })
    }

    /// Publishes measurements as metrics.
    fn publish_metrics(&self, datums: &[MetricDatum]) -> Result<Outcome<()>, EngineError> {
        let _ = datums;
        Err(EngineError::Unsupported {
            source_name: self.spec(),
            what: "publish metrics".into(),
            hint: String::new(),
        })
    }

    /// Stops what is running now (an interrupt): waits end, running queries are stopped.
    fn cancel(&self) {}

    /// Where the next queries report progress (None: nowhere).
    fn set_progress(&self, sink: Option<ProgressSink>) {
        let _ = sink;
    }
}
