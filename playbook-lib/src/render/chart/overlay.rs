//! What is drawn over the data: annotations (vertical dashed lines labelled above the
//! plot, staggered in rows when close), marks (points with a tooltip) and thresholds
//! (horizontal dashed lines labelled at the right). Also text measurement and truncation,
//! since labels must stay inside the chart without a font to measure with. Like points,
//! overlays are thinned to the pixels when there are more of them than pixels.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::ROW;
use super::axis::{Frame, format_instant, format_plain, x_at};
use super::lines::column;
use crate::render::html::escape;

const ANNOTATION_COLOR: &str = "#555";
/// A dark neutral, dashed: a target or a limit is not data, and no series' colour
/// (`PALETTE`) or baseline's grey is this dark a grey.
pub(super) const THRESHOLD_COLOR: &str = "#3d3d3d";
/// Font size of annotation and threshold labels.
const LABEL_SIZE: f64 = 10.0;
/// Longest annotation label shown, in pixels (longer ones are shortened).
const ANNOTATION_MAX_WIDTH: f64 = 150.0;
/// Rows of annotation labels above the plot; labels that fit in none are left out (the
/// line's tooltip still carries them).
const MAX_ROWS: usize = 3;
/// Horizontal space kept between two labels on a row.
const GAP: f64 = 6.0;
/// White outline behind labels, so the lines they cross do not hide them.
const HALO: &str =
    "stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";

#[derive(Debug, Clone)]
pub(super) struct Annotation {
    at: DateTime<Utc>,
    label: String,
}

impl Annotation {
    pub fn new(at: DateTime<Utc>, label: &str) -> Annotation {
        Annotation {
            at,
            label: label.to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Mark {
    at: DateTime<Utc>,
    pub value: f64,
    label: String,
}

impl Mark {
    pub fn new(at: DateTime<Utc>, value: f64, label: &str) -> Mark {
        Mark {
            at,
            value,
            label: label.to_owned(),
        }
    }

    /// Whether the mark can be drawn on a chart spanning `t0..=t1` (seconds).
    pub fn within(&self, t0: i64, t1: i64) -> bool {
        self.value.is_finite() && (t0..=t1).contains(&self.at.timestamp())
    }
}

#[derive(Debug, Clone)]
pub(super) struct Threshold {
    pub value: f64,
    label: String,
}

impl Threshold {
    pub fn new(value: f64, label: &str) -> Threshold {
        Threshold {
            value,
            label: label.to_owned(),
        }
    }
}

/// An annotation placed on the chart: its instant, and its label's row and text unless
/// it was left out.
#[derive(Debug)]
pub(super) struct Placed<'a> {
    annotation: &'a Annotation,
    label: Option<PlacedLabel>,
}

#[derive(Debug)]
struct PlacedLabel {
    row: usize,
    x: f64,
    end_anchor: bool,
    text: String,
    shortened: bool,
}

/// The annotations to draw and how many label rows they need above the plot.
#[derive(Debug)]
pub(super) struct Annotations<'a> {
    placed: Vec<Placed<'a>>,
    pub rows: usize,
}

/// Places the annotations within `t0..=t1` over a plot at `left` that is `width` wide:
/// each label right of its line if it fits, else left of it, shortened to the room there
/// is, on the first row where it does not touch another label.
pub(super) fn place_annotations(
    annotations: &[Annotation],
    t0: i64,
    t1: i64,
    left: f64,
    width: f64,
) -> Annotations<'_> {
    let mut shown: Vec<&Annotation> = annotations
        .iter()
        .filter(|a| (t0..=t1).contains(&a.at.timestamp()))
        .collect();
    shown.sort_by_key(|a| a.at);
    let columns = width.max(1.0) as usize;
    if shown.len() > columns {
        // More lines than pixel columns: the first of each column stands for the rest.
        shown.dedup_by_key(|a| column(a.at.timestamp(), t0, t1, columns));
    }
    let right = left + width;
    let mut row_ends: Vec<f64> = Vec::new();
    let mut placed = Vec::with_capacity(shown.len());
    for annotation in shown {
        let x = x_at(left, width, (t0, t1), annotation.at.timestamp());
        let (room_right, room_left) = (right - x - 3.0, x - 3.0 - left);
        let wanted = text_width(&annotation.label, LABEL_SIZE).min(ANNOTATION_MAX_WIDTH);
        let end_anchor = wanted > room_right && (wanted <= room_left || room_left > room_right);
        let room = if end_anchor { room_left } else { room_right };
        let (text, shortened) = truncate(
            &annotation.label,
            room.min(ANNOTATION_MAX_WIDTH),
            LABEL_SIZE,
        );
        let label = if text.is_empty() {
            None
        } else {
            let w = text_width(&text, LABEL_SIZE);
            let (start, end) = if end_anchor {
                (x - 3.0 - w, x - 3.0)
            } else {
                (x + 3.0, x + 3.0 + w)
            };
            let row = match row_ends.iter().position(|e| *e + GAP <= start) {
                Some(row) => Some(row),
                None if row_ends.len() < MAX_ROWS => {
                    row_ends.push(f64::NEG_INFINITY);
                    Some(row_ends.len() - 1)
                }
                None => None,
            };
            row.map(|row| {
                row_ends[row] = row_ends[row].max(end);
                let tx = if end_anchor { x - 3.0 } else { x + 3.0 };
                PlacedLabel {
                    row,
                    x: tx,
                    end_anchor,
                    text,
                    shortened,
                }
            })
        };
        placed.push(Placed { annotation, label });
    }
    Annotations {
        rows: row_ends.len(),
        placed,
    }
}

