//! Charts rendered on the server as SVG, so they show in JupyterLab, on GitHub and
//! nbviewer with no kernel: time axis in UTC with readable ticks, several series with a
//! legend, gaps where points are missing. Long series are downsampled for display only
//! (per pixel column, keeping the minimum and the maximum, so spikes survive), and what a
//! chart draws is bounded by its pixels, whatever the data (`chart/bounds.rs`): ticks,
//! points, overlays, series; a span no chart shows readably (centuries apart, values
//! near f64's limits) is said in the chart instead of drawn.
//!
//! What incident charts add to the lines: shaded bands (a baseline's normal range, an
//! anomaly-detection band), vertical annotations (deploys, alarm state changes), point
//! marks (anomalies, change points) and horizontal thresholds (targets). The SVG is plain:
//! no script, no external font or stylesheet.
//!
//! A trace's spans are drawn as a [`Waterfall`] (`waterfall.rs`) in the same style.
//!
//! Layout of a line chart, back to front: grid and axes, bands, threshold and annotation lines, series,
//! threshold labels, marks, annotation labels (above the plot), legend (below it).

mod axis;
mod bounds;
#[cfg(test)]
mod bounds_tests;
mod legend;
mod lines;
mod overlay;
#[cfg(test)]
mod tests;
mod time_axis;
mod waterfall;

use std::fmt::Write as _;

use crate::render::html::escape;
use chrono::{DateTime, Utc};

use crate::model::series::Series;
use axis::Frame;
use legend::{Entry, Swatch};
use lines::Band;
use overlay::{Annotation, Mark, Threshold};
pub use waterfall::Waterfall;

/// The series' colours: Okabe and Ito's colour-blind-safe set (blue, vermillion, bluish
/// green, reddish purple, orange, sky blue, black; its yellow left out, too pale on white),
/// told apart by hue and lightness in every common colour vision deficiency. No grey: grey
/// is a baseline's, and the dark neutral a threshold's (`overlay.rs`).
pub(super) const PALETTE: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
];
/// Baselines (a week ago, the run before): muted greys, thinner and fainter than a series,
/// so the eye goes to the series first (`lines::draw_baseline`).
pub(super) const BASELINE_PALETTE: [&str; 3] = ["#8c8c8c", "#b0b0b0", "#6e6e6e"];
/// Band fills (drawn semi-transparent): grey first, like CloudWatch's anomaly band.
const BAND_PALETTE: [&str; 4] = ["#7f7f7f", "#0072b2", "#009e73", "#e69f00"];
const MARGIN_LEFT: f64 = 60.0;
const MARGIN_RIGHT: f64 = 16.0;
const MARGIN_TOP: f64 = 30.0;
const MARGIN_BOTTOM: f64 = 44.0;
/// Height of one row of annotation labels (above the plot) or of the legend (below it).
const ROW: f64 = 13.0;

/// A line chart of one or more series over time, with optional bands, annotations,
/// marks and thresholds.
#[derive(Debug, Clone)]
pub struct LineChart {
    title: String,
    series: Vec<Series>,
    /// Whether each series (same index) is a baseline, drawn muted.
    baselines: Vec<bool>,
    bands: Vec<Band>,
    annotations: Vec<Annotation>,
    marks: Vec<Mark>,
    thresholds: Vec<Threshold>,
    width: f64,
    height: f64,
}

impl LineChart {
    /// An empty chart titled `title`.
    pub fn new(title: impl Into<String>) -> LineChart {
        LineChart {
            title: title.into(),
            series: Vec::new(),
            baselines: Vec::new(),
            bands: Vec::new(),
            annotations: Vec::new(),
            marks: Vec::new(),
            thresholds: Vec::new(),
            width: 720.0,
            height: 280.0,
        }
    }

    /// Adds a series.
    pub fn series(mut self, series: Series) -> LineChart {
        self.series.push(series);
        self.baselines.push(false);
        self
    }

    /// Adds a baseline: what the series are compared with (the same window a week ago,
    /// the run before), drawn muted — a thin grey line under the series — and shown so in
    /// the legend. The record keeps its data with the series' (its label says what it is:
    /// `baseline_shifted` labels it "… (1 week earlier)").
    pub fn baseline(mut self, series: Series) -> LineChart {
        self.series.push(series);
        self.baselines.push(true);
        self
    }

