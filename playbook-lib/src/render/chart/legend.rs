//! The legend below the plot: a swatch and a label per series and band, flowing left to
//! right and wrapping onto more rows (the plot gives up the height) rather than running
//! off the chart.

use std::fmt::Write as _;

use super::ROW;
use super::overlay::{text_width, truncate};
use crate::render::html::escape;

const SIZE: f64 = 11.0;
/// Longest label shown, in pixels (longer ones are shortened, the full one is a tooltip).
const MAX_LABEL_WIDTH: f64 = 260.0;
/// Swatch and the space before the label.
const SWATCH: f64 = 14.0;
/// Space after an entry.
const SPACING: f64 = 16.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Swatch {
    /// A series: the line's colour.
    Solid,
    /// A band: its semi-transparent fill.
    Shaded,
    /// A baseline: its grey, faint.
    Muted,
}

#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub label: String,
    pub color: &'static str,
    pub swatch: Swatch,
}

#[derive(Debug)]
struct Item<'a> {
    entry: &'a Entry,
    row: usize,
    x: f64,
    text: String,
    shortened: bool,
}

#[derive(Debug)]
pub(super) struct Legend<'a> {
    items: Vec<Item<'a>>,
    /// Rows used (at least one).
    pub rows: usize,
}

/// Lays the entries out from `left` over `width` pixels.
pub(super) fn place(entries: &[Entry], left: f64, width: f64) -> Legend<'_> {
    let mut items = Vec::with_capacity(entries.len());
    let (mut row, mut x) = (0, left);
    for entry in entries {
        let (text, shortened) = truncate(&entry.label, MAX_LABEL_WIDTH.min(width - SWATCH), SIZE);
        let needed = SWATCH + text_width(&text, SIZE);
        if x > left && x + needed > left + width {
            row += 1;
            x = left;
        }
        items.push(Item {
            entry,
            row,
            x,
            text,
            shortened,
        });
        x += needed + SPACING;
    }
    Legend {
        items,
        rows: row + 1,
    }
}

impl Legend<'_> {
    /// Draws the legend at the bottom of a chart `height` pixels high.
    pub fn draw(&self, out: &mut String, height: f64) {
        for item in &self.items {
            let y = height - 10.0 - ROW * (self.rows - 1 - item.row) as f64;
            let color = item.entry.color;
            let fill = match item.entry.swatch {
                Swatch::Solid => String::new(),
                Swatch::Muted => " fill-opacity=\"0.8\"".to_owned(),
                Swatch::Shaded => {
                    format!(" fill-opacity=\"0.22\" stroke=\"{color}\" stroke-opacity=\"0.6\"")
                }
            };
            let title = if item.shortened {
                format!("<title>{}</title>", escape(&item.entry.label))
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"{fill}/>\
                 <text x=\"{:.1}\" y=\"{y:.1}\">{title}{}</text>",
                item.x,
                y - 9.0,
                item.x + SWATCH,
                escape(&item.text)
            );
        }
    }
}
