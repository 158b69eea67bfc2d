//! The plot frame: where instants and values land in pixels, round value ticks, UTC time
//! ticks (`time_axis.rs`), and the grid and axis labels.

use std::fmt::Write as _;

use chrono::{DateTime, TimeZone, Utc};

use super::time_axis::time_ticks;

/// The plot area in pixels and the time and value ranges it shows.
#[derive(Debug, Clone)]
pub(super) struct Frame {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    t0: i64,
    t1: i64,
    y0: f64,
    y1: f64,
    y_ticks: Vec<f64>,
    y_step: f64,
}

impl Frame {
    /// A frame for the area `(left, top, width, height)` showing instants `t0..=t1`
    /// (`t1 > t0`, in seconds) and values `lo..=hi`, widened to round ticks.
    pub fn new(area: (f64, f64, f64, f64), (t0, t1): (i64, i64), (lo, hi): (f64, f64)) -> Frame {
        let (left, top, width, height) = area;
        let (lo, hi) = if !lo.is_finite() || !hi.is_finite() {
            (0.0, 1.0)
        } else if (hi - lo).abs() < f64::EPSILON {
            // Widened by 1, or by enough to be seen at magnitudes where 1 is below the
            // precision (values are at most `bounds::VALUE_LIMIT`, so this stays finite).
            let pad = (lo.abs() * 1e-12).max(1.0);
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        };
        let (y_ticks, y_step) = nice_ticks(lo, hi, 5);
        let y0 = y_ticks.first().map_or(lo, |t| lo.min(*t));
        let y1 = y_ticks.last().map_or(hi, |t| hi.max(*t));
        Frame {
            left,
            top,
            width,
            height,
            t0,
            t1: t1.max(t0 + 1),
            y0,
            y1,
            y_ticks,
            y_step,
        }
    }

    /// The time span shown, in seconds.
    pub fn span(&self) -> (i64, i64) {
        (self.t0, self.t1)
    }

    pub fn right(&self) -> f64 {
        self.left + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// The x coordinate of instant `t` (seconds).
    pub fn x(&self, t: i64) -> f64 {
        x_at(self.left, self.width, (self.t0, self.t1), t)
    }

    /// The y coordinate of value `v`.
    pub fn y(&self, v: f64) -> f64 {
        self.top + (1.0 - (v - self.y0) / (self.y1 - self.y0)) * self.height
    }

    /// Grid, value labels, time labels, "UTC" and the plot's border; `chart_width` places
    /// the "UTC" at the right edge.
    pub fn draw_axes(&self, out: &mut String, chart_width: f64) {
        let (left, right, bottom) = (self.left, self.right(), self.bottom());
        for v in &self.y_ticks {
            let py = self.y(*v);
            let _ = write!(
                out,
                "<line x1=\"{left}\" y1=\"{py:.1}\" x2=\"{right:.1}\" y2=\"{py:.1}\" stroke=\"#e5e5e5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left - 6.0,
                py + 4.0,
                format_value(*v, self.y_step)
            );
        }
        let (ticks, format) = time_ticks(self.t0, self.t1);
        for t in ticks {
            let px = self.x(t);
            let label = Utc
                .timestamp_opt(t, 0)
                .single()
                .map(|d: DateTime<Utc>| d.format(format).to_string());
            let _ = write!(
                out,
                "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{bottom:.1}\" stroke=\"#f0f0f0\"/>\
                 <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                self.top,
                bottom + 14.0,
                label.unwrap_or_default()
            );
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#666\">UTC</text>\
             <rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#999\"/>",
            chart_width - super::MARGIN_RIGHT,
            bottom + 14.0,
            self.top,
            self.width,
            self.height
        );
    }
}

/// The x coordinate of instant `t` (seconds) on a plot at `left`, `width` wide, spanning
/// `t0..=t1` (`t1 > t0`).
pub(super) fn x_at(left: f64, width: f64, (t0, t1): (i64, i64), t: i64) -> f64 {
    left + (t - t0) as f64 / (t1 - t0).max(1) as f64 * width
}

/// Up to `target`+3 round tick values covering `lo..=hi`, and the step between them (just
/// `lo` when the range is empty, reversed or not finite).
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let raw = (hi - lo) / target.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return (vec![lo], 1.0);
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if !(step.is_finite() && step > 0.0) {
        return (vec![lo], 1.0);
    }
    let start = (lo / step).floor() * step;
    let ticks: Vec<f64> = (0..=target + 2)
        .map(|k| start + k as f64 * step)
        .take_while(|v| *v <= hi + step * 0.999)
        .collect();
    (ticks, step)
}

/// `v` with as many decimals as a tick `step` needs.
pub(super) fn format_value(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// `v` for a tooltip: up to four decimals, trailing zeros dropped.
pub(super) fn format_plain(v: f64) -> String {
    let text = format!("{v:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// `t` as `YYYY-MM-DD HH:MM:SS UTC`, for tooltips.
pub(super) fn format_instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
