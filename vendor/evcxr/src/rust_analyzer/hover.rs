//! playbook patch: the hover behind Jupyter inspect requests and `:doc`, written on
//! rust-analyzer's `Semantics` and `ide_db`'s definitions. evcxr asked `ra_ap_ide` for it,
//! and that crate brought `ra_ap_ide_assists`, `ra_ap_ide_diagnostics` and `ra_ap_ide_ssr`
//! into the build (about 89 s of a cold build's unit time) for this one feature.
//!
//! It follows `ra_ap_ide`'s hover (0.0.347) for what a cell asks about: the item a name
//! refers to (its module path, its signature, a constant's value, the generic arguments it
//! was used with, its documentation), a local's `let` and type, a keyword's documentation,
//! the type of a call (cursor on a parenthesis), of `_` and of a literal (with its value).
//! Left out: the extras shown when hovering a definition's own name (notable traits,
//! memory layout, variance, dyn compatibility), hovers inside doc comments and format
//! strings, closure captures, and the rewriting of rustdoc's intra-doc links to URLs:
//! such links become text (`markdown.rs`).

mod definition;
mod markdown;

pub(crate) use markdown::markdown_html;

use super::EDITION;
use ra_ap_base_db::EditionedFileId;
use ra_ap_hir::DisplayTarget;
use ra_ap_hir::HirDisplay;
use ra_ap_hir::Semantics;
use ra_ap_hir::TypeInfo;
use ra_ap_ide_db::Ranker;
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::defs::find_std_module;
use ra_ap_ide_db::documentation::HasDocs;
use ra_ap_ide_db::famous_defs::FamousDefs;
use ra_ap_ide_db::helpers::pick_best_token;
use ra_ap_syntax::AstNode;
use ra_ap_syntax::AstToken;
use ra_ap_syntax::SyntaxKind;
use ra_ap_syntax::SyntaxToken;
use ra_ap_syntax::T;
use ra_ap_syntax::TextSize;
use ra_ap_syntax::ast;
use ra_ap_syntax::match_ast;
use ra_ap_vfs::FileId;

/// What rust-analyzer says about the code at a position, as markdown.
#[derive(Debug)]
pub(crate) struct Hover {
    pub(crate) markdown: String,
}

impl Hover {
    /// The text without markdown (what `ra_ap_ide` gave for `HoverDocFormat::PlainText`).
    pub(crate) fn plain_text(&self) -> String {
        markdown::plain_text(&self.markdown)
    }
}

/// The hover at `offset` in `file_id`, `None` when there is nothing to say. Several
/// answers (a token a macro uses twice, a field shorthand) are joined by rules, as
/// `ra_ap_ide` did.
pub(super) fn hover(db: &RootDatabase, file_id: FileId, offset: TextSize) -> Option<Hover> {
    let sema = Semantics::new(db);
    let file = sema
        .parse(EditionedFileId::new(db, file_id, EDITION))
        .syntax()
        .clone();
    let display_target = sema.first_crate(file_id)?.to_display_target(db);
    let original = pick_best_token(file.token_at_offset(offset), token_rank)?;
    let ranker = Ranker::from_token(&original);
    let mut descended = sema.descend_into_macros(original.clone());
    descended.sort_by_cached_key(|token| !ranker.rank_token(token));
    let mut sections: Vec<String> = Vec::new();
    for token in descended {
        let same_kind = token.kind() == ranker.kind;
        let found = match definition::at(&sema, &token) {
            Some(found) => found.render(&sema, display_target),
            None => keyword(&sema, &token, display_target)
                .or_else(|| {
                    same_kind
                        .then(|| expression_type(&sema, &token, display_target))
                        .flatten()
                })
                .or_else(|| literal(&sema, &original, display_target))
                .into_iter()
                .collect(),
        };
        for section in found {
            if !sections.contains(&section) {
                sections.push(section);
            }
        }
    }
    let markdown = sections
        .into_iter()
        .reduce(|all, section| format!("{all}\n\n---\n{section}"))?;
    Some(Hover { markdown })
}

/// Which token at a boundary the hover is about (`ra_ap_ide`'s order).
fn token_rank(kind: SyntaxKind) -> usize {
    match kind {
        SyntaxKind::IDENT
        | SyntaxKind::INT_NUMBER
        | SyntaxKind::LIFETIME_IDENT
        | T![self]
        | T![super]
        | T![crate]
        | T![Self]
        | T![_] => 4,
        T!['['] | T![']'] | T![?] | T![*] | T![-] | T![!] | T![|] => 3,
        kind if kind.is_keyword(EDITION) => 2,
        T!['('] | T![')'] => 2,
        kind if kind.is_trivia() => 0,
        _ => 1,
    }
}

/// A keyword: the standard library's documentation of it (`std::let_keyword`, …), and the
/// type of the expression it starts when that is not `()` (`match: u8`).
fn keyword(
    sema: &Semantics<'_, RootDatabase>,
    token: &SyntaxToken,
    display_target: DisplayTarget,
) -> Option<String> {
    let edition = display_target.edition;
    if !token.kind().is_keyword(edition) {
        return None;
    }
    let parent = token.parent()?;
    let famous_defs = FamousDefs(sema, sema.scope(&parent)?.krate());
    let text = token.text();
    let (description, module) = match token.kind() {
        T![await] | T![loop] | T![match] | T![unsafe] | T![as] | T![try] | T![if] | T![else] => {
            let description = ast::Expr::cast(parent)
                .and_then(|expr| sema.type_of_expr(&expr))
                .map(TypeInfo::adjusted)
                .filter(|ty| !ty.is_unit())
                .map(|ty| format!("{text}: {}", ty.display(sema.db, display_target)))
                .unwrap_or_else(|| text.to_owned());
            (description, format!("{text}_keyword"))
        }
        T![fn] if ast::FnPtrType::can_cast(parent.kind()) => (text.to_owned(), "prim_fn".into()),
        T![Self] => (text.to_owned(), "self_upper_keyword".into()),
        _ => (text.to_owned(), format!("{text}_keyword")),
    };
    let docs = find_std_module(&famous_defs, &module, edition)?.docs(sema.db)?;
    Some(format!(
        "```rust\n{description}\n```\n___\n\n{}",
        docs.as_str()
    ))
}

