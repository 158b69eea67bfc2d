//! The options of a query, shared by query cells (`%%logs --group G --since 3h`) and
//! `playbook query logs --group G --since 3h`: one set of clap structs, and one
//! conversion from them to the library's query types, so both front doors ask the same
//! question of the engine.

use clap::Args;
use playbook::alarms::AlarmsQuery;
use playbook::contributors::{ContributorOrder, ContributorsQuery};
use playbook::query::{
    FilterQuery, LogsQuery, MetricQuery, MetricSearch, QueryLanguage, RangeSpec, filter_log_events,
    logs_insights, metric,
};

/// When, and from where.
#[derive(Debug, Clone, PartialEq, Args)]
pub(crate) struct WindowArgs {
    /// The last DURATION (`3h`) or any window text.
    #[arg(long, conflicts_with_all = ["start", "end"])]
    pub(crate) since: Option<String>,
    #[arg(long, requires = "end")]
    pub(crate) start: Option<String>,
    #[arg(long, requires = "start")]
    pub(crate) end: Option<String>,
    /// Query this source instead of the session's (`cloudwatch`, `local:DIR`).
    #[arg(long)]
    pub(crate) source: Option<String>,
}

impl WindowArgs {
    /// The window text, if one was given.
    pub(crate) fn window(&self) -> Option<String> {
        match (&self.since, &self.start, &self.end) {
            (Some(since), _, _) => Some(since.clone()),
            (None, Some(start), Some(end)) => Some(format!("{start}..{end}")),
            _ => None,
        }
    }

    fn spec(&self) -> Option<RangeSpec> {
        self.window().map(RangeSpec::Text)
    }
}

/// Options of a Logs Insights query.
#[derive(Debug, Clone, PartialEq, Args)]
pub(crate) struct LogsArgs {
    /// A log group (repeatable). OpenSearch SQL names its groups in FROM instead.
    #[arg(long = "group", short = 'g', required_unless_present_any = ["group_prefix", "language"])]
    pub(crate) groups: Vec<String>,
    /// Every log group whose name starts with this.
    #[arg(long)]
    pub(crate) group_prefix: Option<String>,
    /// Read the groups in this linked account too (repeatable; cross-account
    /// observability, from the monitoring account).
    #[arg(long = "account", value_name = "ACCOUNT_ID")]
    pub(crate) accounts: Vec<String>,
    /// At most this many rows.
    #[arg(long)]
    pub(crate) limit: Option<usize>,
    /// The query's language: ql (Logs Insights QL, the default), ppl or sql (OpenSearch;
    /// PPL and SQL need CloudWatch).
    #[arg(long, value_parser = |text: &str| text.parse::<QueryLanguage>())]
    pub(crate) language: Option<QueryLanguage>,
    #[command(flatten)]
    pub(crate) window: WindowArgs,
}

impl LogsArgs {
    /// The Logs Insights query `text` with these options.
    pub(crate) fn query(&self, text: &str) -> LogsQuery {
        let mut q = logs_insights(text);
        q.groups = self.groups.clone();
        q.group_prefix = self.group_prefix.clone();
        q.limit = self.limit;
        q.language = self.language.unwrap_or_default();
        q.accounts = self.accounts.clone();
        q.window = self.window.spec();
        q.source = self.window.source.clone();
        q
    }
}

/// Options of a FilterLogEvents query.
#[derive(Debug, Clone, PartialEq, Args)]
pub(crate) struct EventsArgs {
    /// The log group.
    #[arg(long, short = 'g')]
    pub(crate) group: String,
    /// The filter pattern (`ERROR`, `?ERROR ?WARN`, `{ $.level = "ERROR" }`).
    #[arg(long)]
    pub(crate) pattern: Option<String>,
    /// At most this many events.
    #[arg(long)]
    pub(crate) limit: Option<usize>,
    #[command(flatten)]
    pub(crate) window: WindowArgs,
}

impl EventsArgs {
    pub(crate) fn query(&self) -> FilterQuery {
        let mut q = filter_log_events(&self.group);
        q.pattern = self.pattern.clone();
        q.limit = self.limit;
        q.window = self.window.spec();
        q.source = self.window.source.clone();
        q
    }
}

/// Options of an alarms query.
#[derive(Debug, Clone, PartialEq, Args)]
pub(crate) struct AlarmsArgs {
    /// Only alarms in this state now (OK, ALARM, INSUFFICIENT_DATA).
    #[arg(long)]
    pub(crate) state: Option<String>,
    /// Only alarms whose names start with this.
    #[arg(long)]
    pub(crate) prefix: Option<String>,
    #[command(flatten)]
    pub(crate) window: WindowArgs,
}