    /// Adds a shaded band between `lower` and `upper` (a normal range, an anomaly-detection
    /// band), drawn beneath the lines and shown in the legend. Bounds are paired by
    /// timestamp; where either is missing the band has a gap.
    pub fn band(mut self, label: &str, lower: &Series, upper: &Series) -> LineChart {
        self.bands.push(Band::new(label, lower, upper));
        self
    }

    /// Adds a vertical dashed line at `at` with `label` above the plot (a deploy, an alarm
    /// state change). Long labels are shortened (the full text is the line's tooltip) and
    /// close ones staggered; annotations outside the chart's time span are not drawn.
    pub fn annotate(mut self, at: DateTime<Utc>, label: &str) -> LineChart {
        self.annotations.push(Annotation::new(at, label));
        self
    }

    /// Adds a point marker at (`at`, `value`) over the lines (an anomaly, a change point),
    /// with `label` as its tooltip. Marks outside the chart's time span are not drawn.
    pub fn mark(mut self, at: DateTime<Utc>, value: f64, label: &str) -> LineChart {
        self.marks.push(Mark::new(at, value, label));
        self
    }

    /// Adds a horizontal dashed line at `value` (a target, a limit) labelled at the right.
    pub fn threshold(mut self, value: f64, label: &str) -> LineChart {
        self.thresholds.push(Threshold::new(value, label));
        self
    }

    /// Sets the size in pixels (200 × 120 at least, 4000 × 4000 at most).
    pub fn size(mut self, width: u32, height: u32) -> LineChart {
        self.width = f64::from(width.clamp(200, bounds::MAX_SIZE));
        self.height = f64::from(height.clamp(120, bounds::MAX_SIZE));
        self
    }

    /// The chart as a standalone SVG document. Its size is bounded by its pixels whatever
    /// the data (see `chart/bounds.rs`); a chart it cannot show readably says why instead.
    pub fn svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"sans-serif\" font-size=\"11\">\
             <text x=\"{MARGIN_LEFT}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>",
            escape(&self.title)
        );
        let series = &self.series[..self.series.len().min(bounds::MAX_LINES)];
        let bands = &self.bands[..self.bands.len().min(bounds::MAX_LINES)];
        let Some((t0, t1)) = time_span(series, bands) else {
            out.push_str("<text x=\"60\" y=\"60\">no data</text></svg>");
            return out;
        };
        let t1 = if t1 == t0 { t0 + 60 } else { t1 };
        let marks: Vec<&Mark> = self.marks.iter().filter(|m| m.within(t0, t1)).collect();
        let (lo, hi) = value_range(series, bands, &marks, &self.thresholds);
        if let Some(why) = bounds::unreadable(t0, t1, lo, hi) {
            bounds::note(&mut out, &why, MARGIN_LEFT, 60.0);
            out.push_str("</svg>");
            return out;
        }
        let left_out = self.series.len() + self.bands.len() - series.len() - bands.len();
        if left_out > 0 {
            let _ = write!(
                out,
                "<text class=\"note\" x=\"{:.1}\" y=\"18\" text-anchor=\"end\" fill=\"#555\">\
                 {left_out} more series and bands not drawn (at most {} of each)</text>",
                w - MARGIN_RIGHT,
                bounds::MAX_LINES
            );
        }
        let plot_w = w - MARGIN_LEFT - MARGIN_RIGHT;
        let labels = overlay::place_annotations(&self.annotations, t0, t1, MARGIN_LEFT, plot_w);
        let entries = legend_entries(series, &self.baselines, bands);
        let legend = legend::place(&entries, MARGIN_LEFT, plot_w);
        let top = MARGIN_TOP + ROW * labels.rows as f64;
        let bottom = MARGIN_BOTTOM + ROW * legend.rows.saturating_sub(1) as f64;
        let plot_h = (h - top - bottom).max(20.0);
        let frame = Frame::new((MARGIN_LEFT, top, plot_w, plot_h), (t0, t1), (lo, hi));
        frame.draw_axes(&mut out, w);
        let columns = plot_w.max(1.0) as usize;
        for (i, band) in bands.iter().enumerate() {
            band.draw(
                &mut out,
                &frame,
                columns,
                BAND_PALETTE[i % BAND_PALETTE.len()],
            );
        }
        let thresholds = overlay::thin_thresholds(&self.thresholds, &frame);
        overlay::draw_threshold_lines(&mut out, &thresholds, &frame);
        overlay::draw_annotation_lines(&mut out, &labels, &frame);
        // Baselines first, beneath the series they are compared with.
        let styles = line_styles(&self.baselines[..series.len()]);
        let drawn = series.iter().zip(&styles);
        for (series, style) in (drawn.clone()).filter(|(_, s)| s.baseline) {
            lines::draw_series(&mut out, series, &frame, columns, style);
        }
        for (series, style) in drawn.filter(|(_, s)| !s.baseline) {
            lines::draw_series(&mut out, series, &frame, columns, style);
        }
        overlay::draw_threshold_labels(&mut out, &thresholds, &frame);
        overlay::draw_marks(&mut out, &overlay::thin_marks(marks, &frame), &frame);
        overlay::draw_annotation_labels(&mut out, &labels, &frame);
        legend.draw(&mut out, h);
        out.push_str("</svg>");
        out
    }
}

