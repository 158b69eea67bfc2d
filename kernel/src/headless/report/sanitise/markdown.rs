//! Record text for a Markdown document: a name, a title or a markdown cell can hold raw
//! HTML, which a Markdown viewer renders (GitHub sanitises it, others do not). Here it
//! shows as the text it is, as in the HTML report; code spans and blocks stay as they are,
//! and an output's text cannot close the code fence around it.

/// One-line user text (a name, a title, a table cell) for a Markdown document: control
/// and bidi characters shown as escapes, and raw HTML as text ([`tags_as_text`]).
pub(crate) fn markdown_text(text: &str) -> String {
    tags_as_text(&crate::visible::name(text))
}

/// `text` with every `<` that could open a tag to some Markdown renderer (`<` before a
/// letter, `/`, `!` or `?`) written `&lt;`, so it reads as the text it is; `< 100 ms`
/// stays as it is. Renderers disagree on what is a tag (`<SCRIPT/XSS SRC=…>` is one to
/// some): this decides by the character after `<` alone.
fn tags_as_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let opens = chars
            .peek()
            .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'));
        if c == '<' && opens {
            out.push_str("&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

/// A markdown cell for a Markdown document: as it is, but outside code (spans, fenced and
/// indented blocks, as CommonMark finds them) raw HTML shows as text ([`tags_as_text`]) —
/// as in the HTML report — and an image is a link to it, so opening the document loads
/// nothing (the HTML report drops such images too). An autolink (`<https://…>`) reads as
/// its address.
pub(crate) fn markdown_prose(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut code: Vec<std::ops::Range<usize>> = Vec::new();
    let mut images: Vec<usize> = Vec::new();
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            // A code block's start event spans the whole block.
            Event::Code(_) | Event::Start(Tag::CodeBlock(_)) => code.push(range),
            Event::Start(Tag::Image { .. }) if markdown[range.clone()].starts_with('!') => {
                images.push(range.start)
            }
            _ => {}
        }
    }
    let outside = |from: usize, to: usize| {
        // `from..to` outside code, the `!` of each image in it left out.
        let mut text = String::with_capacity(to - from);
        let mut at = from;
        for &bang in images.iter().filter(|&&b| b >= from && b < to) {
            text.push_str(&markdown[at..bang]);
            at = bang + 1;
        }
        text.push_str(&markdown[at..to]);
        tags_as_text(&text)
    };
    let mut out = String::with_capacity(markdown.len() + 16);
    let mut at = 0;
    for range in code {
        if range.start < at {
            continue;
        }
        out.push_str(&outside(at, range.start));
        out.push_str(&markdown[range.clone()]);
        at = range.end;
    }
    out.push_str(&outside(at, markdown.len()));
    out
}

/// A fence for `text` in a Markdown code block: longer than any run of backticks in it,
/// so the text cannot close the block and go on as Markdown.
pub(crate) fn fence(text: &str) -> String {
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}
