//! Our own secret patterns, for what the gitleaks rules leave alone: secret-looking
//! `key=value` pairs (`password=…`, `"api_key": "…"`), passwords in URLs, `Bearer`/`Basic`
//! credentials, AWS access key ids (also the documentation's `…EXAMPLE` ones gitleaks
//! allows), and a bare 40-character AWS secret access key when AWS context is near it.
//! Each gives the byte range of the secret only, so the key or the scheme stays readable.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::MASK;

/// A pattern and the capture group that holds the secret (0: the whole match).
struct Pattern {
    regex: Regex,
    group: usize,
    /// The group holding a `key=value` pair's key, when an error type's name
    /// (`CredentialsError: no AWS region`) is not a key.
    key: Option<usize>,
}

fn patterns() -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let pattern = |regex: &str, group| Pattern {
            // Constants, compiled by the tests.
            regex: Regex::new(regex).unwrap_or_else(|e| panic!("bad pattern {regex}: {e}")),
            group,
            key: None,
        };
        vec![
            pattern(
                r"(?-u:\b)(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?-u:\b)",
                0,
            ),
            pattern(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@", 1),
            pattern(r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9\-._~+/]{8,}=*)", 1),
            Pattern {
                key: Some(1),
                ..pattern(
                    r#"(?i)\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)s?[A-Za-z0-9_.-]*)["']?\s*[=:]\s*("[^"\n]+"|'[^'\n]+'|[^\s\x00,;&"'})\]<]+)"#,
                    2,
                )
            },
        ]
    })
}

/// `CredentialsError`, `ExpiredTokenException`: the name of an error, whose message
/// follows its colon.
fn is_error_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with("error") || key.ends_with("exception")
}

/// `let token: String = …`, `fn login(password: String)`: in code, what follows a
/// secret-looking name's colon is its type, not its value. A type of the standard
/// library or the prelude is never taken for a secret (masking it breaks the code
/// and hides nothing).
fn is_rust_type(value: &str) -> bool {
    const TYPES: &[&str] = &[
        "String",
        "str",
        "bool",
        "char",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "f32",
        "f64",
        "Vec",
        "Option",
        "Result",
        "Box",
        "Arc",
        "Rc",
        "Cow",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "BTreeSet",
        "DateTime",
        "Duration",
        "TimeDelta",
        "Value",
        "Secret",
        "SecretString",
        "impl",
        "dyn",
        "mut",
    ];
    let value = value.trim_end_matches(['=', ' ']);
    let last = value.rsplit("::").next().unwrap_or(value);
    TYPES.contains(&last)
}

/// `token-rotation.ipynb: FAILED`: a file's name before a colon is a name, not a key,
/// and names of files, notebooks and targets are not secrets.
fn is_file_name(key: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "ipynb", "json", "jsonl", "yaml", "yml", "html", "htm", "md", "txt", "csv", "log", "py",
        "rs", "sh", "toml",
    ];
    key.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// `token-rotation: failed`: a run's or a check's status after a name is never a secret.
fn is_status(value: &str) -> bool {
    const STATUSES: &[&str] = &[
        "ok",
        "failed",
        "passed",
        "pass",
        "fail",
        "warn",
        "interrupted",
        "running",
        "check",
        "check_failed",
        "error",
        "skipped",
        "aborted",
        "done",
        "stopped",
    ];
    STATUSES.contains(&value.to_ascii_lowercase().as_str())
}

/// A 40-character token of the AWS secret key alphabet.
fn bare_secret_key() -> &'static Regex {
    static REGEX: OnceLock<Regex> = OnceLock::new();
    REGEX.get_or_init(|| {
        Regex::new(r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])")
            .unwrap_or_else(|e| panic!("bad pattern: {e}"))
    })
}

/// How close (in bytes) AWS context must be for a bare 40-character token to be taken
/// for a secret access key.
const AWS_CONTEXT: usize = 200;

/// The byte ranges of the secrets our patterns find in `text`.
pub(super) fn secrets(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    for pattern in patterns() {
        for captures in pattern.regex.captures_iter(text) {
            let key = pattern.key.and_then(|k| captures.get(k));
            if key.is_some_and(|k| is_error_name(k.as_str())) {
                continue;
            }
            if key.is_some_and(|k| is_file_name(k.as_str()))
                || key.is_some()
                    && captures
                        .get(pattern.group)
                        .is_some_and(|v| is_rust_type(v.as_str()) || is_status(v.as_str()))
            {
                continue;
            }
            if let Some(secret) = captures.get(pattern.group)
                && !text[secret.start()..]
                    .trim_start_matches(['"', '\''])
                    .starts_with(MASK)
            {
                ranges.push(secret.range());
            }
        }
    }
    ranges.extend(bare_secret_keys(text));
    ranges
}

