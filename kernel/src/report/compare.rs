//! `playbook report AFTER --compare BEFORE`: what changed between two records of the
//! same notebook — the parameters, the verdicts (flipped ones first), and each step's
//! status, and key numbers where they changed (rows, points or series its queries
//! returned, the records they matched; the mean, maximum and last value of each series
//! it showed), with the difference; and the series both runs showed overlaid, the
//! earlier run's moved so the two windows line up (inline in HTML, files beside Markdown).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::TimeDelta;
use playbook::chart::LineChart;
use playbook::check::CheckResult;
use playbook::series::Series;

use super::document::{self, Block, Card, Cell, Chart, Document, Fact, Inline, STYLE, Table};
use super::record::RunRecord;
use super::story::{self, Step, Story};
use super::{Format, Rendered, parameters};

/// Why two records cannot be compared.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotComparable {
    #[error("{0} has no run record (run it with `playbook run` first)")]
    NoRecord(&'static str),
    #[error(
        "the records come from different notebooks ({before} and {after}): a comparison \
         needs two runs of the same playbook"
    )]
    DifferentNotebooks { before: String, after: String },
}

/// One row of the comparison: a label, the value before and after, and whether it changed.
struct Row {
    label: String,
    before: String,
    after: String,
    note: String,
}

impl Comparison {
    /// The tables that have rows, titled, in reading order.
    fn tables(&self) -> impl Iterator<Item = (&'static str, &[Row])> {
        [
            ("Parameters", self.parameters.as_slice()),
            ("Checks", self.checks.as_slice()),
            ("Steps", self.steps.as_slice()),
        ]
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
    }
}

