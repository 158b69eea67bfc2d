//! ListAnomalies (through `logs_api.rs`): every anomaly the account's log anomaly detectors found
//! (paged, bounded), kept when it was seen in the window and in the groups asked about,
//! with its histogram cut to the window.

use chrono::DateTime;

use super::Shared;
use super::logs_wire::{Anomaly, ListAnomalies};
use super::paging::{Next, Pager};
use crate::backend::Outcome;
use crate::error::EngineError;
use playbook::model::log_anomalies::{LogAnomalies, LogAnomaliesQuery, LogAnomaly, in_window};
use playbook::model::time_range::TimeRange;

const LOGS_TPS: f64 = 5.0;
const MAX_PAGES: u32 = 100;

/// The anomalies of `window`, most seen first.
pub async fn list(
    shared: &Shared,
    query: &LogAnomaliesQuery,
    window: TimeRange,
) -> Result<Outcome<LogAnomalies>, EngineError> {
    let mut report = LogAnomalies {
        window,
        anomalies: Vec::new(),
        notes: Vec::new(),
    };
    let mut pager = Pager::new(shared, "ListAnomalies", MAX_PAGES);
    while let Some(token) = pager.next_page()? {
        shared.quotas.logs_calls.acquire(LOGS_TPS).await;
        let response = shared
            .logs
            .send(&ListAnomalies {
                anomaly_detector_arn: query.detector.as_deref(),
                next_token: token,
            })
            .await?;
        report.anomalies.extend(
            (response.anomalies.iter())
                .filter_map(|a| anomaly(a, &window))
                .filter(|a| wanted(a, query)),
        );
        pager.then(Next::after(response.next_token.as_deref()));
    }
    let paged = pager.finish();
    if !paged.complete {
        report.notes.push(format!(
            "more than {MAX_PAGES} pages of anomalies: the list is partial"
        ));
    }
    report.sort();
    Ok(Outcome::new(report, paged.calls))
}

/// The anomaly as the result shows it, when it was seen in the window.
fn anomaly(a: &Anomaly, window: &TimeRange) -> Option<LogAnomaly> {
    let at = |ms: i64| DateTime::from_timestamp_millis(ms);
    let (first_seen, last_seen) = (at(a.first_seen)?, at(a.last_seen)?);
    if first_seen >= window.end || last_seen < window.start {
        return None;
    }
    let mut histogram: Vec<_> = (a.histogram.iter())
        .filter_map(|(ms, n)| Some((at(ms.parse().ok()?)?, u64::try_from(*n).ok()?)))
        .collect();
    histogram.sort();
    let (histogram, count) = in_window(&histogram, window);
    Some(LogAnomaly {
        pattern: a.pattern_string.clone(),
        description: a.description.clone(),
        priority: a.priority.clone(),
        first_seen,
        last_seen,
        count,
        histogram,
        groups: (a.log_group_arn_list.iter())
            .map(|arn| group_name(arn).to_owned())
            .collect(),
    })
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → NAME.
fn group_name(arn: &str) -> &str {
    arn.split_once(":log-group:")
        .map(|(_, name)| name.strip_suffix(":*").unwrap_or(name))
        .unwrap_or(arn)
}

fn wanted(anomaly: &LogAnomaly, query: &LogAnomaliesQuery) -> bool {
    let trim = |g: &str| g.trim_start_matches('/').to_owned();
    query.groups.is_empty()
        || (anomaly.groups.iter()).any(|g| query.groups.iter().any(|q| trim(q) == trim(g)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn group_names_come_out_of_their_arns() {
        assert_eq!(
            super::group_name("arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/checkout:*"),
            "/ecs/checkout"
        );
        assert_eq!(super::group_name("/ecs/checkout"), "/ecs/checkout");
    }
}
