//! The record read as a story: the title and introduction, the run, and the steps in
//! notebook order, each with the prose (markdown cells) before it, its outputs, the
//! queries it ran and the checks it stated; the query log as an appendix. Both formats
//! render this one model.
//!
//! The run and each cell are read through the record types the runner wrote
//! (`record.rs`); cell outputs are the user's data and stay JSON. Outputs marked as
//! interactive hints are left out.

use playbook::record::QueryRecord;
use serde_json::Value;

use crate::record::notebook::Notebook;
use crate::record::run_record::{self as record, CellRecord, RunRecord};

/// A record, ready to render.
pub(super) struct Story<'a> {
    pub(super) title: String,
    /// The first paragraph after the title (what the playbook is for).
    pub(super) intro: String,
    /// The run record; `Err` when the notebook's metadata has one that cannot be read.
    pub(super) run: Option<Result<RunRecord, String>>,
    pub(super) sections: Vec<Section<'a>>,
    /// The query log, in the order the queries ran.
    pub(super) queries: Vec<QueryEntry>,
}

/// Prose and the step it introduces (none after the last step).
pub(super) struct Section<'a> {
    pub(super) prose: Vec<String>,
    pub(super) step: Option<Step<'a>>,
}

/// One executed code cell.
pub(super) struct Step<'a> {
    /// 1-based, over the steps.
    pub(super) number: usize,
    pub(super) name: String,
    /// The cell's id (nbformat 4.5), which a rename leaves as it is.
    pub(super) id: Option<String>,
    pub(super) cell: &'a Value,
    pub(super) record: Option<CellRecord>,
    /// Indexes into [`Story::queries`].
    pub(super) queries: Vec<usize>,
}

impl Step<'_> {
    /// The anchor both formats link to.
    pub(super) fn anchor(&self) -> String {
        format!("step-{}", self.number)
    }

    /// The status and duration, as shown.
    pub(super) fn status(&self) -> (&'static str, String) {
        match &self.record {
            Some(r) => (r.status.as_str(), format!("{:.2} s", r.duration)),
            None => ("not run", String::new()),
        }
    }

    /// Whether this step stated the check `name`.
    pub(super) fn stated(&self, name: &str) -> bool {
        self.record
            .as_ref()
            .is_some_and(|r| r.checks.iter().any(|c| c == name))
    }
}

/// A query of the log and the step that ran it.
pub(super) struct QueryEntry {
    pub(super) record: QueryRecord,
    /// The step's number.
    pub(super) step: Option<usize>,
}

impl QueryEntry {
    /// The query in one line, with its log groups.
    pub(super) fn text(&self) -> String {
        let mut query = self
            .record
            .query
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !self.record.language.is_default() {
            query = format!("({}) {query}", self.record.language.name());
        }
        if self.record.groups.is_empty() {
            query
        } else {
            format!("[{}] {query}", self.record.groups.join(", "))
        }
    }
}

impl<'a> Story<'a> {
    /// Reads `notebook` as a story.
    pub(super) fn read(notebook: &'a Notebook) -> Story<'a> {
        let (title, intro, first) = title(notebook);
        let run = notebook
            .metadata(record::KEY)
            .map(record::parse::<RunRecord>);
        let mut sections = Vec::new();
        let mut prose = Vec::new();
        let mut queries = Vec::new();
        for index in first..notebook.len() {
            if !notebook.is_code(index) {
                let text = notebook.source(index);
                if notebook.cell(index)["cell_type"] == "markdown" && !text.trim().is_empty() {
                    prose.push(text);
                }
                continue;
            }
            if notebook.source(index).trim().is_empty() {
                continue;
            }
            let cell = notebook.cell(index);
            let record: Option<CellRecord> = record::read(cell["metadata"].get(record::KEY));
            let number = sections
                .iter()
                .filter(|s: &&Section| s.step.is_some())
                .count()
                + 1;
            let mut mine = Vec::new();
            for query in record.iter().flat_map(|r| r.queries.iter()) {
                mine.push(queries.len());
                queries.push(QueryEntry {
                    record: query.clone(),
                    step: Some(number),
                });
            }
            let name = notebook
                .step_name(index)
                .unwrap_or_else(|| format!("cell {}", index + 1));
            sections.push(Section {
                prose: std::mem::take(&mut prose),
                step: Some(Step {
                    number,
                    name,
                    id: cell["id"].as_str().map(str::to_owned),
                    cell,
                    record,
                    queries: mine,
                }),
            });
        }
        if !prose.is_empty() {
            sections.push(Section { prose, step: None });
        }
        // Records without per-cell queries (older versions): the run's log, unattributed.
        if queries.is_empty()
            && let Some(Ok(run)) = &run
        {
            queries = (run.queries.iter())
                .map(|q| QueryEntry {
                    record: q.clone(),
                    step: None,
                })
                .collect();
        }
        Story {
            title,
            intro,
            run,
            sections,
            queries,
        }
    }

    /// The executed steps.
    pub(super) fn steps(&self) -> impl Iterator<Item = &Step<'a>> {
        self.sections.iter().filter_map(|s| s.step.as_ref())
    }

