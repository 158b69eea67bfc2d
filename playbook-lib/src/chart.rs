//! Charts rendered on the server as SVG, so they show in JupyterLab, on GitHub and
//! nbviewer with no kernel: time axis in UTC with readable ticks, several series with a
//! legend, gaps where points are missing. Long series are downsampled for display only
//! (per pixel column, keeping the minimum and the maximum, so spikes survive).

use std::fmt::Write as _;

use chrono::{DateTime, TimeZone, Utc};

use crate::series::Series;

const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];
const MARGIN_LEFT: f64 = 60.0;
const MARGIN_RIGHT: f64 = 16.0;
const MARGIN_TOP: f64 = 30.0;
const MARGIN_BOTTOM: f64 = 44.0;

/// A line chart of one or more series over time.
#[derive(Debug, Clone)]
pub struct LineChart {
    title: String,
    series: Vec<Series>,
    width: f64,
    height: f64,
}

/// Escapes text for XML and HTML.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl LineChart {
    /// An empty chart titled `title`.
    pub fn new(title: impl Into<String>) -> LineChart {
        LineChart {
            title: title.into(),
            series: Vec::new(),
            width: 720.0,
            height: 280.0,
        }
    }

    /// Adds a series.
    pub fn series(mut self, series: Series) -> LineChart {
        self.series.push(series);
        self
    }

    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> LineChart {
        self.width = f64::from(width.max(200));
        self.height = f64::from(height.max(120));
        self
    }

    /// The chart as a standalone SVG document.
    pub fn svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let plot_w = w - MARGIN_LEFT - MARGIN_RIGHT;
        let plot_h = h - MARGIN_TOP - MARGIN_BOTTOM;
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"sans-serif\" font-size=\"11\">\
             <text x=\"{MARGIN_LEFT}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>",
            escape(&self.title)
        );
        let points: Vec<(i64, f64)> = self
            .series
            .iter()
            .flat_map(|s| s.points().map(|(t, v)| (t.timestamp(), v)))
            .collect();
        let (Some(t0), Some(t1)) = (
            points.iter().map(|p| p.0).min(),
            points.iter().map(|p| p.0).max(),
        ) else {
            out.push_str("<text x=\"60\" y=\"60\">no data</text></svg>");
            return out;
        };
        let t1 = if t1 == t0 { t0 + 60 } else { t1 };
        let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if (hi - lo).abs() < f64::EPSILON {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo, hi)
        };
        let (y_ticks, step) = nice_ticks(lo, hi, 5);
        let (y0, y1) = (lo.min(y_ticks[0]), hi.max(y_ticks[y_ticks.len() - 1]));
        let x = |t: i64| MARGIN_LEFT + (t - t0) as f64 / (t1 - t0) as f64 * plot_w;
        let y = |v: f64| MARGIN_TOP + (1.0 - (v - y0) / (y1 - y0)) * plot_h;
        // Grid and y labels.
        for v in &y_ticks {
            let py = y(*v);
            let _ = write!(
                out,
                "<line x1=\"{MARGIN_LEFT}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#e5e5e5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                MARGIN_LEFT + plot_w,
                MARGIN_LEFT - 6.0,
                py + 4.0,
                format_value(*v, step)
            );
        }
        // Time ticks (UTC).
        let (tick, format) = time_step(t1 - t0);
        let mut t = (t0 + tick - 1).div_euclid(tick) * tick;
        while t <= t1 {
            let px = x(t);
            let label = Utc
                .timestamp_opt(t, 0)
                .single()
                .map(|d: DateTime<Utc>| d.format(format).to_string());
            let _ = write!(
                out,
                "<line x1=\"{px:.1}\" y1=\"{MARGIN_TOP}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#f0f0f0\"/>\
                 <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                MARGIN_TOP + plot_h,
                MARGIN_TOP + plot_h + 14.0,
                label.unwrap_or_default()
            );
            t += tick;
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#666\">UTC</text>\
             <rect x=\"{MARGIN_LEFT}\" y=\"{MARGIN_TOP}\" width=\"{plot_w:.1}\" height=\"{plot_h:.1}\" fill=\"none\" stroke=\"#999\"/>",
            w - MARGIN_RIGHT,
            MARGIN_TOP + plot_h + 14.0
        );
        // Series, then the legend.
        let columns = plot_w.max(1.0) as usize;
        for (i, series) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let _ = write!(
                out,
                "<g class=\"series\" stroke=\"{color}\" fill=\"none\" stroke-width=\"1.5\">"
            );
            for segment in segments(series) {
                let shown = downsample(&segment, columns, t0, t1);
                let coords: Vec<String> = shown
                    .iter()
                    .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
                    .collect();
                let _ = write!(out, "<polyline points=\"{}\"/>", coords.join(" "));
            }
            out.push_str("</g>");
            let lx = MARGIN_LEFT + (i as f64) * 150.0;
            let ly = h - 10.0;
            let unit = series
                .unit
                .as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\
                 <text x=\"{:.1}\" y=\"{ly:.1}\">{}</text>",
                ly - 9.0,
                lx + 14.0,
                escape(&format!("{}{unit}", series.label))
            );
        }
        out.push_str("</svg>");
        out
    }
}

impl crate::display::Render for LineChart {
    fn bundle(&self) -> crate::display::MimeBundle {
        let names: Vec<&str> = self.series.iter().map(|s| s.label.as_str()).collect();
        crate::display::MimeBundle::text(format!("chart {:?}: {}", self.title, names.join(", ")))
            .with_svg(self.svg())
    }
}

