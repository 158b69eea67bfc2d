//! The one HTML (and SVG/XML) escaper of the product: cells' renderings, charts, reports
//! and records all escape through [`escape`], so text and attribute values are safe alike.

/// Escapes `text` for HTML and XML text and for quoted attribute values (`&`, `<`, `>`,
/// `"` and `'`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_and_attribute_characters_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x?a=1&b='2'">"#),
            "&lt;a href=&quot;x?a=1&amp;b=&#39;2&#39;&quot;&gt;"
        );
        assert_eq!(escape("plain text, ünïcode"), "plain text, ünïcode");
    }

    #[test]
    fn escaping_twice_escapes_the_ampersands_again() {
        // Not idempotent by design: callers escape exactly once, at output time.
        assert_eq!(escape(&escape("<")), "&amp;lt;");
    }
}
