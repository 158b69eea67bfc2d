//! The review in Markdown, for a ticket or a repository: GitHub tables, the impact's
//! chart as an SVG file beside the document, the sections to fill in as headings.

use std::fmt::Write as _;

use super::prose::Heading;
use super::text::{self, instant};
use super::timeline::{Event, What};
use super::{Impact, Review};
use crate::report::Rendered;
use crate::report::markdown::{cell, mark};
use crate::report::sanitise::{markdown_prose, markdown_text};

/// Renders `review`; the impact's chart goes to `files_dir` (relative to the document).
pub(super) fn render(review: &Review, files_dir: Option<&str>) -> Rendered {
    let mut out = Rendered::default();
    header(&mut out.text, review);
    records(&mut out.text, review);
    impact(&mut out, review, files_dir);
    timeline(&mut out.text, review);
    sections(&mut out.text, review);
    out
}

fn header(out: &mut String, review: &Review) {
    let _ = write!(
        out,
        "# {}\n\n_{}_\n\n",
        markdown_text(&review.title),
        text::intro(review)
    );
    for (label, value) in text::header_facts(review) {
        let _ = writeln!(out, "- **{label}:** {}", markdown_text(&value));
    }
    out.push('\n');
}

fn records(out: &mut String, review: &Review) {
    out.push_str("## Records\n\n| # | record | notebook | run id | status | ran |\n|---|---|---|---|---|---|\n");
    for incident in &review.incidents {
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` | {} | {} |",
            incident.number,
            cell(&incident.name),
            cell(&incident.run.notebook),
            cell(&incident.run.run_id),
            cell(&incident.status_line()),
            cell(&incident.when())
        );
    }
    out.push('\n');
}

fn impact(out: &mut Rendered, review: &Review, files_dir: Option<&str>) {
    let text = &mut out.text;
    text.push_str("## Impact\n\n");
    let Impact::Measured {
        kpi,
        measures,
        chart,
    } = &review.impact
    else {
        if let Impact::NoBaseline { wanted } = &review.impact {
            let _ = write!(text, "_{}_\n\n", text::no_impact(wanted.as_deref()));
        }
        return;
    };
    let _ = write!(
        text,
        "{}\n\n| measure | value |\n|---|---|\n",
        text::impact_lead(kpi, measures)
    );
    for (label, value) in text::impact_rows(kpi, measures) {
        let _ = writeln!(text, "| {} | {} |", cell(&label), cell(&value));
    }
    text.push('\n');
    match files_dir {
        Some(dir) => {
            let _ = write!(
                text,
                "![impact: {}]({dir}/impact.svg)\n\n",
                kpi.series.label
            );
            out.files.push(("impact.svg".to_owned(), chart.clone()));
        }
        None => out
            .text
            .push_str("_(chart: in the HTML review, or write this review to a file)_\n\n"),
    }
    let _ = write!(out.text, "_{}_\n\n", text::impact_definition());
}

fn timeline(out: &mut String, review: &Review) {
    out.push_str("## Timeline\n\n");
    if review.timeline.is_empty() {
        out.push_str("_The records hold no incident event with a time._\n\n");
    } else {
        events(out, review, &review.timeline);
    }
    let _ = write!(
        out,
        "### Investigation\n\n_{}_\n\n",
        text::investigation_intro()
    );
    if review.investigation.is_empty() {
        out.push_str("_The records hold no run with a time._\n\n");
    } else {
        events(out, review, &review.investigation);
    }
}

/// A table of events.
fn events(out: &mut String, review: &Review, events: &[Event]) {
    let several = review.incidents.len() > 1;
    let (extra_head, extra_rule) = if several {
        (" record |", "---|")
    } else {
        ("", "")
    };
    let _ = writeln!(
        out,
        "| time (UTC) | event | detail |{extra_head}\n|---|---|---|{extra_rule}"
    );
    for event in events {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            instant(event.at),
            label(event),
            cell(&event.what.detail())
        );
        if several {
            let records: Vec<String> = event.records.iter().map(usize::to_string).collect();
            let _ = write!(out, " {} |", records.join(", "));
        }
        out.push('\n');
    }
    out.push('\n');
}

/// The event's kind; a check's with its verdict.
fn label(event: &Event) -> String {
    match &event.what {
        What::Check { verdict, .. } => format!("check {}", mark(*verdict)),
        What::Alarm { to, .. } if to == "ALARM" => "**alarm**".to_owned(),
        other => other.label().to_owned(),
    }
}

fn sections(out: &mut String, review: &Review) {
    let several = review.incidents.len() > 1;
    for (heading, texts) in &review.sections {
        let _ = write!(out, "## {}\n\n", heading.title());
        let table = *heading == Heading::ActionItems;
        if texts.is_empty() && !table {
            out.push_str("_To be written._\n\n");
        }
        for (record, text) in texts {
            if several {
                let _ = write!(out, "_From record {record}:_\n\n");
            }
            let _ = write!(out, "{}\n\n", markdown_prose(text));
        }
        if table {
            out.push_str("| Action | Owner | Due |\n|---|---|---|\n| | | |\n");
        }
    }
}
