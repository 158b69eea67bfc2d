//! What keeps a chart's size bounded by its pixels, whatever the data: its size, how many
//! series and bands it draws, and the spans it can show readably. A chart it cannot show
//! says why, in the chart, instead of trying (an epoch in milliseconds read as seconds puts
//! a point in the year 262142: drawn to scale, that is one pixel of data and an axis of
//! hundreds of thousands of years).
//!
//! Within these bounds the rest is bounded by construction: at most 20 ticks per axis
//! (`time_axis.rs`, `axis::nice_ticks`), points, bands, marks and annotation lines thinned to
//! the pixel columns and thresholds to the pixel rows (`lines.rs`, `overlay.rs`), labels
//! shortened to the room they have.

use chrono::{DateTime, TimeZone, Utc};

use super::time_axis::AVERAGE_YEAR;
use crate::render::html::escape;

/// Widest and tallest chart drawn, in pixels (a larger `size` is reduced to it).
pub(super) const MAX_SIZE: u32 = 4000;
/// Series, and bands, drawn on one chart at most: more are unreadable as lines, and the
/// chart says how many it left out.
pub(super) const MAX_LINES: usize = 50;
/// The longest time span drawn: a century. An operations chart never needs more; a longer
/// one is almost surely a timestamp in the wrong unit.
pub(super) const MAX_SPAN_SECONDS: i64 = 100 * AVERAGE_YEAR;
/// The largest magnitude of a value drawn (well inside f64, so the scale's arithmetic
/// stays finite).
pub(super) const VALUE_LIMIT: f64 = 1e300;

/// Why a chart spanning instants `t0..=t1` (seconds) and values `lo..=hi` cannot be shown
/// readably, as the sentences the chart shows instead, or `None` when it can.
pub(super) fn unreadable(t0: i64, t1: i64, lo: f64, hi: f64) -> Option<[String; 2]> {
    let span = t1.saturating_sub(t0);
    if span > MAX_SPAN_SECONDS {
        return Some([
            format!(
                "Not drawn: the points span {} years ({} to {}), too long for a readable chart.",
                span / AVERAGE_YEAR,
                instant(t0),
                instant(t1)
            ),
            "Is a timestamp in milliseconds read as seconds? Chart a shorter window.".to_owned(),
        ]);
    }
    if lo.abs() > VALUE_LIMIT || hi.abs() > VALUE_LIMIT {
        return Some([
            format!("Not drawn: values from {lo:e} to {hi:e} are too large to scale."),
            format!("A chart draws values up to {VALUE_LIMIT:e} in magnitude."),
        ]);
    }
    None
}

fn instant(t: i64) -> String {
    Utc.timestamp_opt(t, 0).single().map_or_else(
        || format!("{t} s"),
        |d: DateTime<Utc>| d.format("%Y-%m-%d").to_string(),
    )
}

/// The chart's lines of explanation, in grey under the title, as SVG text.
pub(super) fn note(out: &mut String, lines: &[String], x: f64, y: f64) {
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&format!(
            "<text class=\"note\" x=\"{x}\" y=\"{:.1}\" fill=\"#555\">{}</text>",
            y + 16.0 * i as f64,
            escape(line)
        ));
    }
}
