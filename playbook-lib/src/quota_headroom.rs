//! Quota headroom: for a quota's usage over a window (its `AWS/Usage` metric and
//! `SERVICE_QUOTA()` of it), the current usage, the applied quota, utilisation, the peak,
//! what is left after a failover multiplies the peak, and the days until the quota is
//! exhausted at the recent trend. [`HeadroomReport`] ranks many, across accounts and
//! regions, the closest to its limit first, as one table and one chart.
//!
//! ```no_run
//! use playbook::prelude::*;
//! # fn main() -> playbook::Result<()> {
//! let found = service_quotas(&["ec2"]).with_usage_metrics().run()?;
//! let mut report = HeadroomReport::new(2.0);
//! for quota in &found.quotas {
//!     let [usage, limit] = quota.usage_queries("m1").expect("a usage metric");
//!     let set = fetch_many(&[usage.since("14d"), limit.since("14d")])?;
//!     let (usage, limit) = (set.iter().next(), set.iter().nth(1));
//!     if let (Some(usage), Some(limit)) = (usage, limit) {
//!         report.push(Headroom::of(&found.place(), quota, usage, limit, 2.0, TimeDelta::days(7)));
//!     }
//! }
//! report.evcxr_display();
//! # Ok(()) }
//! ```

use chrono::TimeDelta;

use crate::model::quotas::ServiceQuota;
use crate::model::series::Series;
use crate::render::chart::LineChart;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

/// One quota's headroom in one account and region.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom {
    /// `account/region`.
    pub place: String,
    /// `service/quota code`.
    pub code: String,
    pub name: String,
    /// The applied quota (Service Quotas: applied value, else the default).
    pub quota: f64,
    /// What `SERVICE_QUOTA()` answered last, when it answered.
    pub service_quota: Option<f64>,
    /// The last usage datapoint.
    pub current: Option<f64>,
    /// The highest usage datapoint of the window.
    pub peak: Option<f64>,
    /// The failover factor the peak is multiplied by.
    pub factor: f64,
    /// Usage growth per day over the trend window (least squares), when it has two points.
    pub growth_per_day: Option<f64>,
    /// Usage as a percentage of the quota, point by point (`SERVICE_QUOTA` where it has a
    /// point, else the applied quota).
    pub utilisation: Series,
}

impl Headroom {
    /// The headroom of `quota` in `place` from its `usage` and `limit`
    /// (`SERVICE_QUOTA()` of the usage) series, a peak multiplied by `factor` on failover,
    /// the trend over the last `trend` of the usage.
    pub fn of(
        place: &str,
        quota: &ServiceQuota,
        usage: &Series,
        limit: &Series,
        factor: f64,
        trend: TimeDelta,
    ) -> Headroom {
        let points: Vec<_> = usage.points().collect();
        let limits: std::collections::BTreeMap<_, _> = limit.points().collect();
        let utilisation = Series::from_points(
            format!("{place} {}", quota.code()),
            Some("Percent"),
            points.iter().map(|(t, v)| {
                let of = limits.get(t).copied().unwrap_or(quota.value);
                (*t, (of > 0.0).then(|| v / of * 100.0))
            }),
        );
        let since = points.last().map(|(t, _)| *t - trend);
        let recent: Vec<(f64, f64)> = (points.iter())
            .filter(|(t, _)| since.is_some_and(|s| *t >= s))
            .map(|(t, v)| {
                let days = since.map_or(0, |s| (*t - s).num_seconds()) as f64 / 86_400.0;
                (days, *v)
            })
            .collect();
        Headroom {
            place: place.to_owned(),
            code: quota.code(),
            name: quota.quota_name.clone(),
            quota: quota.value,
            service_quota: limit.points().last().map(|(_, v)| v),
            current: points.last().map(|(_, v)| *v),
            peak: points.iter().map(|(_, v)| *v).reduce(f64::max),
            factor,
            growth_per_day: slope(&recent),
            utilisation,
        }
    }

    /// Current usage as a percentage of the quota.
    pub fn utilisation_now(&self) -> Option<f64> {
        self.current
            .filter(|_| self.quota > 0.0)
            .map(|c| c / self.quota * 100.0)
    }

    /// The peak as a percentage of the quota.
    pub fn peak_utilisation(&self) -> Option<f64> {
        self.peak
            .filter(|_| self.quota > 0.0)
            .map(|p| p / self.quota * 100.0)
    }

    /// What the peak becomes after a failover (peak × factor).
    pub fn failover_peak(&self) -> Option<f64> {
        self.peak.map(|p| p * self.factor)
    }

    /// The quota left after a failover: quota − peak × factor (negative: it does not fit).
    pub fn headroom_after_failover(&self) -> Option<f64> {
        self.failover_peak().map(|p| self.quota - p)
    }

    /// Whether the peak × factor fits under the quota (no usage data: it fits).
    pub fn fits_failover(&self) -> bool {
        self.headroom_after_failover().is_none_or(|h| h >= 0.0)
    }

