//! The waterfall of a trace: one row per span in tree order, its label (service and
//! operation, indented by depth) at the left, a bar from its start to its end on a time
//! axis in milliseconds from the trace's start, its duration beside the bar. Bars take the
//! colour of their service; a failed span is red, outlined, and marked `✕ error` (the
//! marker says it without colour). Plain SVG like the line charts: no script, no external
//! font; each bar's tooltip has the full label, times and status message.

use std::fmt::Write as _;

use super::axis::{format_value, nice_ticks};
use super::overlay::{text_width, truncate};
use crate::model::span::Span;
use crate::model::trace::Trace;
use crate::render::html::escape;

/// Service colours: the line charts' palette without its red, kept for errors.
const SERVICE_PALETTE: [&str; 7] = [
    "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f",
];
const ERROR_FILL: &str = "#d62728";
const ERROR_STROKE: &str = "#7f0000";
const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 300.0;
const PLOT_LEFT: f64 = 310.0;
const PLOT_RIGHT: f64 = WIDTH - 80.0;
const TOP: f64 = 44.0;
const ROW: f64 = 18.0;
const INDENT: f64 = 12.0;
const SIZE: f64 = 11.0;
/// Rows drawn at most (a note says how many more spans the trace has).
const MAX_ROWS: usize = 150;

/// A trace's waterfall chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Waterfall {
    title: String,
    rows: Vec<Row>,
    /// Milliseconds from the trace's start to its end.
    total_ms: f64,
    services: Vec<String>,
    hidden: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    depth: usize,
    label: String,
    service: usize,
    start_ms: f64,
    duration_ms: f64,
    error: bool,
    tooltip: String,
}

impl Waterfall {
    /// The waterfall of `trace`.
    pub fn of(trace: &Trace) -> Waterfall {
        let t0 = trace.start();
        let services: Vec<String> = trace.services().into_iter().map(str::to_owned).collect();
        let ms = |span: &Span| {
            t0.map_or(0.0, |t0| {
                (span.start - t0).num_microseconds().unwrap_or(0) as f64 / 1000.0
            })
        };
        let rows = trace
            .spans
            .iter()
            .zip(&trace.depths)
            .take(MAX_ROWS)
            .map(|(span, &depth)| {
                let mut tooltip = format!(
                    "{} ({}): starts at {:.1} ms, lasts {:.1} ms",
                    span.label(),
                    span.kind,
                    ms(span),
                    span.duration_ms()
                );
                if span.error {
                    tooltip.push_str(" · ERROR");
                    if let Some(message) = &span.status_message {
                        tooltip.push_str(&format!(": {message}"));
                    }
                }
                Row {
                    depth,
                    label: span.label(),
                    service: services
                        .iter()
                        .position(|s| *s == span.service)
                        .unwrap_or(0),
                    start_ms: ms(span),
                    duration_ms: span.duration_ms(),
                    error: span.error,
                    tooltip,
                }
            })
            .collect();
        Waterfall {
            title: trace.summary(),
            rows,
            total_ms: trace.duration_ms(),
            services,
            hidden: trace.spans.len().saturating_sub(MAX_ROWS),
        }
    }

    /// The chart as a standalone SVG document.
    pub fn svg(&self) -> String {
        let (ticks, step) = nice_ticks(0.0, self.total_ms.max(1.0), 5);
        let axis_ms = ticks
            .last()
            .copied()
            .unwrap_or(1.0)
            .max(self.total_ms)
            .max(1.0);
        let x = |ms: f64| PLOT_LEFT + ms / axis_ms * (PLOT_RIGHT - PLOT_LEFT);
        let plot_bottom = TOP + ROW * self.rows.len() as f64;
        let height = plot_bottom + 44.0 + if self.hidden > 0 { ROW } else { 0.0 };
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
             font-family=\"sans-serif\" font-size=\"{SIZE}\">\
             <text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>",
            escape(&truncate(&self.title, WIDTH - 20.0, 13.0).0)
        );
        for tick in ticks.iter().filter(|t| **t <= axis_ms) {
            let tx = x(*tick);
            let _ = write!(
                out,
                "<line x1=\"{tx:.1}\" y1=\"{}\" x2=\"{tx:.1}\" y2=\"{plot_bottom}\" stroke=\"#e0e0e0\"/>\
                 <text x=\"{tx:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{} ms</text>",
                TOP - 4.0,
                TOP - 8.0,
                format_value(*tick, step)
            );
        }
        for (i, row) in self.rows.iter().enumerate() {
            self.draw_row(&mut out, row, TOP + ROW * i as f64, &x);
        }
        self.draw_legend(&mut out, plot_bottom + 20.0);
        if self.hidden > 0 {
            let _ = write!(
                out,
                "<text x=\"10\" y=\"{}\" fill=\"#555\">… {} more spans not drawn</text>",
                plot_bottom + 40.0,
                self.hidden
            );
        }
        out.push_str("</svg>");
        out
    }

    fn draw_row(&self, out: &mut String, row: &Row, top: f64, x: &impl Fn(f64) -> f64) {
        let indent = INDENT * row.depth.min(12) as f64;
        let (label, _) = truncate(&row.label, LABEL_WIDTH - indent - 10.0, SIZE);
        let baseline = top + ROW - 5.0;
        let (x0, x1) = (x(row.start_ms), x(row.start_ms + row.duration_ms));
        let width = (x1 - x0).max(1.5);
        let (fill, stroke) = if row.error {
            (
                ERROR_FILL,
                format!(" stroke=\"{ERROR_STROKE}\" stroke-width=\"1.5\""),
            )
        } else {
            (
                SERVICE_PALETTE[row.service % SERVICE_PALETTE.len()],
                String::new(),
            )
        };
        let weight = if row.error {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<g><title>{}</title><text x=\"{:.1}\" y=\"{baseline}\"{weight}>{}</text>\
             <rect x=\"{x0:.1}\" y=\"{}\" width=\"{width:.1}\" height=\"{}\" fill=\"{fill}\"{stroke}/>",
            escape(&row.tooltip),
            10.0 + indent,
            escape(&label),
            top + 3.0,
            ROW - 6.0
        );
        let mut note = format_ms(row.duration_ms);
        if row.error {
            note.push_str(" ✕ error");
        }
        let fits_right = x0 + width + 4.0 + text_width(&note, SIZE) <= WIDTH - 4.0;
        let (tx, anchor) = if fits_right {
            (x0 + width + 4.0, "start")
        } else {
            (x0 - 4.0, "end")
        };
        let color = if row.error { ERROR_STROKE } else { "#333" };
        let _ = write!(
            out,
            "<text x=\"{tx:.1}\" y=\"{baseline}\" text-anchor=\"{anchor}\" fill=\"{color}\"{weight}>{}</text></g>",
            escape(&note)
        );
    }

    fn draw_legend(&self, out: &mut String, y: f64) {
        let mut lx = 10.0;
        let entries = self
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), SERVICE_PALETTE[i % SERVICE_PALETTE.len()]))
            .chain(
                self.rows
                    .iter()
                    .any(|r| r.error)
                    .then_some(("✕ error", ERROR_FILL)),
            );
        for (label, color) in entries {
            let _ = write!(
                out,
                "<rect x=\"{lx}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\
                 <text x=\"{}\" y=\"{y}\">{}</text>",
                y - 9.0,
                lx + 14.0,
                escape(label)
            );
            lx += 14.0 + text_width(label, SIZE) + 16.0;
        }
    }
}

