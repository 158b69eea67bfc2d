//! `pattern EXPR`: events clustered into patterns, as CloudWatch's `pattern` command
//! outputs them — `@pattern` (the text with its variable parts as `<*>`), `@ratio` (the
//! share of the events), `@sampleCount` and `@severityLabel` — most frequent first.
//!
//! It is rewritten into commands the evaluator already runs: events without the field
//! are dropped, then `stats count(*) as @sampleCount by pattern_of(EXPR) as @pattern`,
//! the severity read from the pattern, each pattern's share of all events (`Share`), a
//! sort by count and a `display` of the four columns. CloudWatch clusters with machine
//! learning; here a text's pattern is `log_pattern::pattern_of` (the one tokenizer, which
//! local log anomalies use too), so the patterns are close, not identical.

use super::ast::{Agg, AggKind, Command, Expr, Func, Projection, SortKey, Stats};
use super::parser::{Parser, Result};
use super::value::Val;

impl Parser<'_> {
    /// The commands `pattern EXPR` stands for (after the keyword).
    pub(super) fn pattern_command(&mut self) -> Result<Vec<Command>> {
        let source = self.expr()?;
        let pattern = self.names.slot("@pattern");
        let count = self.names.slot("@sampleCount");
        let severity = self.names.slot("@severityLabel");
        let ratio = self.names.slot("@ratio");
        let counted = self.names.hidden(self.agg_count);
        self.agg_count += 1;
        let project = |expr: Expr, name: &str, slot| Projection {
            expr,
            name: name.to_owned(),
            slot,
        };
        let stats = Stats {
            aggs: vec![Agg {
                kind: AggKind::Count,
                arg: None,
                slot: counted,
            }],
            items: vec![project(Expr::Field(counted), "@sampleCount", count)],
            by: vec![project(
                Expr::Call(Func::PatternOf, vec![source.clone()]),
                "@pattern",
                pattern,
            )],
        };
        Ok(vec![
            Command::Filter(Expr::Call(Func::IsPresent, vec![source])),
            Command::Stats(stats),
            Command::Fields(vec![project(
                Expr::Call(Func::SeverityOf, vec![Expr::Field(pattern)]),
                "@severityLabel",
                severity,
            )]),
            Command::Share { count, ratio },
            Command::Sort(vec![SortKey {
                expr: Expr::Field(count),
                desc: true,
            }]),
            Command::Display(vec![
                ("@pattern".to_owned(), pattern),
                ("@ratio".to_owned(), ratio),
                ("@sampleCount".to_owned(), count),
                ("@severityLabel".to_owned(), severity),
            ]),
        ])
    }
}

/// Each row's `count` as a share of all rows' (`@ratio`), after the groups are made.
pub(crate) fn share(
    rows: &mut [super::fields::Row<'_>],
    count: usize,
    ratio: usize,
    plan: &super::plan::Plan,
) {
    let counts: Vec<f64> = rows
        .iter_mut()
        .map(|row| row.get(count, plan).and_then(|v| v.num()).unwrap_or(0.0))
        .collect();
    let total: f64 = counts.iter().sum();
    for (row, n) in rows.iter_mut().zip(counts) {
        let value = (total > 0.0).then(|| Val::Num(n / total));
        row.set(ratio, value);
    }
}
