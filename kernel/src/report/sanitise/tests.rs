//! The allow-list: hostile markup loses what could run or load, the `playbook` library's
//! tables and charts keep every element, attribute and text (compared as parsed shapes:
//! serialisation differs only in spelling, `<line/>` as `<line></line>`).

use std::collections::BTreeSet;

use super::*;

/// Start tags (name and sorted attributes, entities decoded) and text, in order; end tags
/// and self-closing slashes left out, `style` values normalised, and `tbody` left out (the
/// parser adds it to a table without one, as a browser does).
fn shape(markup: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = markup;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            push_text(&mut out, rest);
            break;
        };
        push_text(&mut out, &rest[..open]);
        let (tag, after) = tag_at(&rest[open..]);
        rest = after;
        if !tag.starts_with("</") && !tag.starts_with("<tbody") {
            out.push(start_tag(tag));
        }
    }
    out
}

fn push_text(out: &mut Vec<String>, text: &str) {
    if !text.trim().is_empty() {
        out.push(format!("text {}", decode(text)));
    }
}

/// The tag at the start of `markup` (to its `>` outside quotes) and what follows.
fn tag_at(markup: &str) -> (&str, &str) {
    let mut quote = None;
    for (at, c) in markup.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return (&markup[..=at], &markup[at + 1..]),
            _ => {}
        }
    }
    (markup, "")
}

/// A start tag's name and its attributes (entities decoded).
fn parts(tag: &str) -> (String, Vec<(String, String)>) {
    let inner = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let (name, mut rest) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
    let mut attributes = Vec::new();
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim().to_owned();
        let end = rest[eq + 2..].find('"').map_or(rest.len(), |e| eq + 2 + e);
        attributes.push((key, decode(&rest[eq + 2..end])));
        rest = rest.get(end + 1..).unwrap_or("");
    }
    (name.to_owned(), attributes)
}

fn start_tag(tag: &str) -> String {
    let (name, attributes) = parts(tag);
    let found: BTreeSet<String> = (attributes.into_iter())
        .map(|(key, value)| match key.as_str() {
            "style" => format!("{key}={}", value.replace(": ", ":").trim_end_matches(';')),
            _ => format!("{key}={value}"),
        })
        .collect();
    format!(
        "<{name} {}>",
        found.into_iter().collect::<Vec<_>>().join(" ")
    )
}

