//! The aggregate functions `stats` can name (`count`, `pct`, …). What each computes is
//! `stats.rs`.

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AggKind {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    /// Percentile, 0–100.
    Pct(f64),
    Earliest,
    Latest,
    Stddev,
}

impl AggKind {
    /// The aggregate called `name` (any case); `pct` still needs its percentile.
    pub(crate) fn lookup(name: &str) -> Option<AggKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => AggKind::Count,
            "count_distinct" => AggKind::CountDistinct,
            "sum" => AggKind::Sum,
            "avg" => AggKind::Avg,
            "min" => AggKind::Min,
            "max" => AggKind::Max,
            "pct" | "percentile" => AggKind::Pct(0.0),
            "earliest" => AggKind::Earliest,
            "latest" => AggKind::Latest,
            "stddev" => AggKind::Stddev,
            _ => return None,
        })
    }
}
