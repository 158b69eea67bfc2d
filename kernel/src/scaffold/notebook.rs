//! The notebook `playbook new` writes: a first playbook, commented, that runs as it is —
//! the title and the question it answers (what a report shows first), the parameters
//! cell, the source and window, one metric beside its baseline in a chart, one query
//! cell reading `{service}`, two checks, and the headings a post-incident review reads
//! (`report/postmortem/prose.rs`: Cause, What went well, What to improve, Action items).
//! README's "Write your first playbook" walks through it.
//!
//! Cells have fixed ids (nbformat 4.5), so two runs of it compare step by step even after
//! a step is renamed (`playbook report --compare`).

use serde_json::{Value, json};

/// What the notebook is filled in with.
pub(crate) struct Filled<'a> {
    /// The title (`# …`).
    pub(crate) title: &'a str,
    /// The notebook's file name and its stem, for the commands it shows.
    pub(crate) file: &'a str,
    pub(crate) stem: &'a str,
    /// The source spec and window the parameters cell holds.
    pub(crate) source: &'a str,
    pub(crate) window: &'a str,
    pub(crate) service: &'a str,
}

/// The notebook, as nbformat 4.5 JSON.
pub(crate) fn notebook(f: &Filled) -> Value {
    let cells: Vec<Value> = cells(f)
        .into_iter()
        .map(|(id, kind, source)| cell(id, kind, &source))
        .collect();
    json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Playbook (Rust)",
                "language": "rust",
                "name": "playbook"
            },
            "language_info": {
                "codemirror_mode": "rust",
                "file_extension": ".rs",
                "mimetype": "text/rust",
                "name": "rust",
                "pygments_lexer": "rust"
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5
    })
}

/// A cell kind: markdown, code, or the code cell tagged `parameters`.
#[derive(Clone, Copy)]
enum Kind {
    Markdown,
    Code,
    Parameters,
}

fn cell(id: &str, kind: Kind, source: &str) -> Value {
    let lines: Vec<String> = source.split_inclusive('\n').map(str::to_owned).collect();
    match kind {
        Kind::Markdown => json!({
            "cell_type": "markdown", "id": id, "metadata": {}, "source": lines
        }),
        Kind::Code | Kind::Parameters => {
            let tags: Vec<&str> = match kind {
                Kind::Parameters => vec!["parameters"],
                _ => Vec::new(),
            };
            let metadata = if tags.is_empty() {
                json!({})
            } else {
                json!({ "tags": tags })
            };
            json!({
                "cell_type": "code", "execution_count": null, "id": id, "metadata": metadata,
                "outputs": [], "source": lines
            })
        }
    }
}

/// A Rust string literal of `text` (quotes and backslashes escaped).
fn literal(text: &str) -> String {
    format!("{text:?}")
}

