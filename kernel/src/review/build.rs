//! The review as a [`Document`]: the header card (the period, what was read, the runs by
//! outcome), then one section per measure — what it means, its table (or that the period
//! has none), what to do — and the notes on files that were skipped. Both formats render
//! it (`report/document/`).

use playbook::chart::LineChart;
use playbook::series::Series;

use super::Read;
use super::measures::{Counts, Measures};
use super::tally::{QueryKey, QueryLine};
use super::text::{self, Explained, instant, target};
use crate::report::document::{
    Block, Card, Cell, Chart, Document, Fact, Inline, Row, STYLE, Table,
};

/// The review of what was read.
pub(super) fn document(read: &Read, measures: &Measures) -> Document {
    let title = "Operations review".to_owned();
    let card = Card {
        title: title.clone(),
        blocks: vec![prose(text::intro())],
        facts: facts(read, measures)
            .into_iter()
            .map(|(label, value)| Fact {
                label: label.to_owned(),
                value: vec![Inline::Text(value)],
                class: None,
            })
            .collect(),
    };
    let blocks = vec![
        Block::Card(card),
        runs(measures),
        failing_checks(measures),
        flapping(measures),
        alarms(measures),
        queries(measures),
        exits(measures),
        stopped(measures),
        notes(read),
    ];
    Document {
        title,
        css: STYLE.to_owned(),
        chart_elsewhere: "in the HTML review, or write this review to a file",
        blocks,
    }
}

fn facts(read: &Read, measures: &Measures) -> Vec<(&'static str, String)> {
    let period = &read.tally.period;
    let span = match period.since {
        Some(since) => format!("{} to {}", instant(since), instant(period.until)),
        None => format!("every run up to {}", instant(period.until)),
    };
    let c = &read.tally.counts;
    let mut files = format!(
        "{} records, {} run summaries, {} fleet summaries",
        c.records, c.summaries, c.fleet_summaries
    );
    if c.duplicates > 0 {
        files.push_str(&format!("; {} runs read twice, counted once", c.duplicates));
    }
    if read.tally.notes.count() > 0 {
        files.push_str(&format!(
            "; {} files skipped (see Notes)",
            read.tally.notes.count()
        ));
    }
    let playbooks: std::collections::BTreeSet<&str> = measures
        .series
        .iter()
        .map(|s| s.playbook.as_str())
        .collect();
    vec![
        ("Period", span),
        ("Read", read.places.join(", ")),
        ("Files", files),
        (
            "Runs",
            format!(
                "{} runs of {} playbooks on {} targets: {}",
                measures.runs,
                playbooks.len(),
                measures.series.len(),
                counts_line(&measures.counts)
            ),
        ),
        (
            "Outside the period",
            format!(
                "{} runs before it (used only for when a target last reported), {} after it",
                c.before_period, c.after_period
            ),
        ),
    ]
}

fn counts_line(c: &Counts) -> String {
    format!(
        "{} ok, {} checks failed, {} failed to run, {} other",
        c.ok, c.checks_failed, c.failed_to_run, c.other
    )
}

fn prose(markdown: String) -> Block {
    Block::Prose {
        markdown,
        class: None,
        demote: false,
    }
}

fn table(head: &[&str], rows: Vec<Vec<Cell>>) -> Block {
    Block::Table(Table {
        head: head.iter().map(|h| (*h).to_owned()).collect(),
        rows: (rows.into_iter())
            .map(|cells| Row {
                cells,
                ..Row::default()
            })
            .collect(),
    })
}

fn num(n: impl ToString) -> Cell {
    Cell::text(n.to_string()).class("num")
}

/// A measure's section: heading, meaning, its body (or `none`), what to do.
fn section(id: &str, heading: &str, explained: Explained, body: Vec<Block>, none: &str) -> Block {
    let mut blocks = vec![Block::heading(2, heading), prose(explained.means)];
    if body.is_empty() {
        blocks.push(Block::Note(none.to_owned()));
    } else {
        blocks.extend(body);
    }
    blocks.push(prose(format!("**What to do:** {}", explained.todo)));
    Block::section(id, blocks)
}

