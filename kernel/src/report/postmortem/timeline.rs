//! The timeline: what the records hold with a time, from every record, sorted by time
//! (then by kind in the order of [`What`], then in record order). An event several records hold
//! alike (two runs over the same window see the same alarm changes) is listed once, with
//! each record that holds it.
//!
//! Events: the start of each distinct query window (the resolved, absolute windows the
//! record keeps); deploys (rows of a log table with a `@timestamp`, from a cell whose log
//! groups or first line mention "deploy"); alarm state changes (from alarm reports);
//! the operator's notes (`prose.rs`); each check with its verdict, at the time the cell
//! that stated it finished; the run's start and end; and the KPI's impact as measured
//! (`impact.rs`: when it went to the bad side of its baseline, when its last period
//! there ended).
//!
//! The review keeps the incident's own time apart from the investigation's ([`Clock`]):
//! deploys, alarm changes, the impact and notes that state a time are the incident's;
//! the runs' start and end, their query windows (a baseline a week earlier is no incident
//! event) and the checks they stated are the investigation's, listed apart.
//! Findings a cell only printed as text (change points, excursions) are not data in the
//! record and are not read.

use chrono::{DateTime, Utc};
use playbook::check::Verdict;
use playbook::record::QueryKind;

use super::impact::{Kpi, MARGIN, Measures, Side};
use super::{Incident, outputs, prose};
use crate::record::run_record::{self as record, CellRecord, RunStatus};

/// What happened, in the order events of the same instant are listed.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum What {
    RunStarted {
        run_id: String,
        notebook: String,
    },
    QueryWindows {
        queries: usize,
        steps: Vec<usize>,
    },
    Deploy {
        fields: Vec<(String, String)>,
    },
    /// The KPI went to `side` of its baseline (the impact's first point there, computed);
    /// `known`: whether that side is known to be the bad one.
    ImpactBegan {
        kpi: String,
        baseline: String,
        side: Side,
        known: bool,
    },
    /// The end of the KPI's last period to `side` of its baseline.
    ImpactEnded {
        kpi: String,
        baseline: String,
        side: Side,
        known: bool,
    },
    Alarm {
        alarm: String,
        from: String,
        to: String,
    },
    /// The alarm transition that started a run (`playbook respond`), and the rule that
    /// routed it.
    Triggered {
        alarm: String,
        to: String,
        run_id: String,
        rule: String,
    },
    Note {
        text: String,
        stated: bool,
    },
    Check {
        name: String,
        verdict: Verdict,
        detail: String,
    },
    RunFinished {
        status: RunStatus,
        verdicts: String,
    },
}

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Event {
    pub(super) at: DateTime<Utc>,
    pub(super) what: What,
    /// The records (1-based) that hold it.
    pub(super) records: Vec<usize>,
}

/// Whose time an event is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clock {
    /// The incident's own: deploys, alarm changes, the KPI's impact, notes with a time.
    Incident,
    /// The investigation's: when the runs ran, what windows they asked about (a baseline
    /// a week earlier too), when checks were stated, notes placed where the run reached them.
    Investigation,
}

impl What {
    /// Whose time the event is on.
    pub(super) fn clock(&self) -> Clock {
        match self {
            What::Deploy { .. }
            | What::ImpactBegan { .. }
            | What::ImpactEnded { .. }
            | What::Alarm { .. }
            | What::Triggered { .. }
            | What::Note { stated: true, .. } => Clock::Incident,
            What::RunStarted { .. }
            | What::QueryWindows { .. }
            | What::Note { stated: false, .. }
            | What::Check { .. }
            | What::RunFinished { .. } => Clock::Investigation,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            What::RunStarted { .. } => 0,
            What::QueryWindows { .. } => 1,
            What::Deploy { .. } => 2,
            What::ImpactBegan { .. } | What::ImpactEnded { .. } => 3,
            What::Alarm { .. } | What::Triggered { .. } => 4,
            What::Note { .. } => 5,
            What::Check { .. } => 6,
            What::RunFinished { .. } => 7,
        }
    }

