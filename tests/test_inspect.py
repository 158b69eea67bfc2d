"""Inspect requests (Shift+Tab in JupyterLab, `:doc`): what rust-analyzer says about the
name before the cursor. evcxr's hover is our own since `ra_ap_ide` left the build (evcxr
patch "Without ra_ap_ide"); these pin the answers `ra_ap_ide`'s hover gave for the same
code, in plain text and HTML."""

from __future__ import annotations

from conftest import execute, shell_reply


def inspect(kc, code: str) -> dict:
    """The inspect reply for the cursor at the end of `code`."""
    reply = shell_reply(kc, kc.inspect(code, len(code)), timeout=120)["content"]
    assert reply["status"] == "ok", reply
    return reply


def plain(reply: dict) -> str:
    assert reply["found"], reply
    return reply["data"]["text/plain"]


def test_inspect_shows_an_items_path_signature_and_docs(kernel):
    _, kc = kernel
    reply = inspect(kc, "MimeBundle")
    assert plain(reply).startswith(
        "playbook::render::bundle\n\npub struct MimeBundle {\n    pub data: BTreeMap<String, Value>,\n}\n"
    ), reply
    assert "A MIME bundle: one representation of a value per MIME type." in plain(reply)
    html = reply["data"]["text/html"]
    assert html.startswith('<pre><code class="language-rust">playbook::render::bundle\n</code></pre>'), html
    assert "<hr />\n<p>A MIME bundle" in html, html


def test_inspect_shows_a_methods_owner_signature_and_docs(kernel):
    _, kc = kernel
    text = plain(inspect(kc, 'let s = String::from("x");\ns.push_str'))
    assert text.startswith("alloc::string::String\n\npub fn push_str(&mut self, string: &str)\n"), text
    assert "Appends a given string slice onto the end of this String." in text


def test_inspect_shows_the_type_arguments_a_trait_method_is_used_with(kernel):
    _, kc = kernel
    text = plain(inspect(kc, "let v = vec![1, 2, 3];\nv.iter().map"))
    assert text.startswith(
        "core::iter::traits::iterator::Iterator\n\npub trait Iterator\npub fn map<B, F>(self, f: F) -> Map<Self, F>"
    ), text
    assert "Self = Iter<'_, i32>" in text, text


def test_inspect_shows_a_locals_inferred_type(kernel):
    _, kc = kernel
    assert plain(inspect(kc, "let v = vec![1, 2, 3];\nv")) == "let v: Vec<i32>"
    reply, _ = execute(kc, "let session_count = 3u16;")
    assert reply["content"]["status"] == "ok", reply["content"]
    # A variable of an earlier cell reaches the analysed code as a parameter: no `let`.
    assert plain(inspect(kc, "session_count")) == "session_count: u16"


def test_inspect_shows_a_constants_value_and_a_keywords_docs(kernel):
    _, kc = kernel
    text = plain(inspect(kc, "std::f64::consts::PI"))
    assert text.startswith("core::f64::consts\n\npub const PI: f64 = 3.141592653589793\n"), text
    text = plain(inspect(kc, "let"))
    assert text.startswith("let\n"), text
    assert "Bind a value to a variable." in text, text


def test_inspect_turns_intra_doc_links_into_text(kernel):
    # rustdoc's `[`std::fmt`]` has no target outside rustdoc: text, not brackets. (ra_ap_ide
    # rewrote such links to doc.rust-lang.org URLs; ours does not, see PATCHES.md.)
    _, kc = kernel
    reply = inspect(kc, "println")
    assert plain(reply).startswith("std::macros\n\nmacro_rules! println\n"), reply
    html = reply["data"]["text/html"]
    assert "See <code>std::fmt</code> for more information." in html, html
    assert "[<code>" not in html and "]: " not in html, html