    /// Days until usage reaches the quota at the recent growth; `None` when usage is not
    /// growing (or unknown), `Some(0.0)` when it is there already.
    pub fn days_to_exhaustion(&self) -> Option<f64> {
        let current = self.current?;
        if current >= self.quota {
            return Some(0.0);
        }
        // Growth within rounding of none is none (a flat series' slope is 1e-17, not 0).
        let growth = self
            .growth_per_day
            .filter(|g| *g > self.quota.abs() * 1e-9)?;
        Some((self.quota - current) / growth)
    }

    /// How close to the limit a failover takes it: peak × factor / quota (what the report
    /// ranks by; no data ranks last).
    pub fn pressure(&self) -> f64 {
        match self.failover_peak() {
            Some(p) if self.quota > 0.0 => p / self.quota,
            Some(p) if p > 0.0 => f64::INFINITY,
            _ => -1.0,
        }
    }
}

/// The applied quota, and `SERVICE_QUOTA()`'s value where it says otherwise.
fn quota_cell(row: &Headroom) -> String {
    let quota = crate::render::number(row.quota);
    match row.service_quota {
        Some(v) if v != row.quota => {
            format!("{quota} (SERVICE_QUOTA {})", crate::render::number(v))
        }
        _ => quota,
    }
}

/// The least-squares slope of `(x, y)` points; `None` with fewer than two distinct x.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Many quotas' headroom across accounts and regions, the closest to its limit first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeadroomReport {
    pub factor: f64,
    pub rows: Vec<Headroom>,
}

impl HeadroomReport {
    /// An empty report for a failover `factor` (2: active-active across two regions).
    pub fn new(factor: f64) -> HeadroomReport {
        HeadroomReport {
            factor,
            rows: Vec::new(),
        }
    }

    /// Adds one quota's headroom, keeping the closest to its limit first.
    pub fn push(&mut self, row: Headroom) {
        self.rows.push(row);
        self.rows
            .sort_by(|a, b| b.pressure().total_cmp(&a.pressure()));
    }

    /// The quotas a failover would exhaust.
    pub fn short(&self) -> Vec<&Headroom> {
        self.rows.iter().filter(|r| !r.fits_failover()).collect()
    }

    /// Shows the table and chart as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }

    fn table(&self) -> Table {
        let heads = [
            "account/region",
            "quota",
            "name",
            "usage",
            "quota value",
            "utilisation",
            "peak",
            "peak ×",
            "headroom after failover",
            "days to exhaustion",
        ];
        let mut table = Table::new(heads);
        let num = |v: Option<f64>| v.map(crate::render::number).unwrap_or_else(|| "–".into());
        let pct = |v: Option<f64>| v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "–".into());
        for r in &self.rows {
            let days = match r.days_to_exhaustion() {
                Some(d) => format!("{d:.0}"),
                None => "not growing".to_owned(),
            };
            let headroom = num(r.headroom_after_failover());
            let headroom = if r.fits_failover() {
                Cell::new(headroom).right()
            } else {
                Cell::bold(format!("{headroom} (short)")).right()
            };
            let line = format!(
                "{:<28} {:<20} usage {:>6} of {:>6} ({:>6}; SERVICE_QUOTA {}) peak {:>6} → {:>6} \
                 headroom {:>6}  days to exhaustion: {days}",
                r.place,
                r.code,
                num(r.current),
                crate::render::number(r.quota),
                pct(r.utilisation_now()),
                num(r.service_quota),
                num(r.peak),
                num(r.failover_peak()),
                num(r.headroom_after_failover())
            );
            table.push(
                Row::new(vec![
                    Cell::new(&r.place).left(),
                    Cell::code(&r.code),
                    Cell::new(&r.name).left(),
                    Cell::new(num(r.current)).right(),
                    Cell::new(quota_cell(r)).right(),
                    Cell::new(pct(r.utilisation_now())).right(),
                    Cell::new(format!("{} ({})", num(r.peak), pct(r.peak_utilisation()))).right(),
                    Cell::new(num(r.failover_peak())).right(),
                    headroom,
                    Cell::new(days).right(),
                ])
                .line(line),
            );
        }
        table
    }
}

impl Render for HeadroomReport {
    fn bundle(&self) -> MimeBundle {
        let short = self.short().len();
        let summary = format!(
            "{} quota(s), closest to the limit first; failover factor {}: {}",
            self.rows.len(),
            self.factor,
            if short == 0 {
                "every peak × factor fits".to_owned()
            } else {
                format!("{short} would be exhausted by a failover")
            }
        );
        let table = self.table();
        let series: Vec<Series> = self.rows.iter().map(|r| r.utilisation.clone()).collect();
        let mut chart = LineChart::new("quota utilisation, closest to the limit first")
            .threshold(100.0, "quota");
        if self.factor > 1.0 {
            chart = chart.threshold(100.0 / self.factor, "failover limit");
        }
        let chart = series.iter().fold(chart, |c, s| c.series(s.clone())).svg();
        let mut text = vec![summary.clone()];
        text.extend(table.lines());
        let html = format!(
            "<div class=\"playbook-headroom\"><p><b>{}</b></p>{}{chart}</div>",
            escape(&summary),
            table.html()
        );
        MimeBundle::text(text.join("\n"))
            .with_html(html)
            .with_svg(chart)
            .with_series(&series)
    }
}

#[cfg(test)]
mod tests;
