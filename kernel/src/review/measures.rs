//! The measures of the review, computed once from what was read (`tally.rs`). Each is
//! defined here, and said in the review (`text.rs`) the same way:
//!
//! - **outcome** of a run, by its exit class: ok (0), checks failed (2), failed to run
//!   (1, 4, 5: a cell failed, the source was unavailable, or refused), other (3, 6, 130),
//!   unfinished (the record says it is still running);
//! - **failing checks**: per playbook and check, the runs that stated it and those where it
//!   failed;
//! - **flapping**: per playbook, target and check, over the target's runs in order, the
//!   flips — consecutive runs where the check failed in one and not in the other. A check
//!   flaps with at least [`FLAP_MIN`] flips that are at least a fifth of its transitions;
//! - **alarm to verdict**: for a run an alarm started that reached a verdict (exit 0 or
//!   2), from the alarm's state change to the run's end; percentiles by nearest rank;
//! - **queries**: per playbook, kind and query text — the slowest by their slowest run,
//!   the most throttled by retried calls plus failures from throttling;
//! - **stopped reporting**: a playbook and target with at least three runs whose last run
//!   is longer before the period's end than three times its usual interval (the median
//!   of the gaps between its last runs), including those not seen in the period at all.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use playbook::check::Verdict;

use super::digest::Run;
use super::tally::{QueryKey, QueryLine, Tally};
use crate::exit::Exit;

/// A check flaps with at least this many flips (and a fifth of its transitions).
pub(super) const FLAP_MIN: usize = 3;
/// Rows of a ranked table (checks, queries).
pub(super) const TOP: usize = 20;
/// Runs shown per target in the recent-runs strip.
pub(super) const STRIP: usize = 24;
/// Gaps the usual interval of a target is taken over (its latest runs).
const RECENT_GAPS: usize = 64;
/// A target stopped reporting when quiet for more than this many usual intervals.
pub(super) const QUIET_FACTOR: i32 = 3;

/// How a run ended, for the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Outcome {
    Ok,
    ChecksFailed,
    FailedToRun,
    Other,
    Unfinished,
}

impl Outcome {
    pub(super) fn of(exit: Option<Exit>) -> Outcome {
        match exit {
            None => Outcome::Unfinished,
            Some(Exit::Ok) => Outcome::Ok,
            Some(Exit::CheckFailed) => Outcome::ChecksFailed,
            Some(Exit::CellFailed | Exit::SourceUnavailable | Exit::SourceRefused) => {
                Outcome::FailedToRun
            }
            Some(Exit::BadInput | Exit::OutputFailed | Exit::Interrupted) => Outcome::Other,
        }
    }

    pub(super) fn word(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ChecksFailed => "checks failed",
            Outcome::FailedToRun => "failed to run",
            Outcome::Other => "other",
            Outcome::Unfinished => "unfinished",
        }
    }

    /// One character per run in the recent-runs strip.
    pub(super) fn symbol(self) -> char {
        match self {
            Outcome::Ok => '✓',
            Outcome::ChecksFailed => '✗',
            Outcome::FailedToRun => '!',
            Outcome::Other | Outcome::Unfinished => '?',
        }
    }
}

/// Runs counted by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) ok: usize,
    pub(super) checks_failed: usize,
    pub(super) failed_to_run: usize,
    pub(super) other: usize,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::ChecksFailed => self.checks_failed += 1,
            Outcome::FailedToRun => self.failed_to_run += 1,
            Outcome::Other | Outcome::Unfinished => self.other += 1,
        }
    }

    pub(super) fn total(&self) -> usize {
        self.ok + self.checks_failed + self.failed_to_run + self.other
    }
}

/// A playbook and target over the period.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SeriesLine {
    pub(super) playbook: String,
    pub(super) target: Option<String>,
    pub(super) counts: Counts,
    pub(super) last: DateTime<Utc>,
    pub(super) last_outcome: Outcome,
    /// The latest runs' outcomes, oldest first.
    pub(super) recent: String,
}