impl AlarmsArgs {
    pub(crate) fn query(&self) -> AlarmsQuery {
        let mut q = playbook::alarms::alarms();
        q.state = self.state.as_ref().map(|s| s.to_ascii_uppercase());
        q.prefix = self.prefix.clone();
        q.window = self.window.spec();
        q.source = self.window.source.clone();
        q
    }
}

/// Options of a top-contributors query.
#[derive(Debug, Clone, PartialEq, Args)]
pub(crate) struct ContributorsArgs {
    /// The Contributor Insights rule.
    pub(crate) rule: String,
    /// How many contributors (1 to 100).
    #[arg(long, default_value_t = playbook::contributors::DEFAULT_TOP)]
    pub(crate) top: u32,
    /// Rank by `sum` over the window (the default) or by `maximum` in one period.
    #[arg(long, value_parser = |text: &str| text.parse::<ContributorOrder>())]
    pub(crate) order_by: Option<ContributorOrder>,
    /// Seconds per point (whole minutes; default: chosen for the window).
    #[arg(long)]
    pub(crate) period: Option<u32>,
    #[command(flatten)]
    pub(crate) window: WindowArgs,
}

impl ContributorsArgs {
    pub(crate) fn query(&self) -> ContributorsQuery {
        let mut q = playbook::contributors::contributors(&self.rule).top(self.top);
        q.order_by = self.order_by.unwrap_or_default();
        q.period = self.period;
        q.window = self.window.spec();
        q.source = self.window.source.clone();
        q
    }
}

/// Options every metric query of a cell or command shares.
#[derive(Debug, Clone, PartialEq, Args)]
pub(crate) struct MetricsArgs {
    /// Seconds per point (default: chosen for the window).
    #[arg(long)]
    pub(crate) period: Option<u32>,
    #[command(flatten)]
    pub(crate) window: WindowArgs,
}

impl MetricsArgs {
    /// Applies the window, source and period to `queries`.
    pub(crate) fn apply(&self, queries: &mut [MetricQuery]) {
        for q in queries {
            q.window = self.window.spec();
            q.source = self.window.source.clone();
            q.period = self.period;
        }
    }
}

/// A metric statistic query from its parts; `dims` are `NAME=VALUE` words.
pub(crate) fn metric_spec(
    namespace: &str,
    name: &str,
    dims: &[String],
    stat: &str,
) -> Result<MetricQuery, String> {
    let mut q = metric(namespace, name).stat(stat);
    for dim in dims {
        let (k, v) = dim
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| format!("dimension `{dim}`: write NAME=VALUE"))?;
        q = q.dim(k, v);
    }
    Ok(q)
}

/// A ListMetrics search from its parts; `dims` are `NAME=VALUE` or `NAME` (any value).
pub(crate) fn metric_search(namespace: &str, name: Option<&str>, dims: &[String]) -> MetricSearch {
    let mut search = playbook::query::list_metrics(namespace);
    if let Some(name) = name {
        search = search.metric(name);
    }
    for dim in dims {
        search = match dim.split_once('=') {
            Some((k, v)) => search.dim(k, v),
            None => search.has_dim(dim),
        };
    }
    search
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_specs_need_name_value_dimensions() {
        let q = metric_spec(
            "AWS/ECS",
            "CPUUtilization",
            &["ServiceName=checkout".into()],
            "p99",
        )
        .unwrap();
        assert_eq!(
            q.describe(),
            "AWS/ECS CPUUtilization ServiceName=checkout p99"
        );
        let err = metric_spec("AWS/ECS", "CPUUtilization", &["=x".into()], "Average").unwrap_err();
        assert!(err.contains("NAME=VALUE"), "{err}");
    }

    #[test]
    fn windows_and_sources_reach_the_query() {
        let args = EventsArgs {
            group: "/g".into(),
            pattern: Some("ERROR".into()),
            limit: Some(3),
            window: WindowArgs {
                since: None,
                start: Some("2026-11-12T14:00:00Z".into()),
                end: Some("2026-11-12T15:00:00Z".into()),
                source: Some("local:x".into()),
            },
        };
        let q = args.query();
        assert_eq!(
            q.window,
            Some(RangeSpec::Text(
                "2026-11-12T14:00:00Z..2026-11-12T15:00:00Z".into()
            ))
        );
        assert_eq!(q.source.as_deref(), Some("local:x"));
        assert_eq!(q.limit, Some(3));
    }
}
