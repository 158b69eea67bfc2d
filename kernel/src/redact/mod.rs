//! Secrets never reach a shared record, report, summary, notification or log: everything
//! written for one passes through a [`Redactor`], which masks
//! - **known values**, exactly, wherever they appear: the credentials the engine resolved
//!   (access key, secret key, session token, also from profiles, SSO or an assumed role)
//!   and the values of environment variables whose names look secret (`known.rs`);
//! - **patterns**: the rules gitleaks ships (`gitleaks.rs`, with their provenance in
//!   `README.md`), and ours for what gitleaks leaves alone (`patterns.rs`): `key=value`
//!   pairs, passwords in URLs, `Bearer` tokens, AWS access key ids, a bare AWS secret key
//!   near AWS context.
//!
//! Masking is idempotent: text that already holds a mask is left as it is.
//!
//! What passed the redactor is a [`Redacted<T>`] (`redacted.rs`), which only this module
//! constructs: the record writer, notifications and log lines take nothing else.

mod gitleaks;
mod known;
mod patterns;
mod process;
mod redacted;

use std::ops::Range;

use serde_json::Value;

pub(crate) use known::{looks_secret, secret_environment};
pub(crate) use process::{RECORD_MODE, SUMMARY_MODE, protect_process};
pub(crate) use redacted::{Piece, Redacted, only_positional, redacted_format};

/// What replaces a secret.
pub(crate) const MASK: &str = "[masked by playbook]";

/// Masks secrets in text and JSON.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// Known secret values, longest first (so a value containing another is masked whole).
    known: Vec<String>,
}

impl Redactor {
    /// A redactor for the known secret values of this process's environment.
    pub(crate) fn from_env() -> Redactor {
        let mut redactor = Redactor::default();
        redactor.learn(secret_environment());
        redactor
    }

    /// Adds known secret values (too short ones are ignored: masking `1` would garble
    /// everything; patterns still catch them in context).
    pub(crate) fn learn(&mut self, values: impl IntoIterator<Item = String>) {
        for value in values {
            if value.chars().count() >= known::MIN_LENGTH && !self.known.contains(&value) {
                self.known.push(value);
            }
        }
        self.known.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// `text` with every secret masked.
    pub(crate) fn text(&self, text: &str) -> Redacted<String> {
        Redacted::new(self.redact_text(text).0)
    }

    /// A name (of a file, a notebook, a target) with the known secret values masked (see
    /// [`Redactor::mask_known`]).
    pub(crate) fn name(&self, name: &str) -> Redacted<String> {
        Redacted::new(self.mask_known(name))
    }

    /// A serialisable record as JSON with every string (keys too) masked.
    pub(crate) fn json(&self, record: &impl serde::Serialize) -> Redacted<Value> {
        let mut value = serde_json::to_value(record).unwrap_or_default();
        self.redact_value(&mut value);
        Redacted::new(value)
    }

    /// `text` with every secret masked, and how many were.
    pub(crate) fn redact_text(&self, text: &str) -> (String, usize) {
        let ranges = self.secrets(text);
        if ranges.is_empty() {
            return (text.to_owned(), 0);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for range in &ranges {
            out.push_str(&text[at..range.start]);
            out.push_str(MASK);
            at = range.end;
        }
        out.push_str(&text[at..]);
        (out, ranges.len())
    }

    /// `name` (of a file, a notebook, a target) with only the known secret values masked:
    /// a name is not a secret, so the patterns (`token-rotation: …` looks like a
    /// `key: value` pair) do not apply, but a secret value inside it still is one.
    pub(crate) fn mask_known(&self, name: &str) -> String {
        let mut out = name.to_owned();
        for value in &self.known {
            out = out.replace(value.as_str(), MASK);
        }
        out
    }

    /// Masks secrets in every string of `value` (keys too); returns how many were masked.
    pub(crate) fn redact_value(&self, value: &mut Value) -> usize {
        match value {
            Value::String(text) => {
                let (masked, count) = self.redact_text(text);
                if count > 0 {
                    *text = masked;
                }
                count
            }
            Value::Array(items) => items.iter_mut().map(|v| self.redact_value(v)).sum(),
            Value::Object(map) => {
                let mut count = 0;
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let (masked, in_key) = self.redact_text(&key);
                    if in_key > 0
                        && let Some(v) = map.remove(&key)
                    {
                        map.insert(masked.clone(), v);
                    }
                    count += in_key;
                    if let Some(v) = map.get_mut(if in_key > 0 { &masked } else { &key }) {
                        count += self.redact_value(v);
                    }
                }
                count
            }
            _ => 0,
        }
    }

    /// The byte ranges to mask in `text`: sorted, merged, and none inside a mask already
    /// there.
    fn secrets(&self, text: &str) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        for value in &self.known {
            ranges.extend(
                text.match_indices(value.as_str())
                    .map(|(at, v)| at..at + v.len()),
            );
        }
        ranges.extend(patterns::secrets(text));
        ranges.extend(gitleaks::Gitleaks::get().secrets(text));
        let masks: Vec<Range<usize>> = text
            .match_indices(MASK)
            .map(|(at, m)| at..at + m.len())
            .collect();
        ranges
            .retain(|r| !r.is_empty() && !masks.iter().any(|m| r.start < m.end && m.start < r.end));
        merge(ranges)
    }
}

/// Sorts ranges and merges those that overlap or touch.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        Redactor::default().redact_text(text).0
    }

    #[test]
    fn the_no_region_error_is_not_a_secret() {
        let text = "CredentialsError: no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1) \
                    or a region in your AWS profile (AWS_PROFILE), or use a local source \
                    (PLAYBOOK_SOURCE=local:DIR)";
        assert_eq!(masked(text), text);
    }

    #[test]
    fn known_values_are_masked_exactly_wherever_they_appear() {
        let mut redactor = Redactor::default();
        redactor.learn([
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzKEY".to_owned(),
            "1".to_owned(),
        ]);
        let (text, count) = redactor.redact_text(
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzKEY\0HOME=/root and again wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzKEY",
        );
        assert_eq!(count, 2, "{text}");
        assert!(!text.contains("zq8Xv2"), "{text}");
        assert!(
            text.contains("HOME=/root"),
            "short values are not known secrets: {text}"
        );
    }

    #[test]
    fn masking_twice_changes_nothing() {
        for text in [
            "password=hunter2 ok",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
            "postgres://app:pa55word@db.internal:5432/orders",
            "token: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
        ] {
            let once = masked(text);
            assert!(once.contains(MASK), "{text} → {once}");
            assert_eq!(masked(&once), once, "{text}");
            assert!(!once.contains("by playbook] by playbook]"), "{once}");
        }
    }

    #[test]
    fn json_keys_and_values_are_walked_and_counted() {
        let mut value = serde_json::json!({
            "outputs": [{"text": "password=x1y2z3 and AKIAIOSFODNN7EXAMPLE"}],
            "checks": [{"name": "token=abcdef123456"}],
        });
        assert_eq!(Redactor::default().redact_value(&mut value), 3);
        let text = value.to_string();
        assert!(
            !text.contains("x1y2z3") && !text.contains("AKIA") && !text.contains("abcdef123456")
        );
    }

    #[test]
    fn ranges_merge_when_they_overlap_or_touch() {
        assert_eq!(merge(vec![5..9, 0..3, 2..4, 9..10]), vec![0..4, 5..10]);
    }
}
