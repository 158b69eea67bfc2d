//! The report of a small record in both formats, and comparisons.

use super::*;

const RECORD: &str = r###"{"nbformat": 4, "nbformat_minor": 5,
  "metadata": {"playbook": {"status": "check failed", "run_id": "r-1", "started": "2026-11-26T10:00:00Z",
               "finished": "2026-11-26T10:00:02.5Z", "tool_version": "0.1.0", "notebook": "checkout.ipynb",
               "checks": [{"name": "p99 latency", "verdict": "fail", "observed": "312 ms", "expected": "< 250 ms"}],
               "parameters": {"given": {"n": "3"}, "resolved": {"n": 3, "service": "checkout"}},
               "source": "cloudwatch", "region": "eu-west-1", "account": "111122223333",
               "window": ["2026-11-12T13:30:00Z", "2026-11-12T15:30:00Z"]}},
  "cells": [
    {"cell_type": "markdown", "metadata": {}, "source": "# Checkout <latency>\nWhen p99 is <b>high</b>."},
    {"cell_type": "markdown", "metadata": {}, "source": "## Fetch\nThe **errors**."},
    {"cell_type": "code", "metadata": {"playbook": {"status": "ok", "duration": 0.5, "start_time": "2026-11-26T10:00:00Z", "end_time": "2026-11-26T10:00:00.5Z",
       "queries": [{"kind": "logs_insights", "source": "cloudwatch", "query": "fields @message | filter level = 'ERROR' | stats count(*) as errors by route, version, error | sort errors desc | limit 25",
                    "groups": ["/ecs/checkout"], "results": 5, "status": "ok", "api_calls": 3,
                    "started_at": "2026-11-26T10:00:01Z", "duration_ms": 900,
                    "window": {"start": "2026-11-12T13:30:00Z", "end": "2026-11-12T15:30:00Z"},
                    "console_url": "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#x&y"}]}},
     "execution_count": 1, "source": "%%logs errors = --group /ecs/checkout\nfields @message",
     "outputs": [{"output_type": "display_data", "data": {"text/plain": "bound to `errors` (LogTable): use it in a Rust cell"}, "metadata": {"playbook": {"hint": true}}},
                 {"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": "5 rows"}, "metadata": {}},
                 {"output_type": "display_data", "data": {"image/svg+xml": "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"}, "metadata": {}}]},
    {"cell_type": "code", "metadata": {"playbook": {"status": "failed", "duration": 0.25, "start_time": "2026-11-26T10:00:00.5Z", "end_time": "2026-11-26T10:00:00.75Z",
       "checks": ["p99 latency"]}}, "execution_count": 2,
     "source": "// Verdict\npanic!()", "outputs": [{"output_type": "error", "ename": "Panic", "evalue": "p99 > 250", "traceback": []}]},
    {"cell_type": "markdown", "metadata": {}, "source": "Done."}
  ]}"###;

fn record() -> Notebook {
    Notebook::parse(RECORD).unwrap()
}

#[test]
fn the_story_comes_first_header_then_checks_then_steps_then_queries() {
    let html = render(&record(), Format::Html, None).text;
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {html}"))
    };
    assert!(at("<h1>Checkout &lt;latency&gt;</h1>") < at("id=\"checks\""));
    assert!(at("id=\"checks\"") < at("id=\"step-1\""));
    assert!(at("id=\"step-1\"") < at("id=\"step-2\""));
    assert!(at("id=\"step-2\"") < at("id=\"queries\""));
    assert!(
        at("<p>Done.</p>") > at("id=\"step-2\""),
        "trailing prose after the last step"
    );
}

#[test]
fn the_header_card_has_status_verdicts_place_and_parameters_in_effect() {
    let html = render(&record(), Format::Html, None).text;
    assert!(
        html.contains("<span class=\"check-failed\">check failed</span> · 1 check: 1 failed"),
        "{html}"
    );
    assert!(html.contains("<dt>Account / region</dt><dd>111122223333 / eu-west-1</dd>"));
    assert!(
        html.contains("<code>service&nbsp;=&nbsp;checkout</code>"),
        "defaults too"
    );
    assert!(html.contains("2026-11-26T10:00:00.000Z, took 2.5 s"));
    // The intro is the playbook's own text, its raw HTML shown as text.
    assert!(
        html.contains("When p99 is &lt;b&gt;high&lt;/b&gt;."),
        "{html}"
    );
}

#[test]
fn a_verdict_links_to_the_step_that_stated_it_and_queries_link_back() {
    let html = render(&record(), Format::Html, None).text;
    assert!(
        html.contains("<a href=\"#step-2\">step 2: Verdict</a>"),
        "{html}"
    );
    assert!(html.contains("queries <a href=\"#query-1\">Q1</a>"));
    assert!(html.contains("<tr id=\"query-1\"><td>1</td><td><a href=\"#step-1\">1</a></td>"));
    assert!(html.contains("<a href=\"https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#x&amp;y\">console</a>"));
    assert!(
        html.contains("<details><summary><code>[/ecs/checkout] fields @message"),
        "long queries fold"
    );
}

#[test]
fn interactive_hints_stay_out_of_reports() {
    for format in [Format::Html, Format::Md] {
        let text = render(&record(), format, Some("r.files")).text;
        assert!(!text.contains("bound to"), "{text}");
        assert!(text.contains("5 rows"));
    }
}

