//! Markup from a record, cleaned on its way into a document someone else opens. A cell's
//! `text/html` and `image/svg+xml` outputs are the user's data: a `display(&Html(…))`
//! or a record edited by hand can hold `<script>`, `<img onerror=…>`, `<svg onload=…>`
//! or `<iframe src="javascript:…">`. Every such output passes through [`html`] (or
//! [`svg_file`] for a chart written beside a Markdown report) before any document holds
//! it.
//!
//! The one allow-list is here: `ammonia` (html5ever's parser, so the markup is read as a
//! browser reads it) keeps the tags and attributes the `playbook` library's tables and
//! charts use — table markup, inline SVG shapes and text with their presentation
//! attributes, `style` (presentational properties only), `class`, `aria-*` — and drops
//! everything else: scripts and stylesheets with their content, event handlers,
//! `iframe`, `object`, `embed`, forms, `foreignObject`, `use`, `image`, animations,
//! filters. No attribute may load anything: links keep `http`, `https`, `mailto` and
//! fragments, images only `data:image/…`, and a presentation or style value may call no
//! function but colours, `calc` and transforms, and `url(#…)` within the output. Ids are
//! prefixed (and the fragments that point at them), so an output cannot take the
//! document's own anchors.
//!
//! Control and bidi characters in what is kept are shown as escapes (`crate::visible`).
//! In Markdown (`markdown.rs`) names and prose show raw HTML as text.
//!
//! [`CSP_META`] goes in the head of every HTML document the tool writes, so that what
//! this list missed still runs nothing and loads nothing.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The policy of every HTML document: no script, no request; inline styles and `data:`
/// images only.
pub(crate) const CSP_META: &str = "<meta http-equiv=\"Content-Security-Policy\" \
    content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\" />";

/// What ids (and the fragments pointing at them) of an output start with.
const ID_PREFIX: &str = "output-";

#[rustfmt::skip]
const HTML_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
];

/// SVG elements that draw (no `use`, `image`, `foreignObject`, animation or filter).
#[rustfmt::skip]
pub(super) const SVG_TAGS: &[&str] = &[
    "svg", "g", "path", "line", "rect", "circle", "ellipse", "polyline", "polygon", "text",
    "tspan", "title", "desc", "defs", "clipPath", "mask", "marker", "pattern",
    "linearGradient", "radialGradient", "stop",
];

/// Geometry and presentation attributes of the SVG elements (names as html5ever gives
/// them: `viewBox`, not `viewbox`).
#[rustfmt::skip]
pub(super) const SVG_ATTRIBUTES: &[&str] = &[
    "xmlns", "version", "viewBox", "preserveAspectRatio", "x", "y", "x1", "y1", "x2", "y2",
    "cx", "cy", "r", "rx", "ry", "fx", "fy", "width", "height", "d", "points", "dx", "dy",
    "rotate", "textLength", "lengthAdjust", "pathLength", "transform", "offset",
    "gradientUnits", "gradientTransform", "spreadMethod", "clipPathUnits", "maskUnits",
    "maskContentUnits", "patternUnits", "patternContentUnits", "patternTransform",
    "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient", "fill",
    "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "opacity", "font-family", "font-size", "font-weight",
    "font-style", "font-variant", "text-anchor", "dominant-baseline", "alignment-baseline",
    "baseline-shift", "text-decoration", "letter-spacing", "word-spacing", "visibility",
    "display", "clip-path", "clip-rule", "mask", "color", "shape-rendering",
    "text-rendering", "vector-effect", "paint-order", "stop-color", "stop-opacity",
    "marker-start", "marker-mid", "marker-end", "white-space",
];

/// HTML elements' own attributes.
const HTML_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href"]),
    ("img", &["src", "alt", "width", "height"]),
    ("table", &["border", "cellpadding", "cellspacing", "width"]),
    (
        "td",
        &["colspan", "rowspan", "align", "valign", "headers", "width"],
    ),
    (
        "th",
        &[
            "colspan", "rowspan", "align", "valign", "headers", "width", "scope", "abbr",
        ],
    ),
    ("tr", &["align", "valign"]),
    ("col", &["span", "width"]),
    ("colgroup", &["span", "width"]),
    ("ol", &["start", "reversed", "type"]),
    ("li", &["value"]),
    ("details", &["open"]),
    ("time", &["datetime"]),
];

/// `style` properties kept: how text, tables and shapes look, nothing that positions
/// outside the output or loads anything.
#[rustfmt::skip]
const STYLE_PROPERTIES: &[&str] = &[
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "font-variant-numeric", "text-align", "text-decoration", "vertical-align",
    "white-space", "line-height", "letter-spacing", "overflow-wrap", "word-break",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "border",
    "border-top", "border-bottom", "border-left", "border-right", "border-collapse",
    "width", "min-width", "max-width", "fill", "fill-opacity", "stroke", "stroke-width",
    "stroke-opacity", "stroke-dasharray", "opacity", "text-anchor", "dominant-baseline",
];

