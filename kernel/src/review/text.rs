//! What the review says in words: for each measure, what it means and what to do about
//! it (the same definitions `measures.rs` computes), and the small formats its tables use
//! (durations, instants, a target's name).

use chrono::{DateTime, Duration, Utc};

use super::measures::{FLAP_MIN, QUIET_FACTOR, STRIP};

/// A measure's explanation: what it means, what to do.
pub(super) struct Explained {
    pub(super) means: String,
    pub(super) todo: String,
}

pub(super) fn intro() -> String {
    "What the run records say together: how each playbook and target fared over the \
     period, which checks fail and which flap, how fast alarm-driven runs reach a verdict, \
     which queries are slow or throttled, which playbooks failed to run rather than find \
     a problem, and which targets went quiet. Each part says what it measures and what to \
     do about it."
        .to_owned()
}

pub(super) fn runs() -> Explained {
    Explained {
        means: format!(
            "Each playbook and target (a fleet target, `--target-name`, a responder's rule) \
             with its runs in the period by outcome: **ok** (exit 0), **checks failed** \
             (exit 2: the playbook ran and found a problem), **failed to run** (exit 1, 4 \
             or 5: a cell failed, or the source was unavailable or refused), **other** \
             (bad input, an output not written, interrupted, or a record still marked \
             running). *Recent* shows its last {STRIP} runs, oldest first: ✓ ok, ✗ checks \
             failed, ! failed to run, ? other."
        ),
        todo: "A target that is mostly ✗ has a standing problem: fix it, or fix the check if \
               the problem is accepted. A target with ! runs is not being watched while \
               they last: see *Failed to run versus checks failed*."
            .to_owned(),
    }
}

pub(super) fn failing_checks() -> Explained {
    Explained {
        means: "The checks that failed most in the period, per playbook: how many runs \
                stated the check, in how many it failed, and on how many targets."
            .to_owned(),
        todo: "A check that fails on every target at once points at something shared (a \
               dependency, a threshold set too tight); one that fails on one target points \
               at that target. A check that fails often and is never acted on is noise: \
               tune its threshold or remove it, so that a failure means something."
            .to_owned(),
    }
}

pub(super) fn flapping() -> Explained {
    Explained {
        means: format!(
            "A check flaps on a target when its verdict flips between consecutive runs of \
             that target (failed in one, not in the next, or the reverse) at least \
             {FLAP_MIN} times, and in at least a fifth of its transitions. A warning counts \
             as not failed. A check that fails through one incident and recovers flips twice \
             and does not flap."
        ),
        todo: "A flapping check pages and un-pages for the same condition: people learn to \
               ignore it. Compare what it observed to its threshold: a value that sits on \
               the threshold needs a margin, a longer window or a statistic less sensitive \
               to outliers (p90 rather than max); a value that jumps needs its data checked."
            .to_owned(),
    }
}

pub(super) fn alarms() -> Explained {
    Explained {
        means: "For runs an alarm started (`playbook respond`), the time from the alarm's \
                state change to the run's end, when the run reached a verdict (exit 0 or 2). \
                The median and p90 are by nearest rank. Runs that did not reach a verdict \
                are counted, not timed."
            .to_owned(),
        todo: "This is the time a responder waits for the playbook's answer. If it is \
               long, look at the slowest queries below and at the delivery of alarm events \
               (a queue backlog shows as a long time before the run starts). Alarm-driven \
               runs without a verdict leave the alarm unexplained: see why they failed."
            .to_owned(),
    }
}

pub(super) fn queries() -> Explained {
    Explained {
        means: "From the query log of each record: per playbook, kind and query, how many \
                runs made it, its mean and slowest duration, the calls the service pushed \
                back on (retried with backoff), and the times it failed because it stayed \
                throttled."
            .to_owned(),
        todo: "Narrow a slow query's window or log groups, or filter earlier in it. A \
               throttled query competes for a quota (Logs Insights' concurrent queries, \
               GetMetricData's requests per second): spread the schedules of the playbooks \
               that share it, or ask for a higher quota."
            .to_owned(),
    }
}

pub(super) fn exits() -> Explained {
    Explained {
        means: "Per playbook, its runs by exit code. Exit 2 means the playbook did its job \
                and found a problem. Exit 1, 4 and 5 mean it did not do its job: a cell \
                failed (1), the data source was unavailable or throttled past its retries \
                (4), or it refused the credentials or access (5). Other: 3 bad input, 6 an \
                output not written, 130 interrupted, or unfinished."
            .to_owned(),
        todo: "Failures to run are blind spots: while they last, nothing is checked. Fix \
               exit 1 in the playbook (its record names the cell), exit 5 in the role or \
               its policy, and exit 4 by retrying later or raising the quota it hit."
            .to_owned(),
    }
}

pub(super) fn stopped() -> Explained {
    Explained {
        means: format!(
            "A playbook and target with at least three runs whose last run is longer \
             before the end of the period than {QUIET_FACTOR} times its usual interval (the \
             median gap between its last runs), including targets that reported before the \
             period and not in it."
        ),
        todo: "A target that stopped reporting is not being checked, and no check fails to \
               say so. Look at its schedule (a disabled CronJob or rule), the runner's logs, \
               and where its records go; if it was retired on purpose, remove it from the \
               targets file."
            .to_owned(),
    }
}

/// `2 d 3 h`, `1 h 05 m`, `42 s`, `1.5 s`.
pub(super) fn duration(d: Duration) -> String {
    seconds(d.num_milliseconds() as f64 / 1000.0)
}

/// Seconds as [`duration`] writes them.
pub(super) fn seconds(s: f64) -> String {
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs();
    let whole = s.round() as u64;
    let text = if s < 10.0 {
        format!("{s:.1} s")
    } else if whole < 60 {
        format!("{whole} s")
    } else if whole < 3600 {
        format!("{} m {:02} s", whole / 60, whole % 60)
    } else if whole < 86_400 {
        format!("{} h {:02} m", whole / 3600, whole % 3600 / 60)
    } else {
        format!("{} d {} h", whole / 86_400, whole % 86_400 / 3600)
    };
    format!("{sign}{text}")
}

/// An instant as the review's tables show it (UTC, to the second).
pub(super) fn instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// A target's name, or what a run without one shows.
pub(super) fn target(target: Option<&str>) -> String {
    target.unwrap_or("(none)").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(seconds(1.34), "1.3 s");
        assert_eq!(seconds(42.0), "42 s");
        assert_eq!(seconds(125.0), "2 m 05 s");
        assert_eq!(seconds(3900.0), "1 h 05 m");
        assert_eq!(seconds(2.0 * 86_400.0 + 3.0 * 3600.0), "2 d 3 h");
        assert_eq!(seconds(-30.0), "-30 s");
        assert_eq!(duration(Duration::hours(49)), "2 d 1 h");
    }
}
