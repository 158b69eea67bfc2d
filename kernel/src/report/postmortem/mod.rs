//! `playbook report --postmortem RECORD…`: a post-incident review assembled from one or
//! more incident records, for people to finish.
//!
//! Layout: this file reads the records and assembles the [`Review`]: the header (title,
//! incident window, services, sources, accounts, regions, the records with their run ids
//! and status); `timeline.rs` (what the records hold with a time, sorted); `impact.rs`
//! (the KPI against its baseline over the incident window, computed from the records'
//! series, on the side `direction.rs` says is bad); `prose.rs` (notes, and sections people already wrote: cause, what went
//! well, what to improve, action items); `outputs.rs` (alarm changes and log tables read
//! back from cell outputs); `build.rs` makes it a
//! `report::document::Document`, which both formats render.
//!
//! The records are taken in the order they ran (by their runs' start) and numbered so.
//! The incident window is the span of the records' windows (the windows their runs
//! investigated). Nothing is made up: what the records do not hold, the review says
//! they do not hold.

mod build;
mod direction;
mod impact;
mod outputs;
mod prose;
mod text;
mod timeline;

use playbook::chart::LineChart;
use playbook::time_range::TimeRange;

use super::story::Story;
use super::{Format, Rendered, verdict_line, when};
use crate::record::notebook::Notebook;
use crate::record::run_record::RunRecord;
pub(crate) use direction::Direction;
use impact::{Kpi, Measures};
use prose::Heading;
use timeline::Event;

/// Why a file cannot be part of a review.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotARecord {
    #[error(
        "{0} is not an incident record: it has no run record (run the notebook with \
         `playbook run` first)"
    )]
    NoRunRecord(String),
    #[error("{name}: its run record cannot be read: {why}")]
    Unreadable { name: String, why: String },
}

/// One record in the review.
struct Incident<'a> {
    /// 1-based, in the order the records ran.
    number: usize,
    /// The record's file name.
    name: String,
    notebook: &'a Notebook,
    story: Story<'a>,
    run: RunRecord,
}

/// The impact, or why it could not be measured.
enum Impact {
    Measured {
        /// Boxed: two series, where the other variant has a name.
        kpi: Box<Kpi>,
        measures: Measures,
        /// The KPI and its baseline on one chart (SVG).
        chart: String,
    },
    /// No chart shows a baseline (with `--kpi NAME`: none shows NAME with one).
    NoBaseline { wanted: Option<String> },
}

/// The review, ready to render.
struct Review<'a> {
    title: String,
    window: Option<TimeRange>,
    /// Services, sources, accounts, regions: each with its distinct values.
    places: Vec<(&'static str, Vec<String>)>,
    incidents: Vec<Incident<'a>>,
    impact: Impact,
    /// The incident's own events, in time order.
    timeline: Vec<Event>,
    /// The investigation's: the runs, their query windows and checks, in time order.
    investigation: Vec<Event>,
    /// Each review section and the text records already had for it (record number, text).
    sections: Vec<(Heading, Vec<(usize, String)>)>,
}

impl Incident<'_> {
    /// "ok · 4 checks: 4 passed".
    fn status_line(&self) -> String {
        format!("{} · {}", self.run.status.as_str(), verdict_line(&self.run))
    }

    /// "started …, took 3.1 s".
    fn when(&self) -> String {
        when(self.run.started, self.run.finished)
    }
}

/// What `--kpi NAME --kpi-direction up|down` say.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KpiChoice<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) direction: Option<Direction>,
}

/// Renders the review of `records` (file name, notebook); `kpi`: `--kpi` and
/// `--kpi-direction`; `files_dir` as for [`super::render`] (where Markdown's chart goes).
pub(crate) fn render(
    records: &[(String, Notebook)],
    kpi: KpiChoice,
    format: Format,
    files_dir: Option<&str>,
) -> Result<Rendered, NotARecord> {
    let review = assemble(records, kpi)?;
    Ok(super::document::render(
        &build::document(&review),
        format,
        files_dir,
    ))
}

fn assemble<'a>(
    records: &'a [(String, Notebook)],
    kpi: KpiChoice,
) -> Result<Review<'a>, NotARecord> {
    let mut incidents = Vec::new();
    for (name, notebook) in records {
        let story = Story::read(notebook);
        let run = match &story.run {
            Some(Ok(run)) => run.clone(),
            Some(Err(why)) => {
                return Err(NotARecord::Unreadable {
                    name: name.clone(),
                    why: why.clone(),
                });
            }
            None => return Err(NotARecord::NoRunRecord(name.clone())),
        };
        incidents.push(Incident {
            number: 0,
            name: name.clone(),
            notebook,
            story,
            run,
        });
    }
    incidents.sort_by_key(|i| i.run.started);
    for (n, incident) in incidents.iter_mut().enumerate() {
        incident.number = n + 1;
    }
    let window = window(&incidents);
    let impact = measure_impact(&incidents, kpi, window);
    let mut timeline = timeline::assemble(&incidents);
    if let Impact::Measured { kpi, measures, .. } = &impact {
        timeline::mark_impact(&mut timeline, kpi, measures);
    }
    let (timeline, investigation) = timeline::split(timeline);
    Ok(Review {
        title: title(&incidents),
        window,
        places: places(&incidents),
        impact,
        timeline,
        investigation,
        sections: sections(&incidents),
        incidents,
    })
}

