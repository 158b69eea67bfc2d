//! Parameters in query cells: `{name}` in a query cell's options and query text stands
//! for the value of a parameter in scope (the `parameters` cell's values, `-p` overrides
//! included); `{{` and `}}` are literal braces, and any other brace (a regex's `{3}`)
//! stays as written. The value goes in once and is read no further.
//!
//! Where it goes decides how it is written ([`Quoting`]): an option (a group name, a
//! dimension value, a rule) takes the value as is; Logs Insights text takes a string
//! literal (`"…"` with `\` before `"` and `\`, and `\n`, `\r`, `\t` for those
//! characters), or inside a string literal the escaped content, so that no value ends the
//! string; metric math and Metrics Insights take only plain values.

use std::collections::BTreeMap;

use serde_json::Value;

/// The error name a query cell shows for a name it cannot fill in; a headless run counts
/// it as bad input (exit 3).
pub(crate) const ENAME: &str = "ParameterError";

/// The names a query cell may use, and their values.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scope {
    values: BTreeMap<String, Value>,
}

/// How a value is written where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quoting {
    /// An option: the value as is.
    Literal,
    /// Logs Insights query text: a string literal, its content inside one, a number as is.
    LogsInsights,
    /// Metric math or Metrics Insights: only values of letters, digits and `-_./:@`.
    Plain,
}

/// Why a name cannot be filled in.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum InterpolateError {
    #[error(
        "`{{{name}}}` is not a parameter in scope ({in_scope}); write `{{{{` and `}}}}` for literal braces"
    )]
    Unknown { name: String, in_scope: String },
    #[error("`{{{name}}}` is {kind}: only text and numbers go into a query cell")]
    NotScalar { name: String, kind: &'static str },
    #[error(
        "`{{{name}}}` is inside {place}, where a value cannot be quoted: compare with a string instead (`like {{{name}}}`, `= {{{name}}}`)"
    )]
    Unquotable { name: String, place: &'static str },
    #[error(
        "`{{{name}}}` = {value:?} cannot go into a metric expression: only letters, digits and -_./:@ can"
    )]
    NotPlain { name: String, value: String },
}

impl Scope {
    /// The parameters in effect.
    pub(crate) fn new(values: BTreeMap<String, Value>) -> Scope {
        Scope { values }
    }

    /// `template` with every `{name}` replaced as `quoting` says.
    pub(crate) fn expand(
        &self,
        template: &str,
        quoting: Quoting,
    ) -> Result<String, InterpolateError> {
        let mut out = String::with_capacity(template.len());
        let mut lexer = Lexer::default();
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            if lexer.expands() && (rest.starts_with("{{") || rest.starts_with("}}")) {
                out.push(c);
                lexer.push(c, &out);
                rest = &rest[2..];
                continue;
            }
            if lexer.expands()
                && let Some((name, after)) = placeholder(rest)
            {
                let text = self.value(name, quoting, &lexer)?;
                out.push_str(&text);
                rest = after;
                continue;
            }
            out.push(c);
            lexer.push(c, &out);
            rest = &rest[c.len_utf8()..];
        }
        Ok(out)
    }

    fn value(
        &self,
        name: &str,
        quoting: Quoting,
        lexer: &Lexer,
    ) -> Result<String, InterpolateError> {
        let value = self
            .values
            .get(name)
            .ok_or_else(|| InterpolateError::Unknown {
                name: name.to_owned(),
                in_scope: self.names(),
            })?;
        let (text, number) = match value {
            Value::String(s) => (s.clone(), false),
            Value::Number(n) => (n.to_string(), true),
            Value::Bool(b) => (b.to_string(), false),
            other => {
                let kind = match other {
                    Value::Array(_) => "a list",
                    Value::Object(_) => "a map",
                    _ => "null",
                };
                return Err(InterpolateError::NotScalar {
                    name: name.to_owned(),
                    kind,
                });
            }
        };
        match quoting {
            Quoting::Literal => Ok(text),
            Quoting::Plain => plain(name, text),
            Quoting::LogsInsights => match lexer.state {
                State::Code if number => Ok(text),
                State::Code => Ok(format!("\"{}\"", escaped(&text, '"'))),
                State::Str((quote, _)) => Ok(escaped(&text, quote)),
                State::Field => Err(unquotable(name, "a `…` field name")),
                State::Regex => Err(unquotable(name, "a /…/ regex")),
                State::Comment => unreachable!("comments are not expanded"),
            },
        }
    }

    fn names(&self) -> String {
        if self.values.is_empty() {
            return "none: this session has no parameters; `playbook run` sets them from the `parameters` cell and `-p`".to_owned();
        }
        let names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        format!("in scope: {}", names.join(", "))
    }
}

