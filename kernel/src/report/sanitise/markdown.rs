//! Record text for a Markdown document: a name, a title or a markdown cell can hold raw
//! HTML, which a Markdown viewer renders (GitHub sanitises it, others do not). Here it
//! shows as the text it is, as in the HTML report; code spans and blocks stay as they are,
//! and an output's text cannot close the code fence around it.

/// User text for running Markdown that reads as the text it is: control and bidi
/// characters shown as escapes, Markdown's punctuation (emphasis, code, links and images,
/// headings, tables, entities) escaped with a backslash, and raw HTML as text
/// ([`tags_as_text`]). `](javascript:…)` is a bracket and text, `` `x` `` two backticks.
pub(crate) fn markdown_literal(text: &str) -> String {
    let shown: Vec<char> = crate::visible::name(text).chars().collect();
    let mut out = String::with_capacity(shown.len() + 8);
    let word = |at: Option<&char>| at.is_some_and(|c| c.is_alphanumeric());
    for (at, &c) in shown.iter().enumerate() {
        // `_` inside a word (`deploy_time`) neither opens nor closes emphasis.
        let inside_word = c == '_'
            && word(at.checked_sub(1).and_then(|b| shown.get(b)))
            && word(shown.get(at + 1));
        // A backslash escapes only what is punctuation (`\u{202e}` reads as itself).
        let escapes = c == '\\' && shown.get(at + 1).is_none_or(|n| n.is_ascii_punctuation());
        if (matches!(c, '`' | '*' | '_' | '[' | ']' | '|' | '~' | '&') && !inside_word) || escapes {
            out.push('\\');
        }
        out.push(c);
    }
    tags_as_text(&out)
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
///
/// Showing a tag as text can change what the rest of the cell is (an HTML block that
/// swallowed a paragraph is gone), so it is done again on the result until nothing changes
/// (a few rounds; past them every `<` before a letter is text, code or not).
pub(crate) fn markdown_prose(markdown: &str) -> String {
    let mut text = markdown.to_owned();
    let mut settled = false;
    for _ in 0..ROUNDS {
        let next = outside_code(&text, &tags_as_text);
        settled = next == text;
        text = next;
        if settled {
            break;
        }
    }
    if !settled {
        text = tags_as_text(&text);
    }
    images_as_links(&text)
}

/// Rounds of [`markdown_prose`] before it gives up on keeping code spans as they are.
const ROUNDS: usize = 4;

/// `markdown` with `change` applied to what is outside code, as pulldown-cmark reads it.
fn outside_code(markdown: &str, change: &dyn Fn(&str) -> String) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // A code block's start event spans the whole block.
    let code = (Parser::new_ext(markdown, options).into_offset_iter())
        .filter(|(event, _)| matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_))))
        .map(|(_, range)| range);
    let mut out = String::with_capacity(markdown.len() + 16);
    let mut at = 0;
    for range in code {
        if range.start < at {
            continue;
        }
        out.push_str(&change(&markdown[at..range.start]));
        out.push_str(&markdown[range.clone()]);
        at = range.end;
    }
    out.push_str(&change(&markdown[at..]));
    out
}

/// `![alt](url)` → `[alt](url)` (an image is never inside code).
fn images_as_links(text: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag};
    let bangs: Vec<usize> = (Parser::new(text).into_offset_iter())
        .filter(|(event, range)| {
            matches!(event, Event::Start(Tag::Image { .. })) && text[range.clone()].starts_with('!')
        })
        .map(|(_, range)| range.start)
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for bang in bangs {
        out.push_str(&text[at..bang]);
        at = bang + 1;
    }
    out.push_str(&text[at..]);
    out
}

/// A fence for `text` in a Markdown code block: longer than any run of backticks in it,
/// so the text cannot close the block and go on as Markdown.
pub(crate) fn fence(text: &str) -> String {
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}