/// A check that failed in the period.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CheckLine {
    pub(super) playbook: String,
    pub(super) check: String,
    pub(super) runs: usize,
    pub(super) failed: usize,
    pub(super) targets: usize,
    pub(super) last_failed: DateTime<Utc>,
}

/// A check that flaps on a target.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FlapLine {
    pub(super) playbook: String,
    pub(super) target: Option<String>,
    pub(super) check: String,
    pub(super) runs: usize,
    pub(super) failed: usize,
    pub(super) flips: usize,
}

/// Alarm to verdict, for one alarm (or all: `alarm` is `None`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AlarmLine {
    pub(super) alarm: Option<String>,
    /// Runs it started in the period.
    pub(super) runs: usize,
    /// Seconds from the alarm to the verdict, sorted, of those that reached one.
    pub(super) seconds: Vec<f64>,
}

impl AlarmLine {
    /// The `q` quantile (0 < q ≤ 1) by nearest rank.
    pub(super) fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.seconds.len();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        Some(self.seconds[rank - 1])
    }
}

/// Runs of one playbook by exit class.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ExitLine {
    pub(super) playbook: String,
    pub(super) runs: usize,
    /// By exit code (`None`: unfinished).
    pub(super) by_exit: BTreeMap<Option<u8>, usize>,
}

impl ExitLine {
    pub(super) fn of(&self, code: u8) -> usize {
        self.by_exit.get(&Some(code)).copied().unwrap_or(0)
    }

    /// Runs that ended otherwise than 0, 1, 2, 4 or 5.
    pub(super) fn others(&self) -> usize {
        (self.by_exit.iter())
            .filter(|(code, _)| !matches!(code, Some(0 | 1 | 2 | 4 | 5)))
            .map(|(_, n)| n)
            .sum()
    }
}

/// A playbook and target that stopped reporting.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StoppedLine {
    pub(super) playbook: String,
    pub(super) target: Option<String>,
    pub(super) last: DateTime<Utc>,
    pub(super) usual: Duration,
    pub(super) quiet: Duration,
    pub(super) runs: usize,
}

/// Runs per day by outcome.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Day {
    pub(super) day: NaiveDate,
    pub(super) counts: Counts,
}

/// Every measure of the review.
#[derive(Debug)]
pub(super) struct Measures {
    pub(super) runs: usize,
    pub(super) counts: Counts,
    pub(super) series: Vec<SeriesLine>,
    pub(super) days: Vec<Day>,
    pub(super) failing_checks: Vec<CheckLine>,
    /// Checks that failed in the period, beyond the table's rows.
    pub(super) failing_checks_more: usize,
    pub(super) flapping: Vec<FlapLine>,
    /// All alarms first, then each by name.
    pub(super) alarms: Vec<AlarmLine>,
    pub(super) slowest: Vec<(QueryKey, QueryLine)>,
    pub(super) throttled: Vec<(QueryKey, QueryLine)>,
    pub(super) exits: Vec<ExitLine>,
    pub(super) stopped: Vec<StoppedLine>,
}

/// The measures of `tally`.
pub(super) fn measure(tally: &Tally) -> Measures {
    let period: Vec<&Run> = (tally.runs.iter())
        .filter(|r| tally.period.holds(r.started))
        .collect();
    let mut by_series: BTreeMap<(&str, Option<&str>), Vec<&Run>> = BTreeMap::new();
    for run in &period {
        let key = (run.playbook.as_str(), run.target.as_deref());
        by_series.entry(key).or_default().push(run);
    }
    for runs in by_series.values_mut() {
        runs.sort_by(|a, b| (a.started, &a.run_id).cmp(&(b.started, &b.run_id)));
    }
    let mut counts = Counts::default();
    period.iter().for_each(|r| counts.add(Outcome::of(r.exit)));
    let (failing_checks, failing_checks_more) = failing_checks(&by_series);
    Measures {
        runs: period.len(),
        counts,
        series: series(&by_series),
        days: days(&period),
        failing_checks,
        failing_checks_more,
        flapping: flapping(&by_series),
        alarms: alarms(&period),
        slowest: ranked(tally, |l| (l.max_ms > 0).then_some((l.max_ms, l.total_ms))),
        throttled: ranked(tally, |l| {
            let pushed_back = l.retried_calls + l.throttled;
            (pushed_back > 0).then_some((pushed_back, l.throttled))
        }),
        exits: exits(&period),
        stopped: stopped(tally),
    }
}

