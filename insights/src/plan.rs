//! How a query runs: the per-event commands, what collects their rows, and what runs on
//! the kept rows at the end.
//!
//! - `… | stats … | tail`: events are aggregated as they come; the tail runs on the groups.
//! - `… | [sort] | [dedup] | [limit N] | tail`: a bounded top-N keeps at most 2N rows
//!   (N = the limit, or [`DEFAULT_LIMIT`] when the tail cannot drop rows). `filter`,
//!   `fields`, `parse` and `display` right after a `sort` run before it when they do not
//!   change its keys, since sorting commutes with them.
//! - Anything else (`sort | fields x as <sort key> | filter …`, two `sort`s…) keeps every
//!   matching row and runs the rest at the end.
//!
//! Only the JSON fields read before being assigned are looked up in messages, and only the
//! fields read after the collection point are copied into kept rows.

use super::DEFAULT_LIMIT;
use super::ast::{Command, MESSAGE, Names, SPECIAL, Slot, SortKey, Stats, TIMESTAMP};
use super::prefilter;

#[derive(Debug)]
pub(crate) enum Sink {
    Stats(Stats),
    Top {
        sort: Vec<SortKey>,
        dedup: Option<Vec<Slot>>,
        cap: usize,
        /// The cap is the default one (dropping rows sets `truncated`).
        implicit: bool,
    },
    All,
}

#[derive(Debug)]
pub(crate) struct Plan {
    pub names: Vec<String>,
    /// Slots looked up in JSON messages (pending until first read).
    pub json_slot: Vec<bool>,
    pub json_paths: Vec<(Slot, String)>,
    /// Commands run on each event before the sink.
    pub pre: Vec<Command>,
    pub sink: Sink,
    /// Commands run on the rows the sink produced.
    pub tail: Vec<Command>,
    /// Slots copied into kept rows.
    pub keep: Vec<bool>,
    pub columns: Vec<(String, Slot)>,
    pub explicit_limit: Option<usize>,
    pub required: Vec<String>,
}

impl Plan {
    pub(crate) fn build(commands: Vec<Command>, names: Names) -> Plan {
        let explicit_limit = commands.iter().rev().find_map(|c| match c {
            Command::Limit(n) => Some(*n),
            _ => None,
        });
        let columns = columns(&commands);
        let mut commands = normalize(commands);
        let global = commands
            .iter()
            .position(Command::is_global)
            .unwrap_or(commands.len());
        let rest = commands.split_off(global);
        let pre = commands;
        let (sink, tail) = sink_and_tail(rest);
        let slots = names.len();
        let json_slot = json_slots(&pre, &sink, &tail, &columns, &names);
        let json_paths = (0..slots)
            .filter(|&s| json_slot[s])
            .map(|s| (s, names.names[s].clone()))
            .collect();
        let mut keep = vec![false; slots];
        if !matches!(sink, Sink::Stats(_)) {
            let read_later = tail.iter().flat_map(Command::reads);
            for slot in read_later.chain(columns.iter().map(|(_, s)| *s)) {
                keep[slot] = true;
            }
            keep[TIMESTAMP] = true;
        }
        let required = prefilter::required(&pre, slots);
        Plan {
            names: names.names,
            json_slot,
            json_paths,
            pre,
            sink,
            tail,
            keep,
            columns,
            explicit_limit,
            required,
        }
    }
}

/// Output columns: the last `display`, else every `fields` (after the last `stats`, whose
/// groups and items come first), else `@timestamp, @message` for non-stats queries.
fn columns(commands: &[Command]) -> Vec<(String, Slot)> {
    let mut columns: Vec<(String, Slot)> = Vec::new();
    let mut display = None;
    let mut stats = false;
    for command in commands {
        match command {
            Command::Fields(projections) => {
                for p in projections {
                    if !columns.iter().any(|(n, _)| *n == p.name) {
                        columns.push((p.name.clone(), p.slot));
                    }
                }
            }
            Command::Display(d) => display = Some(d.clone()),
            Command::Stats(s) => {
                let outputs = s.by.iter().chain(&s.items);
                columns = outputs.map(|p| (p.name.clone(), p.slot)).collect();
                display = None;
                stats = true;
            }
            _ => {}
        }
    }
    match display {
        Some(d) => d,
        None if columns.is_empty() && !stats => vec![
            (SPECIAL[TIMESTAMP].to_owned(), TIMESTAMP),
            (SPECIAL[MESSAGE].to_owned(), MESSAGE),
        ],
        None => columns,
    }
}

