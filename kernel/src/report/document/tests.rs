//! Both back ends over hostile text, and a toy kind of document that is only a builder.

use super::*;

const HOSTILE: &str = "<script>alert(1)</script> [x](javascript:alert(1)) `tick` a|b";

fn doc(blocks: Vec<Block>) -> Document {
    Document {
        title: HOSTILE.to_owned(),
        css: String::new(),
        chart_elsewhere: "elsewhere",
        blocks,
    }
}

fn both(document: &Document) -> (String, Rendered) {
    let html = render(document, Format::Html, None).text;
    (html, render(document, Format::Md, Some("doc.files")))
}

fn hostile_table() -> Block {
    Block::Table(Table {
        head: vec!["name".into(), "value".into()],
        rows: vec![Row {
            cells: vec![
                Cell::text("a | b\nsecond line"),
                Cell::of(vec![Inline::Code("x | `y`".into())]),
            ],
            ..Row::default()
        }],
    })
}

#[test]
fn html_back_end_escapes_hostile_text_and_links_to_no_script() {
    let link = Inline::Link {
        href: "javascript:alert(1)".into(),
        text: vec![Inline::text("click")],
    };
    let (html, _) = both(&doc(vec![
        Block::heading(2, HOSTILE),
        Block::para(vec![Inline::text(HOSTILE), link]),
        hostile_table(),
    ]));
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("<h2>&lt;script&gt;"), "{html}");
    assert!(!html.contains("href=\"javascript"), "{html}");
    assert!(
        html.contains(
            "</script> [x](javascript:alert(1)) `tick` a|b"
                .replace("</script>", "&lt;/script&gt;")
                .as_str()
        )
    );
    assert!(html.contains(crate::report::sanitise::CSP_META));
}

#[test]
fn markdown_back_end_escapes_markdown_and_html_in_user_text() {
    let link = Inline::Link {
        href: "javascript:alert(1)".into(),
        text: vec![Inline::text("click")],
    };
    let (_, md) = both(&doc(vec![
        Block::heading(2, HOSTILE),
        Block::para(vec![Inline::text(HOSTILE), Inline::text(" "), link]),
    ]));
    let expected = "&lt;script>alert(1)&lt;/script> \\[x\\](javascript:alert(1)) \\`tick\\` a\\|b";
    assert!(
        md.text.contains(&format!("## {expected}\n\n")),
        "{}",
        md.text
    );
    assert!(
        md.text.contains(&format!("{expected} click\n")),
        "{}",
        md.text
    );
    assert!(!md.text.contains("<script"), "{}", md.text);
    // As a Markdown reader sees it: no link, no code span, no HTML.
    use pulldown_cmark::{Event, Parser, Tag};
    for event in Parser::new(&md.text) {
        assert!(
            !matches!(
                event,
                Event::Start(Tag::Link { .. })
                    | Event::Code(_)
                    | Event::Html(_)
                    | Event::InlineHtml(_)
            ),
            "{event:?} in {}",
            md.text
        );
    }
}

#[test]
fn markdown_table_cells_keep_to_one_line_and_their_pipes_and_backticks_end_nothing() {
    let (html, md) = both(&doc(vec![hostile_table()]));
    assert!(
        md.text.contains(
            "| name | value |\n|---|---|\n| a \\| b second line | <code>x &#124; `y`</code> |\n"
        ),
        "{}",
        md.text
    );
    assert!(
        html.contains("<td>a | b\nsecond line</td><td><code>x | `y`</code></td>"),
        "{html}"
    );
}

