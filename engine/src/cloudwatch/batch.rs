//! Packing metric queries into the fewest GetMetricData calls the API allows: one window
//! per call, at most 500 queries per call, and at most 100,800 datapoints per call.

use crate::backend::ResolvedMetric;
use playbook::model::time_range::TimeRange;

/// Queries one GetMetricData call may carry.
pub const MAX_QUERIES_PER_CALL: usize = 500;
/// Datapoints one GetMetricData call may return.
pub const MAX_DATAPOINTS_PER_CALL: u64 = 100_800;

/// One planned call: a window and the indexes of the queries it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub window: TimeRange,
    pub queries: Vec<usize>,
}

/// The datapoints a query can return over its window.
pub fn datapoints(query: &ResolvedMetric) -> u64 {
    let seconds = query.window.duration().num_seconds().max(1) as u64;
    seconds.div_ceil(u64::from(query.period.max(1)))
}

/// Plans the calls for `queries`, keeping their order within each window. A single query
/// with more datapoints than one call allows gets a call of its own (the service pages it
/// with NextToken).
pub fn plan(queries: &[ResolvedMetric]) -> Vec<Batch> {
    let mut windows: Vec<TimeRange> = Vec::new();
    for q in queries {
        if !windows.contains(&q.window) {
            windows.push(q.window);
        }
    }
    let mut batches = Vec::new();
    for window in windows {
        let mut current = Batch {
            window,
            queries: Vec::new(),
        };
        let mut points = 0u64;
        for (index, q) in queries
            .iter()
            .enumerate()
            .filter(|(_, q)| q.window == window)
        {
            let need = datapoints(q);
            let full = current.queries.len() >= MAX_QUERIES_PER_CALL
                || (points + need > MAX_DATAPOINTS_PER_CALL && !current.queries.is_empty());
            if full {
                batches.push(std::mem::replace(
                    &mut current,
                    Batch {
                        window,
                        queries: Vec::new(),
                    },
                ));
                points = 0;
            }
            current.queries.push(index);
            points += need;
        }
        if !current.queries.is_empty() {
            batches.push(current);
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};
    use playbook::model::query::metric;

    fn queries(n: usize, hours: i64, period: u32) -> Vec<ResolvedMetric> {
        let end = Utc.with_ymd_and_hms(2026, 11, 12, 15, 0, 0).unwrap();
        let window = TimeRange::new(end - TimeDelta::hours(hours), end).unwrap();
        (0..n)
            .map(|i| ResolvedMetric {
                query: metric("AWS/EC2", "CPUUtilization").dim("InstanceId", &format!("i-{i}")),
                stat: None,
                window,
                period,
                label: format!("i-{i}"),
            })
            .collect()
    }

    #[test]
    fn three_hours_of_1234_series_take_exactly_three_calls() {
        let plan = plan(&queries(1234, 3, 60));
        assert_eq!(plan.len(), 3);
        assert_eq!(
            plan.iter().map(|b| b.queries.len()).collect::<Vec<_>>(),
            [500, 500, 234]
        );
        assert_eq!(plan[2].queries[0], 1000);
    }

    #[test]
    fn long_windows_split_by_datapoints() {
        // 24 h at 60 s = 1,440 points each: 70 queries fit in 100,800 points.
        let plan = plan(&queries(200, 24, 60));
        assert_eq!(
            plan.iter().map(|b| b.queries.len()).collect::<Vec<_>>(),
            [70, 70, 60]
        );
        for batch in &plan {
            let points: u64 = batch.queries.len() as u64 * 1440;
            assert!(points <= MAX_DATAPOINTS_PER_CALL);
        }
    }

    #[test]
    fn different_windows_never_share_a_call() {
        let mut all = queries(3, 3, 60);
        let mut week_ago = queries(2, 3, 60);
        for q in &mut week_ago {
            q.window = q.window.shifted(-TimeDelta::weeks(1));
        }
        all.extend(week_ago);
        let plan = plan(&all);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].queries, [0, 1, 2]);
        assert_eq!(plan[1].queries, [3, 4]);
    }

    #[test]
    fn one_huge_query_gets_its_own_call() {
        let plan = plan(&queries(2, 24 * 90, 60));
        assert_eq!(plan.len(), 2);
    }
}