#[test]
fn markdown_writes_charts_beside_it_and_links_steps_the_github_way() {
    let md = render(&record(), Format::Md, Some("report.files"));
    // `<latency>` would be raw HTML to a Markdown viewer (GitHub drops it): shown as text.
    assert!(md.text.starts_with(
        "# Checkout &lt;latency>\n\n> **Status: check failed** · 1 check: 1 failed\n"
    ));
    assert!(
        md.text
            .contains("- **Parameters:** `n = 3`, `service = checkout`")
    );
    assert!(md.text.contains("| ❌ FAIL | p99 latency | 312 ms | < 250 ms | [step 2: Verdict](#2-verdict--failed-025-s) |"), "{}", md.text);
    assert!(md.text.contains("## 2. Verdict — failed, 0.25 s"));
    assert!(
        md.text.contains("#### Fetch\nThe **errors**."),
        "notebook headings sit under the step"
    );
    assert!(
        md.text
            .contains("![Fetch (chart 2)](report.files/step-1-2.svg)"),
        "{}",
        md.text
    );
    assert_eq!(md.files.len(), 1);
    assert_eq!(md.files[0].0, "step-1-2.svg");
    assert!(md.text.contains("> **Panic:** p99 > 250"));
}

fn with(record: &str, changes: &[(&str, &str)]) -> Notebook {
    let mut text = record.to_owned();
    for (from, to) in changes {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    Notebook::parse(&text).unwrap()
}

#[test]
fn a_comparison_shows_flipped_verdicts_changed_parameters_and_numbers() {
    let before = with(
        RECORD,
        &[
            (
                r#""verdict": "fail", "observed": "312 ms""#,
                r#""verdict": "pass", "observed": "120 ms""#,
            ),
            (r#""results": 5"#, r#""results": 2"#),
            (r#""resolved": {"n": 3"#, r#""resolved": {"n": 4"#),
        ],
    );
    let md = render_comparison(&before, &record(), Format::Md, None)
        .unwrap()
        .text;
    assert!(
        md.contains("| p99 latency | PASS (120 ms) | **FAIL (312 ms)** | verdict flipped |"),
        "{md}"
    );
    assert!(md.contains("| n | 4 | **3** |"), "{md}");
    assert!(
        md.contains("| Fetch: \\[/ecs/checkout\\] fields @message \\| filter level = 'ERROR' \\| s… (results) | 2 | **5** | +3 (+150.0 %) |"),
        "{md}"
    );
    let html = render_comparison(&before, &record(), Format::Html, None)
        .unwrap()
        .text;
    assert!(html.contains("<tr class=\"changed\"><td>p99 latency</td>"));
}

#[test]
fn records_of_different_notebooks_are_not_compared() {
    let other = with(
        RECORD,
        &[(
            r#""notebook": "checkout.ipynb""#,
            r#""notebook": "payments.ipynb""#,
        )],
    );
    let error = render_comparison(&other, &record(), Format::Md, None).unwrap_err();
    assert!(error.to_string().contains("different notebooks"), "{error}");
}

#[test]
fn a_comparison_matches_a_renamed_step_by_its_cell_id() {
    let id =
        r#"{"cell_type": "code", "id": "verdict", "metadata": {"playbook": {"status": "failed""#;
    let plain = r#"{"cell_type": "code", "metadata": {"playbook": {"status": "failed""#;
    let before = with(RECORD, &[(plain, id)]);
    let after = with(
        RECORD,
        &[
            (plain, id),
            (r"// Verdict\npanic", r"// Is it over?\npanic"),
        ],
    );
    let md = render_comparison(&before, &after, Format::Md, None)
        .unwrap()
        .text;
    assert!(!md.contains("new step") && !md.contains("gone"), "{md}");
    assert!(
        md.contains("| Is it over?: status | failed | failed | renamed from “Verdict” |"),
        "{md}"
    );
    // Without ids, the title is all there is: the renamed step is new, the old one gone.
    let after = with(RECORD, &[(r"// Verdict\npanic", r"// Is it over?\npanic")]);
    let md = render_comparison(&record(), &after, Format::Md, None)
        .unwrap()
        .text;
    assert!(
        md.contains("| Is it over?: status | — | **failed** | new step |"),
        "{md}"
    );
    assert!(
        md.contains("| Verdict: status | failed | **—** | gone |"),
        "{md}"
    );
}

#[test]
fn markdown_shows_an_html_output_as_markdown_tables_and_chart_files() {
    let svg = r#"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><polyline points=\"1,2\"></polyline></svg>"#;
    let html = format!(
        r#"<table><tr><th>series</th><th>count</th><th>max</th></tr><tr><td>requests (Count)</td><td>120</td><td>4736</td></tr></table>{svg}"#
    );
    let output = format!(
        r#"{{"output_type": "display_data", "data": {{"text/html": "{html}", "image/svg+xml": "{svg}"}}, "metadata": {{}}}}]}},"#
    );
    let record = with(
        RECORD,
        &[(
            r#"{"output_type": "display_data", "data": {"image/svg+xml": "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"}, "metadata": {}}]},"#,
            &output,
        )],
    );
    let md = render(&record, Format::Md, Some("r.files"));
    assert!(
        !md.text.contains("<svg") && !md.text.contains("<table"),
        "{}",
        md.text
    );
    assert!(
        md.text.contains(
            "| series | count | max |\n|---|---|---|\n| requests (Count) | 120 | 4736 |\n"
        ),
        "{}",
        md.text
    );
    assert!(
        md.text.contains("![Fetch (chart 2)](r.files/step-1-2.svg)"),
        "{}",
        md.text
    );
    assert_eq!(md.files.len(), 1);
    assert!(
        md.files[0].1.contains("viewBox=\"0 0 10 10\""),
        "{}",
        md.files[0].1
    );
    // HTML keeps the output as it is: the table and the chart inline.
    let html = render(&record, Format::Html, None).text;
    assert!(
        html.contains("<td>4736</td>") && html.contains("<polyline"),
        "{html}"
    );
}
