//! The report as a [`Document`]: the header card (status and verdicts, the introduction,
//! the run's facts and parameters), the checks (each linking to the step that stated
//! it), a contents list (HTML), the steps in notebook order with their prose and outputs,
//! and the query log as an appendix. Both formats render it (`document/`).

use super::document::{Block, Card, Cell, Chart, Document, Fact, Inline, Row, STYLE, Table};
use super::markup::{self, Piece};
use super::story::{self, Block as Output, QueryEntry, Section, Step, Story};
use super::{Format, parameters, run_facts, verdict_line};
use crate::report::document::html_class as class;

/// Query texts longer than this are folded.
const FOLD_AT: usize = 90;

/// The report of `story`.
pub(super) fn document(story: &Story) -> Document {
    let mut blocks = vec![Block::Card(card(story))];
    blocks.extend(checks(story));
    let actions = super::actions::blocks(story);
    let mut css = STYLE.to_owned();
    if !actions.is_empty() {
        css.push_str(super::actions::CSS);
    }
    blocks.extend(actions);
    blocks.push(Block::only(Format::Html, contents(story)));
    for section in &story.sections {
        blocks.extend(self::section(section));
    }
    blocks.extend(appendix(story));
    Document {
        title: story.title.clone(),
        css,
        chart_elsewhere: "in the HTML report, or write this report to a file",
        blocks,
    }
}

fn card(story: &Story) -> Card {
    let mut card = Card {
        title: story.title.clone(),
        blocks: Vec::new(),
        facts: Vec::new(),
    };
    let run = match &story.run {
        Some(Ok(run)) => run,
        Some(Err(why)) => {
            let why = format!("Run record unreadable: {why}");
            card.blocks
                .push(Block::para(vec![Inline::Em(vec![Inline::Text(why)])]));
            return card;
        }
        None => {
            card.blocks.push(Block::para(vec![Inline::Em(vec![
                Inline::text("No run record: this notebook was not run by "),
                Inline::Code("playbook run".into()),
                Inline::text("."),
            ])]));
            return card;
        }
    };
    card.blocks.push(Block::Status {
        status: run.status.as_str().to_owned(),
        line: verdict_line(run),
    });
    if !story.intro.is_empty() {
        card.blocks.push(Block::Prose {
            markdown: story.intro.clone(),
            class: Some("intro"),
            demote: false,
        });
    }
    for (label, value) in run_facts(run) {
        card.facts.push(Fact {
            label: label.to_owned(),
            value: vec![Inline::Text(value)],
            class: None,
        });
    }
    let params = parameters(run);
    if !params.is_empty() {
        let mut value = Vec::new();
        for (n, (k, v)) in params.iter().enumerate() {
            if n > 0 {
                value.push(Inline::text(", "));
            }
            value.push(Inline::Code(format!("{k}\u{a0}=\u{a0}{v}")));
        }
        card.facts.push(Fact {
            label: "Parameters".into(),
            value,
            class: Some("params"),
        });
    }
    card
}

fn checks(story: &Story) -> Option<Block> {
    let Some(Ok(run)) = &story.run else {
        return None;
    };
    if run.checks.is_empty() {
        return None;
    }
    let head = ["verdict", "check", "observed", "expected", "evidence"];
    let rows = (run.checks.iter())
        .map(|check| {
            let evidence = match story.step_of_check(&check.name) {
                Some(step) => vec![Inline::Link {
                    href: format!("#{}", step.anchor()),
                    text: vec![Inline::Text(format!("step {}: {}", step.number, step.name))],
                }],
                None => Vec::new(),
            };
            let cells = vec![
                Cell::of(vec![Inline::Verdict(check.verdict)])
                    .class(format!("verdict {}", check.verdict)),
                Cell::text(&check.name),
                Cell::text(check.observed.as_deref().unwrap_or("")),
                Cell::text(check.expected.as_deref().unwrap_or("")),
                Cell::of(evidence),
            ];
            Row {
                cells,
                ..Row::default()
            }
        })
        .collect();
    let table = Table {
        head: head.map(str::to_owned).to_vec(),
        rows,
    };
    Some(Block::section(
        "checks",
        vec![Block::heading(2, "Checks"), Block::Table(table)],
    ))
}

