//! The bounded collector of non-stats queries: the best `cap` rows under the query's order
//! (its `sort` keys, then CloudWatch's default order), optionally the best row per `dedup`
//! key.
//!
//! Rows are buffered up to 2 × cap; then the best cap are selected and the worst of them
//! becomes a threshold that later rows must beat before they are copied at all. With
//! `dedup` the same pruning is sound: the cap-th best of the per-key bests only improves
//! over time, so a row worse than it can never be output, nor can a later row of its key
//! that is worse still. Rows with a missing dedup field are each their own key
//! (CloudWatch keeps them all).

use std::cmp::Ordering;
use std::collections::HashMap;

use super::ast::{Slot, SortKey};
use super::eval::eval;
use super::fields::Row;
use super::order;
use super::plan::Plan;
use super::value::Val;

#[derive(Debug)]
struct Entry {
    keys: Vec<Option<Val<'static>>>,
    row: Row<'static>,
    dedup: Option<DedupKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DedupKey {
    Values(Vec<String>),
    /// A row missing a dedup field: never a duplicate.
    Unique(u64),
}

#[derive(Debug)]
pub(crate) struct Collector {
    desc: Vec<bool>,
    cap: usize,
    entries: Vec<Entry>,
    dedup: Option<(Vec<Slot>, HashMap<DedupKey, usize>)>,
    threshold: Option<(Vec<Option<Val<'static>>>, i64, u64)>,
    /// Some row that matched was left out because of the cap.
    pub dropped: bool,
}

fn compare(
    desc: &[bool],
    (a_keys, a_ts, a_seq): (&[Option<Val<'_>>], i64, u64),
    (b_keys, b_ts, b_seq): (&[Option<Val<'_>>], i64, u64),
) -> Ordering {
    order::keys(a_keys, b_keys, desc)
        .then(b_ts.cmp(&a_ts))
        .then(a_seq.cmp(&b_seq))
}

impl Collector {
    pub(crate) fn new(sort: &[SortKey], dedup: Option<&[Slot]>, cap: usize) -> Collector {
        Collector {
            desc: sort.iter().map(|k| k.desc).collect(),
            cap,
            entries: Vec::new(),
            dedup: dedup.map(|slots| (slots.to_vec(), HashMap::new())),
            threshold: None,
            dropped: false,
        }
    }

    /// Offers one matching row.
    pub(crate) fn offer<'a>(&mut self, sort: &'a [SortKey], row: &mut Row<'a>, plan: &'a Plan) {
        let keys: Vec<Option<Val<'a>>> = sort.iter().map(|k| eval(&k.expr, row, plan)).collect();
        let beaten = match &self.threshold {
            Some((t_keys, t_ts, t_seq)) => {
                let candidate = (keys.as_slice(), row.ts, row.seq);
                compare(&self.desc, candidate, (t_keys, *t_ts, *t_seq)) != Ordering::Less
            }
            None => false,
        };
        if beaten || self.cap == 0 {
            self.dropped = true;
            return;
        }
        let dedup = self
            .dedup
            .as_ref()
            .map(|(slots, _)| dedup_key(slots, row, plan));
        let entry = Entry {
            keys: keys.into_iter().map(|k| k.map(Val::into_owned)).collect(),
            row: row.kept(plan, &plan.keep),
            dedup: dedup.clone(),
        };
        match (dedup, &mut self.dedup) {
            (Some(key), Some((_, index))) => match index.get(&key) {
                Some(&i) => {
                    let old = &self.entries[i];
                    let order = compare(&self.desc, entry.as_key(), old.as_key());
                    if order == Ordering::Less {
                        self.entries[i] = entry;
                    }
                }
                None => {
                    index.insert(key, self.entries.len());
                    self.entries.push(entry);
                }
            },
            _ => self.entries.push(entry),
        }
        if self.entries.len() >= 2 * self.cap.max(1) {
            self.prune();
        }
    }

    /// Keeps the best `cap` entries; the worst of them becomes the threshold.
    fn prune(&mut self) {
        if self.entries.len() <= self.cap {
            return;
        }
        let desc = self.desc.clone();
        let cmp = |a: &Entry, b: &Entry| compare(&desc, a.as_key(), b.as_key());
        self.entries.select_nth_unstable_by(self.cap - 1, cmp);
        self.entries.truncate(self.cap);
        self.dropped = true;
        if let Some(worst) = self.entries.iter().max_by(|a, b| cmp(a, b)) {
            self.threshold = Some((worst.keys.clone(), worst.row.ts, worst.row.seq));
        }
        if let Some((_, index)) = &mut self.dedup {
            index.clear();
            for (i, entry) in self.entries.iter().enumerate() {
                if let Some(key) = &entry.dedup {
                    index.insert(key.clone(), i);
                }
            }
        }
    }

    /// The kept rows, best first.
    pub(crate) fn into_rows(mut self) -> (Vec<Row<'static>>, bool) {
        let desc = self.desc.clone();
        self.entries
            .sort_by(|a, b| compare(&desc, a.as_key(), b.as_key()));
        if self.entries.len() > self.cap {
            self.entries.truncate(self.cap);
            self.dropped = true;
        }
        let rows = self.entries.into_iter().map(|e| e.row).collect();
        (rows, self.dropped)
    }
}

impl Entry {
    fn as_key(&self) -> (&[Option<Val<'static>>], i64, u64) {
        (&self.keys, self.row.ts, self.row.seq)
    }
}

fn dedup_key(slots: &[Slot], row: &mut Row<'_>, plan: &Plan) -> DedupKey {
    let mut values = Vec::with_capacity(slots.len());
    for &slot in slots {
        match row.get(slot, plan) {
            Some(v) => values.push(v.text().into_owned()),
            None => return DedupKey::Unique(row.seq),
        }
    }
    DedupKey::Values(values)
}
