//! `parse`: extracting fields from text with a glob (`"* [*] *"`) or a regex with named
//! groups (`/(?<user>\S+) logged in/`).
//!
//! A glob is not anchored at the start: its leading literal is searched for. Each `*`
//! takes the shortest text up to the next literal; a trailing `*` takes the rest. When the
//! pattern does not match, every field it names becomes absent.

use std::borrow::Cow;
use std::ops::Range;

use regex::Regex;

use super::value::Val;

#[derive(Debug, Clone)]
pub(crate) enum Pattern {
    /// The literal pieces around the `*`s (one more piece than there are `*`s).
    Glob(Vec<String>),
    Regex(Regex),
}

impl Pattern {
    /// Splits a glob at its `*`s.
    pub(crate) fn glob(text: &str) -> Pattern {
        Pattern::Glob(text.split('*').map(str::to_owned).collect())
    }

    /// How many fields the pattern produces (for a regex: its named groups, in order).
    pub(crate) fn captures(&self) -> usize {
        match self {
            Pattern::Glob(pieces) => pieces.len() - 1,
            Pattern::Regex(re) => re.capture_names().flatten().count(),
        }
    }

    /// The captured values, one per field; `None` when the pattern does not match.
    pub(crate) fn apply<'a>(&self, text: Cow<'a, str>) -> Option<Vec<Option<Val<'a>>>> {
        let ranges = match self {
            Pattern::Glob(pieces) => glob_ranges(pieces, &text)?.into_iter().map(Some).collect(),
            Pattern::Regex(re) => {
                let caps = re.captures(&text)?;
                let names = re.capture_names().flatten();
                names
                    .map(|n| caps.name(n).map(|m| m.range()))
                    .collect::<Vec<_>>()
            }
        };
        let slice = |r: Range<usize>| -> Option<Val<'a>> {
            Some(Val::Str(match &text {
                Cow::Borrowed(s) => Cow::Borrowed(s.get(r)?),
                Cow::Owned(s) => Cow::Owned(s.get(r)?.to_owned()),
            }))
        };
        Some(ranges.into_iter().map(|r| r.and_then(slice)).collect())
    }
}

fn glob_ranges(pieces: &[String], text: &str) -> Option<Vec<Range<usize>>> {
    let (first, rest) = pieces.split_first()?;
    let mut pos = match first.is_empty() {
        true => 0,
        false => text.find(first.as_str())? + first.len(),
    };
    let mut ranges = Vec::with_capacity(rest.len());
    for (i, lit) in rest.iter().enumerate() {
        let end = if lit.is_empty() {
            if i + 1 == rest.len() { text.len() } else { pos }
        } else {
            pos + text.get(pos..)?.find(lit.as_str())?
        };
        ranges.push(pos..end);
        pos = end + lit.len();
    }
    Some(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(p: &Pattern, s: &str) -> Option<Vec<Option<String>>> {
        let vals = p.apply(Cow::Borrowed(s))?;
        Some(vals.into_iter().map(|v| v.map(|v| v.render())).collect())
    }

    #[test]
    fn glob_takes_shortest_text_and_trailing_star_takes_the_rest() {
        let p = Pattern::glob("* [*] *");
        let got = texts(&p, "2024-01-01 [ERROR] disk full [sda]").unwrap();
        let want = ["2024-01-01", "ERROR", "disk full [sda]"];
        assert_eq!(got, want.map(|s| Some(s.to_owned())));
    }

    #[test]
    fn glob_leading_literal_is_searched_for() {
        let p = Pattern::glob("user=*, ms=*;");
        let got = texts(&p, "x y user=ann, ms=12; tail").unwrap();
        assert_eq!(got, [Some("ann".to_owned()), Some("12".to_owned())]);
        assert_eq!(texts(&p, "user=ann ms=12"), None);
    }

    #[test]
    fn regex_named_groups_in_order() {
        let p = Pattern::Regex(Regex::new(r"(?<user>\w+) took (?<ms>\d+)?ms").unwrap());
        assert_eq!(p.captures(), 2);
        let got = texts(&p, "bob took ms").unwrap();
        assert_eq!(got, [Some("bob".to_owned()), None]);
    }
}