/// 40-character tokens that look like an AWS secret access key (letters of both cases and a
/// digit, or a `/` or `+`) with an access key id or the word "aws" within [`AWS_CONTEXT`].
fn bare_secret_keys(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    for captures in bare_secret_key().captures_iter(text) {
        let Some(token) = captures.get(1) else {
            continue;
        };
        let t = token.as_str();
        let mixed = t.bytes().any(|b| b.is_ascii_uppercase())
            && t.bytes().any(|b| b.is_ascii_lowercase())
            && t.bytes()
                .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+');
        if !mixed {
            continue;
        }
        let near = floor(text, token.start().saturating_sub(AWS_CONTEXT))
            ..ceil(text, (token.end() + AWS_CONTEXT).min(text.len()));
        let around = &text[near];
        let context =
            around.to_ascii_lowercase().contains("aws") || patterns()[0].regex.is_match(around);
        if context {
            found.push(token.range());
        }
    }
    found
}

fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> Vec<&str> {
        secrets(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn each_pattern_finds_its_secret_and_leaves_ordinary_text() {
        assert_eq!(
            masked("key AKIAIOSFODNN7EXAMPLE used"),
            ["AKIAIOSFODNN7EXAMPLE"]
        );
        assert!(masked("AKIA-not-a-key").is_empty());
        assert_eq!(masked("postgres://app:pa55word@db:5432/x"), ["pa55word"]);
        assert!(masked("https://console.aws.amazon.com/cloudwatch/home").is_empty());
        assert_eq!(
            masked("Authorization: Bearer eyJhbGciOi.payload.sig"),
            ["eyJhbGciOi.payload.sig"]
        );
        assert!(masked("a bearer of bad news").is_empty());
        assert_eq!(masked("password=hunter2 ok"), ["hunter2"]);
        assert_eq!(masked(r#"{"api_key": "abc123"}"#), [r#""abc123""#]);
        assert_eq!(masked("DB_PASSWORD: 's3cr3t'"), ["'s3cr3t'"]);
        assert_eq!(
            masked("TOKEN=abc123def\0HOME=/root"),
            ["abc123def"],
            "environ is NUL-separated"
        );
        assert!(masked("tokens processed: 12, p99 latency 231 ms").is_empty());
    }

    #[test]
    fn a_bare_secret_key_is_masked_only_near_aws_context() {
        let key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_eq!(key.len(), 40);
        assert_eq!(masked(&format!("aws pair {key}")), [key]);
        assert_eq!(masked(&format!("AKIAIOSFODNN7EXAMPLE {key}"))[1], key);
        assert!(masked(&format!("sha: {key}")).is_empty(), "no AWS context");
        let hex = "0123456789abcdef0123456789abcdef01234567";
        assert!(
            masked(&format!("aws commit {hex}")).is_empty(),
            "one case only"
        );
    }

    #[test]
    fn a_secret_named_bindings_type_is_not_masked() {
        // `let db_password: [masked by playbook] = …` no longer compiled.
        assert!(
            masked("let db_password: String = playbook::parameter(\"db_password\")?;").is_empty()
        );
        assert!(masked("let token: String = x;").is_empty());
        assert!(masked("fn login(api_key: std::string::String, token: &str)").is_empty());
        assert!(masked("let secrets: Vec<String> = vec![];").is_empty());
        assert_eq!(
            masked("token: tok_8c1f2e"),
            ["tok_8c1f2e"],
            "a value still is"
        );
    }

    #[test]
    fn a_notebook_or_target_named_like_a_secret_is_not_masked() {
        // `token-rotation.ipynb` was reported as `[masked by playbook] FAILED`.
        assert!(masked("[playbook] token-rotation.ipynb: FAILED").is_empty());
        assert!(masked("token-rotation: failed (exit 1)").is_empty());
        assert!(masked("[playbook] api-key-expiry: CHECK_FAILED").is_empty());
        assert!(masked("[playbook] token-rotation: CHECK FAILED").is_empty());
        assert!(masked("notebooks/secret-scan.ipynb: ok").is_empty());
        assert_eq!(masked("token: failed-but-3cr3t"), ["failed-but-3cr3t"]);
    }

    #[test]
    fn an_existing_mask_is_not_masked_again() {
        assert!(masked(&format!("password={MASK} done")).is_empty());
        assert!(masked(&format!("password=\"{MASK}\"")).is_empty());
    }
}
