//! playbook patch: the hover's markdown as plain text and as HTML. Links whose target is
//! not a URL (rustdoc's intra-doc links, paths relative to the documentation's own site)
//! become their text: `ra_ap_ide` rewrote them to doc.rust-lang.org URLs, which needs its
//! `doc_links` module and the crates it brings.

use pulldown_cmark::BrokenLink;
use pulldown_cmark::CowStr;
use pulldown_cmark::Event;
use pulldown_cmark::Options;
use pulldown_cmark::Parser;
use pulldown_cmark::Tag;
use pulldown_cmark::TagEnd;

/// The text without markdown, as `ra_ap_ide` gave it for `HoverDocFormat::PlainText`: code
/// blocks and paragraphs end with newlines, rules are newlines, the rest is text.
pub(super) fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in parse(markdown) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak | Event::Rule | Event::End(TagEnd::CodeBlock) => out.push('\n'),
            Event::End(TagEnd::Paragraph) => out.push_str("\n\n"),
            _ => {}
        }
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// `markdown` as HTML; a link whose target is not a URL (rustdoc's intra-doc links, paths
/// relative to the documentation's own site) becomes its text.
pub(crate) fn markdown_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parse(markdown));
    html
}

/// The markdown's events, links that are not URLs left out (their text kept).
fn parse(markdown: &str) -> impl Iterator<Item = Event<'_>> {
    // An intra-doc link (`[`Vec`]`) has no definition: make it a link (with no target)
    // so that it is dropped like the others, rather than shown with its brackets.
    let no_target = |_: BrokenLink<'_>| Some((CowStr::from(""), CowStr::from("")));
    let mut in_dropped_link = false;
    Parser::new_with_broken_link_callback(markdown, Options::empty(), Some(no_target)).filter(
        move |event| match event {
            Event::Start(Tag::Link { dest_url, .. }) if !is_url(dest_url) => {
                in_dropped_link = true;
                false
            }
            Event::End(TagEnd::Link) if in_dropped_link => {
                in_dropped_link = false;
                false
            }
            _ => true,
        },
    )
}

fn is_url(target: &str) -> bool {
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| target.starts_with(scheme))
}

#[cfg(test)]
mod test {
    use super::markdown_html;
    use super::plain_text;

    #[test]
    fn intra_doc_links_become_text_and_urls_stay_links() {
        let markdown = "See [`Vec`], [the book](../book/index.html) and [docs](https://docs.rs).\n\n[`Vec`]: crate::vec::Vec";
        let html = markdown_html(markdown);
        assert_eq!(
            html,
            "<p>See <code>Vec</code>, the book and <a href=\"https://docs.rs\">docs</a>.</p>\n"
        );
        assert_eq!(plain_text(markdown), "See Vec, the book and docs.");
    }

    #[test]
    fn plain_text_keeps_code_blocks_and_drops_markup() {
        let markdown = "```rust\nplaybook::display\n```\n\n```rust\npub struct MimeBundle\n```\n___\n\nA *MIME* bundle.";
        assert_eq!(
            plain_text(markdown),
            "playbook::display\n\npub struct MimeBundle\n\n\nA MIME bundle."
        );
    }
}
