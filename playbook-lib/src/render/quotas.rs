//! How a source's service quotas show: one row per quota with its value, whether the
//! account has it raised, and the usage metric that measures it.

use crate::model::quotas::ServiceQuotas;
use crate::render::html::escape;
use crate::render::{Cell, MimeBundle, Render, Row, Table};

impl ServiceQuotas {
    /// Shows the table as the cell's result.
    pub fn evcxr_display(&self) {
        self.bundle().evcxr_display();
    }
}

impl Render for ServiceQuotas {
    fn bundle(&self) -> MimeBundle {
        let summary = format!(
            "{} quota(s) of {} ({})",
            self.quotas.len(),
            self.place(),
            self.source
        );
        let mut table = Table::new(["quota", "name", "value", "default", "usage metric"]);
        for q in &self.quotas {
            let value = number(q.value);
            let default = q.default_value.map(number).unwrap_or_default();
            let usage = (q.usage.as_ref())
                .map(|u| {
                    let dims: Vec<String> = u
                        .dimensions
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    format!("{} {} [{}]", u.namespace, u.metric, dims.join(" "))
                })
                .unwrap_or_else(|| "none".to_owned());
            let value_cell = if q.applied {
                Cell::bold(format!("{value} (applied)")).right()
            } else {
                Cell::new(value.clone()).right()
            };
            let line = format!("{:<24} {:>12}  {}", q.code(), value, q.quota_name);
            table.push(
                Row::new(vec![
                    Cell::code(q.code()),
                    Cell::new(&q.quota_name).left(),
                    value_cell,
                    Cell::new(default).right(),
                    Cell::new(usage).left(),
                ])
                .line(line),
            );
        }
        let mut text = vec![summary.clone()];
        text.extend(table.lines());
        text.extend(self.notes.iter().cloned());
        let notes: String = (self.notes.iter())
            .map(|n| format!("<p><small>{}</small></p>", escape(n)))
            .collect();
        let html = format!(
            "<div class=\"playbook-quotas\"><p><b>{}</b></p>{}{notes}</div>",
            escape(&summary),
            table.html()
        );
        MimeBundle::text(text.join("\n")).with_html(html)
    }
}

/// A quota's value as people read it: whole numbers without decimals.
pub(crate) fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quotas::ServiceQuota;

    #[test]
    fn quotas_show_applied_values_and_escape_names() {
        let quotas = ServiceQuotas {
            source: "local:x".into(),
            account: Some("123456789012".into()),
            region: Some("eu-west-1".into()),
            quotas: vec![ServiceQuota {
                service_code: "ec2".into(),
                service_name: None,
                quota_code: "L-1".into(),
                quota_name: "<b>vCPUs</b>".into(),
                value: 640.0,
                default_value: Some(5.0),
                applied: true,
                unit: None,
                adjustable: true,
                global: false,
                usage: None,
            }],
            notes: vec![],
        };
        let bundle = quotas.bundle();
        let html = bundle.data["text/html"].as_str().unwrap();
        assert!(html.contains("640 (applied)") && html.contains("&lt;b&gt;vCPUs"));
        let text = bundle.data["text/plain"].as_str().unwrap();
        assert!(text.contains("123456789012/eu-west-1") && text.contains("ec2/L-1"));
    }
}
