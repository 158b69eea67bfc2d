//! How long each function of a crate is, read from its sources, and which long ones carry
//! no reason.
//!
//! A function's length runs from the line of its `fn` keyword to the line of its body's
//! closing brace. Braces inside strings (also raw and byte strings), character literals
//! and comments (line, block, nested) do not count; a lifetime (`'a`) is not a character
//! literal. A function declared without a body (`fn f();` in a trait) has no length.
//! Nested functions and closures are part of the function around them, and a nested `fn`
//! is measured on its own too.
//!
//! A long function is excused by a reason beside it: a line `// long: <why>` among the
//! comment and attribute lines right above its `fn` line (above or below its doc comment).

use std::path::{Path, PathBuf};

/// The marker that excuses a long function; a reason must follow it.
pub const MARKER: &str = "// long:";

/// One function with a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// 1-based line of the `fn` keyword.
    pub line: usize,
    /// Lines from the `fn` line to the closing brace, both included.
    pub lines: usize,
    /// The reason given beside it (`// long: <why>`), if any.
    pub reason: Option<String>,
}

/// Every function with a body in `text`, in the order their `fn` keywords appear.
pub fn functions(text: &str) -> Vec<Function> {
    let chars: Vec<char> = text.chars().collect();
    let code = code_mask(&chars);
    let line_of = line_starts(&chars);
    let source_lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for at in 0..chars.len() {
        if !is_fn_keyword(&chars, &code, at) {
            continue;
        }
        let Some((name, after_name)) = name_after(&chars, at + 2) else {
            continue; // `fn(u8) -> u8`: a pointer type, no function
        };
        let Some(open) = body_start(&chars, &code, after_name) else {
            continue; // declared without a body, or cut off
        };
        let Some(close) = matching_brace(&chars, &code, open) else {
            continue;
        };
        let line = line_of[at] + 1;
        out.push(Function {
            name,
            line,
            lines: line_of[close] - line_of[at] + 1,
            reason: reason_above(&source_lines, line - 1),
        });
    }
    out
}