    /// The kind of event, as the timeline's second column shows it.
    pub(super) fn label(&self) -> &'static str {
        match self {
            What::RunStarted { .. } => "run started",
            What::QueryWindows { .. } => "query window",
            What::Deploy { .. } => "deploy",
            What::ImpactBegan { .. } => "impact began",
            What::ImpactEnded { .. } => "impact ended",
            What::Alarm { .. } => "alarm",
            What::Triggered { .. } => "run trigger",
            What::Note { .. } => "note",
            What::Check { .. } => "check",
            What::RunFinished { .. } => "run finished",
        }
    }

    /// The event in words (a check's verdict is shown apart).
    pub(super) fn detail(&self) -> String {
        match self {
            What::RunStarted { run_id, notebook } => format!("run {run_id} of {notebook}"),
            What::QueryWindows { queries, steps } => {
                let steps: Vec<String> = steps.iter().map(usize::to_string).collect();
                let noun = if *queries == 1 { "query" } else { "queries" };
                let step_noun = if steps.len() == 1 { "step" } else { "steps" };
                format!(
                    "start of the window of {queries} {noun} ({step_noun} {})",
                    steps.join(", ")
                )
            }
            What::Deploy { fields } => {
                let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k} {v}")).collect();
                parts.join(", ")
            }
            What::ImpactBegan {
                kpi,
                baseline,
                side,
                known,
            } => format!(
                "{kpi} {} {baseline} by more than {:.0} % (computed, see Impact{})",
                side.word(),
                MARGIN * 100.0,
                unknown_way(*known)
            ),
            What::ImpactEnded {
                kpi,
                baseline,
                side,
                known,
            } => format!(
                "{kpi} back within {:.0} % of {baseline} from {} (computed, see Impact{})",
                MARGIN * 100.0,
                side.word(),
                unknown_way(*known)
            ),
            What::Alarm { alarm, from, to } => format!("{alarm}: {from} → {to}"),
            What::Triggered {
                alarm,
                to,
                run_id,
                rule,
            } => format!("{alarm} entering {to} started run {run_id} (rule {rule})"),
            What::Note { text, stated } if *stated => text.clone(),
            What::Note { text, .. } => format!("{text} (time: when the run reached it)"),
            What::Check { detail, .. } => detail.clone(),
            What::RunFinished { status, verdicts } => format!("{} · {verdicts}", status.as_str()),
        }
    }
}

/// The timeline of `incidents`, sorted and with shared events merged.
pub(super) fn assemble(incidents: &[Incident]) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for incident in incidents {
        for (at, what) in events_of(incident) {
            match events.iter_mut().find(|e| e.at == at && e.what == what) {
                Some(seen) => seen.records.push(incident.number),
                None => events.push(Event {
                    at,
                    what,
                    records: vec![incident.number],
                }),
            }
        }
    }
    // Stable: events of the same instant and kind stay in record order.
    events.sort_by_key(|e| (e.at, e.what.rank()));
    events
}

/// Adds the KPI's impact, as measured, to a sorted timeline: when it went to the bad side
/// of its baseline and when its last period there ended (both sides when which is bad is
/// not known).
pub(super) fn mark_impact(events: &mut Vec<Event>, kpi: &Kpi, measures: &Measures) {
    let period = chrono::TimeDelta::seconds((measures.period_minutes * 60.0).round() as i64);
    let known = kpi.direction.is_some();
    for side in kpi.sides() {
        let Some((first, last)) = measures.side(side).span else {
            continue;
        };
        let (kpi_name, baseline) = (kpi.series.label.clone(), kpi.baseline.label.clone());
        let began = What::ImpactBegan {
            kpi: kpi_name.clone(),
            baseline: baseline.clone(),
            side,
            known,
        };
        let ended = What::ImpactEnded {
            kpi: kpi_name,
            baseline,
            side,
            known,
        };
        for (at, what) in [(first, began), (last + period, ended)] {
            events.push(Event {
                at,
                what,
                records: vec![kpi.record],
            });
        }
    }
    events.sort_by_key(|e| (e.at, e.what.rank()));
}

fn unknown_way(known: bool) -> &'static str {
    if known {
        ""
    } else {
        "; which way is bad is not known"
    }
}

/// Splits a sorted timeline into the incident's events and the investigation's (each
/// still sorted).
pub(super) fn split(events: Vec<Event>) -> (Vec<Event>, Vec<Event>) {
    events
        .into_iter()
        .partition(|e| e.what.clock() == Clock::Incident)
}

