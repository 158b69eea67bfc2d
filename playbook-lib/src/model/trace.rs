//! `Trace`: the spans of one trace in tree order (each span after its parent, siblings by
//! start), with what a reader asks of it — how long, how many errors, where the time
//! went — shown as a waterfall chart over a span table.
//!
//! Data as it comes: a span whose parent is not among the spans (outside the window, or
//! not sampled) is shown as a root, a span id seen twice is kept once, and a parent chain
//! that loops is broken; each is a note.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::span::Span;

/// Spans listed in a cell's output (the value keeps them all).
pub(crate) const SHOWN_SPANS: usize = 100;

/// One trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub trace_id: String,
    /// In tree order: each span after its parent, siblings by start.
    pub spans: Vec<Span>,
    /// The depth of each span in the tree (0: a root), in the order of `spans`.
    pub depths: Vec<usize>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Trace {
    /// The trace made of `spans` (spans of other traces are left out).
    pub fn new(trace_id: &str, spans: Vec<Span>) -> Trace {
        let mut notes = Vec::new();
        let mut seen = BTreeSet::new();
        let mut spans: Vec<Span> = spans
            .into_iter()
            .filter(|s| s.trace_id == trace_id && seen.insert(s.span_id.clone()))
            .collect();
        spans.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then_with(|| a.span_id.cmp(&b.span_id))
        });
        let index: BTreeMap<&str, usize> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id.as_str(), i))
            .collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
        let mut roots = Vec::new();
        let mut orphans = 0;
        for (i, span) in spans.iter().enumerate() {
            match span.parent_span_id.as_deref().map(|p| index.get(p)) {
                Some(Some(&parent)) if parent != i => children[parent].push(i),
                Some(_) => {
                    orphans += 1;
                    roots.push(i);
                }
                None => roots.push(i),
            }
        }
        if orphans > 0 {
            notes.push(format!(
                "{orphans} span(s) whose parent is not among the spans found are shown as roots"
            ));
        }
        // Depth first from each root; spans never reached are in a parent loop.
        let mut order: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        let mut placed = vec![false; spans.len()];
        let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
        loop {
            while let Some((i, depth)) = stack.pop() {
                if std::mem::replace(&mut placed[i], true) {
                    continue;
                }
                order.push((i, depth));
                stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
            }
            match placed.iter().position(|p| !p) {
                Some(i) => {
                    notes.push(format!(
                        "span {} is in a parent loop: shown as a root",
                        spans[i].span_id
                    ));
                    stack.push((i, 0));
                }
                None => break,
            }
        }
        let depths = order.iter().map(|&(_, d)| d).collect();
        let mut slots: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
        let spans = order.iter().filter_map(|&(i, _)| slots[i].take()).collect();
        Trace {
            trace_id: trace_id.to_owned(),
            spans,
            depths,
            notes,
        }
    }

    /// The first root: where the trace starts.
    pub fn root(&self) -> Option<&Span> {
        self.spans.first()
    }

    /// When the first span started.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        self.spans.iter().map(|s| s.start).min()
    }

    /// From the first start to the last end.
    pub fn duration(&self) -> TimeDelta {
        let end = self.spans.iter().map(Span::end).max();
        match (self.start(), end) {
            (Some(start), Some(end)) => end - start,
            _ => TimeDelta::zero(),
        }
    }

    /// The duration in milliseconds.
    pub fn duration_ms(&self) -> f64 {
        self.duration().num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
    }

    /// Spans that failed.
    pub fn errors(&self) -> usize {
        self.spans.iter().filter(|s| s.error).count()
    }

    /// The services the trace went through, in order of appearance.
    pub fn services(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for span in &self.spans {
            if !seen.contains(&span.service.as_str()) {
                seen.push(span.service.as_str());
            }
        }
        seen
    }

    /// The span that spent the most time itself (its duration less its children's): where
    /// the time of a slow trace went.
    pub fn bottleneck(&self) -> Option<&Span> {
        let mut own: Vec<i128> = self
            .spans
            .iter()
            .map(|s| i128::from(s.duration_ns))
            .collect();
        let mut parents: Vec<usize> = Vec::new();
        for (i, &depth) in self.depths.iter().enumerate() {
            parents.truncate(depth);
            if let Some(&parent) = parents.last() {
                own[parent] -= i128::from(self.spans[i].duration_ns);
            }
            parents.push(i);
        }
        let best = (0..own.len()).max_by_key(|&i| (own[i], std::cmp::Reverse(i)))?;
        self.spans.get(best)
    }

    /// One line about the trace.
    pub fn summary(&self) -> String {
        let root = self.root().map(Span::label).unwrap_or_default();
        format!(
            "trace {} · {root} · {:.0} ms · {} spans · {} error(s)",
            self.trace_id,
            self.duration_ms(),
            self.spans.len(),
            self.errors()
        )
    }
}