impl Row {
    fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The comparison's three tables.
struct Comparison {
    title: String,
    runs: [String; 2],
    parameters: Vec<Row>,
    checks: Vec<Row>,
    steps: Vec<Row>,
    /// Charts of the series both runs showed in the same step, overlaid (SVG).
    charts: Vec<String>,
}

pub(super) fn render(
    before: &Story,
    after: &Story,
    format: Format,
    files_dir: Option<&str>,
) -> Result<Rendered, NotComparable> {
    let (Some(Ok(run_a)), Some(Ok(run_b))) = (&before.run, &after.run) else {
        let which = if matches!(before.run, Some(Ok(_))) {
            "the record"
        } else {
            "the record to compare with"
        };
        return Err(NotComparable::NoRecord(which));
    };
    let name = |run: &RunRecord| {
        Path::new(&run.notebook)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    if name(run_a) != name(run_b) {
        return Err(NotComparable::DifferentNotebooks {
            before: run_a.notebook.clone(),
            after: run_b.notebook.clone(),
        });
    }
    let comparison = Comparison {
        title: after.title.clone(),
        runs: [run_line(run_a), run_line(run_b)],
        parameters: parameter_rows(run_a, run_b),
        checks: check_rows(&run_a.checks, &run_b.checks),
        steps: step_rows(before, after),
        charts: overlays(before, after, offset(run_a, run_b)),
    };
    Ok(document::render(&document(&comparison), format, files_dir))
}

fn run_line(run: &RunRecord) -> String {
    let mut line = format!(
        "{} · {} · run {}",
        super::record::millis_text(run.started),
        run.status.as_str(),
        run.run_id
    );
    if let Some(window) = run.window {
        let _ = write!(line, " · window {window}");
    }
    line
}

fn parameter_rows(a: &RunRecord, b: &RunRecord) -> Vec<Row> {
    let a: BTreeMap<_, _> = parameters(a).into_iter().collect();
    let b: BTreeMap<_, _> = parameters(b).into_iter().collect();
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .map(|name| Row {
            label: name.clone(),
            before: a.get(name).cloned().unwrap_or_else(|| "—".into()),
            after: b.get(name).cloned().unwrap_or_else(|| "—".into()),
            note: String::new(),
        })
        .collect()
}

/// Checks by name; flipped verdicts first.
fn check_rows(a: &[CheckResult], b: &[CheckResult]) -> Vec<Row> {
    let shown = |c: Option<&CheckResult>| match c {
        Some(c) => match &c.observed {
            Some(observed) => format!("{} ({observed})", c.verdict),
            None => c.verdict.to_string(),
        },
        None => "—".to_owned(),
    };
    let mut names: Vec<&str> = b.iter().map(|c| c.name.as_str()).collect();
    for c in a {
        if !names.contains(&c.name.as_str()) {
            names.push(&c.name);
        }
    }
    let mut rows: Vec<(bool, Row)> = names
        .into_iter()
        .map(|name| {
            let (ca, cb) = (
                a.iter().find(|c| c.name == name),
                b.iter().find(|c| c.name == name),
            );
            let flipped = matches!((ca, cb), (Some(x), Some(y)) if x.verdict != y.verdict);
            let note = match (ca, cb) {
                _ if flipped => "verdict flipped".to_owned(),
                (None, Some(_)) => "new".to_owned(),
                (Some(_), None) => "gone".to_owned(),
                _ => String::new(),
            };
            let row = Row {
                label: name.to_owned(),
                before: shown(ca),
                after: shown(cb),
                note,
            };
            (flipped, row)
        })
        .collect();
    rows.sort_by_key(|(flipped, _)| !flipped);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Each step of `after` with the step of `before` it is (or none: a new step), then the
/// steps of `before` that are gone. A step is matched by its cell's id (nbformat 4.5),
/// which a rename leaves as it is, then by its title; each step of `before` at most once.
fn matched<'s, 'a>(
    before: &'s Story<'a>,
    after: &'s Story<'a>,
) -> (Vec<(Option<&'s Step<'a>>, &'s Step<'a>)>, Vec<&'s Step<'a>>) {
    let mut free: Vec<&Step> = before.steps().collect();
    let mut pairs: Vec<(Option<&Step>, &Step)> = Vec::new();
    for step in after.steps() {
        let by_id =
            (step.id.as_ref()).and_then(|id| free.iter().position(|s| s.id.as_ref() == Some(id)));
        pairs.push((by_id.map(|at| free.remove(at)), step));
    }
    for (other, step) in &mut pairs {
        if other.is_none()
            && let Some(at) = free.iter().position(|s| s.name == step.name)
        {
            *other = Some(free.remove(at));
        }
    }
    (pairs, free)
}

/// Per step (matched by `matched`): status (the durations, or a rename, as a note), and
/// its queries' results and matched records, each query named by its text; then the
/// steps that are gone.
fn step_rows(before: &Story, after: &Story) -> Vec<Row> {
    let mut rows = Vec::new();
    let (pairs, gone) = matched(before, after);
    for (other, step) in pairs {
        let (status_b, duration_b) = step.status();
        let (status_a, duration_a) = other.map(|s| s.status()).unwrap_or(("—", String::new()));
        let note = match other {
            None => "new step".to_owned(),
            Some(old) if old.name != step.name => format!("renamed from “{}”", old.name),
            Some(_)
                if !duration_a.is_empty() && !duration_b.is_empty() && duration_a != duration_b =>
            {
                format!("took {duration_a} → {duration_b}")
            }
            Some(_) => String::new(),
        };
        rows.push(Row {
            label: format!("{}: status", step.name),
            before: status_a.to_owned(),
            after: status_b.to_owned(),
            note,
        });
        let after_numbers = numbers(after, step);
        let before_numbers = other.map(|s| numbers(before, s)).unwrap_or_default();
        for (label, value) in &after_numbers {
            let old = before_numbers
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| *v);
            if old == Some(*value) {
                continue; // the same in both runs: the comparison shows what changed
            }
            rows.push(Row {
                label: format!("{}: {label}", step.name),
                before: old.map(number).unwrap_or_else(|| "—".into()),
                after: number(*value),
                note: old.map(|o| difference(o, *value)).unwrap_or_default(),
            });
        }
    }
    for step in gone {
        rows.push(Row {
            label: format!("{}: status", step.name),
            before: step.status().0.to_owned(),
            after: "—".to_owned(),
            note: "gone".to_owned(),
        });
    }
    rows
}

/// A step's key numbers: each query's results and matched records, labelled by the
/// query (shortened; a query that ran twice is numbered), and the mean, maximum and last
/// value of each series it showed.
fn numbers(run: &Story, step: &Step) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for &q in &step.queries {
        let entry = &run.queries[q];
        let mut name: String = entry.text().chars().take(60).collect();
        if name.chars().count() < entry.text().chars().count() {
            name.push('…');
        }
        let base = name.clone();
        let mut n = 1;
        while out.iter().any(|(l, _)| l.starts_with(&format!("{name} ("))) {
            n += 1;
            name = format!("{base} #{n}");
        }
        let r = &entry.record;
        out.push((format!("{name} (results)"), r.results as f64));
        if let Some(stats) = &r.statistics {
            out.push((format!("{name} (records matched)"), stats.records_matched));
        }
    }
    for series in distinct(story::series(step.cell)) {
        let summary = series.summary();
        let unit = series.unit.map(|u| format!(", {u}")).unwrap_or_default();
        for (what, value) in [
            ("mean", summary.mean),
            ("max", summary.max),
            ("last", summary.last),
        ] {
            if let Some(value) = value {
                out.push((format!("{} ({what}{unit})", series.label), value));
            }
        }
    }
    out
}

/// The first series of each label.
fn distinct(series: Vec<Series>) -> Vec<Series> {
    let mut seen = std::collections::HashSet::new();
    series
        .into_iter()
        .filter(|s| seen.insert(s.label.clone()))
        .collect()
}

/// How far the second run's window is from the first's (zero when either has none).
fn offset(before: &RunRecord, after: &RunRecord) -> TimeDelta {
    match (before.window, after.window) {
        (Some(a), Some(b)) => b.start - a.start,
        _ => TimeDelta::zero(),
    }
}

/// The series both runs showed in the same step, each overlaid on one chart: the earlier
/// run's moved by `offset`, so the two windows line up.
fn overlays(before: &Story, after: &Story, offset: TimeDelta) -> Vec<String> {
    let mut charts = Vec::new();
    for (other, step) in matched(before, after).0 {
        let Some(other) = other else {
            continue;
        };
        let earlier = distinct(story::series(other.cell));
        for series in distinct(story::series(step.cell)) {
            let Some(old) = earlier.iter().find(|s| s.label == series.label) else {
                continue;
            };
            let mut moved = old.clone();
            // Moved checked: an instant near chrono's end (a wrong unit) is left out, not
            // a panic.
            let points = old.timestamps.iter().zip(&old.values);
            (moved.timestamps, moved.values) = points
                .filter_map(|(t, v)| Some((t.checked_add_signed(offset)?, *v)))
                .unzip();
            moved.label = if offset.is_zero() {
                format!("{} (before)", old.label)
            } else {
                format!("{} (before, moved {})", old.label, shift_text(offset))
            };
            let title = format!("{}: {}, before and after", step.name, series.label);
            charts.push(LineChart::new(title).series(series).baseline(moved).svg());
        }
    }
    charts
}

/// "+2d 22h 55m".
fn shift_text(offset: TimeDelta) -> String {
    let sign = if offset < TimeDelta::zero() { "-" } else { "+" };
    let minutes = offset.num_minutes().abs();
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut text = sign.to_owned();
    for (n, unit) in [(days, "d"), (hours, "h"), (minutes, "m")] {
        if n > 0 {
            text.push_str(&format!("{n}{unit} "));
        }
    }
    text.trim_end().to_owned()
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.3}")
    }
}

