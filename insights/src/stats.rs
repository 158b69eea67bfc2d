//! `stats`: aggregate functions and the groups they are computed over.
//!
//! - `count(*)` counts rows, `count(f)` rows where `f` is present.
//! - `sum`, `avg`, `min`, `max`, `stddev` use the numeric values only (others are ignored);
//!   `stddev` is the sample standard deviation (n − 1), 0 for a single value.
//! - `pct(f, N)` (alias `percentile`) is the nearest-rank percentile: the smallest value
//!   such that at least N % of the values are ≤ it. CloudWatch documents only an
//!   approximation; nearest-rank returns an observed value and is exact on small sets.
//! - `earliest(f)`/`latest(f)`: `f` of the row with the smallest/largest `@timestamp`
//!   among rows where `f` is present (the first pushed wins ties).
//! - `count_distinct(f)` is exact (CloudWatch approximates beyond large cardinalities).
//!
//! Groups come out in the order of their most recent row (`@timestamp` descending, the
//! order CloudWatch feeds events in), so `by bin(5m)` lists the newest bucket first.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};

use super::ast::{AggKind, Stats, TIMESTAMP};
use super::eval::eval;
use super::fields::{Cell, Row};
use super::plan::Plan;
use super::value::{Val, hash_into, same};

/// The running state of one aggregate in one group.
#[derive(Debug)]
enum Acc {
    Count(u64),
    Distinct(HashSet<String>),
    Sum(Option<f64>),
    Avg(f64, u64),
    /// Extreme value, and whether it came from a timestamp.
    Extreme(Option<(f64, bool)>),
    Values(Vec<f64>),
    Edge(Option<(i64, Val<'static>)>),
    Moments(u64, f64, f64),
}

impl Acc {
    fn new(kind: AggKind) -> Acc {
        match kind {
            AggKind::Count => Acc::Count(0),
            AggKind::CountDistinct => Acc::Distinct(HashSet::new()),
            AggKind::Sum => Acc::Sum(None),
            AggKind::Avg => Acc::Avg(0.0, 0),
            AggKind::Min | AggKind::Max => Acc::Extreme(None),
            AggKind::Pct(_) => Acc::Values(Vec::new()),
            AggKind::Earliest | AggKind::Latest => Acc::Edge(None),
            AggKind::Stddev => Acc::Moments(0, 0.0, 0.0),
        }
    }

    fn add(&mut self, kind: AggKind, v: Option<Val<'_>>, ts: Option<i64>) {
        let Some(v) = v else { return };
        let n = v.num();
        match self {
            Acc::Count(c) => *c += 1,
            Acc::Distinct(set) => {
                let text = v.text();
                if !set.contains(text.as_ref()) {
                    set.insert(text.into_owned());
                }
            }
            Acc::Sum(s) => *s = n.map(|n| s.unwrap_or(0.0) + n).or(*s),
            Acc::Avg(sum, count) => {
                if let Some(n) = n {
                    *sum += n;
                    *count += 1;
                }
            }
            Acc::Extreme(best) => {
                let Some(n) = n else { return };
                let better = best.is_none_or(|(b, _)| match kind {
                    AggKind::Min => n < b,
                    _ => n > b,
                });
                if better {
                    *best = Some((n, matches!(v, Val::Time(_))));
                }
            }
            Acc::Values(values) => values.extend(n),
            Acc::Edge(edge) => {
                let Some(ts) = ts else { return };
                let better = edge.as_ref().is_none_or(|(t, _)| match kind {
                    AggKind::Earliest => ts < *t,
                    _ => ts > *t,
                });
                if better {
                    *edge = Some((ts, v.into_owned()));
                }
            }
            Acc::Moments(count, mean, m2) => {
                let Some(x) = n else { return };
                *count += 1;
                let delta = x - *mean;
                *mean += delta / *count as f64;
                *m2 += delta * (x - *mean);
            }
        }
    }

    fn result(self, kind: AggKind) -> Option<Val<'static>> {
        match self {
            Acc::Count(c) => Some(Val::Int(c as i64)),
            Acc::Distinct(set) => Some(Val::Int(set.len() as i64)),
            Acc::Sum(s) => s.map(Val::Num),
            Acc::Avg(sum, count) => (count > 0).then(|| Val::Num(sum / count as f64)),
            Acc::Extreme(best) => best.map(|(n, time)| match time {
                true => Val::Time(n as i64),
                false => Val::Num(n),
            }),
            Acc::Values(mut values) => {
                let AggKind::Pct(p) = kind else { return None };
                nearest_rank(&mut values, p).map(Val::Num)
            }
            Acc::Edge(edge) => edge.map(|(_, v)| v),
            Acc::Moments(count, _, m2) => match count {
                0 => None,
                1 => Some(Val::Num(0.0)),
                n => Some(Val::Num((m2 / (n - 1) as f64).sqrt())),
            },
        }
    }
}

/// The smallest value such that at least `p` % of the values are ≤ it.
pub(crate) fn nearest_rank(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
    let index = rank.clamp(1, n) - 1;
    let (_, value, _) = values.select_nth_unstable_by(index, f64::total_cmp);
    Some(*value)
}

#[derive(Debug)]
struct Group {
    key: Vec<Option<Val<'static>>>,
    accs: Vec<Acc>,
    latest: i64,
    seq: u64,
}

/// Groups of one `stats`, looked up by a hash of their key.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    index: HashMap<u64, Vec<usize>>,
    groups: Vec<Group>,
}