fn runs(m: &Measures) -> Block {
    let mut body = Vec::new();
    if !m.days.is_empty() {
        let mut chart = LineChart::new("Runs per day (UTC) by outcome");
        for (label, pick) in [
            ("ok", (|c: &Counts| c.ok) as fn(&Counts) -> usize),
            ("checks failed", |c| c.checks_failed),
            ("failed to run", |c| c.failed_to_run),
        ] {
            let mut series = Series::new(label, Some("runs"));
            for day in &m.days {
                let midnight = day.day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
                if let Some(at) = midnight {
                    series.timestamps.push(at);
                    series.values.push(Some(pick(&day.counts) as f64));
                }
            }
            chart = chart.series(series);
        }
        body.push(Block::Chart(Chart {
            svg: chart.svg(),
            file: "runs-per-day.svg".into(),
            alt: "runs per day by outcome".into(),
            output: false,
        }));
    }
    let rows: Vec<Vec<Cell>> = (m.series.iter())
        .map(|s| {
            vec![
                Cell::text(&s.playbook),
                Cell::text(target(s.target.as_deref())),
                num(s.counts.total()),
                num(s.counts.ok),
                num(s.counts.checks_failed),
                num(s.counts.failed_to_run),
                num(s.counts.other),
                Cell::of(vec![Inline::Instant(instant(s.last))]),
                Cell::text(s.last_outcome.word()),
                Cell::of(vec![Inline::Code(s.recent.clone())]),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let head = [
            "playbook",
            "target",
            "runs",
            "ok",
            "checks failed",
            "failed to run",
            "other",
            "last run",
            "last outcome",
            "recent",
        ];
        body.push(table(&head, rows));
    }
    section(
        "runs",
        "Runs and verdicts per playbook and target",
        text::runs(),
        body,
        "No runs in this period.",
    )
}

fn failing_checks(m: &Measures) -> Block {
    let rows: Vec<Vec<Cell>> = (m.failing_checks.iter())
        .map(|c| {
            let rate = 100.0 * c.failed as f64 / c.runs.max(1) as f64;
            vec![
                Cell::text(&c.playbook),
                Cell::text(&c.check),
                num(c.failed),
                num(c.runs),
                num(format!("{rate:.0} %")),
                num(c.targets),
                Cell::of(vec![Inline::Instant(instant(c.last_failed))]),
            ]
        })
        .collect();
    let mut body = Vec::new();
    if !rows.is_empty() {
        let head = [
            "playbook",
            "check",
            "failed",
            "runs",
            "fail rate",
            "targets",
            "last failed",
        ];
        body.push(table(&head, rows));
    }
    if m.failing_checks_more > 0 {
        body.push(Block::Note(format!(
            "{} more checks failed in the period.",
            m.failing_checks_more
        )));
    }
    section(
        "failing-checks",
        "Checks that fail most",
        text::failing_checks(),
        body,
        "No check failed in this period.",
    )
}

fn flapping(m: &Measures) -> Block {
    let rows: Vec<Vec<Cell>> = (m.flapping.iter())
        .map(|f| {
            vec![
                Cell::text(&f.playbook),
                Cell::text(target(f.target.as_deref())),
                Cell::text(&f.check),
                num(f.flips),
                num(f.runs),
                num(f.failed),
            ]
        })
        .collect();
    let body = if rows.is_empty() {
        Vec::new()
    } else {
        let head = ["playbook", "target", "check", "flips", "runs", "failed"];
        vec![table(&head, rows)]
    };
    section(
        "flapping",
        "Flapping checks",
        text::flapping(),
        body,
        "No check flapped in this period.",
    )
}

fn alarms(m: &Measures) -> Block {
    let time = |s: Option<f64>| s.map_or_else(|| "—".to_owned(), text::seconds);
    let rows: Vec<Vec<Cell>> = (m.alarms.iter())
        .map(|a| {
            let name = match &a.alarm {
                Some(name) => Cell::text(name),
                None => Cell::of(vec![Inline::Strong(vec![Inline::text("all alarms")])]),
            };
            vec![
                name,
                num(a.runs),
                num(a.seconds.len()),
                num(time(a.quantile(0.5))),
                num(time(a.quantile(0.9))),
                num(time(a.seconds.last().copied())),
            ]
        })
        .collect();
    let body = if rows.is_empty() {
        Vec::new()
    } else {
        let head = [
            "alarm",
            "runs",
            "with a verdict",
            "median",
            "p90",
            "slowest",
        ];
        vec![table(&head, rows)]
    };
    section(
        "alarms",
        "Time from alarm to verdict",
        text::alarms(),
        body,
        "No run in this period was started by an alarm.",
    )
}

fn query_cells(key: &QueryKey, line: &QueryLine) -> Vec<Cell> {
    vec![
        Cell::text(&key.playbook),
        Cell::text(&key.kind),
        Cell::of(vec![Inline::Code(key.query.clone())]),
        num(line.runs),
    ]
}

fn queries(m: &Measures) -> Block {
    let ms = |ms: u64| text::seconds(ms as f64 / 1000.0);
    let mut body = Vec::new();
    if !m.slowest.is_empty() {
        body.push(Block::heading(3, "Slowest"));
        let rows = (m.slowest.iter())
            .map(|(key, line)| {
                let mut cells = query_cells(key, line);
                cells.push(num(ms(line.total_ms / line.runs.max(1))));
                cells.push(num(ms(line.max_ms)));
                cells
            })
            .collect();
        let head = ["playbook", "kind", "query", "runs", "mean", "slowest"];
        body.push(table(&head, rows));
    }
    if !m.throttled.is_empty() {
        body.push(Block::heading(3, "Most throttled"));
        let rows = (m.throttled.iter())
            .map(|(key, line)| {
                let mut cells = query_cells(key, line);
                cells.push(num(line.retried_calls));
                cells.push(num(line.throttled));
                cells
            })
            .collect();
        let head = [
            "playbook",
            "kind",
            "query",
            "runs",
            "retried calls",
            "failed throttled",
        ];
        body.push(table(&head, rows));
    }
    section(
        "queries",
        "Slowest and most throttled queries",
        text::queries(),
        body,
        "The records of this period hold no queries.",
    )
}

fn exits(m: &Measures) -> Block {
    let rows: Vec<Vec<Cell>> = (m.exits.iter())
        .map(|e| {
            vec![
                Cell::text(&e.playbook),
                num(e.runs),
                num(e.of(0)),
                num(e.of(2)),
                num(e.of(1)),
                num(e.of(4)),
                num(e.of(5)),
                num(e.others()),
            ]
        })
        .collect();
    let body = if rows.is_empty() {
        Vec::new()
    } else {
        let head = [
            "playbook",
            "runs",
            "ok (0)",
            "checks failed (2)",
            "cell failed (1)",
            "source unavailable (4)",
            "refused (5)",
            "other",
        ];
        vec![table(&head, rows)]
    };
    section(
        "exits",
        "Failed to run versus checks failed",
        text::exits(),
        body,
        "No runs in this period.",
    )
}

fn stopped(m: &Measures) -> Block {
    let rows: Vec<Vec<Cell>> = (m.stopped.iter())
        .map(|s| {
            vec![
                Cell::text(&s.playbook),
                Cell::text(target(s.target.as_deref())),
                Cell::of(vec![Inline::Instant(instant(s.last))]),
                num(text::duration(s.usual)),
                num(text::duration(s.quiet)),
                num(s.runs),
            ]
        })
        .collect();
    let body = if rows.is_empty() {
        Vec::new()
    } else {
        let head = [
            "playbook",
            "target",
            "last run",
            "usual interval",
            "quiet for",
            "runs",
        ];
        vec![table(&head, rows)]
    };
    section(
        "stopped",
        "Targets that stopped reporting",
        text::stopped(),
        body,
        "Every target reported as usual.",
    )
}

fn notes(read: &Read) -> Block {
    let mut blocks = vec![Block::heading(2, "Notes")];
    let notes = &read.tally.notes;
    if notes.listed.is_empty() {
        blocks.push(Block::Note(
            "Every file read was a record or a summary.".into(),
        ));
    } else {
        blocks.push(prose(
            "These files were skipped: they are not records or summaries of `playbook`, or \
             could not be read."
                .to_owned(),
        ));
        let rows = (notes.listed.iter())
            .map(|(name, why)| vec![Cell::text(name), Cell::text(why)])
            .collect();
        blocks.push(table(&["file", "why"], rows));
        if notes.more > 0 {
            blocks.push(Block::Note(format!("And {} more files.", notes.more)));
        }
    }
    let walked = &read.walked;
    if walked.ignored > 0 {
        blocks.push(Block::Note(format!(
            "{} other files (neither .ipynb nor .json) were passed over.",
            walked.ignored
        )));
    }
    if walked.capped {
        blocks.push(Block::Note(format!(
            "The review stopped after {} files (--max-records): narrow the prefix or the \
             directories, or raise the limit.",
            read.max_records
        )));
    }
    if walked.pages_capped {
        blocks.push(Block::Note(format!(
            "The listing stopped after {} pages: narrow the prefix.",
            super::inputs::MAX_PAGES
        )));
    }
    if read.tally.queries_unlisted > 0 {
        blocks.push(Block::Note(format!(
            "{} queries past the first {} distinct ones were not followed.",
            read.tally.queries_unlisted,
            super::tally::MAX_QUERY_LINES
        )));
    }
    Block::section("notes", blocks)
}
