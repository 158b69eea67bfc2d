//! Scalar functions usable in `filter`, `fields`, `stats` arguments and `by`.
//!
//! Names are matched case-insensitively (`isPresent`, `ispresent`). A missing argument makes
//! most functions missing too; `ispresent`, `isempty`, `isblank`, `coalesce` and `concat`
//! (which skips missing parts) are the exceptions. `substr` is 0-based.

use std::borrow::Cow;

use super::ast::Func;
use super::log_pattern::{pattern_of, severity_of};
use super::value::Val;

fn num(v: &Option<Val<'_>>) -> Option<f64> {
    v.as_ref().and_then(Val::num)
}

fn number(n: f64) -> Option<Val<'static>> {
    n.is_finite().then_some(Val::Num(n))
}

/// Maps text, keeping borrowed text borrowed when `f` returns a sub-slice.
fn map_text<'a>(v: Option<Val<'a>>, f: impl Fn(&str) -> &str) -> Option<Val<'a>> {
    Some(Val::Str(match v? {
        Val::Str(Cow::Borrowed(s)) => Cow::Borrowed(f(s)),
        other => Cow::Owned(f(&other.text()).to_owned()),
    }))
}

fn period_floor(t: i64, period: i64) -> i64 {
    if period <= 0 {
        t
    } else {
        t.saturating_sub(t.rem_euclid(period))
    }
}

/// Applies `f` to evaluated arguments (arity was checked by the parser).
pub(crate) fn call<'a>(f: Func, mut args: Vec<Option<Val<'a>>>) -> Option<Val<'a>> {
    let arg = |i: usize| args.get(i).cloned().flatten();
    match f {
        Func::Strlen => Some(Val::Int(arg(0)?.text().chars().count() as i64)),
        Func::ToLower => Some(Val::Str(Cow::Owned(arg(0)?.text().to_lowercase()))),
        Func::ToUpper => Some(Val::Str(Cow::Owned(arg(0)?.text().to_uppercase()))),
        Func::Concat => Some(concat(&args)),
        Func::Substr => substr(arg(0)?, num(&arg(1))?, args.get(2)),
        Func::Replace => replace(arg(0)?, arg(1)?, arg(2)?),
        Func::Trim => map_text(arg(0), str::trim),
        Func::Ltrim => map_text(arg(0), str::trim_start),
        Func::Rtrim => map_text(arg(0), str::trim_end),
        Func::StrContains => {
            let (text, part) = (arg(0)?, arg(1)?);
            Some(Val::bool(text.text().contains(part.text().as_ref())))
        }
        Func::Abs => number(num(&arg(0))?.abs()),
        Func::Ceil => number(num(&arg(0))?.ceil()),
        Func::Floor => number(num(&arg(0))?.floor()),
        Func::Round => round(num(&arg(0))?, args.get(1)),
        Func::Greatest => args
            .iter()
            .filter_map(num)
            .reduce(f64::max)
            .and_then(number),
        Func::Least => args
            .iter()
            .filter_map(num)
            .reduce(f64::min)
            .and_then(number),
        Func::Log => number(num(&arg(0))?.ln()),
        Func::Sqrt => number(num(&arg(0))?.sqrt()),
        Func::Pow => number(num(&arg(0))?.powf(num(&arg(1))?)),
        Func::IsEmpty => Some(Val::bool(arg(0).is_none_or(|v| v.text().is_empty()))),
        Func::IsBlank => Some(Val::bool(arg(0).is_none_or(|v| v.text().trim().is_empty()))),
        Func::IsPresent => Some(Val::bool(arg(0).is_some())),
        Func::PatternOf => Some(Val::Str(Cow::Owned(pattern_of(&arg(0)?.text())))),
        Func::SeverityOf => Some(Val::Str(Cow::Borrowed(severity_of(&arg(0)?.text())))),
        Func::Coalesce => args.iter_mut().find_map(Option::take),
        Func::Bin | Func::DateFloor => {
            let t = num(&arg(0))? as i64;
            Some(Val::Time(period_floor(t, num(&arg(1))? as i64)))
        }
        Func::DateCeil => date_ceil(num(&arg(0))? as i64, num(&arg(1))? as i64),
        Func::FromMillis => Some(Val::Time(num(&arg(0))? as i64)),
        Func::ToMillis => Some(Val::Int(num(&arg(0))? as i64)),
    }
}

/// `concat`: the parts' text, missing parts skipped.
fn concat(args: &[Option<Val<'_>>]) -> Val<'static> {
    let parts: Vec<String> = args
        .iter()
        .flatten()
        .map(|v| v.text().into_owned())
        .collect();
    Val::Str(Cow::Owned(parts.concat()))
}

/// `substr(text, start[, len])`, 0-based, in characters.
fn substr<'a>(text: Val<'a>, start: f64, len: Option<&Option<Val<'a>>>) -> Option<Val<'a>> {
    let start = start.max(0.0) as usize;
    let len = match len {
        Some(v) => Some(num(v)?.max(0.0) as usize),
        None => None,
    };
    map_text(Some(text), |s| {
        let from = s.char_indices().nth(start).map_or(s.len(), |(i, _)| i);
        let rest = &s[from..];
        let to = len
            .and_then(|n| rest.char_indices().nth(n).map(|(i, _)| i))
            .unwrap_or(rest.len());
        &rest[..to]
    })
}

/// `replace(text, from, to)`: every `from` replaced; an empty `from` replaces nothing.
fn replace<'a>(text: Val<'a>, from: Val<'a>, to: Val<'a>) -> Option<Val<'a>> {
    let from = from.text();
    if from.is_empty() {
        return Some(text);
    }
    Some(Val::Str(Cow::Owned(
        text.text().replace(from.as_ref(), &to.text()),
    )))
}

/// `round(x[, digits])`, digits clamped to ±15.
fn round(x: f64, digits: Option<&Option<Val<'_>>>) -> Option<Val<'static>> {
    match digits {
        Some(d) => {
            let scale = 10f64.powi(num(d)?.clamp(-15.0, 15.0) as i32);
            number((x * scale).round() / scale)
        }
        None => number(x.round()),
    }
}

/// `dateceil(t, period)`: `t` itself on a period's boundary, else the next boundary.
fn date_ceil(t: i64, period: i64) -> Option<Val<'static>> {
    let floor = period_floor(t, period);
    Some(Val::Time(if floor == t {
        t
    } else {
        floor.saturating_add(period)
    }))
}