type BySeries<'a> = BTreeMap<(&'a str, Option<&'a str>), Vec<&'a Run>>;

fn series(by_series: &BySeries) -> Vec<SeriesLine> {
    (by_series.iter())
        .filter_map(|((playbook, target), runs)| {
            let last = runs.last()?;
            let mut counts = Counts::default();
            runs.iter().for_each(|r| counts.add(Outcome::of(r.exit)));
            let from = runs.len().saturating_sub(STRIP);
            Some(SeriesLine {
                playbook: (*playbook).to_owned(),
                target: target.map(str::to_owned),
                counts,
                last: last.started,
                last_outcome: Outcome::of(last.exit),
                recent: (runs[from..].iter())
                    .map(|r| Outcome::of(r.exit).symbol())
                    .collect(),
            })
        })
        .collect()
}

fn days(period: &[&Run]) -> Vec<Day> {
    let mut days: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
    for run in period {
        days.entry(run.started.date_naive())
            .or_default()
            .add(Outcome::of(run.exit));
    }
    (days.into_iter())
        .map(|(day, counts)| Day { day, counts })
        .collect()
}

/// Whether a verdict counts as failed (a warning does not).
fn failed(verdict: Verdict) -> bool {
    verdict == Verdict::Fail
}

fn failing_checks(by_series: &BySeries) -> (Vec<CheckLine>, usize) {
    #[derive(Default)]
    struct Acc<'a> {
        runs: usize,
        failed: usize,
        targets: BTreeSet<Option<&'a str>>,
        last_failed: Option<DateTime<Utc>>,
    }
    let mut checks: BTreeMap<(&str, &str), Acc> = BTreeMap::new();
    for ((playbook, target), runs) in by_series {
        for run in runs {
            for (name, verdict) in &run.checks {
                let acc = checks.entry((*playbook, name.as_str())).or_default();
                acc.runs += 1;
                if failed(*verdict) {
                    acc.failed += 1;
                    acc.targets.insert(*target);
                    acc.last_failed = acc.last_failed.max(Some(run.started));
                }
            }
        }
    }
    let mut lines: Vec<CheckLine> = (checks.into_iter())
        .filter_map(|((playbook, check), acc)| {
            Some(CheckLine {
                playbook: playbook.to_owned(),
                check: check.to_owned(),
                runs: acc.runs,
                failed: acc.failed,
                targets: acc.targets.len(),
                last_failed: acc.last_failed?,
            })
        })
        .collect();
    lines.sort_by(|a, b| b.failed.cmp(&a.failed).then(b.runs.cmp(&a.runs)));
    let more = lines.len().saturating_sub(TOP);
    lines.truncate(TOP);
    (lines, more)
}

fn flapping(by_series: &BySeries) -> Vec<FlapLine> {
    let mut lines = Vec::new();
    for ((playbook, target), runs) in by_series {
        let mut by_check: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
        for run in runs {
            for (name, verdict) in &run.checks {
                by_check
                    .entry(name.as_str())
                    .or_default()
                    .push(failed(*verdict));
            }
        }
        for (check, verdicts) in by_check {
            let flips = verdicts.windows(2).filter(|w| w[0] != w[1]).count();
            let transitions = verdicts.len().saturating_sub(1);
            if flips >= FLAP_MIN && flips * 5 >= transitions {
                lines.push(FlapLine {
                    playbook: (*playbook).to_owned(),
                    target: target.map(str::to_owned),
                    check: check.to_owned(),
                    runs: verdicts.len(),
                    failed: verdicts.iter().filter(|f| **f).count(),
                    flips,
                });
            }
        }
    }
    lines.sort_by_key(|line| std::cmp::Reverse(line.flips));
    lines
}