    /// The step that stated the check `name`.
    pub(super) fn step_of_check(&self, name: &str) -> Option<&Step<'a>> {
        self.steps().find(|s| s.stated(name))
    }
}

/// The title (the first `# ` heading of the leading markdown), the rest of that cell,
/// and the index of the first cell after it.
fn title(notebook: &Notebook) -> (String, String, usize) {
    for index in 0..notebook.len() {
        if notebook.is_code(index) {
            break;
        }
        let source = notebook.source(index);
        if let Some((at, heading)) = source
            .lines()
            .enumerate()
            .find_map(|(n, l)| l.strip_prefix("# ").map(|t| (n, t.trim().to_owned())))
        {
            // The first paragraph says what the playbook is for; how to run it is not
            // the record's story.
            let rest: Vec<&str> = (source.lines().skip(at + 1))
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .collect();
            return (heading, rest.join("\n"), index + 1);
        }
    }
    ("Playbook run".to_owned(), String::new(), 0)
}

/// One output of a cell, classified once for both formats.
pub(super) enum Block {
    Stream(String),
    Error {
        ename: String,
        evalue: String,
    },
    /// HTML, and the `image/svg+xml` of the same output (the chart the HTML shows).
    Html {
        html: String,
        svg: Option<String>,
    },
    Svg(String),
    Plain(String),
}

/// The outputs of `cell` that belong in a shared record (interactive hints left out).
pub(super) fn blocks(cell: &Value) -> Vec<Block> {
    let get = |data: &Value, mime: &str| data.get(mime).map(text);
    cell["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|output| !crate::cells::hints::is_hint(output))
        .filter_map(|output| match output["output_type"].as_str()? {
            "stream" => Some(Block::Stream(text(&output["text"]))),
            "error" => Some(Block::Error {
                ename: text(&output["ename"]),
                evalue: text(&output["evalue"]),
            }),
            _ => {
                let data = &output["data"];
                if let Some(html) = get(data, "text/html") {
                    let svg = get(data, "image/svg+xml");
                    Some(Block::Html { html, svg })
                } else if let Some(svg) = get(data, "image/svg+xml") {
                    Some(Block::Svg(svg))
                } else {
                    get(data, "text/plain").map(Block::Plain)
                }
            }
        })
        .collect()
}

/// The series behind the charts and series `cell` showed (`SERIES_MIME`: JSON, or JSON
/// text when it came through evcxr's display convention).
pub(super) fn series(cell: &Value) -> Vec<playbook::series::Series> {
    let mime = playbook::display::SERIES_MIME;
    (cell["outputs"].as_array().into_iter().flatten())
        .filter_map(|output| output["data"].get(mime))
        .filter_map(|data| match data {
            Value::String(text) => serde_json::from_str(text).ok(),
            other => serde_json::from_value(other.clone()).ok(),
        })
        .flat_map(|series: Vec<playbook::series::Series>| series)
        .collect()
}

/// nbformat text: a string or a list of lines.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The run's verdict counts: pass, warn, fail.
pub(super) fn verdict_counts(run: &RunRecord) -> (usize, usize, usize) {
    use playbook::check::Verdict;
    let count = |v: Verdict| run.checks.iter().filter(|c| c.verdict == v).count();
    (
        count(Verdict::Pass),
        count(Verdict::Warn),
        count(Verdict::Fail),
    )
}
