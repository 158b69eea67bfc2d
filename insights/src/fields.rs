//! One row's fields. Built from an event, a row has the `@` fields ready and its JSON
//! fields pending: the message is scanned once, on the first read of any of them, and only
//! for the fields the query reads (see `json.rs`). Values borrow from the event until the
//! row is kept.

use std::borrow::Cow;

use super::Event;
use super::ast::{INGESTION_TIME, LOG, LOG_STREAM, MESSAGE, Slot, TIMESTAMP};
use super::json;
use super::plan::Plan;
use super::value::Val;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    /// A JSON field not looked up yet.
    Pending,
    Ready(Option<Val<'a>>),
}

#[derive(Debug, Clone)]
pub(crate) struct Row<'a> {
    pub cells: Vec<Cell<'a>>,
    message: &'a str,
    /// `@timestamp` of the event (for stats rows: of the group's newest event).
    pub ts: i64,
    /// Position in push order, for stable ordering among equal timestamps.
    pub seq: u64,
}

impl<'a> Row<'a> {
    /// A row with every field absent.
    pub(crate) fn empty(slots: usize, ts: i64, seq: u64) -> Row<'a> {
        Row {
            cells: vec![Cell::Ready(None); slots],
            message: "",
            ts,
            seq,
        }
    }

    pub(crate) fn from_event(event: &Event<'a>, plan: &Plan, seq: u64) -> Row<'a> {
        let cells = (0..plan.names.len())
            .map(|slot| match slot {
                TIMESTAMP => Cell::Ready(Some(Val::Time(event.timestamp_ms))),
                MESSAGE => Cell::Ready(Some(Val::Str(Cow::Borrowed(event.message)))),
                LOG_STREAM => Cell::Ready(Some(Val::Str(Cow::Borrowed(event.log_stream)))),
                LOG => Cell::Ready(Some(Val::Str(Cow::Borrowed(event.log_group)))),
                INGESTION_TIME => Cell::Ready(Some(Val::Time(event.ingestion_ms))),
                s if plan.json_slot[s] => Cell::Pending,
                _ => Cell::Ready(None),
            })
            .collect();
        Row {
            cells,
            message: event.message,
            ts: event.timestamp_ms,
            seq,
        }
    }

    /// The value of a field (cheap: borrowed text is not copied).
    pub(crate) fn get(&mut self, slot: Slot, plan: &Plan) -> Option<Val<'a>> {
        match self.cells.get(slot)? {
            Cell::Ready(v) => v.clone(),
            Cell::Pending => {
                self.resolve_json(plan);
                match self.cells.get(slot)? {
                    Cell::Ready(v) => v.clone(),
                    Cell::Pending => None,
                }
            }
        }
    }

    pub(crate) fn set(&mut self, slot: Slot, value: Option<Val<'a>>) {
        if let Some(cell) = self.cells.get_mut(slot) {
            *cell = Cell::Ready(value);
        }
    }

    /// Looks up every pending JSON field in one pass over the message.
    fn resolve_json(&mut self, plan: &Plan) {
        let cells = &mut self.cells;
        json::extract(self.message, &plan.json_paths, |slot, value| {
            if let Some(cell @ Cell::Pending) = cells.get_mut(slot) {
                *cell = Cell::Ready(value);
            }
        });
        for cell in cells.iter_mut() {
            if *cell == Cell::Pending {
                *cell = Cell::Ready(None);
            }
        }
    }

    /// An owned copy keeping only the fields in `keep` (the rest absent).
    pub(crate) fn kept(&mut self, plan: &Plan, keep: &[bool]) -> Row<'static> {
        let cells = (0..self.cells.len())
            .map(|slot| match keep.get(slot) {
                Some(true) => Cell::Ready(self.get(slot, plan).map(Val::into_owned)),
                _ => Cell::Ready(None),
            })
            .collect();
        Row {
            cells,
            message: "",
            ts: self.ts,
            seq: self.seq,
        }
    }

    /// The value of a ready field, without looking up JSON (rows after the event phase).
    pub(crate) fn ready(&self, slot: Slot) -> Option<&Val<'a>> {
        match self.cells.get(slot)? {
            Cell::Ready(v) => v.as_ref(),
            Cell::Pending => None,
        }
    }
}
