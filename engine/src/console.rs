//! Deep links into the AWS console for the queries of a record: the same Logs Insights
//! query or metric over the same absolute window, one click from the incident record.
//!
//! The console keeps its state in the URL fragment as JSURL (`~(key~'value)`), whose
//! values are form-encoded with `*` in place of `%`, and the whole fragment once more
//! percent-encoded with `$` in place of `%`.

use playbook::model::time_range::TimeRange;

/// A value as the console's JSURL expects it: form-encoded, `%` written `*`.
fn value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => out.push(byte as char),
            b' ' => out.push('+'),
            other => out.push_str(&format!("*{other:02X}")),
        }
    }
    out
}

/// JSURL punctuation, percent-encoded twice over with `$` for `%`.
const TILDE: &str = "$257E";
const OPEN: &str = "$2528";
const CLOSE: &str = "$2529";
const QUOTE: &str = "$2527";

fn instant(t: chrono::DateTime<chrono::Utc>) -> String {
    value(&t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
}

/// The Logs Insights console with `query` over `groups` in `window` (absolute, UTC).
pub fn logs_insights_url(
    region: &str,
    query: &str,
    groups: &[String],
    window: &TimeRange,
) -> String {
    let mut url = format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:logs-insights$3FqueryDetail$3D{TILDE}{OPEN}"
    );
    let field = |url: &mut String, key: &str, quoted: &str| {
        url.push_str(&format!("{key}{TILDE}{QUOTE}{quoted}{TILDE}"));
    };
    field(&mut url, "end", &instant(window.end));
    field(&mut url, "start", &instant(window.start));
    field(&mut url, "timeType", "ABSOLUTE");
    field(&mut url, "tz", "UTC");
    field(&mut url, "editorString", &value(query));
    url.push_str(&format!("isLiveTail{TILDE}false{TILDE}source{TILDE}{OPEN}"));
    for group in groups {
        url.push_str(&format!("{TILDE}{QUOTE}{}", value(group)));
    }
    url.push_str(&format!("{CLOSE}{CLOSE}"));
    url
}

/// The metrics console graphing one metric (or expression) over `window`.
pub fn metric_url(
    region: &str,
    metric: Option<crate::backend::MetricName<'_>>,
    expression: Option<&str>,
    stat: &str,
    period: u32,
    window: &TimeRange,
) -> String {
    // The metrics console reads a single-encoded fragment: `~(metrics~(~(~'NS~'M~'D~'V))…)`.
    let q = |s: &str| format!("'{}", value(s));
    let metrics = match (metric, expression) {
        (Some((namespace, name, dims)), _) => {
            let mut entry = format!("~{}~{}", q(namespace), q(name));
            for (k, v) in dims {
                entry.push_str(&format!("~{}~{}", q(k), q(v)));
            }
            format!("~({entry})")
        }
        (None, Some(expr)) => format!("~(~(expression~{}~id~'e1))", q(expr)),
        (None, None) => String::new(),
    };
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#metricsV2:graph=~(metrics~({metrics})~view~'timeSeries~stacked~false~region~{}~stat~{}~period~{period}~start~{}~end~{})",
        q(region),
        q(stat),
        q(&window.start.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()),
        q(&window.end.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> TimeRange {
        TimeRange::parse("2026-11-12T13:30:00Z..2026-11-12T15:30:00Z").unwrap()
    }

    #[test]
    fn logs_insights_links_encode_query_groups_and_window() {
        let url = logs_insights_url(
            "eu-west-1",
            "fields @timestamp, @message\n| sort @timestamp desc\n| limit 20",
            &["/aws/cloudtrail".to_owned()],
            &window(),
        );
        assert!(url.starts_with("https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights$3FqueryDetail$3D$257E$2528end$257E$25272026-11-12T15*3A30*3A00.000Z$257E"), "{url}");
        assert!(
            url.contains("start$257E$25272026-11-12T13*3A30*3A00.000Z$257E"),
            "{url}"
        );
        assert!(url.contains("editorString$257E$2527fields+*40timestamp*2C+*40message*0A*7C+sort+*40timestamp+desc*0A*7C+limit+20$257E"), "{url}");
        assert!(
            url.ends_with("source$257E$2528$257E$2527*2Faws*2Fcloudtrail$2529$2529"),
            "{url}"
        );
    }

    #[test]
    fn metric_links_name_the_metric_stat_and_window() {
        let dims = vec![("LoadBalancer".to_owned(), "app/x".to_owned())];
        let url = metric_url(
            "us-east-1",
            Some(("AWS/ApplicationELB", "TargetResponseTime", &dims)),
            None,
            "p99",
            60,
            &window(),
        );
        assert!(url.contains("#metricsV2:graph=~(metrics~(~(~'AWS*2FApplicationELB~'TargetResponseTime~'LoadBalancer~'app*2Fx))"), "{url}");
        assert!(
            url.contains("~stat~'p99~period~60~start~'2026-11-12T13*3A30*3A00.000Z"),
            "{url}"
        );
    }
}
