//! Series lines and shaded bands: runs of present points (missing points break them) and
//! display-only downsampling that keeps spikes (per pixel column, the extremes).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::axis::Frame;
use crate::series::Series;

/// A shaded area between two bounds, paired by timestamp (seconds).
#[derive(Debug, Clone)]
pub(super) struct Band {
    pub label: String,
    /// Every instant of either bound, in order, with `(lower, upper)` where both are present.
    points: Vec<(i64, Option<(f64, f64)>)>,
}

impl Band {
    pub fn new(label: &str, lower: &Series, upper: &Series) -> Band {
        let mut paired: BTreeMap<i64, (Option<f64>, Option<f64>)> = BTreeMap::new();
        for (t, v) in lower.timestamps.iter().zip(&lower.values) {
            paired.entry(t.timestamp()).or_default().0 = v.filter(|v| v.is_finite());
        }
        for (t, v) in upper.timestamps.iter().zip(&upper.values) {
            paired.entry(t.timestamp()).or_default().1 = v.filter(|v| v.is_finite());
        }
        let points = paired
            .into_iter()
            .map(|(t, pair)| match pair {
                (Some(a), Some(b)) => (t, Some((a.min(b), a.max(b)))),
                _ => (t, None),
            })
            .collect();
        Band {
            label: label.to_owned(),
            points,
        }
    }

    /// The instants where the band is drawn.
    pub fn instants(&self) -> impl Iterator<Item = i64> + '_ {
        self.points.iter().filter(|p| p.1.is_some()).map(|p| p.0)
    }

    /// The bounds' values where the band is drawn.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.points
            .iter()
            .filter_map(|p| p.1)
            .flat_map(|(lo, hi)| [lo, hi])
    }

    /// The runs where both bounds are present, as `(t, lower, upper)`.
    pub fn runs(&self) -> Vec<Vec<(i64, f64, f64)>> {
        let mut runs = vec![Vec::new()];
        for (t, pair) in &self.points {
            match pair {
                Some((lo, hi)) => runs.last_mut().map_or((), |run| run.push((*t, *lo, *hi))),
                None => runs.push(Vec::new()),
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }

    /// One `<path class="band">` per run, semi-transparent.
    pub fn draw(&self, out: &mut String, frame: &Frame, columns: usize, color: &str) {
        let (t0, t1) = frame.span();
        for run in self.runs() {
            let shown = envelope(&run, columns, t0, t1);
            let mut d = String::with_capacity(shown.len() * 24);
            for (k, (t, _, hi)) in shown.iter().enumerate() {
                let sep = if k == 0 { "M" } else { " " };
                let _ = write!(d, "{sep}{:.1},{:.1}", frame.x(*t), frame.y(*hi));
            }
            for (t, lo, _) in shown.iter().rev() {
                let _ = write!(d, " {:.1},{:.1}", frame.x(*t), frame.y(*lo));
            }
            let _ = write!(
                out,
                "<path class=\"band\" d=\"{d}Z\" fill=\"{color}\" fill-opacity=\"0.22\" \
                 stroke=\"{color}\" stroke-opacity=\"0.35\" stroke-width=\"0.5\"/>"
            );
        }
    }
}

/// One `<g class="series">` with a `<polyline>` per run of present points.
pub(super) fn draw_series(
    out: &mut String,
    series: &Series,
    frame: &Frame,
    columns: usize,
    color: &str,
) {
    let (t0, t1) = frame.span();
    let _ = write!(
        out,
        "<g class=\"series\" stroke=\"{color}\" fill=\"none\" stroke-width=\"1.5\">"
    );
    for segment in segments(series) {
        let shown = downsample(&segment, columns, t0, t1);
        let coords: Vec<String> = shown
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", frame.x(*t), frame.y(*v)))
            .collect();
        let _ = write!(out, "<polyline points=\"{}\"/>", coords.join(" "));
    }
    out.push_str("</g>");
}

/// The runs of present (finite) points, split where a point is missing.
pub(super) fn segments(series: &Series) -> Vec<Vec<(i64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (t, v) in series.timestamps.iter().zip(&series.values) {
        match v.filter(|v| v.is_finite()) {
            Some(v) => runs
                .last_mut()
                .map_or((), |run| run.push((t.timestamp(), v))),
            None => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// The pixel column of instant `t`.
fn column(t: i64, t0: i64, t1: i64, columns: usize) -> usize {
    let span = (t1 - t0).max(1) as f64;
    ((t - t0) as f64 / span * columns as f64) as usize
}

/// At most two points (min and max, in time order) per pixel column.
pub(super) fn downsample(
    points: &[(i64, f64)],
    columns: usize,
    t0: i64,
    t1: i64,
) -> Vec<(i64, f64)> {
    if points.len() <= columns * 2 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(columns * 2);
    let mut i = 0;
    while i < points.len() {
        let col = column(points[i].0, t0, t1, columns);
        let mut j = i;
        let (mut min, mut max) = (points[i], points[i]);
        while j < points.len() && column(points[j].0, t0, t1, columns) == col {
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

/// At most two points per pixel column (its first and last instants), each with the
/// column's lowest lower bound and highest upper bound, so the band never shrinks.
pub(super) fn envelope(
    run: &[(i64, f64, f64)],
    columns: usize,
    t0: i64,
    t1: i64,
) -> Vec<(i64, f64, f64)> {
    if run.len() <= columns * 2 {
        return run.to_vec();
    }
    let mut out = Vec::with_capacity(columns * 2);
    let mut i = 0;
    while i < run.len() {
        let col = column(run[i].0, t0, t1, columns);
        let (first, mut last) = (run[i].0, run[i].0);
        let (mut lo, mut hi) = (run[i].1, run[i].2);
        let mut j = i;
        while j < run.len() && column(run[j].0, t0, t1, columns) == col {
            last = run[j].0;
            lo = lo.min(run[j].1);
            hi = hi.max(run[j].2);
            j += 1;
        }
        out.push((first, lo, hi));
        if last != first {
            out.push((last, lo, hi));
        }
        i = j;
    }
    out
}
