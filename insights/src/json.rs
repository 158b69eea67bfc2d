//! A targeted JSON extractor: finds the flattened fields a query reads (`level`,
//! `http.status`, `items.0.sku`) in a message that is a JSON object, in one pass, skipping
//! every other value without building anything, and stopping once all are found.
//!
//! Flattening follows CloudWatch's discovered fields: nested keys are joined with `.`,
//! array elements are numbered from 0. A path matches a key spelled with dots as well as
//! the nesting (`{"http.status": 200}` and `{"http": {"status": 200}}`). Strings are
//! unescaped, numbers and booleans keep their text, objects and arrays are given as compact
//! JSON, and `null` is an absent field.

use std::borrow::Cow;

use super::ast::Slot;
use super::value::Val;

/// Calls `found(slot, value)` for each wanted path present in `text`.
pub(crate) fn extract<'a>(
    text: &'a str,
    wanted: &[(Slot, String)],
    mut found: impl FnMut(Slot, Option<Val<'a>>),
) {
    let mut scanner = Scanner { text, pos: 0 };
    scanner.space();
    if scanner.peek() != Some(b'{') || wanted.is_empty() {
        return;
    }
    let candidates: Vec<(usize, usize)> = (0..wanted.len()).map(|w| (w, 0)).collect();
    let mut left = wanted.len();
    let mut done = vec![false; wanted.len()];
    let mut sink = |w: usize, v: Option<Val<'a>>| {
        if !std::mem::replace(&mut done[w], true) {
            found(wanted[w].0, v);
            left -= 1;
        }
        left == 0
    };
    let _ = scanner.container(&candidates, wanted, &mut sink);
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

/// `Some(true)`: everything wanted was found; `None`: malformed JSON.
type Flow = Option<bool>;

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.space();
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    /// A string starting at `pos`; returns its body (still escaped) and whether it has
    /// escapes.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            match bytes.get(i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        Some((self.text.get(start..i)?, escaped))
    }

    fn skip_value(&mut self) -> Option<()> {
        self.space();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let bytes = self.text.as_bytes();
                let mut depth = 0usize;
                loop {
                    match bytes.get(self.pos)? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                let rest = &self.text.as_bytes()[self.pos..];
                let len = rest
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                self.pos += len;
                (len > 0).then_some(())
            }
        }
    }

    /// Walks the object or array at `pos`; `candidates` are (wanted index, offset of the
    /// part of its path still to match).
    fn container(
        &mut self,
        candidates: &[(usize, usize)],
        wanted: &[(Slot, String)],
        sink: &mut impl FnMut(usize, Option<Val<'a>>) -> bool,
    ) -> Flow {
        self.space();
        let is_object = self.peek()? == b'{';
        let close = if is_object { b'}' } else { b']' };
        self.pos += 1;
        self.space();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Some(false);
        }
        let mut index = 0usize;
        let mut number = String::new();
        loop {
            let unescaped;
            let key: &str = if is_object {
                self.space();
                if self.peek()? != b'"' {
                    return None;
                }
                let (raw, escaped) = self.string()?;
                self.eat(b':')?;
                if escaped {
                    unescaped = unescape(raw)?;
                    &unescaped
                } else {
                    raw
                }
            } else {
                number.clear();
                number.push_str(&index.to_string());
                &number
            };
            let mut exact = Vec::new();
            let mut deeper = Vec::new();
            for &(w, offset) in candidates {
                let rest = &wanted[w].1[offset..];
                if rest == key {
                    exact.push(w);
                } else if rest.len() > key.len()
                    && rest.starts_with(key)
                    && rest.as_bytes()[key.len()] == b'.'
                {
                    deeper.push((w, offset + key.len() + 1));
                }
            }
            self.space();
            let start = self.pos;
            if !deeper.is_empty() && matches!(self.peek(), Some(b'{' | b'[')) {
                if self.container(&deeper, wanted, sink)? {
                    return Some(true);
                }
            } else {
                self.skip_value()?;
            }
            for w in exact {
                if sink(w, value(self.text.get(start..self.pos)?)) {
                    return Some(true);
                }
            }
            self.space();
            match self.peek()? {
                b',' => self.pos += 1,
                c if c == close => {
                    self.pos += 1;
                    return Some(false);
                }
                _ => return None,
            }
            index += 1;
        }
    }
}

fn unescape(body: &str) -> Option<String> {
    serde_json::from_str(&format!("\"{body}\"")).ok()
}

/// The field value of one raw JSON value.
fn value(raw: &str) -> Option<Val<'_>> {
    match raw.as_bytes().first()? {
        b'"' => {
            let body = raw.get(1..raw.len() - 1)?;
            Some(Val::Str(match body.contains('\\') {
                true => Cow::Owned(unescape(body)?),
                false => Cow::Borrowed(body),
            }))
        }
        b'{' | b'[' => Some(Val::Str(compact(raw))),
        _ if raw == "null" => None,
        _ => Some(Val::Str(Cow::Borrowed(raw))),
    }
}

/// JSON text without whitespace outside strings.
fn compact(raw: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut changed = false;
    for c in raw.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c.is_whitespace() {
            changed = true;
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(raw)
    }
}
