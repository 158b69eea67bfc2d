//! Fuzzing CloudWatch filter patterns (`%%events --pattern`, `filter_log_events`) with
//! structured, length-scaled inputs: terms, quotes, alternatives, exclusions and JSON
//! patterns in random order, up to 64 KiB (CloudWatch takes at most 1,024 characters),
//! plus long chains and deep nests. Parsing and matching may refuse, never panic.

use playbook_testkit::{Fuzz, lengths};

use super::filter_pattern::FilterPattern;

const TOKENS: &[&str] = &[
    "ERROR",
    "?ERROR",
    "?WARN",
    "-DEBUG",
    "\"a phrase\"",
    "{",
    "}",
    "$.level",
    "$.a.b[0]",
    "$.n",
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "&&",
    "||",
    "(",
    ")",
    "\"x\"",
    "*",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "NOT",
    "EXISTS",
    "[",
    "]",
    "w1",
    "%regex%",
    "...",
    ",",
];

const MESSAGES: &[&str] = &[
    r#"{"level":"ERROR","n":5,"a":{"b":[1,2]}}"#,
    "plain text ERROR line",
    "",
    "{not json",
];

const MAX_PATTERN: usize = 64 << 10;

fn exercise(pattern: &str) {
    if let Ok(parsed) = FilterPattern::parse(pattern) {
        for message in MESSAGES {
            let _ = parsed.matches(message);
        }
    }
}

#[test]
fn random_filter_patterns_of_every_size_neither_panic_nor_overflow() {
    for seed in 0..60u64 {
        let mut fuzz = Fuzz::new(seed);
        for len in lengths(MAX_PATTERN) {
            let pattern = fuzz.tokens(TOKENS, len);
            let outcome = std::panic::catch_unwind(|| exercise(&pattern));
            assert!(outcome.is_ok(), "seed {seed}, len {len}: {pattern:.200}");
        }
    }
}

#[test]
fn long_and_deep_filter_patterns_are_refused_or_run() {
    for len in lengths(MAX_PATTERN) {
        exercise(&format!("{{ {} }}", Fuzz::chain("$.n = 1", " || ", len)));
        exercise(&format!(
            "{{ {} }}",
            Fuzz::chain("$.level = \"E\"", " && ", len)
        ));
        exercise(&format!(
            "{{ {} }}",
            Fuzz::nest("(", "$.n = 1", ")", len / 2)
        ));
        exercise(&Fuzz::chain("?ERROR", " ", len));
        exercise(&format!("{{ $.{} = 1 }}", Fuzz::chain("a", ".", len)));
    }
}