/// The type of `_` (a placeholder type, an underscore expression, a wildcard pattern), or of
/// a call when the cursor is on one of its parentheses.
fn expression_type(
    sema: &Semantics<'_, RootDatabase>,
    token: &SyntaxToken,
    display_target: DisplayTarget,
) -> Option<String> {
    let parent = token.parent()?;
    let info = match token.kind() {
        T![_] => match_ast! {
            match parent {
                ast::InferType(it) => TypeInfo {
                    original: sema.resolve_type(&ast::Type::InferType(it))?,
                    adjusted: None,
                },
                ast::UnderscoreExpr(it) => sema.type_of_expr(&ast::Expr::UnderscoreExpr(it))?,
                ast::WildcardPat(it) => sema.type_of_pat(&ast::Pat::WildcardPat(it))?,
                _ => return None,
            }
        },
        T!['('] | T![')'] => {
            let call = ast::ArgList::cast(parent)?.syntax().parent()?;
            let call: ast::Expr = match_ast! {
                match call {
                    ast::CallExpr(it) => it.into(),
                    ast::MethodCallExpr(it) => it.into(),
                    _ => return None,
                }
            };
            sema.type_of_expr(&call)?
        }
        _ => return None,
    };
    Some(type_info(sema, info, display_target))
}

/// A type, and what it was coerced to, as `ra_ap_ide` showed them.
fn type_info(
    sema: &Semantics<'_, RootDatabase>,
    TypeInfo { original, adjusted }: TypeInfo<'_>,
    display_target: DisplayTarget,
) -> String {
    let original = original.display(sema.db, display_target).to_string();
    match adjusted {
        Some(adjusted) => {
            let adjusted = adjusted.display(sema.db, display_target).to_string();
            let label_difference = "Coerced to: ".len() - "Type: ".len();
            format!(
                "```text\nType: {:>apad$}\nCoerced to: {:>opad$}\n```\n",
                original,
                adjusted,
                apad = label_difference + adjusted.len().max(original.len()),
                opad = original.len(),
            )
        }
        None => format!("```rust\n{original}\n```"),
    }
}

/// A literal: its type and value.
fn literal(
    sema: &Semantics<'_, RootDatabase>,
    token: &SyntaxToken,
    display_target: DisplayTarget,
) -> Option<String> {
    let literal = token.parent().and_then(ast::Literal::cast)?;
    let ty = match literal.syntax().parent().and_then(ast::Pat::cast) {
        Some(pat) => sema.type_of_pat(&pat)?,
        None => sema.type_of_expr(&ast::Expr::Literal(literal))?,
    }
    .original;
    let value = match_ast! {
        match token {
            ast::String(it) => it.value().map(|it| it.to_string()).map_err(|e| format!("{e:?}")),
            ast::Char(it) => it.value().map(|it| it.to_string()).map_err(|e| format!("{e:?}")),
            ast::Byte(it) => it.value().map(|it| format!("0x{it:X}")).map_err(|e| format!("{e:?}")),
            ast::IntNumber(it) => it
                .value()
                .map(|n| format!("{n} (0x{n:X}|0b{n:b})"))
                .map_err(|e| e.to_string()),
            ast::FloatNumber(it) => float_value(&it.value_string(), &ty),
            _ => return None,
        }
    };
    let mut markdown = format!(
        "```rust\n{}\n```\n---\n\n",
        ty.display(sema.db, display_target)
    );
    match value {
        Ok(value) => {
            let backticks = "`".repeat(value.matches('`').count() + 1);
            let space = if value.chars().all(|c| c == ' ') {
                ""
            } else {
                " "
            };
            match value.split_once('\n') {
                Some((first_line, _)) => markdown.push_str(&format!(
                    "value of literal (truncated up to newline): \
                     {backticks}{space}{first_line}{space}{backticks}"
                )),
                None => markdown.push_str(&format!(
                    "value of literal: {backticks}{space}{value}{space}{backticks}"
                )),
            }
        }
        Err(error) => markdown.push_str(&format!("invalid literal: {error}")),
    }
    Some(markdown)
}

/// A float literal's value and bits, for `f32` and `f64` (`f16` and `f128` as written).
fn float_value(text: &str, ty: &ra_ap_hir::Type<'_>) -> Result<String, String> {
    let builtin = ty.as_builtin();
    if builtin.is_some_and(|it| it.is_f32()) {
        let num: f32 = text
            .parse()
            .map_err(|e: std::num::ParseFloatError| e.to_string())?;
        Ok(format!("{num} (bits: 0x{:X})", num.to_bits()))
    } else if builtin.is_some_and(|it| it.is_f16() || it.is_f128()) {
        Ok(text.to_owned())
    } else {
        let num: f64 = text
            .parse()
            .map_err(|e: std::num::ParseFloatError| e.to_string())?;
        Ok(format!("{num} (bits: 0x{:X})", num.to_bits()))
    }
}
