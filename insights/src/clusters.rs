//! `pattern EXPR`: events clustered into patterns, as CloudWatch's `pattern` command
//! outputs them — `@pattern` (the text with its variable parts as `<*>`), `@ratio` (the
//! share of the events), `@sampleCount` and `@severityLabel` — most frequent first.
//!
//! It is rewritten into commands the evaluator already runs: events without the field
//! are dropped, then `stats count(*) as @sampleCount by pattern_of(EXPR) as @pattern`,
//! the severity read from the pattern, each pattern's share of all events (`Share`), a
//! sort by count and a `display` of the four columns. CloudWatch clusters with machine
//! learning; here a variable part is any run of letters, digits, `_`, `.` or `-` that
//! holds a digit (numbers, ids, timestamps), so the patterns are close, not identical.

use super::ast::{Agg, Command, Expr, Projection, SortKey, Stats};
use super::functions::Func;
use super::parser::{Parser, Result};
use super::stats::AggKind;
use super::value::Val;

/// Severities by the word that gives them away (checked in a pattern's order).
const SEVERITIES: [(&[&str], &str); 5] = [
    (
        &["fatal", "critical", "crit", "emerg", "emergency", "alert"],
        "Fatal",
    ),
    (&["error", "err", "severe"], "Error"),
    (&["warn", "warning"], "Warning"),
    (&["info", "notice"], "Info"),
    (&["debug", "trace"], "Debug"),
];

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

/// The pattern of a text: each run of word characters holding a digit becomes `<*>`.
pub(crate) fn pattern_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.bytes().any(|b| b.is_ascii_digit()) {
            out.push_str("<*>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '.' | '-') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The severity a pattern's words give away (a level, or an error or exception class
/// such as `TimeoutError`), `Unknown` when none does.
pub(crate) fn severity_of(pattern: &str) -> &'static str {
    let words = pattern
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_ascii_lowercase);
    for word in words {
        if let Some((_, label)) = SEVERITIES.iter().find(|(w, _)| w.contains(&word.as_str())) {
            return label;
        }
        if word.ends_with("error") || word.ends_with("exception") {
            return "Error";
        }
    }
    "Unknown"
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
