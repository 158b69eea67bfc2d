//! How a series and its summary show themselves: a summary line, a one-row table and a
//! chart.

use crate::model::series::{Series, Summary};
use crate::render::chart::LineChart;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl Render for Summary {
    fn bundle(&self) -> MimeBundle {
        let unit = self
            .unit
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        let cells = self.cells();
        let text: Vec<String> = cells.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let heads = std::iter::once("series").chain(cells.iter().map(|(k, _)| *k));
        let row = std::iter::once(Cell::new(format!("{}{unit}", self.label)))
            .chain(cells.iter().map(|(_, v)| Cell::new(v)));
        let table = Table::new(heads).row(Row::new(row.collect()));
        MimeBundle::text(format!("{}{unit}: {}", self.label, text.join(", ")))
            .with_html(table.html())
    }
}

impl Render for Series {
    fn bundle(&self) -> MimeBundle {
        // Frontends show one representation, and JupyterLab, nbviewer and GitHub prefer
        // HTML to SVG: the HTML carries the chart too, so it is never hidden.
        let summary = self.summary().bundle();
        let chart = LineChart::new(&self.label).series(self.clone()).svg();
        let html = summary
            .data
            .get("text/html")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let html = format!("{html}{chart}");
        summary
            .with_html(html)
            .with_svg(chart)
            .with_series(std::slice::from_ref(self))
    }
}

impl Series {
    /// Shows the series (summary and chart) as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}