/// Elements removed with everything in them (their text would show otherwise).
#[rustfmt::skip]
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "noscript", "template", "textarea",
    "select", "foreignObject", "noembed", "noframes", "xmp",
];

/// Attributes that are text for people, never a reference.
fn is_text_attribute(name: &str) -> bool {
    matches!(name, "title" | "alt" | "abbr") || name.starts_with("aria-")
}

/// CSS functions a value may call: colours, arithmetic, transforms. `url(` only to a
/// fragment, which [`attribute`] points into the output.
#[rustfmt::skip]
const FUNCTIONS: &[&str] = &[
    "rgb", "rgba", "hsl", "hsla", "calc", "translate", "translatex", "translatey",
    "rotate", "scale", "scalex", "scaley", "matrix", "skewx", "skewy",
];

/// Whether a presentation or style `value` loads nothing: no CSS escape, no at-rule, and
/// every function one of [`FUNCTIONS`] or `url(#…)`.
fn loads_nothing(value: &str) -> bool {
    if value.contains(['\\', '@']) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    lower.match_indices('(').all(|(at, _)| {
        let name: String = (lower[..at].chars().rev())
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        FUNCTIONS.contains(&name.as_str())
            || (name == "url"
                && lower[at + 1..]
                    .trim_start_matches([' ', '"', '\''])
                    .starts_with('#'))
    })
}

/// `url(#x)` → `url(#output-x)` (quotes kept), as ids are prefixed.
fn point_into_output(value: &str) -> Cow<'_, str> {
    if !value.to_ascii_lowercase().contains("url(") {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    let mut rest = value;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        if !rest.starts_with(ID_PREFIX) {
            out.push_str(ID_PREFIX);
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The last word on an attribute the allow-list kept: `None` drops it.
fn attribute<'v>(element: &str, name: &str, value: &'v str) -> Option<Cow<'v, str>> {
    match name {
        "id" | "class" => Some(Cow::Borrowed(value)),
        _ if is_text_attribute(name) => Some(Cow::Borrowed(value)),
        // Schemes were checked by the allow-list (http, https, mailto, data); a fragment
        // is pointed into the output by `fragment`.
        "href" => {
            let scheme = value.split(':').next().unwrap_or("").to_ascii_lowercase();
            (value.starts_with('#') || matches!(scheme.trim(), "http" | "https" | "mailto"))
                .then_some(Cow::Borrowed(value))
        }
        "src" => (element == "img"
            && value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("data:image/"))
        .then_some(Cow::Borrowed(value)),
        _ => loads_nothing(value).then(|| point_into_output(value)),
    }
}

/// A relative link is kept only as a fragment, pointed into the output.
fn fragment(url: &str) -> Option<Cow<'_, str>> {
    let id = url.strip_prefix('#')?;
    Some(if id.starts_with(ID_PREFIX) {
        Cow::Borrowed(url)
    } else {
        Cow::Owned(format!("#{ID_PREFIX}{id}"))
    })
}

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = (HTML_ATTRIBUTES.iter())
        .map(|(tag, names)| (*tag, names.iter().copied().collect()))
        .collect();
    for tag in SVG_TAGS {
        tag_attributes.insert(*tag, SVG_ATTRIBUTES.iter().copied().collect());
    }
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HTML_TAGS.iter().chain(SVG_TAGS).copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .generic_attributes(["class", "style", "id", "title", "lang", "role"].into())
        .generic_attribute_prefixes(["aria-"].into())
        .allowed_classes(HashMap::new())
        .url_schemes(["http", "https", "mailto", "data"].into())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(fragment)))
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .id_prefix(Some(ID_PREFIX))
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        .attribute_filter(attribute);
    builder
});

/// `markup` (an HTML or SVG output) with only what the allow-list keeps, ready to go
/// inside an HTML document; control and bidi characters in its text shown as escapes
/// (`crate::visible`), so a check table's name cannot disguise the verdict beside it.
/// (The escapes hold no character HTML treats specially, so this is safe on the
/// serialised markup.)
pub(crate) fn html(markup: &str) -> String {
    crate::visible::text(&CLEANER.clean(markup).to_string()).into_owned()
}

/// An SVG output cleaned for a file of its own (a Markdown report's chart): as [`html`],
/// with the one named entity HTML's serialiser writes and XML lacks spelled as a number.
pub(crate) fn svg_file(svg: &str) -> String {
    html(svg).replace("&nbsp;", "&#160;")
}

mod markdown;
#[cfg(test)]
mod tests;

pub(crate) use markdown::{fence, markdown_literal, markdown_prose};
