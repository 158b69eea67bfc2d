//! How probe results show: one row per probe with its outcome, status, the timing
//! breakdown, size and certificate, as text and as an HTML table.

use crate::model::probe::{ProbeReport, ProbeResult};
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

const COLUMNS: [&str; 11] = [
    "probe",
    "ok",
    "status",
    "dns",
    "connect",
    "tls",
    "first byte",
    "download",
    "total",
    "bytes",
    "certificate",
];

fn ms(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.0} ms")).unwrap_or_default()
}

fn row(result: &ProbeResult) -> Vec<String> {
    let t = &result.timings;
    vec![
        result.name.clone(),
        if result.ok {
            "✓".into()
        } else {
            format!("✗ {}", result.outcome())
        },
        result.status.map(|s| s.to_string()).unwrap_or_default(),
        ms(t.dns_ms),
        ms(t.connect_ms),
        ms(t.tls_ms),
        ms(t.first_byte_ms),
        ms(t.download_ms),
        ms(Some(t.total_ms)),
        if result.status.is_some() {
            result.bytes.to_string()
        } else {
            String::new()
        },
        result
            .certificate
            .as_ref()
            .map(|c| format!("{:.1} days left", c.days_left))
            .unwrap_or_default(),
    ]
}

fn summary(report: &ProbeReport) -> String {
    let ok = report.results.iter().filter(|r| r.ok).count();
    let mut text = format!(
        "{ok}/{} probes ok (availability {:.1}%)",
        report.results.len(),
        report.availability() * 100.0
    );
    if let Some(max) = report.max_latency_ms() {
        text.push_str(&format!(", slowest {max:.0} ms"));
    }
    text
}

impl Render for ProbeReport {
    fn bundle(&self) -> MimeBundle {
        let mut table = Table::new(COLUMNS).sectioned();
        for result in &self.results {
            let cells = (row(result).into_iter().enumerate()).map(|(i, c)| {
                if i < 2 {
                    Cell::new(c).left()
                } else {
                    Cell::new(c).right()
                }
            });
            let row = Row::new(cells.collect());
            table.push(if result.ok {
                row
            } else {
                row.style("color:#b42318")
            });
        }
        let mut text = table.aligned_text(usize::MAX);
        text.push(summary(self));
        let html = format!(
            "<div class=\"playbook-probes\">{}<p><small>{}</small></p></div>",
            table.html(),
            escape(&summary(self))
        );
        MimeBundle::text(text.join("\n")).with_html(html)
    }
}

impl ProbeReport {
    /// Shows the table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl ProbeResult {
    /// Shows the one-row table as the cell's result.
    pub fn evcxr_display(&self) {
        ProbeReport {
            results: vec![self.clone()],
        }
        .bundle()
        .evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::{Certificate, ProbeFailure, ProbeStage, ProbeTimings};

    fn result(ok: bool) -> ProbeResult {
        ProbeResult {
            name: "GET http://127.0.0.1:1/health?token=…".into(),
            method: "GET".into(),
            url: "http://127.0.0.1:1/health?token=…".into(),
            started_at: chrono::Utc::now(),
            ok,
            status: ok.then_some(200),
            bytes: if ok { 2 } else { 0 },
            timings: ProbeTimings {
                dns_ms: Some(0.2),
                connect_ms: Some(1.0),
                tls_ms: Some(4.0),
                first_byte_ms: ok.then_some(35.0),
                download_ms: ok.then_some(0.4),
                total_ms: if ok { 41.0 } else { 2000.0 },
            },
            certificate: Some(Certificate {
                not_after: chrono::Utc::now(),
                days_left: 4.9,
            }),
            failure: (!ok).then(|| ProbeFailure {
                stage: ProbeStage::Response,
                timed_out: true,
                message: "no answer within 2 s".into(),
            }),
        }
    }

    #[test]
    fn a_report_shows_every_stage_and_the_availability() {
        let report = ProbeReport {
            results: vec![result(true), result(false)],
        };
        let bundle = report.bundle();
        let text = bundle.data["text/plain"].as_str().unwrap();
        assert!(text.contains("first byte"), "{text}");
        assert!(
            text.contains("timed out at first byte after 2000 ms"),
            "{text}"
        );
        assert!(
            text.contains("1/2 probes ok (availability 50.0%), slowest 41 ms"),
            "{text}"
        );
        assert!(text.contains("4.9 days left"), "{text}");
        let html = bundle.data["text/html"].as_str().unwrap();
        assert_eq!(html.matches("<tr").count(), 3, "{html}");
        assert_eq!(report.min_certificate_days(), Some(4.9));
    }
}
