//! Series lines and shaded bands: runs of present points (missing points break them) and
//! display-only thinning that keeps spikes (per pixel column, the extremes), so what is
//! drawn is bounded by the chart's width, not by the data: a million points, or a million
//! runs of one point, draw as at most two points per pixel column.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::axis::Frame;
use crate::model::series::Series;

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
        for shown in envelope(self.runs(), columns, t0, t1) {
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

/// One `<g class="series">` (a baseline: `<g class="series baseline">`, thinner and
/// fainter) with a `<polyline>` per run of present points.
pub(super) fn draw_series(
    out: &mut String,
    series: &Series,
    frame: &Frame,
    columns: usize,
    style: &super::LineStyle,
) {
    let (t0, t1) = frame.span();
    let color = style.color;
    let _ = if style.baseline {
        write!(
            out,
            "<g class=\"series baseline\" stroke=\"{color}\" fill=\"none\" stroke-width=\"1.25\" \
             stroke-opacity=\"0.8\">"
        )
    } else {
        write!(
            out,
            "<g class=\"series\" stroke=\"{color}\" fill=\"none\" stroke-width=\"1.5\">"
        )
    };
    for shown in thin(segments(series), columns, t0, t1) {
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

/// The pixel column of instant `t` (`0..=columns` within `t0..=t1`).
pub(super) fn column(t: i64, t0: i64, t1: i64, columns: usize) -> usize {
    let span = (t1 - t0).max(1) as f64;
    let at = (t.saturating_sub(t0)) as f64 / span * columns as f64;
    (at.max(0.0) as usize).min(columns)
}

/// A pixel column's least and greatest points, and whether a run of points ends in it.
#[derive(Debug, Clone, Copy)]
struct Extremes {
    min: (i64, f64),
    max: (i64, f64),
    ends: bool,
}

/// The runs to draw: all of them when they hold at most two points per pixel column;
/// else, per column, its least and greatest points in time order (so spikes survive),
/// a run broken after a column where one ended. Whatever the data, at most
/// `2 × (columns + 1)` points in at most `columns + 1` runs.
pub(super) fn thin(
    runs: Vec<Vec<(i64, f64)>>,
    columns: usize,
    t0: i64,
    t1: i64,
) -> Vec<Vec<(i64, f64)>> {
    let total: usize = runs.iter().map(Vec::len).sum();
    if total <= columns * 2 {
        return runs;
    }
    let mut cells: Vec<Option<Extremes>> = vec![None; columns + 1];
    for run in &runs {
        for &point in run {
            let cell = &mut cells[column(point.0, t0, t1, columns)];
            match cell {
                None => {
                    *cell = Some(Extremes {
                        min: point,
                        max: point,
                        ends: false,
                    })
                }
                Some(e) if point.1 < e.min.1 => e.min = point,
                Some(e) if point.1 > e.max.1 => e.max = point,
                Some(_) => {}
            }
        }
        if let Some(last) = run.last()
            && let Some(e) = &mut cells[column(last.0, t0, t1, columns)]
        {
            e.ends = true;
        }
    }
    let mut out = vec![Vec::new()];
    for e in cells.into_iter().flatten() {
        let run = out.last_mut().expect("out starts with a run");
        let (first, second) = if e.min.0 <= e.max.0 {
            (e.min, e.max)
        } else {
            (e.max, e.min)
        };
        run.push(first);
        if second != first {
            run.push(second);
        }
        if e.ends {
            out.push(Vec::new());
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// At most two points (min and max, in time order) per pixel column of one run.
#[cfg(test)]
pub(super) fn downsample(
    points: &[(i64, f64)],
    columns: usize,
    t0: i64,
    t1: i64,
) -> Vec<(i64, f64)> {
    thin(vec![points.to_vec()], columns, t0, t1).concat()
}

/// A pixel column of a band: its first and last instants, the lowest lower bound and the
/// highest upper bound, and whether a run ends in it.
#[derive(Debug, Clone, Copy)]
struct Envelope {
    first: i64,
    last: i64,
    lo: f64,
    hi: f64,
    ends: bool,
}

/// The band's runs to draw: all of them when they hold at most two points per pixel
/// column; else at most two points per column (its first and last instants), each with
/// the column's lowest lower bound and highest upper bound, so the band never shrinks.
pub(super) fn envelope(
    runs: Vec<Vec<(i64, f64, f64)>>,
    columns: usize,
    t0: i64,
    t1: i64,
) -> Vec<Vec<(i64, f64, f64)>> {
    let total: usize = runs.iter().map(Vec::len).sum();
    if total <= columns * 2 {
        return runs;
    }
    let mut cells: Vec<Option<Envelope>> = vec![None; columns + 1];
    for run in &runs {
        for &(t, lo, hi) in run {
            let cell = &mut cells[column(t, t0, t1, columns)];
            match cell {
                None => {
                    *cell = Some(Envelope {
                        first: t,
                        last: t,
                        lo,
                        hi,
                        ends: false,
                    })
                }
                Some(e) => {
                    (e.first, e.last) = (e.first.min(t), e.last.max(t));
                    (e.lo, e.hi) = (e.lo.min(lo), e.hi.max(hi));
                }
            }
        }
        if let Some(last) = run.last()
            && let Some(e) = &mut cells[column(last.0, t0, t1, columns)]
        {
            e.ends = true;
        }
    }
    let mut out = vec![Vec::new()];
    for e in cells.into_iter().flatten() {
        let run = out.last_mut().expect("out starts with a run");
        run.push((e.first, e.lo, e.hi));
        if e.last != e.first {
            run.push((e.last, e.lo, e.hi));
        }
        if e.ends {
            out.push(Vec::new());
        }
    }
    out.retain(|r| !r.is_empty());
    out
}
