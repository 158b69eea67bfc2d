//! Secrets never reach a record: outputs are scanned and masked before the executed
//! notebook is written (AWS access keys, secret-looking `key=value` pairs, bearer tokens,
//! passwords in URLs). The mask says what it replaced, so readers know something was there.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// What replaces a secret.
pub(crate) const MASK: &str = "[masked by playbook]";

struct Rule {
    pattern: Regex,
    /// Replacement, with `$name` groups kept around the mask.
    replacement: String,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rule = |pattern: &str, replacement: String| Rule {
            // The patterns are constants, checked by the tests.
            pattern: Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}")),
            replacement,
        };
        vec![
            rule(
                r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
                MASK.to_owned(),
            ),
            rule(
                r"(?i)\b(?P<scheme>[a-z][a-z0-9+.-]*://[^/\s:@]+):[^@\s/]+@",
                format!("${{scheme}}:{MASK}@"),
            ),
            rule(
                r"(?i)\b(?P<kind>bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*",
                format!("${{kind}} {MASK}"),
            ),
            rule(
                r#"(?i)(?P<key>\b[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)s?[A-Za-z0-9_.-]*)(?P<sep>["']?\s*[=:]\s*)(?:"[^"\n]+"|'[^'\n]+'|[^\s,;&"'})\]<]+)"#,
                format!("${{key}}${{sep}}{MASK}"),
            ),
        ]
    })
}

/// Masks secrets in `text`; returns the new text and how many secrets were masked.
pub(crate) fn redact_text(text: &str) -> (String, usize) {
    let mut current = text.to_owned();
    let mut count = 0;
    for rule in rules() {
        let found = rule.pattern.find_iter(&current).count();
        if found > 0 {
            count += found;
            current = rule
                .pattern
                .replace_all(&current, rule.replacement.as_str())
                .into_owned();
        }
    }
    (current, count)
}

/// Masks secrets in every string of a cell's outputs (streams, MIME data, errors);
/// returns how many were masked.
pub(crate) fn redact_outputs(outputs: &mut [Value]) -> usize {
    outputs.iter_mut().map(redact_value).sum()
}

fn redact_value(value: &mut Value) -> usize {
    match value {
        Value::String(text) => {
            let (masked, count) = redact_text(text);
            if count > 0 {
                *text = masked;
            }
            count
        }
        Value::Array(items) => items.iter_mut().map(redact_value).sum(),
        Value::Object(map) => map.values_mut().map(redact_value).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        redact_text(text).0
    }

    #[test]
    fn aws_access_keys_are_masked() {
        assert_eq!(
            masked("key AKIAIOSFODNN7EXAMPLE used"),
            format!("key {MASK} used")
        );
        assert_eq!(masked("ASIAY34FZKBOKMUTVV7A"), MASK);
        assert_eq!(masked("AKIA-not-a-key"), "AKIA-not-a-key");
    }

    #[test]
    fn secret_assignments_keep_the_key_and_lose_the_value() {
        assert_eq!(masked("password=hunter2 ok"), format!("password={MASK} ok"));
        assert_eq!(
            masked("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            format!("aws_secret_access_key = {MASK}")
        );
        assert_eq!(
            masked(r#"{"api_key": "abc123"}"#),
            format!(r#"{{"api_key": {MASK}}}"#)
        );
        assert_eq!(
            masked("DB_PASSWORD: 's3cr3t'"),
            format!("DB_PASSWORD: {MASK}")
        );
        assert_eq!(
            masked("<td>token=abc</td>"),
            format!("<td>token={MASK}</td>")
        );
    }

    #[test]
    fn bearer_tokens_and_url_passwords_are_masked() {
        assert_eq!(
            masked("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"),
            format!("Authorization: Bearer {MASK}")
        );
        assert_eq!(
            masked("postgres://app:pa55word@db.internal:5432/orders"),
            format!("postgres://app:{MASK}@db.internal:5432/orders")
        );
    }

    #[test]
    fn ordinary_output_is_untouched() {
        for text in [
            "p99 latency 231 ms, 5xx rate 0.4%",
            "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1",
            "tokens processed: 12",
        ] {
            assert_eq!(redact_text(text), (text.to_owned(), 0), "{text}");
        }
    }

    #[test]
    fn outputs_are_walked_and_counted() {
        let mut outputs = vec![serde_json::json!({
            "output_type": "stream", "name": "stdout", "text": "password=x1 and AKIAIOSFODNN7EXAMPLE"
        })];
        assert_eq!(redact_outputs(&mut outputs), 2);
        assert!(!outputs[0]["text"].as_str().unwrap().contains("AKIA"));
    }
}