/// "+12 (+3.4 %)".
fn difference(before: f64, after: f64) -> String {
    let delta = after - before;
    if delta == 0.0 {
        return String::new();
    }
    let sign = if delta > 0.0 { "+" } else { "" };
    if before == 0.0 {
        format!("{sign}{}", number(delta))
    } else {
        format!(
            "{sign}{} ({sign}{:.1} %)",
            number(delta),
            100.0 * delta / before.abs()
        )
    }
}

/// The comparison as a document: the two runs in the card, a table per kind of row (a
/// changed row marked, its new value strong), and the overlaid charts.
fn document(c: &Comparison) -> Document {
    let title = format!("{}: what changed", c.title);
    let facts = [("Before", &c.runs[0]), ("After", &c.runs[1])].map(|(label, run)| Fact {
        label: label.to_owned(),
        value: vec![Inline::text(run)],
        class: None,
    });
    let mut blocks = vec![Block::Card(Card {
        title: title.clone(),
        blocks: Vec::new(),
        facts: facts.into(),
    })];
    for (heading, rows) in c.tables() {
        let rows = (rows.iter())
            .map(|row| {
                let after = if row.changed() {
                    Cell::of(vec![Inline::Strong(vec![Inline::text(&row.after)])])
                } else {
                    Cell::text(&row.after)
                };
                document::Row {
                    id: None,
                    class: row.changed().then_some("changed"),
                    cells: vec![
                        Cell::text(&row.label),
                        Cell::text(&row.before),
                        after,
                        Cell::text(&row.note),
                    ],
                }
            })
            .collect();
        let head = ["", "before", "after", "change"]
            .map(str::to_owned)
            .to_vec();
        blocks.push(Block::heading(2, heading));
        blocks.push(Block::Table(Table { head, rows }));
    }
    if !c.charts.is_empty() {
        blocks.push(Block::heading(2, "Charts, overlaid"));
    }
    for (n, svg) in c.charts.iter().enumerate() {
        blocks.push(Block::Chart(Chart {
            svg: svg.clone(),
            file: format!("overlay-{}.svg", n + 1),
            alt: format!("overlaid chart {}", n + 1),
            output: false,
        }));
    }
    Document {
        title,
        css: format!("{STYLE}tr.changed td{{font-weight:600}}\n"),
        chart_elsewhere: "in the HTML comparison, or write this one to a file",
        blocks,
    }
}