/// The events one record holds, unsorted.
fn events_of(incident: &Incident) -> Vec<(DateTime<Utc>, What)> {
    let run = &incident.run;
    let mut events = vec![(
        run.started,
        What::RunStarted {
            run_id: run.run_id.clone(),
            notebook: run.notebook.clone(),
        },
    )];
    if let Some(cause) = &run.cause {
        events.push((
            cause.alarm.time,
            What::Triggered {
                alarm: cause.alarm.name.clone(),
                to: cause.alarm.state.as_str().to_owned(),
                run_id: run.run_id.clone(),
                rule: cause.rule.name.clone(),
            },
        ));
    }
    events.extend(query_windows(incident));
    events.extend(cell_events(incident));
    events.extend(checks(incident));
    if let Some(finished) = run.finished {
        let verdicts = crate::report::verdict_line(run);
        events.push((
            finished,
            What::RunFinished {
                status: run.status,
                verdicts,
            },
        ));
    }
    events
}

/// One event per distinct window start, with the queries and steps that share it.
fn query_windows(incident: &Incident) -> Vec<(DateTime<Utc>, What)> {
    let mut starts: Vec<(DateTime<Utc>, usize, Vec<usize>)> = Vec::new();
    for entry in &incident.story.queries {
        let Some(window) = entry.record.window else {
            continue;
        };
        let at = match starts.iter().position(|(t, _, _)| *t == window.start) {
            Some(at) => at,
            None => {
                starts.push((window.start, 0, Vec::new()));
                starts.len() - 1
            }
        };
        starts[at].1 += 1;
        if let Some(step) = entry.step.filter(|s| !starts[at].2.contains(s)) {
            starts[at].2.push(step);
        }
    }
    (starts.into_iter())
        .map(|(at, queries, steps)| (at, What::QueryWindows { queries, steps }))
        .collect()
}

/// Deploys, alarm changes and notes, read cell by cell in notebook order.
fn cell_events(incident: &Incident) -> Vec<(DateTime<Utc>, What)> {
    let notebook = incident.notebook;
    let mut events = Vec::new();
    let mut reached = incident.run.started;
    for index in 0..notebook.len() {
        let cell = notebook.cell(index);
        if !notebook.is_code(index) {
            if cell["cell_type"] == "markdown"
                && let Some((text, stated)) =
                    prose::note(&notebook.source(index), &notebook.tags(index))
            {
                let what = What::Note {
                    text,
                    stated: stated.is_some(),
                };
                events.push((stated.unwrap_or(reached), what));
            }
            continue;
        }
        let Some(cell_record) = record::read::<CellRecord>(cell["metadata"].get(record::KEY))
        else {
            continue;
        };
        reached = cell_record.end_time;
        if ran(&cell_record, &[QueryKind::Alarms]) {
            events.extend(outputs::alarm_changes(cell).into_iter().map(|c| {
                (
                    c.at,
                    What::Alarm {
                        alarm: c.alarm,
                        from: c.from,
                        to: c.to,
                    },
                )
            }));
        }
        if is_deploy_cell(&cell_record, &notebook.source(index)) {
            events.extend(
                outputs::timed_rows(cell)
                    .into_iter()
                    .map(|row| (row.at, What::Deploy { fields: row.fields })),
            );
        }
    }
    events
}

/// Whether the cell ran a query of one of `kinds`.
fn ran(cell: &CellRecord, kinds: &[QueryKind]) -> bool {
    cell.queries.iter().any(|q| kinds.contains(&q.kind))
}

/// A cell that queried logs about deploys: its log groups or its first line say "deploy".
fn is_deploy_cell(cell: &CellRecord, source: &str) -> bool {
    let logs = [QueryKind::LogsInsights, QueryKind::FilterLogEvents];
    let mentions = |text: &str| text.to_lowercase().contains("deploy");
    ran(cell, &logs)
        && (cell
            .queries
            .iter()
            .flat_map(|q| &q.groups)
            .any(|g| mentions(g))
            || source.lines().next().is_some_and(mentions))
}

/// Each check, when the cell that stated it finished (the run's end when none did).
fn checks(incident: &Incident) -> Vec<(DateTime<Utc>, What)> {
    let run = &incident.run;
    (run.checks.iter())
        .map(|check| {
            let step = incident.story.step_of_check(&check.name);
            let at = (step.and_then(|s| s.record.as_ref()).map(|r| r.end_time))
                .or(run.finished)
                .unwrap_or(run.started);
            let mut detail = check.name.clone();
            let facts: Vec<String> = [("observed", &check.observed), ("expected", &check.expected)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                .collect();
            if !facts.is_empty() {
                detail = format!("{detail}: {}", facts.join(", "));
            }
            if let Some(step) = step {
                detail = format!("{detail} (step {})", step.number);
            }
            (
                at,
                What::Check {
                    name: check.name.clone(),
                    verdict: check.verdict,
                    detail,
                },
            )
        })
        .collect()
}