/// The first and last instants with a value, over the series and the bands.
fn time_span(series: &[Series], bands: &[Band]) -> Option<(i64, i64)> {
    let series = series.iter().flat_map(|s| {
        s.points()
            .filter(|(_, v)| v.is_finite())
            .map(|(t, _)| t.timestamp())
    });
    let bands = bands.iter().flat_map(|b| b.instants());
    let mut span: Option<(i64, i64)> = None;
    for t in series.chain(bands) {
        span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
    }
    span
}

/// The least and greatest values to show: series, bands, the marks drawn, thresholds.
fn value_range(
    series: &[Series],
    bands: &[Band],
    marks: &[&Mark],
    thresholds: &[Threshold],
) -> (f64, f64) {
    let series = series.iter().flat_map(|s| s.points().map(|(_, v)| v));
    let bands = bands.iter().flat_map(|b| b.values());
    let marks = marks.iter().map(|m| m.value);
    let thresholds = thresholds.iter().map(|t| t.value);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in series.chain(bands).chain(marks).chain(thresholds) {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo, hi)
}

/// How a line is drawn: its colour, and whether it is a baseline (muted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineStyle {
    pub(super) color: &'static str,
    pub(super) baseline: bool,
}

/// Each line's style: series take the palette's colours in order, baselines the muted
/// greys in theirs, so adding a baseline never changes a series' colour.
fn line_styles(baselines: &[bool]) -> Vec<LineStyle> {
    let (mut series, mut muted) = (0, 0);
    (baselines.iter())
        .map(|&baseline| {
            let (palette, n): (&[&'static str], &mut usize) = if baseline {
                (&BASELINE_PALETTE, &mut muted)
            } else {
                (&PALETTE, &mut series)
            };
            let color = palette[*n % palette.len()];
            *n += 1;
            LineStyle { color, baseline }
        })
        .collect()
}

/// Legend entries: the series and baselines, then the bands.
fn legend_entries(series: &[Series], baselines: &[bool], bands: &[Band]) -> Vec<Entry> {
    let styles = line_styles(&baselines[..series.len()]);
    let series = series.iter().zip(styles).map(|(s, style)| {
        let unit = s.unit.as_deref().map(|u| format!(" ({u})"));
        Entry {
            label: format!("{}{}", s.label, unit.unwrap_or_default()),
            color: style.color,
            swatch: if style.baseline {
                Swatch::Muted
            } else {
                Swatch::Solid
            },
        }
    });
    let bands = bands.iter().enumerate().map(|(i, b)| Entry {
        label: b.label.clone(),
        color: BAND_PALETTE[i % BAND_PALETTE.len()],
        swatch: Swatch::Shaded,
    });
    series.chain(bands).collect()
}

impl crate::render::Render for LineChart {
    fn bundle(&self) -> crate::render::MimeBundle {
        let names: Vec<&str> = self.series.iter().map(|s| s.label.as_str()).collect();
        crate::render::MimeBundle::text(format!("chart {:?}: {}", self.title, names.join(", ")))
            .with_svg(self.svg())
            .with_series(&self.series)
    }
}

impl LineChart {
    /// Shows the chart as the cell's result.
    pub fn evcxr_display(&self) {
        crate::render::Render::bundle(self).evcxr_display();
    }
}