/// `6870 ms`, `94.3 ms`, `0.42 ms`.
fn format_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

impl crate::render::Render for Waterfall {
    fn bundle(&self) -> crate::render::MimeBundle {
        crate::render::MimeBundle::text(format!("waterfall: {}", self.title)).with_svg(self.svg())
    }
}

impl Waterfall {
    /// Shows the chart as the cell's result.
    pub fn evcxr_display(&self) {
        crate::render::Render::bundle(self).evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use crate::model::trace::tests::slow_checkout;

    #[test]
    fn one_bar_per_span_labelled_and_errors_marked_not_only_coloured() {
        let trace = slow_checkout();
        let svg = trace.waterfall().svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect").count(),
            5 + 2,
            "a bar per span, two legend swatches"
        );
        for label in [
            "checkout POST /api/checkout",
            "checkout UPDATE orders",
            "checkout lock wait",
        ] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}: {svg}");
        }
        assert!(
            svg.contains(">6870 ms</text>") && svg.contains(">94.0 ms</text>"),
            "{svg}"
        );
        // The failed span: red, outlined, bold, and marked in words.
        assert_eq!(
            svg.matches("fill=\"#d62728\" stroke=\"#7f0000\"").count(),
            1
        );
        assert!(svg.contains(">2.0 ms ✕ error</text>"), "{svg}");
        assert!(svg.contains("· ERROR: timeout</title>"), "{svg}");
        // Depth shows as indentation, the tree order as rows top to bottom.
        let row = |name: &str| svg.find(&format!(">checkout {name}</text>")).unwrap_or(0);
        assert!(
            row("POST /api/checkout") < row("pool.acquire")
                && row("UPDATE orders") < row("lock wait")
        );
        assert!(
            svg.contains("<text x=\"34.0\" y=\""),
            "lock wait indented two levels: {svg}"
        );
        // The axis covers the trace.
        assert!(
            svg.contains(">8000 ms</text>") || svg.contains(">7400 ms</text>"),
            "{svg}"
        );
        xml_well_formed(&svg);
    }

    #[test]
    fn long_labels_are_shortened_and_big_traces_capped() {
        let mut trace = slow_checkout();
        trace.spans[0].name = "x".repeat(400);
        let many: Vec<_> = (0..200).map(|_| trace.spans[1].clone()).collect();
        trace.spans.extend(many);
        trace.depths.extend([1; 200]);
        let svg = trace.waterfall().svg();
        // Shortened where it is shown; whole in the bar's tooltip.
        let shown = svg.split(">checkout xxx").nth(2).unwrap_or_default();
        let shown = &shown[..shown.find("</text>").unwrap_or(0)];
        assert!(shown.ends_with("x…") && shown.len() < 60, "{shown}");
        assert!(svg.contains(&format!("<title>checkout {}", "x".repeat(400))));
        assert!(
            svg.contains("… 55 more spans not drawn"),
            "{}",
            &svg[svg.len() - 300..]
        );
    }

    /// Tags balance (no XML parser in the crate: a small check of open and close tags).
    fn xml_well_formed(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        for part in svg.split('<').skip(1) {
            let tag = part.split(['>', ' ']).next().unwrap_or_default();
            if let Some(closing) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(closing), "{svg}");
            } else if !part.split('>').next().unwrap_or_default().ends_with('/') {
                open.push(tag);
            }
        }
        assert!(open.is_empty(), "{open:?}");
    }
}
