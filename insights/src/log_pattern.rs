//! The pattern of a log message, the one tokenizer both `pattern` (Logs Insights'
//! clustering, `clusters.rs`) and the local source's log anomalies use, so the two
//! cluster the same logs the same way.
//!
//! A word is a run of letters, digits and `_`; a word holding a digit (a number, an id,
//! a timestamp's part) becomes `<*>`, and variable words joined by `-`, `:`, `.` or `/`
//! (`2026-11-12T14:05:00`, `10.0.0.12:443`) become one `<*>`. Only the first
//! [`MAX_CHARS`] characters count: a pattern is a cluster's key, not the message.

/// The characters of a message its pattern is made from.
pub const MAX_CHARS: usize = 2_000;

/// The pattern of `message`: variable words as `<*>`, runs of them as one.
pub fn pattern_of(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_CHARS * 4));
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        if word.bytes().any(|b| b.is_ascii_digit()) {
            // `<*>` then a separator then `<*>` again: one variable part.
            let joined = ["-", ":", ".", "/"]
                .iter()
                .find_map(|sep| out.strip_suffix(&format!("<*>{sep}")).map(str::len));
            match joined {
                Some(len) => out.truncate(len + 3),
                None => out.push_str("<*>"),
            }
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars().take(MAX_CHARS) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Severities by the word that gives them away (checked in a pattern's order).
const SEVERITIES: [(&[&str], &str); 5] = [
    (
        &["fatal", "critical", "crit", "emerg", "emergency", "alert"],
        "Fatal",
    ),
    (&["error", "err", "severe"], "Error"),
    (&["warn", "warning"], "Warning"),
    (&["info", "notice"], "Info"),
    (&["debug", "trace"], "Debug"),
];

/// The severity a pattern's words give away (a level, or an error or exception class
/// such as `TimeoutError`), `Unknown` when none does.
pub fn severity_of(pattern: &str) -> &'static str {
    let words = pattern
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_ascii_lowercase);
    for word in words {
        if let Some((_, label)) = SEVERITIES.iter().find(|(w, _)| w.contains(&word.as_str())) {
            return label;
        }
        if word.ends_with("error") || word.ends_with("exception") {
            return "Error";
        }
    }
    "Unknown"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_words_become_one_placeholder() {
        assert_eq!(
            pattern_of("2026-11-12T14:05:00.123Z ERROR TimeoutError after 5000 ms (pool web-1a2b)"),
            "<*> ERROR TimeoutError after <*> ms (pool web-<*>)"
        );
        assert_eq!(
            pattern_of(r#"{"level":"INFO","status":200}"#),
            r#"{"level":"INFO","status":<*>}"#
        );
        assert_eq!(pattern_of(""), "");
    }

    #[test]
    fn long_odd_and_multibyte_messages_never_panic_and_stay_bounded() {
        for message in [
            "é1-".repeat(10_000),
            "<*>-".repeat(5_000),
            "\u{0}9 ".repeat(3_000),
        ] {
            let pattern = pattern_of(&message);
            // At most `<*>` for each character read.
            assert!(
                pattern.chars().count() <= 3 * MAX_CHARS,
                "{}",
                pattern.len()
            );
        }
    }
}
