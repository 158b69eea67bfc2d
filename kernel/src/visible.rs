//! Text from a record, a notebook or a targets file, shown to a person with its invisible
//! characters made visible: a check name, a parameter, a title or a log line can hold ESC,
//! CR, BEL or a bidi control, and shown as they are they redraw a terminal (`\r` draws a
//! FAIL line over with a PASS, `ESC [2J` clears the screen) or reorder what a reader sees
//! (U+202E writes `LIAF` as `FAIL`).
//!
//! [`text`] is the one function every terminal print site and every document writer puts
//! such text through: control characters (C0 but newline and tab, DEL, C1) and the bidi
//! controls become the escape Rust would write, `\u{1b}`, `\u{202e}`, so nothing is
//! hidden and nothing reorders. [`name`] is the same for one-line text (a name, a
//! parameter): its newlines and tabs too, so a name cannot forge a line of its own.
//! [`html`] is [`text`] then HTML-escaped, for the HTML documents.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The bidi controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069),
/// the marks (U+200E, U+200F, U+061C).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// Whether `c` is shown as an escape; newlines and tabs only when `one_line`.
fn hidden(c: char, one_line: bool) -> bool {
    match c {
        '\n' | '\t' => one_line,
        c => c.is_control() || is_bidi_control(c),
    }
}

fn escaped(text: &str, one_line: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| hidden(c, one_line)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c, one_line) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with its control characters (but newlines and tabs) and bidi controls shown
/// as `\u{…}` escapes.
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// [`text`] for one-line text (a name, a parameter, a title): newlines and tabs escaped
/// too.
pub(crate) fn name(name: &str) -> Cow<'_, str> {
    escaped(name, true)
}

/// [`text`], HTML-escaped: user text in an HTML document.
pub(crate) fn html(text: &str) -> String {
    playbook::html::escape(&self::text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_cannot_redraw_a_line() {
        assert_eq!(
            text("check PASS: x\rcheck FAIL\u{1b}[2J\u{7}"),
            "check PASS: x\\u{d}check FAIL\\u{1b}[2J\\u{7}"
        );
        assert_eq!(text("a\u{9b}31m\u{7f}"), "a\\u{9b}31m\\u{7f}", "C1 and DEL");
        assert_eq!(text("two\nlines\tand a tab"), "two\nlines\tand a tab");
    }

    #[test]
    fn a_name_cannot_forge_a_line_of_its_own() {
        assert_eq!(name("x\ncheck PASS: y"), "x\\u{a}check PASS: y");
        assert_eq!(name("a\tb"), "a\\u{9}b");
    }

    #[test]
    fn bidi_controls_cannot_reorder_a_verdict() {
        let spoofed = "x\u{202e} LIAF";
        assert_eq!(name(spoofed), "x\\u{202e} LIAF");
        for c in [
            '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
        ] {
            assert!(!name(&format!("a{c}b")).contains(c), "{:x}", u32::from(c));
        }
        assert_eq!(
            html("<b>\u{202e}</b>"),
            "&lt;b&gt;\\u{202e}&lt;/b&gt;",
            "escaped for HTML too"
        );
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for plain in [
            "p99 latency < 250 ms",
            "שלום עולם",
            "数据 ✓ PASS",
            "emoji 👩‍💻",
        ] {
            assert!(matches!(name(plain), Cow::Borrowed(s) if s == plain));
        }
    }
}
