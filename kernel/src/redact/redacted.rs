//! [`Redacted<T>`]: a value that has passed the [`Redactor`](super::Redactor). Its field
//! is private and its constructor `pub(super)`, so only `crate::redact` makes one: a
//! function that takes a `Redacted<…>` (the record writer, a notification, a log line)
//! cannot be handed text that did not pass the redactor. The kernel's
//! `tests/redacted_guard.rs` checks from the sources that nothing outside `redact/`
//! names the constructor.
//!
//! What keeps a value redacted is provided here too: reading it, turning redacted JSON
//! into its text, text into bytes, and [`redacted_format!`](crate::redact::redacted_format), a
//! `format!` whose arguments must be redacted already (or numbers).

use std::ops::Deref;

use serde_json::Value;

/// A value every string of which passed the redactor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Only the redactor wraps a value.
    pub(super) fn new(value: T) -> Redacted<T> {
        Redacted(value)
    }
}

impl<T> Deref for Redacted<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Redacted<T> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl std::fmt::Display for Redacted<String> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for Redacted<Value> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Redacted<String> {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as bytes, still redacted.
    pub(crate) fn into_bytes(self) -> Redacted<Vec<u8>> {
        Redacted(self.0.into_bytes())
    }

    /// Appends redacted text.
    pub(crate) fn push(&mut self, more: &Redacted<String>) {
        self.0.push_str(&more.0);
    }

    /// The text as a JSON string.
    pub(crate) fn into_json(self) -> Redacted<Value> {
        Redacted(Value::String(self.0))
    }

    /// Only [`redacted_format!`](crate::redact::redacted_format) calls this, with a `format!` of
    /// redacted pieces.
    #[doc(hidden)]
    pub(crate) fn __composed(text: String) -> Redacted<String> {
        Redacted(text)
    }
}

impl Redacted<Value> {
    /// A JSON object of redacted values under names written in the code.
    pub(crate) fn object(
        fields: impl IntoIterator<Item = (&'static str, Redacted<Value>)>,
    ) -> Redacted<Value> {
        let map = fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.0))
            .collect();
        Redacted(Value::Object(map))
    }

    /// One line of JSON (the redacted strings as they are, in JSON's syntax).
    pub(crate) fn to_text(&self) -> Redacted<String> {
        Redacted(self.0.to_string())
    }

    /// Pretty JSON ending in a newline, as records and summaries are written.
    pub(crate) fn to_pretty_text(&self) -> Redacted<String> {
        let mut text = serde_json::to_string_pretty(&self.0).unwrap_or_default();
        text.push('\n');
        Redacted(text)
    }
}

/// What [`redacted_format!`](crate::redact::redacted_format) accepts as an argument: redacted text
/// and numbers, never a plain `String` or `&str`.
pub(crate) trait Piece {
    type Shown<'a>: std::fmt::Display
    where
        Self: 'a;
    fn piece(&self) -> Self::Shown<'_>;
}

impl Piece for Redacted<String> {
    type Shown<'a> = &'a str;
    fn piece(&self) -> &str {
        &self.0
    }
}

impl<P: Piece> Piece for &P {
    type Shown<'a>
        = P::Shown<'a>
    where
        Self: 'a;
    fn piece(&self) -> Self::Shown<'_> {
        (**self).piece()
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            type Shown<'a> = $t;
            fn piece(&self) -> $t {
                *self
            }
        }
    )*};
}
numbers!(u8, u16, u32, u64, usize, i32, i64, f64);

/// `format!` over pieces that passed the redactor already ([`Redacted<String>`]) and
/// numbers; the result is a `Redacted<String>`. The format string is the code's own text.
/// Names captured from the scope (`{name}`) would bypass [`Piece`], so the format string
/// may hold only positional ones (`{}`, `{0}`, `{:.1}`).
macro_rules! redacted_format {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        const _: () = assert!(
            $crate::redact::only_positional($fmt),
            "redacted_format!: placeholders must be positional, each value an argument"
        );
        $crate::redact::Redacted::__composed(format!(
            $fmt $(, $crate::redact::Piece::piece(&$arg))*
        ))
    }};
}
pub(crate) use redacted_format;

/// Whether every placeholder of a format string is positional (`{}`, `{0}`, `{:…}`).
pub(crate) const fn only_positional(fmt: &str) -> bool {
    let bytes = fmt.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'{' {
            if at + 1 < bytes.len() && bytes[at + 1] == b'{' {
                at += 2;
                continue;
            }
            if at + 1 >= bytes.len() {
                return false;
            }
            let next = bytes[at + 1];
            if !(next == b'}' || next == b':' || next.is_ascii_digit()) {
                return false;
            }
        }
        at += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::Redactor;

    #[test]
    fn a_redacted_format_joins_redacted_pieces_and_numbers() {
        let redactor = Redactor::default();
        let value = redactor.text("password=hunter22 here");
        let name = redactor.name("token-rotation");
        let line = crate::redact::redacted_format!("{}: {} (exit {})", name, value, 2u8);
        assert_eq!(
            line.as_str(),
            "token-rotation: password=[masked by playbook] here (exit 2)"
        );
    }

    #[test]
    fn a_redacted_format_refuses_names_captured_from_the_scope() {
        assert!(super::only_positional("{}: {0} {:.1} {{literal}}"));
        assert!(!super::only_positional("{name}: {}"));
        assert!(!super::only_positional("{}{"));
    }

    #[test]
    fn redacted_json_becomes_redacted_text() {
        let redactor = Redactor::default();
        let json = redactor.json(&serde_json::json!({"note": "token=abcdef123456"}));
        assert!(!json.to_text().contains("abcdef123456"));
        assert!(json.to_pretty_text().ends_with("}\n"));
    }
}