fn contents(story: &Story) -> Block {
    let mut items: Vec<Vec<Inline>> = (story.steps())
        .map(|step| {
            let (status, duration) = step.status();
            vec![
                Inline::Link {
                    href: format!("#{}", step.anchor()),
                    text: vec![Inline::text(&step.name)],
                },
                Inline::text(" "),
                status_span(status),
                Inline::text(" "),
                Inline::Span {
                    class: None,
                    inlines: vec![Inline::Text(duration)],
                },
            ]
        })
        .collect();
    if !story.queries.is_empty() {
        items.push(vec![Inline::Link {
            href: "#queries".into(),
            text: vec![Inline::text("Appendix: the query log")],
        }]);
    }
    Block::Contents(items)
}

fn status_span(status: &str) -> Inline {
    Inline::Span {
        class: Some(class(status)),
        inlines: vec![Inline::text(status)],
    }
}

fn prose(text: &str) -> Block {
    Block::Prose {
        markdown: text.to_owned(),
        class: None,
        demote: true,
    }
}

fn section(section: &Section) -> Vec<Block> {
    let Some(step) = &section.step else {
        return (section.prose.iter())
            .map(|text| Block::Section {
                attrs: vec![("class", "prose".to_owned())],
                blocks: vec![prose(text)],
            })
            .collect();
    };
    let mut blocks = vec![Block::only(
        Format::Md,
        Block::heading(2, step_heading(step)),
    )];
    blocks.extend(section.prose.iter().map(|text| prose(text)));
    blocks.push(Block::only(Format::Html, step_meta(step)));
    if !step.queries.is_empty() {
        let names: Vec<String> = step
            .queries
            .iter()
            .map(|&q| format!("Q{}", q + 1))
            .collect();
        let line = format!("Queries: {} (appendix)", names.join(", "));
        let para = Block::para(vec![Inline::Em(vec![Inline::Text(line)])]);
        blocks.push(Block::only(Format::Md, para));
    }
    for (n, block) in story::blocks(step.cell).into_iter().enumerate() {
        blocks.extend(output(step, n + 1, block));
    }
    vec![Block::Section {
        attrs: vec![("class", "step".to_owned()), ("id", step.anchor())],
        blocks,
    }]
}

/// "3. p99 now vs a week ago — ok, 0.21 s": the step's heading (Markdown).
fn step_heading(step: &Step) -> String {
    let (status, duration) = step.status();
    let how = if duration.is_empty() {
        status.to_owned()
    } else {
        format!("{status}, {duration}")
    };
    format!("{}. {} — {how}", step.number, step.name)
}

/// "Step 3: **name** · ok · 0.21 s · queries Q1 Q2" (HTML).
fn step_meta(step: &Step) -> Block {
    let (status, duration) = step.status();
    let mut inlines = vec![
        Inline::Text(format!("Step {}: ", step.number)),
        Inline::Strong(vec![Inline::text(&step.name)]),
        Inline::text(" · "),
        status_span(status),
    ];
    if !duration.is_empty() {
        inlines.push(Inline::Text(format!(" · {duration}")));
    }
    if !step.queries.is_empty() {
        inlines.push(Inline::text(" · queries"));
        for &q in &step.queries {
            inlines.push(Inline::text(" "));
            inlines.push(Inline::Link {
                href: format!("#query-{}", q + 1),
                text: vec![Inline::Text(format!("Q{}", q + 1))],
            });
        }
    }
    Block::Para {
        class: Some("step-meta"),
        inlines,
    }
}