// long: the notebook's cells, one after the other, read as the notebook reads
fn cells(f: &Filled) -> Vec<(&'static str, Kind, String)> {
    let (title, file, stem, service) = (f.title, f.file, f.stem, f.service);
    vec![
        (
            "title",
            Kind::Markdown,
            format!(
                "# {title}\n\n\
                 Is the service healthy: its CPU against the same hours a week ago, the errors in its \
                 logs, and two checks that say whether it is over. (Write your playbook's own question \
                 here: a report shows this paragraph under the title.)\n\n\
                 Run it headlessly, then read the report:\n\n\
                 ```sh\n\
                 playbook run {file} -o {stem}.record.ipynb -p service={service}\n\
                 playbook report {stem}.record.ipynb -o {stem}.md\n\
                 ```\n\n\
                 or open it in JupyterLab with the **Playbook (Rust)** kernel and run the cells in order."
            ),
        ),
        (
            "parameters-intro",
            Kind::Markdown,
            "## Parameters\n\
             The cell tagged `parameters` holds the defaults. `playbook run -p NAME=VALUE` overrides \
             any of them, checked against its type before anything runs; `--source` sets `source`."
                .to_owned(),
        ),
        (
            "parameters",
            Kind::Parameters,
            format!(
                "// Parameters\n\
                 // Where the data is: `cloudwatch`, or `local:DIR` (exported metrics and logs).\n\
                 let source: String = {source}.into();\n\
                 // The service: query cells below read it as {{service}}.\n\
                 let service: String = {service}.into();\n\
                 // The ECS cluster it runs in.\n\
                 let cluster: String = \"prod\".into();\n\
                 // The window: `3h` (the last three hours) or START..END in RFC 3339.\n\
                 let window: String = {window}.into();\n\
                 // What the checks hold it to.\n\
                 let cpu_target_pct: f64 = 80.0;\n\
                 let recent_errors_target: f64 = 50.0;",
                source = literal(f.source),
                service = literal(service),
                window = literal(f.window),
            ),
        ),
        (
            "source-intro",
            Kind::Markdown,
            "## Where and when\n\
             Every query below, in Rust cells and query cells alike, asks this source about this \
             window unless it says otherwise; the record keeps each query's absolute window."
                .to_owned(),
        ),
        (
            "source-and-window",
            Kind::Code,
            "// Source and window\n\
             set_source(&source)?;\n\
             let span = set_window(window.as_str())?;\n\
             // Query cells read {service} from the session: a headless run sets every parameter\n\
             // there, and this line does when the notebook runs cell by cell in Jupyter.\n\
             set_parameter(\"service\", &service)?;\n\
             context()?"
                .to_owned(),
        ),
        (
            "metric-intro",
            Kind::Markdown,
            "## CPU now and a week ago\n\
             One metric and its baseline: `baseline_shifted` runs the same query over the window a \
             week earlier, and the chart draws it muted under the metric, with the target dashed. \
             Put your service's key signal here (latency, errors, orders)."
                .to_owned(),
        ),
        (
            "metric",
            Kind::Code,
            "// CPU now vs a week ago\n\
             let cpu_query = metric(\"AWS/ECS\", \"CPUUtilization\")\n    \
                 .dim(\"ClusterName\", &cluster).dim(\"ServiceName\", &service)\n    \
                 .stat(\"Average\").period(300).label(\"cpu\");\n\
             let cpu = cpu_query.fetch()?;\n\
             let cpu_week_ago = baseline_shifted(&cpu_query, TimeDelta::weeks(1))?;\n\
             let cpu_peak = cpu.summary().max.unwrap_or(f64::NAN);\n\
             let usual_peak = cpu_week_ago.summary().max.unwrap_or(f64::NAN);\n\
             println!(\"{service}: CPU peaked at {cpu_peak:.1} % (a week ago: {usual_peak:.1} %)\");\n\
             LineChart::new(format!(\"{service} CPU: now and a week ago\"))\n    \
                 .series(cpu.clone())\n    \
                 .baseline(cpu_week_ago.clone())\n    \
                 .threshold(cpu_target_pct, \"target\")"
                .to_owned(),
        ),
        (
            "logs-intro",
            Kind::Markdown,
            "## Errors in the logs\n\
             A query cell: the kernel answers it without compiling. `{service}` is the parameter, \
             quoted safely wherever it goes, and `errors =` binds the table for the Rust cells \
             below. `%lsmagic` lists the other query cells (`%%metrics`, `%%events`, `%%alarms`, \
             `%%contributors`)."
                .to_owned(),
        ),
        (
            "logs",
            Kind::Code,
            "%%logs errors = --group /ecs/{service}\n\
             filter level = \"ERROR\"\n\
             | stats count(*) as errors by bin(5m) as minute\n\
             | sort minute desc"
                .to_owned(),
        ),
        (
            "checks-intro",
            Kind::Markdown,
            "## Verdict: is it over?\n\
             Two checks state what you expect. A failed one makes `playbook run` exit with code 2, \
             so the playbook works as a CI gate or a scheduled canary."
                .to_owned(),
        ),
        (
            "checks",
            Kind::Code,
            "// Checks\n\
             Check::new(\"peak CPU is under target\").unit(\"%\").expect_below(cpu_peak, cpu_target_pct);\n\
             let last_10_min = TimeRange::new(span.end - TimeDelta::minutes(10), span.end)?;\n\
             let recent_errors: f64 = errors.to_series(\"minute\", \"errors\").points()\n    \
                 .filter(|(t, _)| last_10_min.contains(*t)).map(|(_, n)| n).sum();\n\
             Check::new(\"errors in the last 10 minutes are under target\")\n    \
                 .expect_below(recent_errors, recent_errors_target);\n\
             checks()?"
                .to_owned(),
        ),
        (
            "review",
            Kind::Markdown,
            "## Cause\n\
             _What caused it, and which step above shows it._\n\n\
             ## What went well\n\
             _What helped: an alarm that fired early, a runbook step that worked._\n\n\
             ## What to improve\n\
             _What slowed the response down._\n\n\
             ## Action items\n\
             - _Who does what, by when._\n\n\
             `playbook report --postmortem RECORD` carries these sections into a post-incident \
             review; a markdown cell starting with `Note:` (`Note: 2026-11-12T14:20Z paged the DB \
             team`) is a note on its timeline."
                .to_owned(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> Value {
        notebook(&Filled {
            title: "Checkout \"health\"",
            file: "checkout.ipynb",
            stem: "checkout",
            source: "local:data/check\"out",
            window: "3h",
            service: "orders\\api",
        })
    }

    fn source(nb: &Value, id: &str) -> String {
        let cell = (nb["cells"].as_array().unwrap().iter())
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no cell {id}"));
        (cell["source"].as_array().unwrap().iter())
            .filter_map(Value::as_str)
            .collect()
    }

    #[test]
    fn values_go_into_the_parameters_cell_as_rust_string_literals() {
        let nb = filled();
        let params = source(&nb, "parameters");
        assert!(params.contains("let source: String = \"local:data/check\\\"out\".into();"));
        assert!(params.contains("let service: String = \"orders\\\\api\".into();"));
        assert!(params.contains("let window: String = \"3h\".into();"));
        let cell = (nb["cells"].as_array().unwrap().iter())
            .find(|c| c["id"] == "parameters")
            .unwrap();
        assert_eq!(cell["metadata"]["tags"], json!(["parameters"]));
    }

    #[test]
    fn every_cell_has_its_own_id_and_the_review_headings_are_there() {
        let nb = filled();
        assert_eq!(
            (nb["nbformat"].as_u64(), nb["nbformat_minor"].as_u64()),
            (Some(4), Some(5))
        );
        let ids: Vec<&str> = (nb["cells"].as_array().unwrap().iter())
            .filter_map(|c| c["id"].as_str())
            .collect();
        let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        let review = source(&nb, "review");
        for heading in [
            "## Cause",
            "## What went well",
            "## What to improve",
            "## Action items",
        ] {
            assert!(review.contains(&format!("{heading}\n")), "{heading}");
        }
        assert!(source(&nb, "logs").starts_with("%%logs errors = --group /ecs/{service}\n"));
    }
}
