//! The window of a query and the builder methods every query shares to set it (and the
//! source it asks).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::time_range::TimeRange;

/// The window of a query: absolute, or text the host resolves when it runs the query
/// (`3h`, `now-2h..now`, `around 2026-11-12T14:05Z ±30m`). None: the session's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RangeSpec {
    Absolute(TimeRange),
    Text(String),
}

/// Builder methods shared by every query: which window to ask about.
pub trait Windowed: Sized {
    /// The query's window slot.
    fn window_mut(&mut self) -> &mut Option<RangeSpec>;

    /// The query's source slot.
    fn source_mut(&mut self) -> &mut Option<String>;

    /// Ask this source (`cloudwatch`, `local:DIR`) instead of the session's.
    fn source(mut self, spec: &str) -> Self {
        *self.source_mut() = Some(spec.to_owned());
        self
    }

    /// Ask CloudWatch in `region` (keeping a role or profile the query's source names).
    fn region(mut self, region: &str) -> Self {
        let mut target = match self
            .source_mut()
            .as_deref()
            .map(crate::model::source::Source::from_spec)
        {
            Some(Ok(crate::model::source::Source::CloudWatch(target))) => target,
            _ => crate::model::source::AwsTarget::default(),
        };
        target.region = Some(region.to_owned());
        *self.source_mut() = Some(crate::model::source::Source::CloudWatch(target).to_string());
        self
    }

    /// The last `duration` (`"3h"`, `"90m"`) or any window text ([`TimeRange::parse`]).
    fn since(mut self, spec: &str) -> Self {
        *self.window_mut() = Some(RangeSpec::Text(spec.to_owned()));
        self
    }

    /// An absolute window.
    fn range(mut self, range: TimeRange) -> Self {
        *self.window_mut() = Some(RangeSpec::Absolute(range));
        self
    }

    /// From `start` to `end`, each RFC 3339 or `now-…` text.
    fn between(mut self, start: &str, end: &str) -> Self {
        *self.window_mut() = Some(RangeSpec::Text(format!("{start}..{end}")));
        self
    }

    /// `width` either side of `instant`.
    fn around(mut self, instant: DateTime<Utc>, width: TimeDelta) -> Self {
        *self.window_mut() = Some(RangeSpec::Absolute(TimeRange::around(instant, width)));
        self
    }
}

impl From<&str> for RangeSpec {
    fn from(text: &str) -> RangeSpec {
        RangeSpec::Text(text.to_owned())
    }
}

impl From<String> for RangeSpec {
    fn from(text: String) -> RangeSpec {
        RangeSpec::Text(text)
    }
}

impl From<&String> for RangeSpec {
    fn from(text: &String) -> RangeSpec {
        RangeSpec::Text(text.clone())
    }
}

impl From<TimeRange> for RangeSpec {
    fn from(range: TimeRange) -> RangeSpec {
        RangeSpec::Absolute(range)
    }
}
