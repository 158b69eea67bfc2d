//! What the review keeps while it reads, one file at a time: the runs up to the period's
//! end (what each measure needs of a run, never its notebook; those before the period
//! only say when a playbook and target last reported), and the query log of the period's
//! runs folded into one line per query. A run read twice (its record and its summary, a
//! fleet summary) counts once: the second copy only fills in what the first lacked.
//!
//! Bounded: at most [`MAX_QUERY_LINES`] distinct queries (the rest are counted together);
//! the runs are bounded by the number of files read (`--max-records`).

use std::collections::{BTreeSet, HashMap};

use playbook::protocol::ErrorKind;
use playbook::record::QueryRecord;

use super::Period;
use super::digest::{Found, Origin, Run};

/// Distinct queries the review follows; beyond, queries are counted, not listed.
pub(super) const MAX_QUERY_LINES: usize = 10_000;
/// Files listed by name among the notes; beyond, they are counted.
pub(super) const MAX_LISTED_NOTES: usize = 50;

/// One query as the review follows it: a playbook's query by kind and text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct QueryKey {
    pub(super) playbook: String,
    pub(super) kind: String,
    pub(super) query: String,
}

/// What the runs of the period said about one query.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct QueryLine {
    pub(super) runs: u64,
    pub(super) total_ms: u64,
    pub(super) max_ms: u64,
    /// Calls the service pushed back on that were retried.
    pub(super) retried_calls: u64,
    /// Times it failed because it was throttled after its retries.
    pub(super) throttled: u64,
    pub(super) failed: u64,
}

/// Files the review could not use, and why.
#[derive(Debug, Default)]
pub(super) struct Notes {
    pub(super) listed: Vec<(String, String)>,
    pub(super) more: usize,
}

impl Notes {
    pub(super) fn add(&mut self, name: &str, why: impl Into<String>) {
        if self.listed.len() < MAX_LISTED_NOTES {
            self.listed.push((name.to_owned(), why.into()));
        } else {
            self.more += 1;
        }
    }

    pub(super) fn count(&self) -> usize {
        self.listed.len() + self.more
    }
}

/// Files read, by what they were.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    pub(super) records: usize,
    pub(super) summaries: usize,
    pub(super) fleet_summaries: usize,
    /// Runs read a second time (a record and its summary).
    pub(super) duplicates: usize,
    pub(super) before_period: usize,
    pub(super) after_period: usize,
}

/// Everything read so far.
#[derive(Debug)]
pub(super) struct Tally {
    pub(super) period: Period,
    /// Every run up to the period's end, in the order read.
    pub(super) runs: Vec<Run>,
    by_id: HashMap<String, usize>,
    /// Runs whose query log was folded in already.
    queried: BTreeSet<String>,
    /// Runs after the period (by id, so that a copy counts once).
    after: BTreeSet<String>,
    pub(super) queries: HashMap<QueryKey, QueryLine>,
    /// Queries past [`MAX_QUERY_LINES`].
    pub(super) queries_unlisted: u64,
    pub(super) counts: Counts,
    pub(super) notes: Notes,
}

impl Tally {
    pub(super) fn new(period: Period) -> Tally {
        Tally {
            period,
            runs: Vec::new(),
            by_id: HashMap::new(),
            queried: BTreeSet::new(),
            after: BTreeSet::new(),
            queries: HashMap::new(),
            queries_unlisted: 0,
            counts: Counts::default(),
            notes: Notes::default(),
        }
    }

    /// Adds what one file held.
    pub(super) fn add(&mut self, found: Found) {
        match found.origin {
            Origin::Record => self.counts.records += 1,
            Origin::Summary => self.counts.summaries += 1,
            Origin::Fleet => self.counts.fleet_summaries += 1,
        }
        for (run, queries) in found.runs {
            self.add_run(run, &queries);
        }
    }

    fn add_run(&mut self, run: Run, queries: &[QueryRecord]) {
        if run.started > self.period.until {
            if self.after.insert(run.run_id) {
                self.counts.after_period += 1;
            } else {
                self.counts.duplicates += 1;
            }
            return;
        }
        let in_period = self.period.holds(run.started);
        if let Some(&at) = self.by_id.get(&run.run_id) {
            self.counts.duplicates += 1;
            merge(&mut self.runs[at], run);
            if in_period && !queries.is_empty() && self.queried.insert(self.runs[at].run_id.clone())
            {
                let playbook = self.runs[at].playbook.clone();
                self.fold_queries(&playbook, queries);
            }
            return;
        }
        if in_period {
            if !queries.is_empty() {
                self.queried.insert(run.run_id.clone());
                self.fold_queries(&run.playbook, queries);
            }
        } else {
            self.counts.before_period += 1;
        }
        self.by_id.insert(run.run_id.clone(), self.runs.len());
        self.runs.push(run);
    }

    fn fold_queries(&mut self, playbook: &str, queries: &[QueryRecord]) {
        for query in queries {
            let key = QueryKey {
                playbook: playbook.to_owned(),
                kind: query.kind.as_str().to_owned(),
                query: query.query.clone(),
            };
            if !self.queries.contains_key(&key) && self.queries.len() >= MAX_QUERY_LINES {
                self.queries_unlisted += 1;
                continue;
            }
            let line = self.queries.entry(key).or_default();
            line.runs += 1;
            line.total_ms += query.duration_ms;
            line.max_ms = line.max_ms.max(query.duration_ms);
            line.retried_calls += u64::from(query.retried_calls);
            if query.error.is_some() || query.error_kind.is_some() {
                line.failed += 1;
            }
            if query.error_kind == Some(ErrorKind::Throttled) {
                line.throttled += 1;
            }
        }
    }
}

/// A second copy of a run fills in what the first lacked.
fn merge(into: &mut Run, other: Run) {
    if into.target.is_none() {
        into.target = other.target;
    }
    if into.exit.is_none() || (!into.exit_written && other.exit_written && other.exit.is_some()) {
        into.exit = other.exit;
        into.exit_written = other.exit_written;
    }
    if into.finished.is_none() {
        into.finished = other.finished;
    }
    if into.checks.is_empty() {
        into.checks = other.checks;
    }
    if into.alarm.is_none() {
        into.alarm = other.alarm;
    }
}