fn unquotable(name: &str, place: &'static str) -> InterpolateError {
    InterpolateError::Unquotable {
        name: name.to_owned(),
        place,
    }
}

fn plain(name: &str, text: String) -> Result<String, InterpolateError> {
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:@".contains(c));
    if ok {
        Ok(text)
    } else {
        Err(InterpolateError::NotPlain {
            name: name.to_owned(),
            value: text,
        })
    }
}

/// The content of a string literal opened by `quote`: `\`, the quote and line breaks
/// escaped.
fn escaped(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            c if c == '\\' || c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// `{name}` at the start of `text` (a name: a letter or `_`, then letters, digits, `_`).
fn placeholder(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = &inner[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    let ok = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| (name, &inner[end + 1..]))
}

/// Where in Logs Insights text the scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Code,
    /// Inside a string literal opened by this quote; the flag: after a `\`.
    Str((char, bool)),
    Field,
    Regex,
    Comment,
}

/// Just enough of Logs Insights' lexing to know whether a placeholder sits in code, a
/// string, a field name, a regex or a comment. A `/` opens a regex unless it follows an
/// operand (a name, a number, `)`, a quote): where it cannot tell, it takes a regex, and
/// a value there is refused rather than misquoted.
#[derive(Debug, Default)]
struct Lexer {
    state: State,
}

impl Lexer {
    fn expands(&self) -> bool {
        self.state != State::Comment
    }

    /// `c` was written; `out` is everything written so far, `c` included.
    fn push(&mut self, c: char, out: &str) {
        self.state = match (self.state, c) {
            (State::Code, '"' | '\'') => State::Str((c, false)),
            (State::Code, '`') => State::Field,
            (State::Code, '#') => State::Comment,
            (State::Code, '/') if !after_operand(&out[..out.len() - 1]) => State::Regex,
            (State::Str((q, false)), '\\') => State::Str((q, true)),
            (State::Str((q, true)), _) => State::Str((q, false)),
            (State::Str((q, false)), c) if c == q => State::Code,
            (State::Field, '`') => State::Code,
            (State::Regex, '/') if !out[..out.len() - 1].ends_with('\\') => State::Code,
            (State::Comment, '\n') => State::Code,
            (state, _) => state,
        };
    }
}

/// Whether code ending in `before` ends with an operand, so that a `/` after it divides.
fn after_operand(before: &str) -> bool {
    let trimmed = before.trim_end();
    let Some(last) = trimmed.chars().last() else {
        return false;
    };
    if matches!(last, ')' | ']' | '"' | '\'' | '`') {
        return true;
    }
    if !(last.is_alphanumeric() || last == '_' || last == '@' || last == '.') {
        return false;
    }
    let word_start = trimmed
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '@' || c == '.'))
        .map_or(0, |i| i + 1);
    let word = trimmed[word_start..].to_ascii_lowercase();
    !matches!(
        word.as_str(),
        "like" | "not" | "and" | "or" | "in" | "parse" | "filter" | "by" | "as" | "display"
    )
}

#[cfg(test)]
#[path = "interpolate_tests.rs"]
mod tests;
