//! The review as a [`Document`]: the header card (what the records say about the
//! incident), the records, the impact (the KPI against its baseline, with its chart), the
//! timeline and the investigation's own time, and the sections for people to write. Both
//! formats render it (`report/document/`).

use super::prose::Heading;
use super::text::{self, instant};
use super::timeline::{Event, What};
use super::{Impact, Review};
use crate::report::document::{
    Block, Card, Cell, Chart, Document, Fact, Inline, Row, STYLE, Table, html_class as class,
};

/// The review's own rules after the report's: alarm rows stand out; on a phone-wide screen
/// the tables fit the width (cells wrap anywhere, a timeline time only between its date
/// and its time of day, at the `<wbr>` `Inline::Instant` puts there), so the page never
/// scrolls sideways.
const OWN_STYLE: &str = "tr.alarm td{font-weight:600}\n\
     @media screen and (max-width:40em){table{font-size:.9em}\
     td,th{padding:.2em .35em;overflow-wrap:anywhere}#timeline td:first-child{overflow-wrap:normal}}\n";

/// The review of `review`.
pub(super) fn document(review: &Review) -> Document {
    let card = Card {
        title: review.title.clone(),
        blocks: vec![prose(text::intro(review), "intro")],
        facts: (text::header_facts(review).into_iter())
            .map(|(label, value)| Fact {
                label: label.to_owned(),
                value: vec![Inline::Text(value)],
                class: None,
            })
            .collect(),
    };
    let mut blocks = vec![Block::Card(card), records(review), impact(review)];
    blocks.push(timeline(review));
    blocks.extend(sections(review));
    Document {
        title: review.title.clone(),
        css: format!("{STYLE}{OWN_STYLE}"),
        chart_elsewhere: "in the HTML review, or write this review to a file",
        blocks,
    }
}

fn prose(markdown: String, class: &'static str) -> Block {
    Block::Prose {
        markdown,
        class: Some(class),
        demote: false,
    }
}

fn table(head: &[&str], rows: Vec<Row>) -> Block {
    Block::Table(Table {
        head: head.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    })
}

fn row(cells: Vec<Cell>) -> Row {
    Row {
        cells,
        ..Row::default()
    }
}

fn records(review: &Review) -> Block {
    let rows = (review.incidents.iter())
        .map(|incident| {
            let status = Inline::Span {
                class: Some(class(incident.run.status.as_str())),
                inlines: vec![Inline::Text(incident.status_line())],
            };
            row(vec![
                Cell::text(incident.number.to_string()),
                Cell::text(&incident.name),
                Cell::text(&incident.run.notebook),
                Cell::of(vec![Inline::Code(incident.run.run_id.clone())]),
                Cell::of(vec![status]),
                Cell::of(vec![Inline::Instant(incident.when())]),
            ])
        })
        .collect();
    let head = ["#", "record", "notebook", "run id", "status", "ran"];
    Block::section(
        "records",
        vec![Block::heading(2, "Records"), table(&head, rows)],
    )
}

fn impact(review: &Review) -> Block {
    let mut blocks = vec![Block::heading(2, "Impact")];
    match &review.impact {
        Impact::Measured {
            kpi,
            measures,
            chart,
        } => {
            let lead = text::impact_lead(kpi, measures);
            blocks.push(Block::para(vec![Inline::Text(lead)]));
            let rows = (text::impact_rows(kpi, measures).into_iter())
                .map(|(label, value)| row(vec![Cell::text(label), Cell::text(value)]))
                .collect();
            blocks.push(table(&["measure", "value"], rows));
            blocks.push(Block::Chart(Chart {
                svg: chart.clone(),
                file: "impact.svg".into(),
                alt: format!("impact: {}", kpi.series.label),
                output: false,
            }));
            blocks.push(prose(text::impact_definition(), "step-meta"));
        }
        Impact::NoBaseline { wanted } => {
            blocks.push(prose(text::no_impact(wanted.as_deref()), "intro"));
        }
    }
    Block::section("impact", blocks)
}

fn timeline(review: &Review) -> Block {
    let mut blocks = vec![Block::heading(2, "Timeline")];
    if review.timeline.is_empty() {
        blocks.push(Block::Note(
            "The records hold no incident event with a time.".into(),
        ));
    } else {
        blocks.push(events(review, &review.timeline));
    }
    blocks.push(Block::Heading {
        level: 3,
        text: "Investigation".into(),
        id: Some("investigation".into()),
    });
    blocks.push(prose(text::investigation_intro(), "intro"));
    if review.investigation.is_empty() {
        blocks.push(Block::Note("The records hold no run with a time.".into()));
    } else {
        blocks.push(events(review, &review.investigation));
    }
    Block::section("timeline", blocks)
}

/// A table of events.
fn events(review: &Review, events: &[Event]) -> Block {
    let several = review.incidents.len() > 1;
    let mut head = vec!["time (UTC)", "event", "detail"];
    if several {
        head.push("record");
    }
    let rows = (events.iter())
        .map(|event| {
            let (class, label) = match &event.what {
                What::Check { verdict, .. } => (
                    None,
                    vec![
                        Inline::text("check "),
                        Inline::Span {
                            class: Some(format!("verdict {verdict}")),
                            inlines: vec![Inline::Verdict(*verdict)],
                        },
                    ],
                ),
                What::Alarm { to, .. } if to == "ALARM" => (
                    Some("alarm"),
                    vec![Inline::Strong(vec![Inline::text("alarm")])],
                ),
                What::Triggered { .. } => (
                    Some("alarm"),
                    vec![Inline::Strong(vec![Inline::text("run trigger")])],
                ),
                other => (None, vec![Inline::text(other.label())]),
            };
            let mut cells = vec![
                Cell::of(vec![Inline::Instant(instant(event.at))]),
                Cell::of(label),
                Cell::text(event.what.detail()),
            ];
            if several {
                let records: Vec<String> = event.records.iter().map(usize::to_string).collect();
                cells.push(Cell::text(records.join(", ")));
            }
            Row {
                id: None,
                class,
                cells,
            }
        })
        .collect();
    table(&head, rows)
}

fn sections(review: &Review) -> Vec<Block> {
    let several = review.incidents.len() > 1;
    let mut out = Vec::new();
    for (heading, texts) in &review.sections {
        let id = heading.title().to_lowercase().replace(' ', "-");
        let mut blocks = vec![Block::heading(2, heading.title())];
        let actions = *heading == Heading::ActionItems;
        if texts.is_empty() && !actions {
            blocks.push(Block::Note("To be written.".into()));
        }
        for (record, text) in texts {
            if several {
                blocks.push(Block::Note(format!("From record {record}:")));
            }
            blocks.push(Block::Prose {
                markdown: text.clone(),
                class: None,
                demote: false,
            });
        }
        if actions {
            let empty = row((0..3).map(|_| Cell::default()).collect());
            blocks.push(table(&["Action", "Owner", "Due"], vec![empty]));
        }
        out.push(Block::section(&id, blocks));
    }
    out
}
