//! [`Evaluator`]: pushes events through the per-event commands into the plan's sink, and
//! at the end runs the tail and renders the cells.
//!
//! Memory is bounded by the sink: the groups of a `stats`, or at most 2 × N rows of a
//! top-N. Only queries the plan cannot bound (see `plan.rs`) keep every matching row.

use std::sync::Arc;

use super::collect::Collector;
use super::fields::Row;
use super::order::default_order;
use super::plan::{Plan, Sink};
use super::stats::Groups;
use super::{DEFAULT_LIMIT, Event, InsightsOutput, eval, pipeline};

/// The streaming state of one evaluation of a [`super::Query`].
#[derive(Debug)]
pub struct Evaluator {
    plan: Arc<Plan>,
    state: State,
}

#[derive(Debug)]
struct State {
    scanned: u64,
    bytes: u64,
    matched: u64,
    store: Store,
}

#[derive(Debug)]
enum Store {
    Groups(Groups),
    Top(Collector),
    All(Vec<Row<'static>>),
}

impl Evaluator {
    pub(super) fn new(plan: Arc<Plan>) -> Evaluator {
        let store = match &plan.sink {
            Sink::Stats(_) => Store::Groups(Groups::default()),
            Sink::Top {
                sort, dedup, cap, ..
            } => Store::Top(Collector::new(sort, dedup.as_deref(), *cap)),
            Sink::All => Store::All(Vec::new()),
        };
        Evaluator {
            plan,
            state: State {
                scanned: 0,
                bytes: 0,
                matched: 0,
                store,
            },
        }
    }

    /// Evaluates one event.
    pub fn push(&mut self, event: &Event<'_>) {
        let plan: &Plan = &self.plan;
        let state = &mut self.state;
        let mut row = Row::from_event(event, plan, state.scanned);
        state.scanned += 1;
        state.bytes += event.message.len() as u64;
        for command in &plan.pre {
            if !eval::apply(command, &mut row, plan) {
                return;
            }
        }
        state.matched += 1;
        match (&mut state.store, &plan.sink) {
            (Store::Groups(groups), Sink::Stats(stats)) => groups.add(stats, &mut row, plan),
            (Store::Top(top), Sink::Top { sort, .. }) => top.offer(sort, &mut row, plan),
            (Store::All(rows), _) => rows.push(row.kept(plan, &plan.keep)),
            _ => {}
        }
    }

    /// The result.
    pub fn finish(self) -> InsightsOutput {
        let plan: &Plan = &self.plan;
        let State {
            scanned,
            bytes,
            matched,
            store,
        } = self.state;
        let (rows, mut truncated) = match (store, &plan.sink) {
            (Store::Groups(groups), Sink::Stats(stats)) => (groups.into_rows(stats, plan), false),
            (Store::Top(top), Sink::Top { implicit, .. }) => {
                let (rows, dropped) = top.into_rows();
                (rows, dropped && *implicit)
            }
            (Store::All(mut rows), _) => {
                rows.sort_by(default_order);
                (rows, false)
            }
            _ => (Vec::new(), false),
        };
        let mut rows = pipeline::run(rows, &plan.tail, plan);
        if rows.len() > DEFAULT_LIMIT {
            rows.truncate(DEFAULT_LIMIT);
            truncated = true;
        }
        let rows = rows
            .into_iter()
            .map(|row| {
                let cell = |&(_, slot): &(String, usize)| row.ready(slot).map(|v| v.render());
                plan.columns.iter().map(cell).collect()
            })
            .collect();
        InsightsOutput {
            columns: plan.columns.iter().map(|(name, _)| name.clone()).collect(),
            rows,
            records_matched: matched,
            records_scanned: scanned,
            bytes_scanned: bytes,
            truncated,
        }
    }
}
