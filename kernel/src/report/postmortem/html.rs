//! The review as one self-contained HTML page (the report's stylesheet, the impact's chart
//! inline as SVG, no script, no remote resource).

use std::fmt::Write as _;

use super::prose::Heading;
use super::text::{self, instant};
use super::timeline::{Event, What};
use super::{Impact, Review};
use crate::report::html::{class, mark, prose};
use crate::report::sanitise::CSP_META;
use crate::visible::html as escape;

const STYLE: &str = include_str!("../style.css");

/// The review's own rules after the report's: alarm rows stand out; on a phone-wide screen
/// the tables fit the width (cells wrap anywhere, a timeline time only between its date
/// and its time of day, at the `<wbr>` [`breakable`] puts there), so the page never
/// scrolls sideways.
const OWN_STYLE: &str = "tr.alarm td{font-weight:600}\n\
     @media screen and (max-width:40em){table{font-size:.9em}\
     td,th{padding:.2em .35em;overflow-wrap:anywhere}#timeline td:first-child{overflow-wrap:normal}}\n";

/// Renders `review` as an HTML document.
pub(super) fn render(review: &Review) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n{CSP_META}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta name=\"color-scheme\" content=\"light dark\" />\n<title>{t}</title>\n\
         <style>\n{STYLE}{OWN_STYLE}</style>\n</head>\n<body>\n",
        t = escape(&review.title)
    );
    header(&mut out, review);
    records(&mut out, review);
    impact(&mut out, review);
    timeline(&mut out, review);
    sections(&mut out, review);
    out.push_str("</body>\n</html>\n");
    out
}

fn header(out: &mut String, review: &Review) {
    let _ = writeln!(
        out,
        "<header class=\"card\">\n<h1>{}</h1>\n<div class=\"intro\">{}</div>\n<dl>",
        escape(&review.title),
        prose(&text::intro(review))
    );
    for (label, value) in text::header_facts(review) {
        let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", escape(&value));
    }
    out.push_str("</dl>\n</header>\n");
}

fn records(out: &mut String, review: &Review) {
    out.push_str(
        "<section id=\"records\">\n<h2>Records</h2>\n<table>\n<tr><th>#</th><th>record</th>\
         <th>notebook</th><th>run id</th><th>status</th><th>ran</th></tr>\n",
    );
    for incident in &review.incidents {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>\
             <td><span class=\"{}\">{}</span></td><td>{}</td></tr>",
            incident.number,
            escape(&incident.name),
            escape(&incident.run.notebook),
            escape(&incident.run.run_id),
            class(incident.run.status.as_str()),
            escape(&incident.status_line()),
            breakable(&escape(&incident.when()))
        );
    }
    out.push_str("</table>\n</section>\n");
}

fn impact(out: &mut String, review: &Review) {
    out.push_str("<section id=\"impact\">\n<h2>Impact</h2>\n");
    match &review.impact {
        Impact::Measured {
            kpi,
            measures,
            chart,
        } => {
            let _ = writeln!(
                out,
                "<p>{}</p>\n<table>",
                escape(&text::impact_lead(kpi, measures))
            );
            out.push_str("<tr><th>measure</th><th>value</th></tr>\n");
            for (label, value) in text::impact_rows(kpi, measures) {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    escape(&label),
                    escape(&value)
                );
            }
            let _ = writeln!(
                out,
                "</table>\n<figure class=\"chart output\">{chart}</figure>\n<div class=\"step-meta\">{}</div>",
                prose(&text::impact_definition())
            );
        }
        Impact::NoBaseline { wanted } => {
            let _ = writeln!(
                out,
                "<div class=\"intro\">{}</div>",
                prose(&text::no_impact(wanted.as_deref()))
            );
        }
    }
    out.push_str("</section>\n");
}

fn timeline(out: &mut String, review: &Review) {
    out.push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    if review.timeline.is_empty() {
        out.push_str("<p><em>The records hold no incident event with a time.</em></p>\n");
    } else {
        events(out, review, &review.timeline);
    }
    let _ = writeln!(
        out,
        "<h3 id=\"investigation\">Investigation</h3>\n<div class=\"intro\">{}</div>",
        prose(&text::investigation_intro())
    );
    if review.investigation.is_empty() {
        out.push_str("<p><em>The records hold no run with a time.</em></p>\n");
    } else {
        events(out, review, &review.investigation);
    }
    out.push_str("</section>\n");
}

/// A table of events.
fn events(out: &mut String, review: &Review, events: &[Event]) {
    let several = review.incidents.len() > 1;
    out.push_str("<table>\n<tr><th>time (UTC)</th><th>event</th><th>detail</th>");
    if several {
        out.push_str("<th>record</th>");
    }
    out.push_str("</tr>\n");
    for event in events {
        let (row, label) = match &event.what {
            What::Check { verdict, .. } => (
                String::new(),
                format!(
                    "check <span class=\"verdict {verdict}\">{}</span>",
                    mark(*verdict)
                ),
            ),
            What::Alarm { to, .. } if to == "ALARM" => {
                (" class=\"alarm\"".to_owned(), "alarm".to_owned())
            }
            other => (String::new(), other.label().to_owned()),
        };
        let _ = write!(
            out,
            "<tr{row}><td>{}</td><td>{label}</td><td>{}</td>",
            breakable(&instant(event.at)),
            escape(&event.what.detail())
        );
        if several {
            let records: Vec<String> = event.records.iter().map(usize::to_string).collect();
            let _ = write!(out, "<td>{}</td>", records.join(", "));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn sections(out: &mut String, review: &Review) {
    let several = review.incidents.len() > 1;
    for (heading, texts) in &review.sections {
        let id = heading.title().to_lowercase().replace(' ', "-");
        let _ = writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", heading.title());
        let table = *heading == Heading::ActionItems;
        if texts.is_empty() && !table {
            out.push_str("<p><em>To be written.</em></p>\n");
        }
        for (record, text) in texts {
            if several {
                let _ = writeln!(out, "<p><em>From record {record}:</em></p>");
            }
            out.push_str(&prose(text));
        }
        if table {
            out.push_str(
                "<table>\n<tr><th>Action</th><th>Owner</th><th>Due</th></tr>\n\
                 <tr><td></td><td></td><td></td></tr>\n</table>\n",
            );
        }
        out.push_str("</section>\n");
    }
}

/// `text` with a line-break opportunity (`<wbr>`) between the date and the time of day of
/// the RFC 3339 instant it starts with (`2026-11-12<wbr />T14:05:00Z`), so a narrow column
/// breaks it there and nowhere else; any other text as it is.
fn breakable(text: &str) -> String {
    let bytes = text.as_bytes();
    let date = bytes.len() > 10
        && bytes[10] == b'T'
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if date {
        format!("{}<wbr />{}", &text[..10], &text[10..])
    } else {
        text.to_owned()
    }
}