/// The baseline of annotation label row `row` (row 0 is next to the plot).
fn row_baseline(frame: &Frame, row: usize) -> f64 {
    frame.top - 4.0 - ROW * row as f64
}

/// The dashed annotation lines, from beside their label down to the bottom of the plot.
pub(super) fn draw_annotation_lines(out: &mut String, annotations: &Annotations, frame: &Frame) {
    for placed in &annotations.placed {
        let a = placed.annotation;
        let x = frame.x(a.at.timestamp());
        let y1 = placed
            .label
            .as_ref()
            .map_or(frame.top, |l| row_baseline(frame, l.row) - 9.0);
        let _ = write!(
            out,
            "<line class=\"annotation\" x1=\"{x:.1}\" y1=\"{y1:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" \
             stroke=\"{ANNOTATION_COLOR}\" stroke-dasharray=\"4 3\"><title>{} ({})</title></line>",
            frame.bottom(),
            escape(&a.label),
            format_instant(a.at)
        );
    }
}

/// The annotation labels, above the plot.
pub(super) fn draw_annotation_labels(out: &mut String, annotations: &Annotations, frame: &Frame) {
    for placed in &annotations.placed {
        let Some(label) = &placed.label else {
            continue;
        };
        let anchor = if label.end_anchor { "end" } else { "start" };
        let title = if label.shortened {
            format!("<title>{}</title>", escape(&placed.annotation.label))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<text class=\"annotation-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" \
             font-size=\"{LABEL_SIZE}\" fill=\"#333\" {HALO}>{title}{}</text>",
            label.x,
            row_baseline(frame, label.row),
            escape(&label.text)
        );
    }
}

/// The marks to draw: all of them when there are no more than pixel columns, else the
/// lowest and the highest of each column.
pub(super) fn thin_marks<'a>(mut marks: Vec<&'a Mark>, frame: &Frame) -> Vec<&'a Mark> {
    let columns = frame.width.max(1.0) as usize;
    if marks.len() <= columns {
        return marks;
    }
    let (t0, t1) = frame.span();
    let key = |m: &Mark| column(m.at.timestamp(), t0, t1, columns);
    marks.sort_by(|a, b| key(a).cmp(&key(b)).then(a.value.total_cmp(&b.value)));
    let mut kept: Vec<&Mark> = Vec::new();
    for (i, m) in marks.iter().enumerate() {
        let first = i == 0 || key(marks[i - 1]) != key(m);
        let last = marks.get(i + 1).is_none_or(|next| key(next) != key(m));
        if first || last {
            kept.push(m);
        }
    }
    kept
}