/// Output `n` of `step` as blocks: HTML shows an HTML output as it is; Markdown its
/// tables and charts apart (`markdown_pieces`).
fn output(step: &Step, n: usize, block: Output) -> Vec<Block> {
    vec![match block {
        Output::Stream(text) | Output::Plain(text) => Block::Pre(text),
        Output::Error { ename, evalue } => Block::Error {
            name: ename,
            message: evalue,
        },
        Output::Html { html, svg } => {
            let markdown = markdown_pieces(step, n, &html, svg.as_deref());
            return vec![
                Block::only(Format::Html, Block::Markup(html)),
                Block::only(Format::Md, markdown),
            ];
        }
        Output::Svg(svg) => Block::Chart(chart(step, n, svg)),
    }]
}

/// The chart of output `n` of `step`.
fn chart(step: &Step, n: usize, svg: String) -> Chart {
    Chart {
        svg,
        file: format!("step-{}-{n}.svg", step.number),
        alt: format!("{} (chart {n})", step.name),
        output: true,
    }
}

/// An HTML output as Markdown shows it (`markup.rs`): its tables as Markdown tables, its
/// charts as files, what lies between as markup.
fn markdown_pieces(step: &Step, n: usize, html: &str, svg: Option<&str>) -> Block {
    let mut charts = 0;
    let blocks = (markup::pieces(html, svg).into_iter())
        .map(|piece| match piece {
            Piece::Markup(markup) => Block::Markup(markup),
            Piece::Table { head, rows } => Block::Table(Table {
                head,
                rows: (rows.into_iter())
                    .map(|cells| Row {
                        cells: cells.into_iter().map(Cell::text).collect(),
                        ..Row::default()
                    })
                    .collect(),
            }),
            Piece::Chart(svg) => {
                charts += 1;
                let mut chart = chart(step, n, svg);
                if charts > 1 {
                    chart.file = format!("step-{}-{n}-{charts}.svg", step.number);
                    chart.alt = format!("{} (chart {n}.{charts})", step.name);
                }
                Block::Chart(chart)
            }
        })
        .collect();
    Block::Section {
        attrs: Vec::new(),
        blocks,
    }
}

fn appendix(story: &Story) -> Option<Block> {
    if story.queries.is_empty() {
        return None;
    }
    let head = ["#", "step", "kind", "window", "query", "results", "status"];
    let table = Table {
        head: head.map(str::to_owned).to_vec(),
        rows: (story.queries.iter().enumerate())
            .map(|(n, entry)| query_row(n + 1, entry))
            .collect(),
    };
    Some(Block::Section {
        attrs: vec![
            ("id", "queries".to_owned()),
            ("class", "appendix".to_owned()),
        ],
        blocks: vec![
            Block::heading(2, "Appendix: the query log"),
            Block::Table(table),
        ],
    })
}

fn query_row(n: usize, entry: &QueryEntry) -> Row {
    let q = &entry.record;
    let step = match entry.step {
        Some(step) => vec![Inline::Link {
            href: format!("#step-{step}"),
            text: vec![Inline::Text(step.to_string())],
        }],
        None => Vec::new(),
    };
    let mut kind = vec![Inline::Text(format!("{} ({})", q.kind, q.source))];
    for place in [&q.account, &q.region].into_iter().flatten() {
        kind.extend([Inline::Break, Inline::text(place)]);
    }
    let text = entry.text();
    let mut query = vec![if text.chars().count() > FOLD_AT {
        let head: String = text.chars().take(FOLD_AT - 10).collect();
        Inline::Fold {
            summary: vec![Inline::Code(format!("{head}…"))],
            full: vec![Inline::Code(text)],
        }
    } else {
        Inline::Code(text)
    }];
    if let Some(link) = &q.console_url {
        query.push(Inline::text(" "));
        query.push(Inline::Link {
            href: link.clone(),
            text: vec![Inline::text("console")],
        });
    }
    let status = q.status.to_string();
    Row {
        id: Some(format!("query-{n}")),
        class: None,
        cells: vec![
            Cell::text(n.to_string()),
            Cell::of(step),
            Cell::of(kind),
            Cell::text(q.window.map(|w| w.to_string()).unwrap_or_default()),
            Cell::of(query).class("query"),
            Cell::text(q.results.to_string()),
            Cell::text(&status).class(class(&status)),
        ],
    }
}
