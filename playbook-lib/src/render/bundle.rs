//! MIME bundles: one representation of a value per MIME type, and [`Render`], what every
//! result implements to show itself. The final expression of a cell renders through
//! evcxr's convention (a type with an `evcxr_display` method prints `EVCXR_BEGIN_CONTENT
//! mime … EVCXR_END_CONTENT`), which the kernel turns into `execute_result`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The MIME type of the series behind a chart or a series' output: a JSON array of
/// [`crate::model::series::Series`].
pub const SERIES_MIME: &str = "application/vnd.playbook.series+json";

/// A MIME bundle: one representation of a value per MIME type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MimeBundle {
    pub data: BTreeMap<String, Value>,
}

impl MimeBundle {
    /// A bundle with only `text/plain`.
    pub fn text(text: impl Into<String>) -> MimeBundle {
        MimeBundle::default().with("text/plain", text.into())
    }

    /// Adds (or replaces) the representation for `mime`.
    pub fn with(mut self, mime: &str, content: impl Into<Value>) -> MimeBundle {
        self.data.insert(mime.to_owned(), content.into());
        self
    }

    /// Adds `text/html`.
    pub fn with_html(self, html: impl Into<String>) -> MimeBundle {
        self.with("text/html", html.into())
    }

    /// Adds `image/svg+xml`.
    pub fn with_svg(self, svg: impl Into<String>) -> MimeBundle {
        self.with("image/svg+xml", svg.into())
    }

    /// Adds the data of `series` as [`SERIES_MIME`], so a record keeps the numbers behind
    /// a chart (`playbook report --compare` summarises and overlays them). Frontends show
    /// the HTML or SVG; they ignore this type.
    pub fn with_series(self, series: &[crate::model::series::Series]) -> MimeBundle {
        match serde_json::to_value(series) {
            Ok(data) => self.with(SERIES_MIME, data),
            Err(_) => self,
        }
    }

    pub(crate) fn to_map(&self) -> Map<String, Value> {
        self.data
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Prints the bundle in evcxr's display convention (used by `evcxr_display`).
    pub fn evcxr_display(&self) {
        for (mime, content) in &self.data {
            let text = match content {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("EVCXR_BEGIN_CONTENT {mime}\n{text}\nEVCXR_END_CONTENT");
        }
    }
}

/// Anything that can show itself as a MIME bundle.
pub trait Render {
    /// The value's representations.
    fn bundle(&self) -> MimeBundle;
}

impl Render for MimeBundle {
    fn bundle(&self) -> MimeBundle {
        self.clone()
    }
}

/// HTML to show as the value of a cell or with `display`.
#[derive(Debug, Clone, PartialEq)]
pub struct Html(pub String);

impl Html {
    /// Shows the HTML as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for Html {
    fn bundle(&self) -> MimeBundle {
        MimeBundle::text(strip_tags(&self.0)).with_html(self.0.clone())
    }
}

/// An SVG image to show as the value of a cell or with `display`.
#[derive(Debug, Clone, PartialEq)]
pub struct Svg(pub String);

impl Svg {
    /// Shows the SVG as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for Svg {
    fn bundle(&self) -> MimeBundle {
        MimeBundle::text("<svg image>").with_svg(self.0.clone())
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Shows any `Debug` value as a cell's result (`text/plain`, like evcxr's own fallback).
///
/// evcxr first compiles a cell's final expression as `(expr).evcxr_display()` and, when
/// that does not compile, compiles the whole cell again with `Debug` formatting. With
/// this trait in scope (the prelude imports it) the first compilation succeeds for every
/// `Debug` value, which halves the compile time of such cells. Inherent `evcxr_display`
/// methods (rich types such as [`Html`]) still take precedence.
pub trait DebugDisplay {
    /// Prints the value's `Debug` form in evcxr's display convention.
    fn evcxr_display(&self);
}

impl<T: std::fmt::Debug + ?Sized> DebugDisplay for T {
    fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self:?}\nEVCXR_END_CONTENT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_has_a_plain_text_fallback() {
        let bundle = Html("<b>p99</b> is <i>fine</i>".into()).bundle();
        assert_eq!(bundle.data["text/plain"], "p99 is fine");
        assert_eq!(bundle.data["text/html"], "<b>p99</b> is <i>fine</i>");
    }
}