impl Groups {
    /// Adds one row to its group.
    pub(crate) fn add<'a>(&mut self, stats: &'a Stats, row: &mut Row<'a>, plan: &'a Plan) {
        let key: Vec<Option<Val<'a>>> = stats.by.iter().map(|p| eval(&p.expr, row, plan)).collect();
        let mut hasher = DefaultHasher::new();
        key.iter().for_each(|k| hash_into(k, &mut hasher));
        let hash = hasher.finish();
        let bucket = self.index.entry(hash).or_default();
        let found = bucket.iter().copied().find(|&g| {
            let stored = &self.groups[g].key;
            stored.iter().zip(&key).all(|(a, b)| same(a, b))
        });
        let g = match found {
            Some(g) => g,
            None => {
                bucket.push(self.groups.len());
                self.groups.push(Group {
                    key: key.into_iter().map(|k| k.map(Val::into_owned)).collect(),
                    accs: stats.aggs.iter().map(|a| Acc::new(a.kind)).collect(),
                    latest: i64::MIN,
                    seq: row.seq,
                });
                self.groups.len() - 1
            }
        };
        let ts = match row.get(TIMESTAMP, plan) {
            Some(Val::Time(t)) => Some(t),
            _ => None,
        };
        let group = &mut self.groups[g];
        group.latest = group.latest.max(ts.unwrap_or(i64::MIN));
        for (agg, acc) in stats.aggs.iter().zip(&mut group.accs) {
            let value = match &agg.arg {
                None => Some(Val::Int(1)),
                Some(e) => eval(e, row, plan),
            };
            acc.add(agg.kind, value, ts);
        }
    }

    /// One row per group, newest group first, with the `by` and item columns set.
    pub(crate) fn into_rows<'p>(self, stats: &'p Stats, plan: &'p Plan) -> Vec<Row<'p>> {
        let mut groups = self.groups;
        groups.sort_by(|a, b| b.latest.cmp(&a.latest).then(a.seq.cmp(&b.seq)));
        let mut rows = Vec::with_capacity(groups.len());
        for group in groups {
            let mut row = Row::empty(plan.names.len(), group.latest, group.seq);
            for (p, key) in stats.by.iter().zip(group.key) {
                row.cells[p.slot] = Cell::Ready(key);
            }
            for (agg, acc) in stats.aggs.iter().zip(group.accs) {
                row.cells[agg.slot] = Cell::Ready(acc.result(agg.kind));
            }
            for item in &stats.items {
                let value = eval(&item.expr, &mut row, plan);
                row.cells[item.slot] = Cell::Ready(value);
            }
            rows.push(row);
        }
        rows
    }
}
