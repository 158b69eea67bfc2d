//! `is_complete_request`, really judged: brackets, strings, char literals, comments.

/// The verdict on a piece of code typed so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// More is needed; the suggested indent for the next line.
    Incomplete(String),
    /// No continuation can make this valid (e.g. an unmatched closing bracket).
    Invalid,
}

/// Judges `code` as a Rust cell.
pub fn judge(code: &str) -> Completeness {
    let chars: Vec<char> = code.chars().collect();
    let mut stack: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                let mut depth = 1;
                i += 2;
                while depth > 0 {
                    match (chars.get(i), chars.get(i + 1)) {
                        (None, _) => return Completeness::Incomplete(String::new()),
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
                continue;
            }
            'r' if matches!(next, Some('"') | Some('#'))
                && !is_ident(chars.get(i.wrapping_sub(1))) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) == Some(&'"') {
                    match find_raw_end(&chars, j + 1, hashes) {
                        Some(end) => {
                            i = end;
                            continue;
                        }
                        None => return Completeness::Incomplete(String::new()),
                    }
                }
            }
            '"' => {
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => return Completeness::Incomplete(String::new()),
                        Some('\\') => j += 2,
                        Some('"') => break,
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
                continue;
            }
            '\'' => {
                // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
                if next == Some('\\') {
                    let mut j = i + 2;
                    while j < chars.len() && chars[j] != '\'' {
                        j += 1;
                    }
                    i = j + 1;
                    continue;
                }
                if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                    continue;
                }
            }
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
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
