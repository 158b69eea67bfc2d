//! Cells as people read them, for the results of Logs Insights' `pattern` and `diff`:
//! a pattern's variable parts (`<*>`, `<Token-3>`) marked out, a ratio as a percentage,
//! counts aligned right, and the JSON the service returns in some columns (a pattern's
//! `@tokens`, `@visualization`, `@logSamples`) summarised instead of dumped.

use serde_json::Value;

use crate::render::html::escape;

/// The most characters of a summarised JSON value.
const SUMMARY_CHARS: usize = 120;

/// One cell's text and HTML.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Readable {
    pub(crate) text: String,
    pub(crate) html: String,
    /// Numbers are aligned right.
    pub(crate) numeric: bool,
}

/// Whether a table holds `pattern` or `diff` results (a `@pattern` column).
pub(crate) fn is_patterns(columns: &[String]) -> bool {
    columns.iter().any(|c| c == "@pattern")
}

/// The cell `text` of `column` in a pattern table.
pub(crate) fn cell(column: &str, text: &str) -> Readable {
    if column == "@pattern" {
        return Readable {
            text: text.to_owned(),
            html: format!("<code>{}</code>", marked_tokens(text)),
            numeric: false,
        };
    }
    if let Ok(number) = text.trim().parse::<f64>()
        && number.is_finite()
    {
        let shown = if is_ratio(column) && (0.0..=1.0).contains(&number) {
            format!("{:.1}%", number * 100.0)
        } else {
            text.trim().to_owned()
        };
        return Readable {
            html: escape(&shown),
            text: shown,
            numeric: true,
        };
    }
    let trimmed = text.trim_start();
    if (trimmed.starts_with('[') || trimmed.starts_with('{'))
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        let summary = summarise(&value);
        return Readable {
            html: format!("<small>{}</small>", escape(&summary)),
            text: summary,
            numeric: false,
        };
    }
    Readable {
        text: text.to_owned(),
        html: escape(text),
        numeric: false,
    }
}

/// A ratio column: `@ratio`, or a name saying ratio.
fn is_ratio(column: &str) -> bool {
    column.to_ascii_lowercase().contains("ratio")
}

/// The pattern, escaped, with each variable part in bold.
fn marked_tokens(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let token = &rest[start..=start + len];
        let variable = token == "<*>" || token.starts_with("<Token-");
        out.push_str(&escape(&rest[..start]));
        if variable {
            out.push_str(&format!("<b>{}</b>", escape(token)));
        } else {
            out.push_str(&escape(token));
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(&escape(rest));
    out
}

/// A JSON value in a line: a list says how many items it has and shows the first ones,
/// an object its members as `key=value`.
fn summarise(value: &Value) -> String {
    let text = match value {
        Value::Array(items) => {
            let shown: Vec<String> = items.iter().take(5).map(scalar).collect();
            let more = if items.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            format!("{} · {}{more}", plural(items.len()), shown.join(", "))
        }
        other => scalar(other),
    };
    if text.chars().count() > SUMMARY_CHARS {
        let cut: String = text.chars().take(SUMMARY_CHARS - 1).collect();
        return format!("{cut}…");
    }
    text
}

fn plural(n: usize) -> String {
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(members) => {
            let parts: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{k}={}", scalar(v)))
                .collect();
            format!("{{{}}}", parts.join(" "))
        }
        Value::Array(items) => format!("[{}]", plural(items.len())),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_mark_their_variable_parts_and_ratios_read_as_percentages() {
        let p = cell("@pattern", "ERROR <Token-1> timeout after <*> ms <b>");
        assert_eq!(
            p.html,
            "<code>ERROR <b>&lt;Token-1&gt;</b> timeout after <b>&lt;*&gt;</b> ms &lt;b&gt;</code>"
        );
        assert_eq!(cell("@ratio", "0.125").text, "12.5%");
        assert!(cell("@sampleCount", "42").numeric);
        assert_eq!(cell("@sampleCount", "42").text, "42");
        assert_eq!(cell("@severityLabel", "Error").text, "Error");
    }

    #[test]
    fn json_columns_are_summarised_not_dumped() {
        let tokens = r#"[{"dynamicTokenPosition": 1, "tokenString": "<Token-1>", "enumerations": {"10.0.0.1": 3}}]"#;
        let c = cell("@tokens", tokens);
        assert!(
            c.text.starts_with("1 item · {dynamicTokenPosition=1"),
            "{}",
            c.text
        );
        let long = format!("[{}]", vec!["\"x\""; 500].join(","));
        let c = cell("@logSamples", &long);
        assert!(
            c.text.starts_with("500 items · x, x, x, x, x, …"),
            "{}",
            c.text
        );
        assert!(c.text.chars().count() <= SUMMARY_CHARS);
        // Not JSON after all: shown as written.
        assert_eq!(cell("@tokens", "[not json").text, "[not json");
        assert!(is_patterns(&["@pattern".into(), "@ratio".into()]));
    }
}
