//! The order of `sort`, after CloudWatch's documented "natural" sort: ascending puts every
//! non-number before every number; numbers compare by value; other text compares in
//! chunks of digits and non-digits, digit chunks by length then value, other chunks by
//! Unicode code point. Descending is the reverse. Rows missing a sort key come last in
//! either direction.
//!
//! Ties keep the incoming order, which for events is CloudWatch's default: `@timestamp`
//! descending, then push order.

use std::cmp::Ordering;

use super::fields::Row;
use super::value::Val;

/// Ascending natural order of two present values.
pub(crate) fn natural(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    match (a.num(), b.num()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => chunks(&a.text(), &b.text()),
    }
}

fn chunks(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (next_chunk(a), next_chunk(b)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((x, x_rest)), Some((y, y_rest))) => {
                let both_digits = x.starts_with(|c: char| c.is_ascii_digit())
                    && y.starts_with(|c: char| c.is_ascii_digit());
                let order = match both_digits {
                    true => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
                    false => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
                a = x_rest;
                b = y_rest;
            }
        }
    }
}

/// The leading run of digits or of non-digits, and the rest.
fn next_chunk(s: &str) -> Option<(&str, &str)> {
    let digits = s.chars().next()?.is_ascii_digit();
    let end = s
        .find(|c: char| c.is_ascii_digit() != digits)
        .unwrap_or(s.len());
    Some(s.split_at(end))
}

/// Compares sort keys (`desc[i]` per key); missing keys last.
pub(crate) fn keys(a: &[Option<Val<'_>>], b: &[Option<Val<'_>>], desc: &[bool]) -> Ordering {
    for ((x, y), &desc) in a.iter().zip(b).zip(desc) {
        let order = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) if desc => natural(y, x),
            (Some(x), Some(y)) => natural(x, y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// CloudWatch's default order of events: newest first, then push order.
pub(crate) fn default_order(a: &Row<'_>, b: &Row<'_>) -> Ordering {
    b.ts.cmp(&a.ts).then(a.seq.cmp(&b.seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn matches_the_documented_ascending_example() {
        let want = [
            "!:",
            "#",
            "*%04",
            "0#",
            "5A",
            "111A",
            "2345_",
            "@",
            "@_",
            "A",
            "A9876fghj",
            "a12345hfh",
            "0",
            "1",
            "2",
            "3",
        ];
        // The documented list also has "01" next to "1": equal numbers, in no stated order.
        let mut got: Vec<Val<'_>> = want
            .iter()
            .rev()
            .map(|s| Val::Str(Cow::Borrowed(*s)))
            .collect();
        got.sort_by(natural);
        let got: Vec<String> = got.iter().map(Val::render).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn missing_keys_sort_last_in_both_directions() {
        let one = [Some(Val::Int(1))];
        let none = [None];
        assert_eq!(keys(&one, &none, &[false]), Ordering::Less);
        assert_eq!(keys(&one, &none, &[true]), Ordering::Less);
        assert_eq!(keys(&[Some(Val::Int(2))], &one, &[true]), Ordering::Less);
    }
}