/// Moves per-row commands that directly follow a `sort` before it, when that cannot change
/// the sort's keys, and drops a `sort` right before `stats` (whose result does not depend
/// on the order of its input).
fn normalize(mut commands: Vec<Command>) -> Vec<Command> {
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..commands.len().saturating_sub(1) {
            let Command::Sort(keys) = &commands[i] else {
                continue;
            };
            let mut key_reads = Vec::new();
            keys.iter().for_each(|k| k.expr.reads(&mut key_reads));
            let next = &commands[i + 1];
            let commutes = match next {
                Command::Filter(_) => true,
                Command::Fields(_) | Command::Parse(_) | Command::Display(_) => {
                    next.writes().iter().all(|w| !key_reads.contains(w))
                }
                _ => false,
            };
            if commutes {
                commands.swap(i, i + 1);
                changed = true;
            }
        }
    }
    let mut out: Vec<Command> = Vec::with_capacity(commands.len());
    for command in commands {
        if matches!(command, Command::Stats(_)) && matches!(out.last(), Some(Command::Sort(_))) {
            out.pop();
        }
        out.push(command);
    }
    out
}

fn sink_and_tail(mut rest: Vec<Command>) -> (Sink, Vec<Command>) {
    if rest.is_empty() {
        let sink = Sink::Top {
            sort: Vec::new(),
            dedup: None,
            cap: DEFAULT_LIMIT,
            implicit: true,
        };
        return (sink, rest);
    }
    if matches!(rest.first(), Some(Command::Stats(_))) {
        let tail = rest.split_off(1);
        if let Some(Command::Stats(stats)) = rest.pop() {
            return (Sink::Stats(stats), tail);
        }
    }
    let mut i = 0;
    let sort = match rest.get(i) {
        Some(Command::Sort(keys)) => {
            i += 1;
            keys.clone()
        }
        _ => Vec::new(),
    };
    let dedup = match rest.get(i) {
        Some(Command::Dedup(slots)) => {
            i += 1;
            Some(slots.clone())
        }
        _ => None,
    };
    let limit = match rest.get(i) {
        Some(Command::Limit(n)) => {
            i += 1;
            Some(*n)
        }
        _ => None,
    };
    let tail = rest.split_off(i);
    let keeps_rows = |c: &Command| {
        matches!(
            c,
            Command::Fields(_) | Command::Display(_) | Command::Parse(_)
        )
    };
    if limit.is_none() && !tail.iter().all(keeps_rows) {
        rest.extend(tail);
        return (Sink::All, rest);
    }
    let cap = limit.unwrap_or(DEFAULT_LIMIT);
    (
        Sink::Top {
            sort,
            dedup,
            cap,
            implicit: limit.is_none(),
        },
        tail,
    )
}

/// Slots read before anything assigns them while rows are still events: these are the
/// JSON fields to look up.
fn json_slots(
    pre: &[Command],
    sink: &Sink,
    tail: &[Command],
    columns: &[(String, Slot)],
    names: &Names,
) -> Vec<bool> {
    let mut assigned = vec![false; names.len()];
    let mut json = vec![false; names.len()];
    assigned[..SPECIAL.len()].fill(true);
    let mut visit = |reads: Vec<Slot>, writes: Vec<Slot>| {
        for slot in reads {
            if !assigned[slot] && !names.is_hidden(slot) {
                json[slot] = true;
            }
        }
        for slot in writes {
            assigned[slot] = true;
        }
    };
    for command in pre {
        visit(command.reads(), command.writes());
    }
    match sink {
        Sink::Stats(stats) => visit(Command::Stats(stats.clone()).reads(), Vec::new()),
        Sink::Top { sort, dedup, .. } => {
            let mut reads = Vec::new();
            sort.iter().for_each(|k| k.expr.reads(&mut reads));
            reads.extend(dedup.iter().flatten());
            visit(reads, Vec::new());
        }
        Sink::All => {}
    }
    if !matches!(sink, Sink::Stats(_)) {
        for command in tail {
            visit(command.reads(), command.writes());
        }
        visit(columns.iter().map(|(_, s)| *s).collect(), Vec::new());
    }
    json
}