#[test]
fn markdown_links_into_the_document_point_at_the_heading_github_anchors() {
    let section = Block::Section {
        attrs: vec![("id", "step-3".into())],
        blocks: vec![Block::only(
            Format::Md,
            Block::heading(2, "3. p99 <now> — ok"),
        )],
    };
    let to = |href: &str| Inline::Link {
        href: href.into(),
        text: vec![Inline::text("see")],
    };
    let (html, md) = both(&doc(vec![
        Block::para(vec![to("#step-3"), Inline::text(" "), to("#row-9")]),
        section,
    ]));
    assert!(
        md.text.contains("[see](#3-p99-now--ok) see\n"),
        "{}",
        md.text
    );
    assert!(html.contains("<a href=\"#step-3\">see</a> <a href=\"#row-9\">see</a>"));
    assert!(!html.contains("<h2>"), "a Markdown-only heading: {html}");
}

#[test]
fn an_output_chart_is_sanitised_in_both_formats_and_a_file_beside_markdown() {
    let chart = Block::Chart(Chart {
        svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect width=\"4\" height=\"4\"/></svg>".into(),
        file: "c-1.svg".into(),
        alt: "chart ](javascript:x)".into(),
        output: true,
    });
    let (html, md) = both(&doc(vec![chart]));
    assert!(html.contains("<figure class=\"chart output\"><svg") && !html.contains("onload"));
    assert!(
        md.text
            .contains("![chart \\](javascript:x)](doc.files/c-1.svg)"),
        "{}",
        md.text
    );
    assert_eq!(md.files.len(), 1);
    assert!(md.files[0].1.contains("<rect") && !md.files[0].1.contains("onload"));
    let document = doc(vec![Block::Chart(Chart {
        svg: "<svg/>".into(),
        file: "c.svg".into(),
        alt: "c".into(),
        output: false,
    })]);
    let shown = render(&document, Format::Md, None);
    assert_eq!(shown.text, "_(chart: elsewhere)_\n");
    assert!(shown.files.is_empty());
}

/// A toy kind of document: deploys and their verdicts. It is a builder of nodes and
/// nothing else; both formats come from the back ends.
fn deploys(deploys: &[(&str, Verdict)]) -> Document {
    let rows = (deploys.iter())
        .map(|(name, verdict)| Row {
            cells: vec![Cell::text(*name), Cell::of(vec![Inline::Verdict(*verdict)])],
            ..Row::default()
        })
        .collect();
    Document {
        title: "Deploys".into(),
        css: STYLE.to_owned(),
        chart_elsewhere: "",
        blocks: vec![
            Block::Card(Card {
                title: "Deploys".into(),
                blocks: vec![Block::Status {
                    status: "ok".into(),
                    line: format!("{} deploys", deploys.len()),
                }],
                facts: vec![Fact {
                    label: "Service".into(),
                    value: vec![Inline::text("checkout")],
                    class: None,
                }],
            }),
            Block::section(
                "deploys",
                vec![
                    Block::heading(2, "Deploys"),
                    Block::Table(Table {
                        head: vec!["deploy".into(), "verdict".into()],
                        rows,
                    }),
                ],
            ),
        ],
    }
}

#[test]
fn a_new_kind_of_document_is_a_builder_not_a_renderer() {
    let document = deploys(&[("v2.14.0", Verdict::Fail), ("v2.13.2", Verdict::Pass)]);
    let (html, md) = both(&document);
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</body>\n</html>\n"));
    assert!(html.contains(
        "<header class=\"card\">\n<h1>Deploys</h1>\n<p class=\"status\"><span class=\"ok\">ok</span> · 2 deploys</p>\n\
         <dl>\n<dt>Service</dt><dd>checkout</dd>\n</dl>\n</header>\n"
    ), "{html}");
    assert!(html.contains("<section id=\"deploys\">\n<h2>Deploys</h2>\n<table>\n<tr><th>deploy</th><th>verdict</th></tr>\n\
         <tr><td>v2.14.0</td><td>✗ FAIL</td></tr>\n"), "{html}");
    assert_eq!(
        md.text,
        "# Deploys\n\n> **Status: ok** · 2 deploys\n\n- **Service:** checkout\n\n## Deploys\n\n\
         | deploy | verdict |\n|---|---|\n| v2.14.0 | ❌ FAIL |\n| v2.13.2 | ✅ PASS |\n"
    );
}
