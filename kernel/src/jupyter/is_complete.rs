//! `is_complete_request`, really judged: brackets, strings, char literals, comments.

/// The verdict on a piece of code typed so far.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Completeness {
    Complete,
    /// More is needed; the suggested indent for the next line.
    Incomplete(String),
    /// No continuation can make this valid (e.g. an unmatched closing bracket).
    Invalid,
}

/// Judges `code` as a Rust cell.
pub(crate) fn judge(code: &str) -> Completeness {
    let chars: Vec<char> = code.chars().collect();
    let mut stack: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // Comments, strings and char literals are skipped whole; an unterminated one
        // needs more input.
        match skip_literal(&chars, i) {
            Skip::To(end) => {
                i = end;
                continue;
            }
            Skip::Unterminated => return Completeness::Incomplete(String::new()),
            Skip::No => {}
        }
        match chars[i] {
            c @ ('(' | '[' | '{') => stack.push(c),
            c @ (')' | ']' | '}') => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return Completeness::Invalid;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !stack.is_empty() {
        return Completeness::Incomplete("    ".repeat(stack.len()));
    }
    let tail = code.trim_end();
    let dangling = [
        "=", "+", "-", "*", "/", ",", ".", "&&", "||", "=>", "->", "::",
    ];
    if dangling.iter().any(|op| tail.ends_with(op)) && !tail.ends_with("..") {
        return Completeness::Incomplete(String::new());
    }
    Completeness::Complete
}

/// What starts at a position: a comment or literal that ends before `To`, one that never
/// ends, or neither.
enum Skip {
    To(usize),
    Unterminated,
    No,
}

/// Skips the comment, string, raw string or char literal starting at `i`, if any.
fn skip_literal(chars: &[char], i: usize) -> Skip {
    let next = chars.get(i + 1).copied();
    match chars[i] {
        '/' if next == Some('/') => {
            let end = (i..chars.len()).find(|&j| chars[j] == '\n');
            Skip::To(end.unwrap_or(chars.len()))
        }
        '/' if next == Some('*') => skip_block_comment(chars, i + 2),
        'r' if matches!(next, Some('"') | Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) => {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                return Skip::No;
            }
            find_raw_end(chars, j + 1, hashes).map_or(Skip::Unterminated, Skip::To)
        }
        '"' => {
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Skip::Unterminated,
                    Some('\\') => j += 2,
                    Some('"') => return Skip::To(j + 1),
                    Some(_) => j += 1,
                }
            }
        }
        // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a: not skipped).
        '\'' if next == Some('\\') => {
            let end = (i + 2..chars.len()).find(|&j| chars[j] == '\'');
            Skip::To(end.map_or(chars.len(), |j| j + 1))
        }
        '\'' if chars.get(i + 2) == Some(&'\'') => Skip::To(i + 3),
        _ => Skip::No,
    }
}

/// Skips a (nested) block comment whose body starts at `i`.
fn skip_block_comment(chars: &[char], mut i: usize) -> Skip {
    let mut depth = 1;
    while depth > 0 {
        match (chars.get(i), chars.get(i + 1)) {
            (None, _) => return Skip::Unterminated,
            (Some('/'), Some('*')) => {
                depth += 1;
                i += 2;
            }
            (Some('*'), Some('/')) => {
                depth -= 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    Skip::To(i)
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

fn find_raw_end(chars: &[char], mut i: usize, hashes: usize) -> Option<usize> {
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_statements() {
        for code in [
            "let x = 1;",
            "fn f() -> u32 { 1 }",
            "let s = \"a } b\";",
            "let r = r#\"he said \"{\"\"#;",
            "let c = '{';",
            "fn f<'a>(x: &'a str) -> &'a str { x }",
            "// just a comment {",
            "let range = 0..;",
            "",
        ] {
            assert_eq!(judge(code), Completeness::Complete, "{code:?}");
        }
    }

    #[test]
    fn incomplete_code_gets_an_indent() {
        assert_eq!(judge("fn f() {"), Completeness::Incomplete("    ".into()));
        assert_eq!(
            judge("fn f() {\n  if x {"),
            Completeness::Incomplete("        ".into())
        );
        assert_eq!(
            judge("let s = \"abc"),
            Completeness::Incomplete(String::new())
        );
        assert_eq!(judge("/* open"), Completeness::Incomplete(String::new()));
        assert_eq!(judge("let x ="), Completeness::Incomplete(String::new()));
        assert_eq!(judge("vec![1, 2,"), Completeness::Incomplete("    ".into()));
    }

    #[test]
    fn unmatched_closers_are_invalid() {
        assert_eq!(judge("fn f() }"), Completeness::Invalid);
        assert_eq!(judge("(]"), Completeness::Invalid);
        assert_eq!(judge(")"), Completeness::Invalid);
    }
}

#[cfg(test)]
mod fuzz {
    //! Code of every size up to 1 MB, random and deeply nested: judged without panicking.
    use super::judge;
    use playbook_testkit::{Fuzz, lengths};

    const TOKENS: &[&str] = &[
        "fn", "let", "{", "}", "(", ")", "[", "]", "\"", "'", "r#\"", "\"#", "//", "/*", "*/",
        "\\", "'a'", "'\\n'", "b'x'", "=", "+", "=>", "->", "::", ";", "\n", "r\"", "#",
    ];

    #[test]
    fn random_and_deep_code_is_judged_without_panicking() {
        for seed in 0..40u64 {
            let mut fuzz = Fuzz::new(seed);
            for len in lengths(1 << 20) {
                let code = fuzz.tokens(TOKENS, len);
                let outcome = std::panic::catch_unwind(|| judge(&code));
                assert!(outcome.is_ok(), "seed {seed}, len {len}: {code:.200}");
            }
        }
        for len in lengths(1 << 20) {
            let _ = judge(&Fuzz::nest("(", "1", ")", len / 2));
            let _ = judge(&Fuzz::nest("/*", "x", "*/", len / 4));
            let _ = judge(&"{".repeat(len));
            let _ = judge(&format!("r{}\"", "#".repeat(len)));
        }
    }
}
