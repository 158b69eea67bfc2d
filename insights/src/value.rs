//! Values of fields and expressions, and their text form in results.
//!
//! Text taken from an event stays borrowed (`Cow::Borrowed`) until a row is kept. A string
//! is a number when all of it parses as one, so `"500"` and `500` compare numerically, as
//! in CloudWatch. Booleans are the integers 1 and 0.

use std::borrow::Cow;
use std::cmp::Ordering;

/// A present value (absence is `Option::None` around it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Int(i64),
    /// Epoch milliseconds, shown as `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
    Time(i64),
}

impl Val<'_> {
    pub(crate) fn bool(b: bool) -> Val<'static> {
        Val::Int(i64::from(b))
    }

    /// The numeric value, when there is one.
    pub(crate) fn num(&self) -> Option<f64> {
        match self {
            Val::Str(s) => parse_num(s),
            Val::Num(n) => Some(*n),
            Val::Int(i) => Some(*i as f64),
            Val::Time(t) => Some(*t as f64),
        }
    }

    /// The text form (borrowed for strings).
    pub(crate) fn text(&self) -> Cow<'_, str> {
        match self {
            Val::Str(s) => Cow::Borrowed(s.as_ref()),
            other => Cow::Owned(other.render()),
        }
    }

    /// Whether `filter` keeps a row for this value.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Val::Str(s) => !(s.is_empty() || s == "0" || s.eq_ignore_ascii_case("false")),
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Int(i) => *i != 0,
            Val::Time(_) => true,
        }
    }

    /// The cell text, as `GetQueryResults` would give it.
    pub(crate) fn render(&self) -> String {
        match self {
            Val::Str(s) => s.to_string(),
            Val::Num(n) => fmt_num(*n),
            Val::Int(i) => i.to_string(),
            Val::Time(t) => fmt_time(*t),
        }
    }

    pub(crate) fn into_owned(self) -> Val<'static> {
        match self {
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            Val::Num(n) => Val::Num(n),
            Val::Int(i) => Val::Int(i),
            Val::Time(t) => Val::Time(t),
        }
    }
}

/// A number written in text: the whole string, starting with a digit, sign or dot.
pub(crate) fn parse_num(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let lead = match *bytes.first()? {
        b'-' | b'+' => *bytes.get(1)?,
        c => c,
    };
    if !(lead.is_ascii_digit() || lead == b'.') {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Shortest natural form: integral values without a fraction, others in full precision.
pub(crate) fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `YYYY-MM-DD HH:MM:SS.mmm`, UTC.
pub(crate) fn fmt_time(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        None => ms.to_string(),
    }
}

/// Comparison for `=`, `<`…: numeric when both sides are numbers, otherwise as text.
pub(crate) fn compare(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    if let (Val::Str(x), Val::Str(y)) = (a, b)
        && (parse_num(x).is_none() || parse_num(y).is_none())
    {
        return x.as_ref().cmp(y.as_ref());
    }
    match (a.num(), b.num()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.text().cmp(&b.text()),
    }
}

/// Equality for group and dedup keys: same kind and same content.
pub(crate) fn same(a: &Option<Val<'_>>, b: &Option<Val<'_>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Val::Str(x)), Some(Val::Str(y))) => x == y,
        (Some(Val::Num(x)), Some(Val::Num(y))) => x.to_bits() == y.to_bits(),
        (Some(Val::Int(x)), Some(Val::Int(y))) => x == y,
        (Some(Val::Time(x)), Some(Val::Time(y))) => x == y,
        _ => false,
    }
}

/// Feeds a key part to a hasher consistently with [`same`].
pub(crate) fn hash_into(v: &Option<Val<'_>>, h: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    match v {
        None => 0u8.hash(h),
        Some(Val::Str(s)) => (1u8, s.as_ref()).hash(h),
        Some(Val::Num(n)) => (2u8, n.to_bits()).hash(h),
        Some(Val::Int(i)) => (3u8, i).hash(h),
        Some(Val::Time(t)) => (4u8, t).hash(h),
    }
}
