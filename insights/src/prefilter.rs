//! [`super::Query::required_substrings`]: literals the raw message of every matching
//! event must contain, from the filters that run on events.
//!
//! A literal is required when a filter joined to the others by `and` compares a field with
//! it by `=` (a non-numeric literal, so the comparison is textual and exact), `like "…"`,
//! `=~ "…"` or a one-element `in`, and the field still holds text from the message:
//! - `@message` itself, or a `parse` of it: any literal is a substring of the raw text;
//! - a JSON field (or a `parse` of one): the value was unescaped (and objects compacted),
//!   so only literals that no JSON encoder escapes are used: printable ASCII without
//!   `" \ / ' < > &`, and for substring matches also without `{ } [ ] : ,`, around which
//!   compaction removes whitespace.
//!
//! Nothing under `or` or `not` is required.

use super::ast::{BinOp, Command, Expr, MESSAGE, Matcher, SPECIAL};
use super::value::parse_num;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Origin {
    /// The raw message or a slice of it.
    Raw,
    /// Text from a JSON value of the message.
    Json,
    Other,
}

pub(crate) fn required(pre: &[Command], slots: usize) -> Vec<String> {
    let mut origin = vec![Origin::Json; slots];
    origin[..SPECIAL.len()].fill(Origin::Other);
    origin[MESSAGE] = Origin::Raw;
    let mut out: Vec<String> = Vec::new();
    for command in pre {
        match command {
            Command::Filter(e) => collect(e, &origin, &mut out),
            Command::Fields(projections) => {
                for p in projections {
                    origin[p.slot] = match p.expr {
                        Expr::Field(s) => origin[s],
                        _ => Origin::Other,
                    };
                }
            }
            Command::Parse(parse) => {
                let from = match parse.source {
                    Expr::Field(s) => origin[s],
                    _ => Origin::Other,
                };
                parse.outputs.iter().for_each(|&s| origin[s] = from);
            }
            _ => {}
        }
    }
    let mut unique = Vec::new();
    for s in out {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    unique
}

fn collect(e: &Expr, origin: &[Origin], out: &mut Vec<String>) {
    match e {
        Expr::And(a, b) => {
            collect(a, origin, out);
            collect(b, origin, out);
        }
        Expr::Bin(BinOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
            (Expr::Field(s), Expr::Str(t)) | (Expr::Str(t), Expr::Field(s))
                if parse_num(t).is_none() && usable(origin[*s], t, false) =>
            {
                out.push(t.clone());
            }
            _ => {}
        },
        Expr::Like {
            expr,
            matcher: Matcher::Substr(t),
            negated: false,
        } => {
            if let Expr::Field(s) = expr.as_ref()
                && usable(origin[*s], t, true)
            {
                out.push(t.clone());
            }
        }
        Expr::In {
            expr,
            list,
            negated: false,
        } => {
            if let (Expr::Field(s), [Expr::Str(t)]) = (expr.as_ref(), list.as_slice())
                && parse_num(t).is_none()
                && usable(origin[*s], t, false)
            {
                out.push(t.clone());
            }
        }
        _ => {}
    }
}

fn usable(origin: Origin, literal: &str, substring: bool) -> bool {
    if literal.is_empty() {
        return false;
    }
    match origin {
        Origin::Raw => true,
        Origin::Json => literal.chars().all(|c| {
            let plain = (c.is_ascii_graphic() || c == ' ') && !"\"\\/'<>&".contains(c);
            plain && !(substring && "{}[]:,".contains(c))
        }),
        Origin::Other => false,
    }
}