impl LineChart {
    /// Shows the chart as the cell's result.
    pub fn evcxr_display(&self) {
        crate::display::Render::bundle(self).evcxr_display();
    }
}

/// The runs of present points, split where a point is missing.
fn segments(series: &Series) -> Vec<Vec<(i64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (t, v) in series.timestamps.iter().zip(&series.values) {
        match v {
            Some(v) => runs
                .last_mut()
                .map_or((), |run| run.push((t.timestamp(), *v))),
            None => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// At most two points (min and max, in time order) per pixel column.
fn downsample(points: &[(i64, f64)], columns: usize, t0: i64, t1: i64) -> Vec<(i64, f64)> {
    if points.len() <= columns * 2 {
        return points.to_vec();
    }
    let span = (t1 - t0).max(1) as f64;
    let mut out = Vec::with_capacity(columns * 2);
    let mut i = 0;
    while i < points.len() {
        let column = ((points[i].0 - t0) as f64 / span * columns as f64) as usize;
        let mut j = i;
        let (mut min, mut max) = (points[i], points[i]);
        while j < points.len()
            && ((points[j].0 - t0) as f64 / span * columns as f64) as usize == column
        {
            if points[j].1 < min.1 {
                min = points[j];
            }
            if points[j].1 > max.1 {
                max = points[j];
            }
            j += 1;
        }
        if min.0 <= max.0 {
            out.extend([min, max]);
        } else {
            out.extend([max, min]);
        }
        if min == max {
            out.pop();
        }
        i = j;
    }
    out
}

/// Up to `target`+1 round tick values covering `lo..=hi`, and the step between them.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let raw = (hi - lo) / target as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let start = (lo / step).floor() * step;
    let ticks: Vec<f64> = (0..=target + 2)
        .map(|k| start + k as f64 * step)
        .take_while(|v| *v <= hi + step * 0.999)
        .collect();
    (ticks, step)
}

fn format_value(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// A tick interval (seconds) giving at most ~8 ticks over `span`, and its label format.
fn time_step(span: i64) -> (i64, &'static str) {
    const STEPS: [(i64, &str); 12] = [
        (60, "%H:%M"),
        (300, "%H:%M"),
        (600, "%H:%M"),
        (900, "%H:%M"),
        (1800, "%H:%M"),
        (3600, "%H:%M"),
        (3 * 3600, "%H:%M"),
        (6 * 3600, "%m-%d %H:%M"),
        (12 * 3600, "%m-%d %H:%M"),
        (86400, "%m-%d"),
        (2 * 86400, "%m-%d"),
        (7 * 86400, "%m-%d"),
    ];
    STEPS
        .iter()
        .copied()
        .find(|(step, _)| span / step <= 8)
        .unwrap_or((30 * 86400, "%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute_series(label: &str, minutes: i64, f: impl Fn(i64) -> Option<f64>) -> Series {
        Series::from_points(
            label,
            Some("ms"),
            (0..minutes).map(|m| (Utc.timestamp_opt(1_764_151_200 + m * 60, 0).unwrap(), f(m))),
        )
    }

    #[test]
    fn one_group_per_series_and_a_legend() {
        let svg = LineChart::new("latency <p99>")
            .series(minute_series("p50", 60, |m| Some(100.0 + m as f64)))
            .series(minute_series("p99 & co", 60, |m| Some(300.0 - m as f64)))
            .svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<g class=\"series\"").count(), 2);
        assert!(svg.contains("latency &lt;p99&gt;"));
        assert!(svg.contains("p99 &amp; co (ms)"));
        assert!(svg.contains(">UTC<"));
    }

    #[test]
    fn missing_points_break_the_line() {
        let svg = LineChart::new("gaps")
            .series(minute_series("x", 10, |m| {
                (m != 4).then_some(1.0 + m as f64)
            }))
            .svg();
        assert_eq!(svg.matches("<polyline").count(), 2);
    }

    #[test]
    fn six_hours_of_five_minute_series_stay_small() {
        let mut chart = LineChart::new("6 h at 1 min");
        for k in 0..5 {
            chart = chart.series(minute_series(&format!("s{k}"), 360, |m| {
                Some(((m * (k + 3)) % 97) as f64)
            }));
        }
        let svg = chart.svg();
        assert!(svg.len() < 100_000, "{} bytes", svg.len());
    }

    #[test]
    fn downsampling_keeps_spikes() {
        let points: Vec<(i64, f64)> = (0..10_000)
            .map(|t| (t, if t == 5_000 { 999.0 } else { 1.0 }))
            .collect();
        let shown = downsample(&points, 100, 0, 9_999);
        assert!(shown.len() <= 200);
        assert!(shown.iter().any(|p| p.1 == 999.0));
    }

    #[test]
    fn ticks_are_round() {
        let (ticks, step) = nice_ticks(97.0, 312.0, 5);
        assert_eq!(step, 50.0);
        assert_eq!(ticks.first(), Some(&50.0));
        assert_eq!(time_step(6 * 3600), (3600, "%H:%M"));
        assert_eq!(time_step(14 * 86400).0, 2 * 86400);
    }

    #[test]
    fn an_empty_chart_says_so() {
        assert!(LineChart::new("nothing").svg().contains("no data"));
    }
}
