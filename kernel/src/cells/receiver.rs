//! The receiver of a `.` completion and its type, without rust-analyzer: for the simple,
//! common shapes only — a variable (`v.`), a chain of method calls and fields on it
//! (`v.iter().`, `report.summary.`), a literal (`"text".`), a constructor
//! (`String::new().`). A variable's type comes from the cell itself (`let v: T = …`,
//! `let v = vec![…]`, `let v = w.iter()`), else from the session. Each step of a chain
//! takes the type the member index says it returns. Anything else has no type here, and
//! completion answers what it answers without one.

use super::member_index::MemberIndex;

/// The expression before a `.`: where it starts, and the steps after it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Receiver {
    root: Root,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Root {
    Variable(String),
    /// A literal or constructor whose type is plain from the syntax.
    Typed(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Call(String),
    Field(String),
}

/// How deep a variable's type may be followed through other variables (`let b = a.x()`).
const MAX_DEPTH: usize = 4;

/// Constructors whose result is the type they are called on.
const CONSTRUCTORS: &[&str] = &["new", "default", "from", "with_capacity"];

/// The receiver whose `.` ends `code` (`code` ends just before the `.`), when it has one
/// of the simple shapes.
pub(crate) fn parse(code: &str) -> Option<Receiver> {
    let mut rest = code.trim_end();
    let mut steps = Vec::new();
    loop {
        let (before, segment) = segment_before(rest)?;
        match (segment, before.strip_suffix('.')) {
            (Segment::Literal(ty), _) => {
                steps.reverse();
                return Some(Receiver {
                    root: Root::Typed(ty),
                    steps,
                });
            }
            (Segment::Call(name), Some(before_dot)) if !before_dot.ends_with('.') => {
                steps.push(Step::Call(name));
                rest = before_dot.trim_end();
            }
            (Segment::Name(name), Some(before_dot)) if !before_dot.ends_with('.') => {
                steps.push(Step::Field(name));
                rest = before_dot.trim_end();
            }
            (Segment::Call(name), None) => {
                let ty = before
                    .strip_suffix("::")
                    .map(|b| identifier_before(b.trim_end()));
                let ty = ty.filter(|t| t.starts_with(char::is_uppercase))?;
                if !CONSTRUCTORS.contains(&name.as_str()) {
                    return None;
                }
                steps.reverse();
                return Some(Receiver {
                    root: Root::Typed(ty.to_owned()),
                    steps,
                });
            }
            (Segment::Name(name), None) => {
                if before.ends_with("::") || name.starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                steps.reverse();
                return Some(Receiver {
                    root: Root::Variable(name),
                    steps,
                });
            }
            _ => return None,
        }
    }
}

enum Segment {
    Name(String),
    Call(String),
    Literal(String),
}

/// The last segment of `code`: a name, a call `name(…)`, or a string or number literal;
/// with the code before it.
fn segment_before(code: &str) -> Option<(&str, Segment)> {
    if let Some(inside) = code.strip_suffix('"') {
        let open = inside.rfind('"')?;
        return Some((&inside[..open], Segment::Literal("&str".into())));
    }
    if let Some(inside) = code.strip_suffix(')') {
        let open = matching_open(inside)?;
        let before = &inside[..open];
        let name = identifier_before(before);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        return Some((
            &before[..before.len() - name.len()],
            Segment::Call(name.to_owned()),
        ));
    }
    let name = identifier_before(code);
    if name.is_empty() {
        return None;
    }
    let before = &code[..code.len() - name.len()];
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return literal_number(before, name);
    }
    Some((before, Segment::Name(name.to_owned())))
}

/// A number literal's type: a suffix (`2u64`), else `i32` (and `f64` for `1.5`).
fn literal_number<'a>(before: &'a str, digits: &str) -> Option<(&'a str, Segment)> {
    let suffix = digits.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_');
    let (before, float) = match before.strip_suffix('.') {
        Some(whole) if identifier_before(whole).starts_with(|c: char| c.is_ascii_digit()) => {
            (&whole[..whole.len() - identifier_before(whole).len()], true)
        }
        _ => (before, false),
    };
    let ty = match suffix {
        "" if float => "f64",
        "" => "i32",
        suffix => suffix,
    };
    Some((before, Segment::Literal(ty.to_owned())))
}

/// The identifier `code` ends with (maybe empty).
fn identifier_before(code: &str) -> &str {
    let start = code
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(code.len(), |(at, _)| at);
    &code[start..]
}

/// Where the `(` is that the `)` just after `code` closes.
fn matching_open(code: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in code.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth == 0 => return (c == '(').then_some(at),
            '(' | '[' | '{' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The type of `receiver`, written as evcxr or rust-analyzer would (only its outer name
/// matters to the index). `code` is the cell before the receiver; `session` gives a
/// session variable's type.
pub(crate) fn type_of(
    receiver: &Receiver,
    code: &str,
    session: &dyn Fn(&str) -> Option<String>,
    index: &MemberIndex,
) -> Option<String> {
    type_at_depth(receiver, code, session, index, 0)
}

fn type_at_depth(
    receiver: &Receiver,
    code: &str,
    session: &dyn Fn(&str) -> Option<String>,
    index: &MemberIndex,
    depth: usize,
) -> Option<String> {
    let mut ty = match &receiver.root {
        Root::Typed(ty) => ty.clone(),
        Root::Variable(name) => variable_type(name, code, session, index, depth)?,
    };
    for step in &receiver.steps {
        let (Step::Call(name) | Step::Field(name)) = step;
        ty = index.member_type(&ty, name)?;
    }
    Some(ty)
}

/// The type of the variable `name`: from the last `let` of it in `code`, else the session's.
fn variable_type(
    name: &str,
    code: &str,
    session: &dyn Fn(&str) -> Option<String>,
    index: &MemberIndex,
    depth: usize,
) -> Option<String> {
    let Some((at, after)) = last_let(code, name) else {
        return session(name).filter(|t| !t.is_empty());
    };
    if depth >= MAX_DEPTH {
        return None;
    }
    if let Some(declared) = after.strip_prefix(':') {
        return Some(declared.split('=').next()?.trim().to_owned()).filter(|t| !t.is_empty());
    }
    let value = after.strip_prefix('=')?.trim_start();
    let value = value.split(';').next().unwrap_or(value).trim();
    if value.starts_with("vec!") {
        return Some("Vec".into());
    }
    if value.starts_with("format!") {
        return Some("String".into());
    }
    for (prefix, ty) in [
        ("Some(", "Option"),
        ("None", "Option"),
        ("Ok(", "Result"),
        ("Err(", "Result"),
    ] {
        if value.starts_with(prefix) {
            return Some(ty.into());
        }
    }
    if value == "true" || value == "false" {
        return Some("bool".into());
    }
    let receiver = parse(value)?;
    type_at_depth(&receiver, &code[..at], session, index, depth + 1)
}

/// The last `let [mut] name` in `code`: where it starts, and the code after the name
/// (starting at `:` or `=`).
fn last_let<'a>(code: &'a str, name: &str) -> Option<(usize, &'a str)> {
    let mut search = code.len();
    while let Some(at) = code[..search].rfind("let ") {
        search = at;
        let boundary = code[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let rest = code[at + 4..].trim_start();
        let rest = rest.strip_prefix("mut ").map_or(rest, str::trim_start);
        if let Some(after) = rest.strip_prefix(name)
            && boundary
            && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            let after = after.trim_start();
            if after.starts_with(':') || after.starts_with('=') {
                return Some((at, after));
            }
        }
    }
    None
}

#[cfg(test)]
#[path = "receiver_tests.rs"]
mod tests;