/// The start tags of `markup`.
fn start_tags(markup: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut tags = Vec::new();
    let mut rest = markup;
    while let Some(open) = rest.find('<') {
        let (tag, after) = tag_at(&rest[open..]);
        rest = after;
        if !tag.starts_with("</") {
            tags.push(parts(tag));
        }
    }
    tags
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&#160;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The HTML and SVG outputs of a golden record (made by `playbook run` on the bundled
/// playbooks).
fn golden_outputs(name: &str) -> Vec<String> {
    let path = format!(
        "{}/../tests/golden/{name}.record.ipynb",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("golden record");
    let notebook: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut found = Vec::new();
    for cell in notebook["cells"].as_array().into_iter().flatten() {
        for output in cell["outputs"].as_array().into_iter().flatten() {
            for mime in ["text/html", "image/svg+xml"] {
                match &output["data"][mime] {
                    serde_json::Value::String(s) => found.push(s.clone()),
                    serde_json::Value::Array(lines) => {
                        found.push(lines.iter().filter_map(|l| l.as_str()).collect())
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

#[test]
fn charts_and_tables_of_the_bundled_playbooks_survive_whole() {
    let mut seen = 0;
    for record in [
        "latency-spike",
        "post-deploy-bad",
        "post-deploy-good",
        "getting-started",
    ] {
        for output in golden_outputs(record) {
            assert_eq!(shape(&html(&output)), shape(&output), "{record}: {output}");
            seen += 1;
        }
    }
    assert!(seen >= 10, "the records have charts and tables: {seen}");
}

#[test]
fn a_chart_keeps_its_camel_case_svg_names() {
    let chart = "<SVG xmlns=\"http://www.w3.org/2000/svg\" VIEWBOX=\"0 0 10 10\" \
                 preserveaspectratio=\"none\"><defs><CLIPPATH id=\"c\"><rect width=\"5\" \
                 height=\"5\"/></CLIPPATH><linearGradient id=\"g\"><stop offset=\"0\" \
                 stop-color=\"red\"/></linearGradient></defs><g clip-path=\"url(#c)\">\
                 <path d=\"M0 0L5 5\" fill=\"url('#g')\" stroke-dasharray=\"4 2\"/>\
                 <text x=\"1\" y=\"2\" text-anchor=\"end\" dominant-baseline=\"middle\" \
                 transform=\"rotate(-90 1 2)\">a &amp; b<tspan dx=\"2\">c</tspan></text></g></svg>";
    let clean = html(chart);
    for kept in [
        "viewBox=\"0 0 10 10\"",
        "preserveAspectRatio=\"none\"",
        "<clipPath id=\"output-c\">",
        "<linearGradient id=\"output-g\">",
        "clip-path=\"url(#output-c)\"",
        "fill=\"url('#output-g')\"",
        "transform=\"rotate(-90 1 2)\"",
        "<tspan dx=\"2\">c</tspan>",
        "a &amp; b",
    ] {
        assert!(clean.contains(kept), "{kept} in {clean}");
    }
}

// long: being rewritten by the document model (issue 26)
#[test]
fn scripts_and_event_handlers_are_removed() {
    for (hostile, gone) in [
        ("<script>alert(1)</script><b>kept</b>", "alert"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ("<svg onload=alert(1)><circle r=\"4\"/></svg>", "onload"),
        ("<iframe src=\"javascript:alert(1)\"></iframe>", "iframe"),
        ("<a href=\"javascript:alert(1)\">x</a>", "javascript"),
        ("<a href=\"JaVaScRiPt&colon;alert(1)\">x</a>", "alert"),
        ("<a href=\"java\tscript:alert(1)\">x</a>", "alert"),
        (
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "data:",
        ),
        ("<body onload=alert(1)>x", "onload"),
        (
            "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
            "swf",
        ),
        (
            "<form action=\"javascript:alert(1)\"><input onfocus=alert(1) autofocus></form>",
            "alert",
        ),
        (
            "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
            "img",
        ),
        (
            "<svg><use href=\"https://evil.example/x.svg#a\"/></svg>",
            "evil",
        ),
        (
            "<svg><image href=\"https://evil.example/x.png\"/></svg>",
            "evil",
        ),
        (
            "<svg><a><animate attributeName=\"href\" to=\"javascript:alert(1)\"/><text>x</text></a></svg>",
            "javascript",
        ),
        (
            "<svg><set attributeName=\"onmouseover\" to=\"alert(1)\"/></svg>",
            "alert",
        ),
        ("<svg><script>alert(1)</script></svg>", "alert"),
        (
            "<svg><style>@import url(https://evil.example/x.css)</style></svg>",
            "evil",
        ),
        (
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "onerror",
        ),
        (
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
            "onerror",
        ),
        (
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "refresh",
        ),
        (
            "<base href=\"https://evil.example/\"><link rel=stylesheet href=\"https://evil.example/s.css\">",
            "evil",
        ),
        (
            "<div style=\"background-image:url(https://evil.example/t.png)\">x</div>",
            "evil",
        ),
        (
            "<div style=\"color:red;width:expression(alert(1))\">x</div>",
            "alert",
        ),
        ("<rect fill=\"url(https://evil.example/p.svg#x)\"/>", "evil"),
        (
            "<p style=\"color:\\72 ed;background:u\\72l(https://evil.example)\">x</p>",
            "evil",
        ),
        ("<img src=\"https://evil.example/beacon.png\">", "evil"),
        ("<img src=\"//evil.example/beacon.png\">", "evil"),
    ] {
        let clean = html(hostile);
        assert!(
            !clean.to_ascii_lowercase().contains(gone),
            "{gone} survived in {clean} (from {hostile})"
        );
    }
}

#[test]
fn styles_keep_only_presentational_properties() {
    let clean = html(
        "<table><tr><td style=\"text-align:right; color: #c00; position:fixed; top:0; \
         z-index:9\">1</td></tr></table>",
    );
    assert!(
        clean.contains("style=\"text-align:right;color:#c00\""),
        "{clean}"
    );
    assert!(
        !clean.contains("position") && !clean.contains("z-index"),
        "{clean}"
    );
}

#[test]
fn data_images_stay_and_links_point_into_the_output() {
    let clean = html(
        "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"p\"><a href=\"#step-1\">s</a>\
         <a href=\"https://example.com/\">e</a>",
    );
    assert!(
        clean.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
        "{clean}"
    );
    assert!(clean.contains("href=\"#output-step-1\""), "{clean}");
    assert!(
        clean.contains("href=\"https://example.com/\" rel=\"noopener noreferrer\""),
        "{clean}"
    );
}

#[test]
fn a_chart_file_is_still_xml() {
    let file = svg_file("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a\u{a0}b</text></svg>");
    assert_eq!(
        file,
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a&#160;b</text></svg>"
    );
}

/// The corpus the browser suite opens in Chromium (`tests/browser/xss-vectors.txt`):
/// after the sanitiser no element or attribute is outside the allow-list, and no link
/// or image goes anywhere but a fragment, the web or a `data:` image.
#[test]
fn every_vector_of_the_xss_corpus_leaves_only_allowed_markup() {
    let path = format!(
        "{}/../tests/browser/xss-vectors.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let corpus = std::fs::read_to_string(&path).expect("corpus");
    let vectors: Vec<&str> = (corpus.lines())
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# "))
        .collect();
    assert!(vectors.len() >= 100, "{} vectors", vectors.len());
    let tags: BTreeSet<&str> = HTML_TAGS.iter().chain(SVG_TAGS).copied().collect();
    for vector in vectors {
        for wrapped in [vector.to_owned(), format!("<svg>{vector}</svg>")] {
            let clean = html(&wrapped);
            for (name, attributes) in start_tags(&clean) {
                assert!(
                    tags.contains(name.as_str()),
                    "<{name}> from {vector}: {clean}"
                );
                for (key, value) in attributes {
                    let value = value.trim().to_ascii_lowercase();
                    assert!(
                        !key.to_ascii_lowercase().starts_with("on"),
                        "{key} from {vector}: {clean}"
                    );
                    if matches!(key.as_str(), "href" | "src") {
                        assert!(
                            ["#", "https://", "http://", "mailto:", "data:image/"]
                                .iter()
                                .any(|ok| value.starts_with(ok)),
                            "{key}={value} from {vector}: {clean}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn markdown_literal_shows_raw_html_and_markdown_as_text() {
    assert_eq!(
        markdown_literal("<img src=x onerror=alert(1)> < 100 ms </b> <!-- x -->"),
        "&lt;img src=x onerror=alert(1)> < 100 ms &lt;/b> &lt;!-- x -->"
    );
    assert_eq!(markdown_literal("p99 < 250 ms"), "p99 < 250 ms");
    assert_eq!(markdown_literal("x\u{202e} LIAF"), "x\\u{202e} LIAF");
    assert_eq!(markdown_literal("a\\*b\\"), "a\\\\\\*b\\\\");
    assert_eq!(
        markdown_literal("[x](javascript:alert(1)) *a* _b_ `c` a|b ~d~ &lt; deploy_time"),
        "\\[x\\](javascript:alert(1)) \\*a\\* \\_b\\_ \\`c\\` a\\|b \\~d\\~ \\&lt; deploy_time"
    );
}

#[test]
fn markdown_prose_shows_its_raw_html_as_text() {
    let prose = "# Title\n\nSome <b onclick=\"alert(1)\">bold</b> text.\n\n\
                 <script>alert(1)</script>\n\n```html\n<p>code stays</p>\n```\n\n\
                 `<i>inline code stays</i>` and p99 < 250 ms";
    let inert = markdown_prose(prose);
    assert!(
        inert.contains("Some &lt;b onclick=\"alert(1)\">bold&lt;/b> text."),
        "{inert}"
    );
    assert!(inert.contains("&lt;script>alert(1)&lt;/script>"), "{inert}");
    assert!(inert.contains("```html\n<p>code stays</p>\n```"), "{inert}");
    assert!(
        inert.contains("`<i>inline code stays</i>` and p99 < 250 ms"),
        "{inert}"
    );
    // Renderers disagree on what opens a tag: every `<` before a letter is text.
    assert_eq!(
        markdown_prose("<SCRIPT/XSS SRC=\"x.js\"></SCRIPT> <https://example.com>"),
        "&lt;SCRIPT/XSS SRC=\"x.js\">&lt;/SCRIPT> &lt;https://example.com>"
    );
    assert_eq!(
        markdown_prose("see ![a beacon](https://example.com/t.png) and `![kept](x.png)`"),
        "see [a beacon](https://example.com/t.png) and `![kept](x.png)`",
        "an image is a link: opening the document loads nothing"
    );
    // An HTML block that swallowed the image to one parser is text to the next.
    let swallowed = markdown_prose("<? echo 1\n\n![beacon](https://example.com/t.png)");
    assert!(!swallowed.contains("![beacon]"), "{swallowed}");
    let plain = "# Plain\n\nNo markup at all.";
    assert_eq!(markdown_prose(plain), plain);
}

#[test]
fn an_output_cannot_close_its_code_fence() {
    let hostile = "x\n```\n<script>alert(1)</script>\n````";
    let fence = fence(hostile);
    assert_eq!(fence, "`````");
    assert_eq!(super::fence("plain"), "```");
}

#[test]
fn an_outputs_bidi_controls_cannot_disguise_its_verdict() {
    let table = "<table><tr><td>x\u{202e} LIAF</td><td>PASS</td></tr></table>";
    let clean = html(table);
    assert!(clean.contains("<td>x\\u{202e} LIAF</td>"), "{clean}");
    assert!(!clean.contains('\u{202e}'));
}