/// "Post-incident review: TITLE" (the distinct titles of the records, in order).
fn title(incidents: &[Incident]) -> String {
    let mut titles: Vec<&str> = Vec::new();
    for incident in incidents {
        if !titles.contains(&incident.story.title.as_str()) {
            titles.push(&incident.story.title);
        }
    }
    format!("Post-incident review: {}", titles.join(" / "))
}

/// The span of the records' windows (of their queries' windows when no run has one).
fn window(incidents: &[Incident]) -> Option<TimeRange> {
    let runs: Vec<TimeRange> = incidents.iter().filter_map(|i| i.run.window).collect();
    let windows = if runs.is_empty() {
        (incidents.iter())
            .flat_map(|i| &i.story.queries)
            .filter_map(|q| q.record.window)
            .collect()
    } else {
        runs
    };
    let start = windows.iter().map(|w| w.start).min()?;
    let end = windows.iter().map(|w| w.end).max()?;
    Some(TimeRange { start, end })
}

/// Services (the parameters `service` and `services`), sources, accounts and regions of
/// the runs and of their queries, each listed once.
fn places(incidents: &[Incident]) -> Vec<(&'static str, Vec<String>)> {
    let mut services = Vec::new();
    let mut sources = Vec::new();
    let mut accounts = Vec::new();
    let mut regions = Vec::new();
    for incident in incidents {
        let run = &incident.run;
        for (name, value) in super::parameters(run) {
            if name == "service" || name == "services" {
                services.extend(
                    value
                        .split(',')
                        .map(|s| s.trim().trim_matches(['"', '[', ']']))
                        .map(str::to_owned),
                );
            }
        }
        sources.extend(run.source.clone());
        accounts.extend(run.account.clone());
        regions.extend(run.region.clone());
        for query in incident.story.queries.iter().map(|q| &q.record) {
            sources.push(query.source.clone());
            accounts.extend(query.account.clone());
            regions.extend(query.region.clone());
        }
    }
    [
        ("Services", services),
        ("Sources", sources),
        ("Accounts", accounts),
        ("Regions", regions),
    ]
    .into_iter()
    .map(|(label, mut values)| {
        values.retain(|v| !v.is_empty());
        let mut seen = Vec::new();
        values.retain(|v| {
            if seen.contains(v) {
                false
            } else {
                seen.push(v.clone());
                true
            }
        });
        (label, values)
    })
    .collect()
}

/// The first chart that shows a KPI with its baseline, measured over `window` on the side
/// that is bad for it.
fn measure_impact(incidents: &[Incident], wanted: KpiChoice, window: Option<TimeRange>) -> Impact {
    let found = incidents.iter().find_map(|incident| {
        incident.story.steps().find_map(|step| {
            let (series, baseline) = impact::pick(&super::story::series(step.cell), wanted.name)?;
            let checks = checks_on(incident, &series.label, step.number);
            Some(Kpi {
                direction: direction::infer(&series, wanted.direction, &checks),
                series,
                baseline,
                record: incident.number,
                step: step.name.clone(),
            })
        })
    });
    let Some(kpi) = found else {
        return Impact::NoBaseline {
            wanted: wanted.name.map(str::to_owned),
        };
    };
    let measures = impact::measure(&kpi.series, &kpi.baseline, window);
    let mut chart = LineChart::new(format!(
        "Impact: {} against {}",
        kpi.series.label, kpi.baseline.label
    ))
    .series(kpi.series.clone())
    .baseline(kpi.baseline.clone());
    for side in kpi.sides() {
        if let Some((from, to)) = measures.side(side).span {
            chart = chart
                .annotate(from, &format!("first {} baseline", side.word()))
                .annotate(to, &format!("last {} baseline", side.word()));
        }
    }
    Impact::Measured {
        chart: chart.svg(),
        kpi: Box::new(kpi),
        measures,
    }
}

/// The checks of `incident` on the KPI `label` (name, expected): stated in the step that
/// showed it (`step`), or named after it.
fn checks_on(incident: &Incident, label: &str, step: usize) -> Vec<(String, String)> {
    let label = label.to_lowercase();
    (incident.run.checks.iter())
        .filter(|c| {
            c.name.to_lowercase().contains(&label)
                || incident
                    .story
                    .step_of_check(&c.name)
                    .is_some_and(|s| s.number == step)
        })
        .filter_map(|c| Some((c.name.clone(), c.expected.clone()?)))
        .collect()
}

/// The review sections, each with what the records' markdown cells already say for it.
fn sections(incidents: &[Incident]) -> Vec<(Heading, Vec<(usize, String)>)> {
    let mut found: Vec<(Heading, Vec<(usize, String)>)> = prose::SECTIONS
        .iter()
        .map(|(heading, _)| (*heading, Vec::new()))
        .collect();
    for incident in incidents {
        let notebook = incident.notebook;
        for index in (0..notebook.len()).filter(|&i| notebook.cell(i)["cell_type"] == "markdown") {
            for (heading, text) in prose::sections(&notebook.source(index)) {
                if let Some((_, texts)) = found.iter_mut().find(|(h, _)| *h == heading) {
                    texts.push((incident.number, text));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests;
