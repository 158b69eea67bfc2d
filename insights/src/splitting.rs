//! What running a query over parts of its window and putting the rows together would give:
//! the same rows for a row query (at most reordered), but not for one that aggregates
//! (`stats` groups would break across parts), limits itself (`limit`/`head`) or keeps one
//! row per value (`dedup` across parts would keep several). Clients that get past the
//! 10,000-row cap by splitting the window ask this first.

use crate::Query;
use crate::ast::{Command, Expr};
use crate::plan::Sink;

/// How a query's rows relate to its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Splitting {
    /// Each row comes from one event: the parts' rows together are the whole window's,
    /// ordered by `order` (a field and whether descending) when the query sorts by a field.
    Rows { order: Option<(String, bool)> },
    /// `stats`: groups span the window.
    Aggregates,
    /// `limit N` / `head N`: the query asks for at most N rows.
    Limited(usize),
    /// `dedup`: one row per value over the whole window.
    Deduplicated,
}

impl Query {
    /// Whether (and how) the window can be split without changing the result.
    pub fn splitting(&self) -> Splitting {
        let plan = &self.plan;
        let aggregates = matches!(plan.sink, Sink::Stats(_))
            || (plan.pre.iter().chain(&plan.tail)).any(|c| matches!(c, Command::Stats(_)));
        if aggregates {
            return Splitting::Aggregates;
        }
        if let Some(n) = plan.explicit_limit {
            return Splitting::Limited(n);
        }
        let dedups = (plan.pre.iter().chain(&plan.tail)).any(|c| matches!(c, Command::Dedup(_)));
        match &plan.sink {
            Sink::Top { dedup: Some(_), .. } => Splitting::Deduplicated,
            _ if dedups => Splitting::Deduplicated,
            Sink::Top { sort, .. } => Splitting::Rows {
                order: sort.first().and_then(|key| match &key.expr {
                    Expr::Field(slot) => plan.names.get(*slot).map(|n| (n.clone(), key.desc)),
                    _ => None,
                }),
            },
            _ => Splitting::Rows { order: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn of(query: &str) -> Splitting {
        parse(query).unwrap().splitting()
    }

    #[test]
    fn row_queries_split_and_keep_their_order() {
        assert_eq!(
            of("fields @timestamp, @message"),
            Splitting::Rows { order: None }
        );
        assert_eq!(
            of("fields @timestamp, route | filter status >= 500 | sort @timestamp desc"),
            Splitting::Rows {
                order: Some(("@timestamp".into(), true))
            }
        );
        assert_eq!(
            of("fields latency | sort latency asc"),
            Splitting::Rows {
                order: Some(("latency".into(), false))
            }
        );
    }

    #[test]
    fn aggregates_limits_and_dedups_do_not() {
        assert_eq!(of("stats count(*) by route"), Splitting::Aggregates);
        assert_eq!(
            of("filter x = 1 | stats count(*) by bin(5m) | sort @timestamp"),
            Splitting::Aggregates
        );
        assert_eq!(of("fields @message | limit 20"), Splitting::Limited(20));
        assert_eq!(of("fields route | dedup route"), Splitting::Deduplicated);
    }
}