/// An instant to the millisecond (spans carry nanoseconds), for people.
pub(crate) fn millis(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::render::Render;

    /// A span of trace `t` starting `at_ms` after 14:31:17Z, lasting `ms`.
    pub(crate) fn span(id: &str, parent: Option<&str>, name: &str, at_ms: i64, ms: u64) -> Span {
        let t0: DateTime<Utc> = "2026-11-12T14:31:17Z".parse().unwrap_or_default();
        Span {
            trace_id: "t".into(),
            span_id: id.into(),
            parent_span_id: parent.map(str::to_owned),
            name: name.into(),
            kind: if parent.is_none() {
                "SERVER".into()
            } else {
                "CLIENT".into()
            },
            service: "checkout".into(),
            operation: Some("POST /api/checkout".into()),
            remote_service: None,
            start: t0 + TimeDelta::milliseconds(at_ms),
            duration_ns: ms * 1_000_000,
            error: false,
            status_message: None,
            attributes: BTreeMap::new(),
        }
    }

    pub(crate) fn slow_checkout() -> Trace {
        let mut failed = span("d", Some("a"), "pool.acquire", 3, 2);
        failed.error = true;
        failed.status_message = Some("timeout".into());
        Trace::new(
            "t",
            vec![
                span("c", Some("a"), "UPDATE orders", 420, 6870),
                span("a", None, "POST /api/checkout", 0, 7400),
                span("e", Some("c"), "lock wait", 430, 6000),
                failed,
                span("b", Some("a"), "POST /v1/charges", 7295, 94),
            ],
        )
    }

    #[test]
    fn spans_are_in_tree_order_with_their_depths() {
        let trace = slow_checkout();
        let names: Vec<&str> = trace.spans.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "POST /api/checkout",
                "pool.acquire",
                "UPDATE orders",
                "lock wait",
                "POST /v1/charges"
            ]
        );
        assert_eq!(trace.depths, [0, 1, 1, 2, 1]);
        assert_eq!(trace.duration_ms(), 7400.0);
        assert_eq!(trace.errors(), 1);
        assert!(trace.notes.is_empty());
        // The lock wait spent the most time itself (the update only 870 ms of its own).
        assert_eq!(
            trace.bottleneck().map(|s| s.name.as_str()),
            Some("lock wait")
        );
    }

    #[test]
    fn orphans_duplicates_and_loops_are_shown_and_said() {
        let trace = Trace::new(
            "t",
            vec![
                span("a", None, "root", 0, 10),
                span("a", None, "root again", 0, 10),
                span("x", Some("gone"), "orphan", 5, 1),
                span("p", Some("q"), "loop p", 6, 1),
                span("q", Some("p"), "loop q", 7, 1),
                Span {
                    trace_id: "other".into(),
                    ..span("z", None, "other trace", 0, 1)
                },
            ],
        );
        assert_eq!(trace.spans.len(), 5 - 1);
        assert_eq!(trace.depths, [0, 0, 0, 1]);
        assert_eq!(trace.notes.len(), 2, "{:?}", trace.notes);
        assert!(
            trace.notes[0].starts_with("1 span(s) whose parent"),
            "{:?}",
            trace.notes
        );
        assert!(trace.notes[1].contains("parent loop"), "{:?}", trace.notes);
    }

    #[test]
    fn the_display_has_the_waterfall_and_the_span_table() {
        let bundle = slow_checkout().bundle();
        let text = bundle.data["text/plain"].as_str().unwrap_or_default();
        assert!(
            text.starts_with(
                "trace t · checkout POST /api/checkout · 7400 ms · 5 spans · 1 error(s)"
            ),
            "{text}"
        );
        assert!(text.contains("ERROR    checkout pool.acquire"), "{text}");
        let html = bundle.data["text/html"].as_str().unwrap_or_default();
        assert!(
            html.contains("<svg") && html.contains("padding-left:32px\">checkout lock wait"),
            "{html}"
        );
        assert!(
            bundle.data["image/svg+xml"]
                .as_str()
                .is_some_and(|s| s.starts_with("<svg"))
        );
    }
}