fn alarms(period: &[&Run]) -> Vec<AlarmLine> {
    let mut by_alarm: BTreeMap<&str, AlarmLine> = BTreeMap::new();
    let mut all = AlarmLine {
        alarm: None,
        runs: 0,
        seconds: Vec::new(),
    };
    for run in period {
        let Some((name, at)) = &run.alarm else {
            continue;
        };
        let line = by_alarm.entry(name.as_str()).or_insert_with(|| AlarmLine {
            alarm: Some(name.clone()),
            runs: 0,
            seconds: Vec::new(),
        });
        line.runs += 1;
        all.runs += 1;
        let verdict = matches!(run.exit, Some(Exit::Ok | Exit::CheckFailed));
        if let (true, Some(finished)) = (verdict, run.finished) {
            let seconds = (finished - *at).num_milliseconds() as f64 / 1000.0;
            line.seconds.push(seconds);
            all.seconds.push(seconds);
        }
    }
    if all.runs == 0 {
        return Vec::new();
    }
    let mut lines = vec![all];
    lines.extend(by_alarm.into_values());
    for line in &mut lines {
        line.seconds.sort_by(f64::total_cmp);
    }
    lines
}

/// The query lines ranked by `rank` (highest first; `None`: not listed), at most [`TOP`].
fn ranked(
    tally: &Tally,
    rank: impl Fn(&QueryLine) -> Option<(u64, u64)>,
) -> Vec<(QueryKey, QueryLine)> {
    let mut lines: Vec<((u64, u64), &QueryKey, &QueryLine)> = (tally.queries.iter())
        .filter_map(|(key, line)| Some((rank(line)?, key, line)))
        .collect();
    lines.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    (lines.into_iter().take(TOP))
        .map(|(_, key, line)| (key.clone(), line.clone()))
        .collect()
}

fn exits(period: &[&Run]) -> Vec<ExitLine> {
    let mut by_playbook: BTreeMap<&str, ExitLine> = BTreeMap::new();
    for run in period {
        let line = by_playbook
            .entry(run.playbook.as_str())
            .or_insert_with(|| ExitLine {
                playbook: run.playbook.clone(),
                ..ExitLine::default()
            });
        line.runs += 1;
        *line.by_exit.entry(run.exit.map(Exit::code)).or_default() += 1;
    }
    by_playbook.into_values().collect()
}

fn stopped(tally: &Tally) -> Vec<StoppedLine> {
    let mut starts: BTreeMap<(&str, Option<&str>), Vec<DateTime<Utc>>> = BTreeMap::new();
    for run in &tally.runs {
        let key = (run.playbook.as_str(), run.target.as_deref());
        starts.entry(key).or_default().push(run.started);
    }
    let until = tally.period.until;
    let mut lines = Vec::new();
    for ((playbook, target), mut times) in starts {
        if times.len() < 3 {
            continue;
        }
        times.sort_unstable();
        let from = times.len().saturating_sub(RECENT_GAPS + 1);
        let mut gaps: Vec<Duration> = times[from..].windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        let usual = gaps[gaps.len().div_ceil(2) - 1];
        let last = times[times.len() - 1];
        let quiet = until - last;
        if usual > Duration::zero() && quiet > usual * QUIET_FACTOR {
            lines.push(StoppedLine {
                playbook: playbook.to_owned(),
                target: target.map(str::to_owned),
                last,
                usual,
                quiet,
                runs: times.len(),
            });
        }
    }
    lines.sort_by_key(|line| std::cmp::Reverse(line.quiet));
    lines
}