/// Functions in `text` longer than `limit` lines that give no reason.
pub fn unexcused(text: &str, limit: usize) -> Vec<Function> {
    functions(text)
        .into_iter()
        .filter(|f| f.lines > limit && f.reason.is_none())
        .collect()
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// For each char, whether it is code: not inside a comment, a string or a char literal.
/// The delimiters of those (quotes, `//`, `/*`) are not code either.
fn code_mask(chars: &[char]) -> Vec<bool> {
    let mut code = vec![true; chars.len()];
    let mut at = 0;
    while at < chars.len() {
        let end = match chars[at] {
            '/' if chars.get(at + 1) == Some(&'/') => line_end(chars, at),
            '/' if chars.get(at + 1) == Some(&'*') => block_comment_end(chars, at),
            '"' => string_end(chars, at + 1),
            '\'' => char_literal_end(chars, at),
            'r' | 'b' | 'c' if !preceded_by_ident(chars, at) => raw_string_end(chars, at),
            _ => None,
        };
        match end {
            Some(end) => {
                let end = end.min(chars.len());
                code[at..end].iter_mut().for_each(|c| *c = false);
                at = end.max(at + 1);
            }
            None => at += 1,
        }
    }
    code
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn preceded_by_ident(chars: &[char], at: usize) -> bool {
    at > 0 && is_ident(chars[at - 1])
}

/// The end (exclusive) of a line comment starting at `at`: its newline stays code.
fn line_end(chars: &[char], at: usize) -> Option<usize> {
    Some(
        chars[at..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |n| at + n),
    )
}

/// The end (exclusive) of a block comment starting at `at`; block comments nest.
fn block_comment_end(chars: &[char], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    Some(chars.len())
}

/// The end (exclusive) of a string whose body starts at `from`, after its opening quote.
fn string_end(chars: &[char], from: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    Some(chars.len())
}

/// The end (exclusive) of a character literal at `at` (`'x'`, `'\n'`, `'\u{7b}'`, `'{'`),
/// or `None` for a lifetime or label (`'a`, `'outer:`), which is code.
fn char_literal_end(chars: &[char], at: usize) -> Option<usize> {
    match chars.get(at + 1) {
        Some('\\') => {
            // the escaped character first, so `'\''` ends at its last quote
            let from = (at + 3).min(chars.len());
            let close = chars[from..].iter().take(10).position(|c| *c == '\'')?;
            Some(from + close + 1)
        }
        Some(_) if chars.get(at + 2) == Some(&'\'') => Some(at + 3),
        _ => None,
    }
}

/// The end (exclusive) of a raw, byte or C string starting at `at` (`r"…"`, `r#"…"#`,
/// `b"…"`, `br#"…"#`, `c"…"`, `cr"…"`), or `None` if none starts there (`r#type`, `buf`).
fn raw_string_end(chars: &[char], at: usize) -> Option<usize> {
    let mut i = at;
    if matches!(chars[i], 'b' | 'c') {
        i += 1;
    }
    let raw = chars.get(i) == Some(&'r');
    if raw {
        i += 1;
    }
    if !raw {
        // `b"…"` / `c"…"` escape like a plain string; `b'x'` is a char literal's business.
        return (i > at && chars.get(i) == Some(&'"'))
            .then(|| string_end(chars, i + 1))
            .flatten();
    }
    let hashes = chars[i..].iter().take_while(|c| **c == '#').count();
    i += hashes;
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '"'
            && chars[i + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == '#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(chars.len())
}

/// For each char, the 0-based line it is on.
fn line_starts(chars: &[char]) -> Vec<usize> {
    let mut line = 0;
    chars
        .iter()
        .map(|c| {
            let here = line;
            if *c == '\n' {
                line += 1;
            }
            here
        })
        .collect()
}

/// Whether the code at `at` is the keyword `fn` (a whole word).
fn is_fn_keyword(chars: &[char], code: &[bool], at: usize) -> bool {
    chars[at] == 'f'
        && chars.get(at + 1) == Some(&'n')
        && code[at]
        && code.get(at + 1) == Some(&true)
        && !preceded_by_ident(chars, at)
        && !chars.get(at + 2).is_some_and(|c| is_ident(*c))
}

/// The function's name after the `fn` keyword (whitespace first), and where it ends.
fn name_after(chars: &[char], mut at: usize) -> Option<(String, usize)> {
    let spaces = chars[at..].iter().take_while(|c| c.is_whitespace()).count();
    if spaces == 0 {
        return None;
    }
    at += spaces;
    if chars.get(at) == Some(&'r') && chars.get(at + 1) == Some(&'#') {
        at += 2; // r#type
    }
    let start = at;
    while chars.get(at).is_some_and(|c| is_ident(*c)) {
        at += 1;
    }
    (at > start).then(|| (chars[start..at].iter().collect(), at))
}

/// The `{` opening the body of the function whose signature starts at `at`: the first
/// `{` of code outside brackets and parentheses; `None` if a `;` ends it first.
fn body_start(chars: &[char], code: &[bool], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in at..chars.len() {
        if !code[i] {
            continue;
        }
        match chars[i] {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '{' if depth == 0 => return Some(i),
            ';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The `}` of code closing the `{` at `open`.
fn matching_brace(chars: &[char], code: &[bool], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in open..chars.len() {
        if !code[i] {
            continue;
        }
        match chars[i] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The reason among the comment and attribute lines right above line `fn_line` (0-based).
fn reason_above(lines: &[&str], fn_line: usize) -> Option<String> {
    for line in lines[..fn_line.min(lines.len())].iter().rev() {
        let line = line.trim();
        if let Some(reason) = line.strip_prefix(MARKER) {
            let reason = reason.trim();
            return (!reason.is_empty()).then(|| reason.to_owned());
        }
        let preamble = line.starts_with("//") || line.starts_with("#[") || line.ends_with(")]");
        if !preamble {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests;
