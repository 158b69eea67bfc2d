//! What people wrote in a record's markdown cells: their notes, for the timeline, and
//! sections a review has (cause, what went well, …), carried into the review.
//!
//! A markdown cell is a **note** when it is tagged `note`, or when its first non-blank
//! line starts with `Note:` or `**Note**` (`**Note:**` too; any case). Its time is the
//! instant it states first, when its text (after the prefix) starts with one
//! (`Note: 2026-11-12T14:20:00Z paged the DB team`; minutes are enough:
//! `2026-11-12T14:20Z`); otherwise the time the run reached it: when the last code cell
//! before it finished, or the run's start when none ran before it.
//!
//! A **section** is a markdown heading (any level) whose text is one of the names in
//! [`SECTIONS`] (any case, a trailing `:` ignored); its text runs to the next heading of
//! the same or a higher level, or the end of the cell.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The review's sections and the headings that fill each.
pub(super) const SECTIONS: [(Heading, &[&str]); 4] = [
    (
        Heading::Cause,
        &["cause", "causes", "root cause", "root causes"],
    ),
    (Heading::WentWell, &["what went well"]),
    (
        Heading::ToImprove,
        &[
            "what to improve",
            "what went wrong",
            "what could be improved",
        ],
    ),
    (
        Heading::ActionItems,
        &["action items", "actions", "follow-ups", "follow-up actions"],
    ),
];

/// A section of the review people fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Heading {
    Cause,
    WentWell,
    ToImprove,
    ActionItems,
}

impl Heading {
    pub(super) fn title(self) -> &'static str {
        match self {
            Heading::Cause => "Cause",
            Heading::WentWell => "What went well",
            Heading::ToImprove => "What to improve",
            Heading::ActionItems => "Action items",
        }
    }
}

/// The note a markdown cell is, if it is one: its text, and the instant it states.
pub(super) fn note(source: &str, tags: &[String]) -> Option<(String, Option<DateTime<Utc>>)> {
    let first = source.lines().find(|l| !l.trim().is_empty())?.trim_start();
    let lower = first.to_lowercase();
    let prefix = ["**note:**", "**note**:", "**note**", "note:"]
        .into_iter()
        .find(|p| lower.starts_with(p));
    let tagged = tags.iter().any(|t| t == "note");
    if prefix.is_none() && !tagged {
        return None;
    }
    let body = source.trim_start();
    let body = prefix.map_or(body, |p| &body[p.len()..]).trim();
    let (stated, rest) = leading_instant(body);
    let text = rest
        .trim_start_matches([' ', ':', '—', '–', '-', ','])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Some((
        if stated.is_some() {
            text
        } else {
            one_line(body)
        },
        stated,
    ))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An RFC 3339 instant (seconds optional) at the start of `text`, and the rest.
fn leading_instant(text: &str) -> (Option<DateTime<Utc>>, &str) {
    let token = text.split_whitespace().next().unwrap_or("");
    let word = token.trim_end_matches([':', ',']);
    let parsed = DateTime::parse_from_rfc3339(word)
        .map(|t| t.to_utc())
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(word, "%Y-%m-%dT%H:%MZ")
                .ok()
                .map(|t| t.and_utc())
        });
    match parsed {
        Some(at) => (Some(at), &text[token.len()..]),
        None => (None, text),
    }
}

/// The review sections a markdown cell holds, with their text (non-empty only).
pub(super) fn sections(source: &str) -> Vec<(Heading, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let headings = headings(&lines);
    let mut found = Vec::new();
    for (n, &(line, level)) in headings.iter().enumerate() {
        let title = lines[line].trim_start_matches('#').trim();
        let title = title.trim_end_matches(':').trim().to_lowercase();
        let Some((heading, _)) = SECTIONS.iter().find(|(_, names)| names.contains(&&*title)) else {
            continue;
        };
        let end = (headings[n + 1..].iter())
            .find(|&&(_, l)| l <= level)
            .map_or(lines.len(), |&(at, _)| at);
        let text = lines[line + 1..end].join("\n").trim().to_owned();
        if !text.is_empty() {
            found.push((*heading, text));
        }
    }
    found
}

/// The heading lines of a markdown text and their levels (fenced code left out).
fn headings(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut fenced = false;
    let mut found = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        let level = trimmed.chars().take_while(|&c| c == '#').count();
        if !fenced && (1..=6).contains(&level) && trimmed[level..].starts_with(' ') {
            found.push((n, level));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn notes_are_tagged_or_start_with_note() {
        let none: &[String] = &[];
        assert_eq!(
            note("Note: the pager\nfired twice", none),
            Some(("the pager fired twice".into(), None))
        );
        assert_eq!(
            note("\n**Note:** 2026-11-12T14:20Z — paged the DB team", none),
            Some(("paged the DB team".into(), Some(at("2026-11-12T14:20:00Z"))))
        );
        assert_eq!(
            note("**NOTE** 2026-11-12T14:20:30Z: rolled back", none),
            Some(("rolled back".into(), Some(at("2026-11-12T14:20:30Z"))))
        );
        assert_eq!(
            note("Rolled back by hand.", &["note".to_owned()]),
            Some(("Rolled back by hand.".into(), None))
        );
        assert_eq!(note("## Notes on the data\nNote: not first", none), None);
        assert_eq!(note("Notebook: x", none), None);
    }

    #[test]
    fn review_sections_are_found_under_their_headings() {
        let text = "# Incident\n## Root cause:\nA leak in v2.14.0.\n### Detail\nPool.\n\
            ## What went well\n\n## Action items\n```\n# not a heading\n```\n- fix\n# Other\nx";
        let found = sections(text);
        assert_eq!(
            found,
            [
                (
                    Heading::Cause,
                    "A leak in v2.14.0.\n### Detail\nPool.".to_owned()
                ),
                (
                    Heading::ActionItems,
                    "```\n# not a heading\n```\n- fix".to_owned()
                ),
            ],
            "an empty section is not carried"
        );
    }
}