/// The thresholds to draw: all of them when there are no more than pixel rows, else one
/// per pixel row.
pub(super) fn thin_thresholds<'a>(
    thresholds: &'a [Threshold],
    frame: &Frame,
) -> Vec<&'a Threshold> {
    let mut shown: Vec<&Threshold> = thresholds.iter().filter(|t| t.value.is_finite()).collect();
    if shown.len() as f64 > frame.height {
        shown.sort_by(|a, b| a.value.total_cmp(&b.value));
        shown.dedup_by_key(|t| frame.y(t.value).round() as i64);
    }
    shown
}

/// The dashed threshold lines across the plot.
pub(super) fn draw_threshold_lines(out: &mut String, thresholds: &[&Threshold], frame: &Frame) {
    for t in thresholds.iter().filter(|t| t.value.is_finite()) {
        let y = frame.y(t.value);
        let _ = write!(
            out,
            "<line class=\"threshold\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" \
             stroke=\"{THRESHOLD_COLOR}\" stroke-dasharray=\"6 4\"><title>{} ({})</title></line>",
            frame.left,
            frame.right(),
            escape(&t.label),
            format_plain(t.value)
        );
    }
}

/// The threshold labels at the right of the plot, above their line (below it at the top
/// of the plot), moved down when they would overlap.
pub(super) fn draw_threshold_labels(out: &mut String, thresholds: &[&Threshold], frame: &Frame) {
    let mut shown: Vec<(f64, &Threshold)> = thresholds
        .iter()
        .filter(|t| t.value.is_finite() && !t.label.is_empty())
        .map(|t| (frame.y(t.value), *t))
        .collect();
    shown.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut previous = f64::NEG_INFINITY;
    for (py, t) in shown {
        let preferred = if py - 4.0 - LABEL_SIZE < frame.top {
            py + LABEL_SIZE + 2.0
        } else {
            py - 4.0
        };
        let y = preferred
            .max(previous + LABEL_SIZE + 2.0)
            .min(frame.bottom() - 2.0);
        previous = y;
        let (text, _) = truncate(&t.label, frame.width * 0.45, LABEL_SIZE);
        let _ = write!(
            out,
            "<text class=\"threshold-label\" x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"end\" \
             font-size=\"{LABEL_SIZE}\" fill=\"{THRESHOLD_COLOR}\" {HALO}>{}</text>",
            frame.right() - 4.0,
            escape(&text)
        );
    }
}

/// The marks, as circles with their label as tooltip.
pub(super) fn draw_marks(out: &mut String, marks: &[&Mark], frame: &Frame) {
    for m in marks {
        let _ = write!(
            out,
            "<circle class=\"mark\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#ffbf00\" stroke=\"#333\" \
             stroke-width=\"1.2\"><title>{}: {} at {}</title></circle>",
            frame.x(m.at.timestamp()),
            frame.y(m.value),
            escape(&m.label),
            format_plain(m.value),
            format_instant(m.at)
        );
    }
}

/// An estimate of the width of `text` in pixels at `size` in a sans-serif font (there is
/// no font to measure with: generous, so text estimated to fit does fit).
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | 'I' | 'f' | 't' | 'r' | '.' | ',' | ':' | ';' | '\'' | '|' | '!'
            | '(' | ')' | '[' | ']' | ' ' => 0.32,
            'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.9,
            'A'..='Z' | '&' => 0.7,
            '0'..='9' => 0.58,
            c if c.is_ascii() => 0.56,
            _ => 1.0,
        })
        .sum::<f64>()
        * size
}

/// `text` shortened with an ellipsis to fit `max_width` pixels at `size`, and whether
/// it was shortened (empty if not even the ellipsis fits).
pub(super) fn truncate(text: &str, max_width: f64, size: f64) -> (String, bool) {
    if text_width(text, size) <= max_width {
        return (text.to_owned(), false);
    }
    let mut room = max_width - text_width("…", size);
    if room < 0.0 {
        return (String::new(), true);
    }
    let mut shown: String = text
        .chars()
        .take_while(|c| {
            room -= text_width(c.encode_utf8(&mut [0; 4]), size);
            room >= 0.0
        })
        .collect();
    let trimmed = shown.trim_end().len();
    shown.truncate(trimmed);
    shown.push('…');
    (shown, true)
}
