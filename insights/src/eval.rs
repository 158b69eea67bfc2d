//! Evaluating expressions and the per-row commands (`filter`, `fields`, `parse`).
//!
//! Logic is three-valued: a comparison, `like` or `in` on a missing value is missing, `not`
//! of missing is missing, and `filter` keeps a row only for a present, true value. So
//! `filter status != 200` and `filter not (status = 200)` both drop events without `status`.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::{BinOp, Command, Expr, Matcher};
use super::fields::Row;
use super::functions;
use super::plan::Plan;
use super::value::{Val, compare};

/// The value of `e` for `row`.
pub(crate) fn eval<'a>(e: &'a Expr, row: &mut Row<'a>, plan: &'a Plan) -> Option<Val<'a>> {
    match e {
        Expr::Field(slot) => row.get(*slot, plan),
        Expr::Str(s) => Some(Val::Str(Cow::Borrowed(s))),
        Expr::Num(n) => Some(Val::Num(*n)),
        Expr::Period(ms) => Some(Val::Int(*ms)),
        Expr::Neg(e) => Some(Val::Num(-eval(e, row, plan)?.num()?)),
        Expr::Not(e) => Some(Val::bool(!eval(e, row, plan)?.truthy())),
        Expr::And(a, b) => {
            let left = truth(a, row, plan);
            if left == Some(false) {
                return Some(Val::bool(false));
            }
            match (left, truth(b, row, plan)) {
                (_, Some(false)) => Some(Val::bool(false)),
                (Some(true), Some(true)) => Some(Val::bool(true)),
                _ => None,
            }
        }
        Expr::Or(a, b) => {
            let left = truth(a, row, plan);
            if left == Some(true) {
                return Some(Val::bool(true));
            }
            match (left, truth(b, row, plan)) {
                (_, Some(true)) => Some(Val::bool(true)),
                (Some(false), Some(false)) => Some(Val::bool(false)),
                _ => None,
            }
        }
        Expr::Bin(op, a, b) => {
            let x = eval(a, row, plan)?;
            let y = eval(b, row, plan)?;
            binary(*op, &x, &y)
        }
        Expr::Like {
            expr,
            matcher,
            negated,
        } => {
            let v = eval(expr, row, plan)?;
            let text = v.text();
            let hit = match matcher {
                Matcher::Substr(s) => text.contains(s.as_str()),
                Matcher::Regex(re) => re.is_match(&text),
            };
            Some(Val::bool(hit != *negated))
        }
        Expr::In {
            expr,
            list,
            negated,
        } => {
            let v = eval(expr, row, plan)?;
            let mut hit = false;
            for item in list {
                if let Some(item) = eval(item, row, plan) {
                    hit |= compare(&v, &item) == Ordering::Equal;
                }
            }
            Some(Val::bool(hit != *negated))
        }
        Expr::Call(f, args) => {
            let values = args.iter().map(|a| eval(a, row, plan)).collect();
            functions::call(*f, values)
        }
    }
}

/// `Some(truthiness)` of a present value, `None` when missing.
fn truth<'a>(e: &'a Expr, row: &mut Row<'a>, plan: &'a Plan) -> Option<bool> {
    eval(e, row, plan).map(|v| v.truthy())
}

fn binary(op: BinOp, x: &Val<'_>, y: &Val<'_>) -> Option<Val<'static>> {
    let cmp = |want: fn(Ordering) -> bool| Some(Val::bool(want(compare(x, y))));
    let arith = |f: fn(f64, f64) -> f64| {
        let r = f(x.num()?, y.num()?);
        r.is_finite().then_some(Val::Num(r))
    };
    match op {
        BinOp::Eq => cmp(Ordering::is_eq),
        BinOp::Ne => cmp(Ordering::is_ne),
        BinOp::Lt => cmp(Ordering::is_lt),
        BinOp::Le => cmp(Ordering::is_le),
        BinOp::Gt => cmp(Ordering::is_gt),
        BinOp::Ge => cmp(Ordering::is_ge),
        BinOp::Add => arith(|a, b| a + b),
        BinOp::Sub => arith(|a, b| a - b),
        BinOp::Mul => arith(|a, b| a * b),
        BinOp::Div => arith(|a, b| a / b),
        BinOp::Rem => arith(|a, b| a % b),
        BinOp::Pow => arith(f64::powf),
    }
}

/// Applies a per-row command; `false` when a `filter` drops the row.
pub(crate) fn apply<'a>(cmd: &'a Command, row: &mut Row<'a>, plan: &'a Plan) -> bool {
    match cmd {
        Command::Filter(e) => truth(e, row, plan) == Some(true),
        Command::Fields(projections) => {
            for p in projections {
                if !matches!(p.expr, Expr::Field(s) if s == p.slot) {
                    let value = eval(&p.expr, row, plan);
                    row.set(p.slot, value);
                }
            }
            true
        }
        Command::Parse(parse) => {
            let captured = eval(&parse.source, row, plan).and_then(|v| match v {
                Val::Str(text) => parse.pattern.apply(text),
                other => parse.pattern.apply(Cow::Owned(other.render())),
            });
            match captured {
                Some(values) => {
                    for (slot, value) in parse.outputs.iter().zip(values) {
                        row.set(*slot, value);
                    }
                }
                None => parse.outputs.iter().for_each(|s| row.set(*s, None)),
            }
            true
        }
        Command::Display(_)
        | Command::Stats(_)
        | Command::Sort(_)
        | Command::Limit(_)
        | Command::Dedup(_)
        | Command::Share { .. } => true,
    }
}
