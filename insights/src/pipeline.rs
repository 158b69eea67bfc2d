//! Commands over rows already collected (after `stats`, after the top-N, or every row when
//! the query cannot be bounded). Here every command sees all rows at once, in order.

use std::collections::HashSet;

use super::ast::Command;
use super::eval::{apply, eval};
use super::fields::Row;
use super::order;
use super::plan::Plan;
use super::stats::Groups;
use super::value::Val;

pub(crate) fn run<'p>(
    mut rows: Vec<Row<'p>>,
    commands: &'p [Command],
    plan: &'p Plan,
) -> Vec<Row<'p>> {
    for command in commands {
        match command {
            Command::Filter(_) | Command::Fields(_) | Command::Parse(_) | Command::Display(_) => {
                rows.retain_mut(|row| apply(command, row, plan));
            }
            Command::Sort(keys) => {
                let desc: Vec<bool> = keys.iter().map(|k| k.desc).collect();
                let mut keyed: Vec<(Vec<Option<Val<'p>>>, Row<'p>)> = rows
                    .into_iter()
                    .map(|mut row| {
                        let values = keys.iter().map(|k| eval(&k.expr, &mut row, plan)).collect();
                        (values, row)
                    })
                    .collect();
                keyed.sort_by(|a, b| order::keys(&a.0, &b.0, &desc));
                rows = keyed.into_iter().map(|(_, row)| row).collect();
            }
            Command::Limit(n) => rows.truncate(*n),
            Command::Share { count, ratio } => {
                super::clusters::share(&mut rows, *count, *ratio, plan);
            }
            Command::Dedup(slots) => {
                let mut seen = HashSet::new();
                rows.retain_mut(|row| {
                    let key: Option<Vec<String>> = slots
                        .iter()
                        .map(|&s| row.get(s, plan).map(|v| v.text().into_owned()))
                        .collect();
                    key.is_none_or(|k| seen.insert(k))
                });
            }
            Command::Stats(stats) => {
                let mut groups = Groups::default();
                for mut row in rows {
                    groups.add(stats, &mut row, plan);
                }
                rows = groups.into_rows(stats, plan);
            }
        }
    }
    rows
}
