//! `TraceList`: the traces `traces()` found in a window, slowest first, shown as a table
//! (trace id, root operation, start, duration, spans, errors); each trace is whole, to
//! display as a waterfall.

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};
use crate::model::time_range::TimeRange;
use crate::model::trace::Trace;

/// Traces of a window, slowest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceList {
    pub service: Option<String>,
    pub errors_only: bool,
    /// The window the entry spans were looked for in.
    pub window: Option<TimeRange>,
    pub traces: Vec<Trace>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl TraceList {
    /// The slowest trace (a copy, to keep or display); an error when there is none.
    pub fn slowest(&self) -> Result<Trace> {
        self.traces.first().cloned().ok_or_else(|| {
            Error::InvalidInput(format!("{}: none found, so no slowest one", self.heading()))
        })
    }

    /// The trace with this id, if listed.
    pub fn get(&self, trace_id: &str) -> Option<&Trace> {
        self.traces.iter().find(|t| t.trace_id == trace_id)
    }

    /// How many traces.
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    /// Whether none was found.
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    pub(crate) fn heading(&self) -> String {
        let what = if self.errors_only {
            "erroring traces"
        } else {
            "slowest traces"
        };
        let mut text = match &self.service {
            Some(service) => format!("{} {what} of {service}", self.traces.len()),
            None => format!("{} {what}", self.traces.len()),
        };
        if let Some(window) = &self.window {
            text.push_str(&format!(" · {window}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trace::tests::slow_checkout;
    use crate::render::Render;

    #[test]
    fn the_list_shows_each_trace_and_gives_the_slowest() {
        let list = TraceList {
            service: Some("checkout".into()),
            errors_only: false,
            window: None,
            traces: vec![slow_checkout()],
            notes: vec!["a note".into()],
        };
        let bundle = list.bundle();
        let text = bundle.data["text/plain"].as_str().unwrap_or_default();
        assert!(text.starts_with("1 slowest traces of checkout\nt  2026-11-12T14:31:17.000Z     7400.0 ms     5 spans  1 error(s)  checkout POST /api/checkout"), "{text}");
        let html = bundle.data["text/html"].as_str().unwrap_or_default();
        assert!(
            html.contains("<td style=\"text-align:right\"><b>1</b></td>"),
            "{html}"
        );
        assert_eq!(list.slowest().unwrap().trace_id, "t");
        let empty = TraceList {
            traces: Vec::new(),
            ..list
        };
        assert!(
            empty
                .slowest()
                .unwrap_err()
                .to_string()
                .contains("none found")
        );
    }
}
