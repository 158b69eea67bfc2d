//! `playbook review RECORDS…|DIR|s3://PREFIX [--since 7d] [--until T] [-o OUT]
//! [--format md|html]`: the operations review — what the records of many runs (every
//! canary, gate, fleet sweep and alarm-driven run) say together, and what to do about it.
//!
//! Layout: `inputs.rs` walks the places given and hands on one file at a time;
//! `digest.rs` reads a file through the record's types into the few fields the review
//! keeps per run; `tally.rs` keeps them (a run read twice counts once) and folds the
//! query logs; `measures.rs` computes each measure once everything is read; `text.rs`
//! says what each measure means and what to do about it; `build.rs` makes the review a
//! `report::document::Document`, which both formats render.
//!
//! A file that is not a record or a summary is a note in the review, never a failure.
//! Exit: 0 with the review written; 3 for bad arguments (a place that does not exist, a
//! `--since` that is not a duration or an instant); 4 or 5 when an S3 listing fails (the
//! service unavailable; credentials or access refused).

mod build;
mod digest;
mod inputs;
mod measures;
mod tally;
#[cfg(test)]
mod tests;
mod text;

use chrono::{DateTime, Utc};
use playbook::source::AwsTarget;
use playbook::time_range::{parse_duration, parse_instant_at};
use playbook_engine::delivery::ObjectReader;
use playbook_engine::error::EngineError;

use crate::exit::Exit;
use crate::report::{Format, Rendered};
use inputs::{Input, Item, Walked, Walker};
use tally::Tally;

/// How many files a review reads at most, unless `--max-records` says otherwise.
pub(crate) const DEFAULT_MAX_RECORDS: usize = 100_000;

/// What `playbook review` was asked.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Files, directories and `s3://` prefixes.
    pub(crate) inputs: Vec<String>,
    /// `--since`: a duration before `until` (`7d`) or an instant.
    pub(crate) since: Option<String>,
    /// `--until`: the end of the period (default: now).
    pub(crate) until: Option<String>,
    pub(crate) max_records: usize,
    /// The account and region of S3 prefixes.
    pub(crate) aws: AwsTarget,
}

/// Why no review could be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReviewError {
    #[error("{0}")]
    BadInput(String),
    #[error("listing {at}: {source}")]
    Listing {
        at: String,
        #[source]
        source: EngineError,
    },
}

impl ReviewError {
    /// The exit class: bad input, or the S3 failure's class.
    pub(crate) fn exit(&self) -> Exit {
        match self {
            ReviewError::BadInput(_) => Exit::BadInput,
            ReviewError::Listing { source, .. } => {
                Exit::of_source(source.kind()).unwrap_or(Exit::SourceUnavailable)
            }
        }
    }
}

/// The period reviewed: runs that started in `since..=until` (`since`: none, from the
/// first). Runs before it still say when a target last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub(crate) since: Option<DateTime<Utc>>,
    pub(crate) until: DateTime<Utc>,
}

impl Period {
    /// Whether a run that started at `t` is in the period.
    pub(crate) fn holds(&self, t: DateTime<Utc>) -> bool {
        t <= self.until && self.since.is_none_or(|since| t >= since)
    }

    /// `--since` and `--until` read at `now`.
    fn parse(
        since: Option<&str>,
        until: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Period, ReviewError> {
        let bad = |flag: &str, text: &str, why: &dyn std::fmt::Display| {
            ReviewError::BadInput(format!("{flag} {text}: {why}"))
        };
        let until = match until {
            Some(text) => parse_instant_at(text, now).map_err(|e| bad("--until", text, &e))?,
            None => now,
        };
        let since = match since {
            None => None,
            Some(text) => Some(match parse_duration(text) {
                Ok(back) if back > chrono::Duration::zero() => until
                    .checked_sub_signed(back)
                    .ok_or_else(|| bad("--since", text, &"too far back"))?,
                Ok(_) => return Err(bad("--since", text, &"give a positive duration (7d)")),
                Err(_) => parse_instant_at(text, now).map_err(|_| {
                    bad("--since", text, &"write a duration (7d, 24h) or an instant")
                })?,
            }),
        };
        if since.is_some_and(|s| s > until) {
            return Err(ReviewError::BadInput(
                "--since is after --until: the period is empty".into(),
            ));
        }
        Ok(Period { since, until })
    }
}

/// Reads every input and renders the review; the notes (files skipped) are in it.
pub(crate) fn render(
    options: &Options,
    format: Format,
    files_dir: Option<&str>,
) -> Result<Rendered, ReviewError> {
    let review = read(options, Utc::now())?;
    let measures = measures::measure(&review.tally);
    let document = build::document(&review, &measures);
    Ok(crate::report::document::render(
        &document, format, files_dir,
    ))
}

/// What was read, for the document.
struct Read {
    tally: Tally,
    walked: Walked,
    max_records: usize,
    places: Vec<String>,
}

/// Reads every input into a tally.
fn read(options: &Options, now: DateTime<Utc>) -> Result<Read, ReviewError> {
    if options.inputs.is_empty() {
        return Err(ReviewError::BadInput(
            "name records, directories or s3://BUCKET/PREFIX to review".into(),
        ));
    }
    if options.max_records == 0 {
        return Err(ReviewError::BadInput(
            "--max-records must be at least 1".into(),
        ));
    }
    let period = Period::parse(options.since.as_deref(), options.until.as_deref(), now)?;
    let inputs = (options.inputs.iter())
        .map(|text| Input::parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tally = Tally::new(period);
    let mut sink = |item: Item| match item.bytes.and_then(|bytes| digest::read(&bytes)) {
        Ok(found) => tally.add(found),
        Err(why) => {
            if tally.notes.count() < tally::MAX_LISTED_NOTES {
                let line = format!("playbook review: skipped {}: {why}", item.name);
                eprintln!("{}", crate::visible::text(&line));
            }
            tally.notes.add(&item.name, why);
        }
    };
    let mut walker = Walker {
        limit: options.max_records,
        read: 0,
        walked: Walked::default(),
        sink: &mut sink,
    };
    let mut runtime = None;
    for input in &inputs {
        match input {
            Input::Path(path) => walker.path(path, true, 0),
            Input::S3(at) => {
                if runtime.is_none() {
                    let built = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| ReviewError::BadInput(format!("starting the runtime: {e}")))?;
                    runtime = Some(built);
                }
                let Some(runtime) = runtime.as_ref() else {
                    continue;
                };
                let listing = |source| ReviewError::Listing {
                    at: at.to_string(),
                    source,
                };
                runtime.block_on(async {
                    let reader = ObjectReader::new(&options.aws).await.map_err(listing)?;
                    walker.s3(&reader, at).await.map_err(listing)
                })?;
            }
        }
    }
    let walked = walker.walked;
    Ok(Read {
        tally,
        walked,
        max_records: options.max_records,
        places: options.inputs.clone(),
    })
}
