//! How baseline results show themselves: the candidate ranking as a table, the excursions
//! as lines, and a band drawn under its series with each excursion's peak marked.

use super::{Band, Excursion, Ranking, deviations};
use crate::model::series::Series;
use crate::render::chart::LineChart;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl Render for Ranking {
    fn bundle(&self) -> MimeBundle {
        let mut table = Table::new(["#", "candidate", "r", "lead (+) / lag (−)"]);
        for (i, l) in self.ranked.iter().enumerate() {
            let line = format!(
                "{}. {} r = {:.2}, lag {} s",
                i + 1,
                l.candidate,
                l.r,
                l.lag_seconds
            );
            table.push(
                Row::new(vec![
                    Cell::new((i + 1).to_string()),
                    Cell::new(&l.candidate),
                    Cell::new(format!("{:.2}", l.r)),
                    Cell::new(format!("{} s", l.lag_seconds)),
                ])
                .line(line),
            );
        }
        MimeBundle::text(table.lines().join("\n")).with_html(table.html())
    }
}

impl Ranking {
    /// Shows the ranking as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Band {
    /// The band's bounds as series (for charts and arithmetic).
    pub fn bounds(&self) -> (Series, Series) {
        let make = |label: &str, values: &[Option<f64>]| {
            let points = self.timestamps.iter().copied().zip(values.iter().copied());
            Series::from_points(label, None, points)
        };
        (make("lower", &self.lower), make("upper", &self.upper))
    }

    /// A chart of `series` over this band, with its excursions marked.
    pub fn chart(&self, series: &Series) -> LineChart {
        let (lower, upper) = self.bounds();
        let mut chart = LineChart::new(&series.label)
            .band(&self.label, &lower, &upper)
            .series(series.clone());
        for e in deviations(series, self) {
            let label = match e.times_normal {
                Some(x) => format!("{:.1}× normal, z {:.1}", x, e.z),
                None => format!("z {:.1}", e.z),
            };
            chart = chart.mark(e.peak_at, e.peak, &label);
        }
        chart
    }
}

impl Render for Vec<Excursion> {
    fn bundle(&self) -> MimeBundle {
        if self.is_empty() {
            return MimeBundle::text("no excursions: the series stays inside its normal range");
        }
        let lines: Vec<String> = self
            .iter()
            .map(|e| {
                let times = e
                    .times_normal
                    .map(|x| format!("{x:.1}× normal, "))
                    .unwrap_or_default();
                format!(
                    "{} {} .. {} ({} points): peak {:.4} at {} ({times}z {:.1})",
                    e.direction,
                    crate::model::time_range::rfc3339(e.start),
                    crate::model::time_range::rfc3339(e.end),
                    e.points,
                    e.peak,
                    crate::model::time_range::rfc3339(e.peak_at),
                    e.z
                )
            })
            .collect();
        MimeBundle::text(lines.join("\n"))
    }
}
