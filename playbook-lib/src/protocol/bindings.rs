//! Names bound by query cells (`%%logs errors = …`): the result stays in the engine the
//! kernel hosts, and a later Rust cell that uses the name fetches it as a typed value
//! (the kernel adds `let errors: LogTable = playbook::bindings::fetch("errors")?;` to that
//! cell, so no query cell waits for a compile).

use crate::model::alarms::AlarmReport;
use crate::model::contributors::TopContributors;
use crate::model::log_table::LogTable;
use crate::model::series_set::SeriesSet;
use crate::protocol::Answer;

/// The Rust type a bound result has in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundType {
    LogTable,
    SeriesSet,
    AlarmReport,
    TopContributors,
}

impl BoundType {
    /// The type's path as a cell writes it.
    pub fn rust_path(self) -> &'static str {
        match self {
            BoundType::LogTable => "::playbook::log_table::LogTable",
            BoundType::SeriesSet => "::playbook::series_set::SeriesSet",
            BoundType::AlarmReport => "::playbook::alarms::AlarmReport",
            BoundType::TopContributors => "::playbook::contributors::TopContributors",
        }
    }

    /// The short name shown to people.
    pub fn name(self) -> &'static str {
        match self {
            BoundType::LogTable => "LogTable",
            BoundType::SeriesSet => "SeriesSet",
            BoundType::AlarmReport => "AlarmReport",
            BoundType::TopContributors => "TopContributors",
        }
    }
}

/// A result a query cell bound to a name.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    LogTable(LogTable),
    SeriesSet(SeriesSet),
    AlarmReport(AlarmReport),
    TopContributors(TopContributors),
}

impl Bound {
    /// Its type in cells.
    pub fn bound_type(&self) -> BoundType {
        match self {
            Bound::LogTable(_) => BoundType::LogTable,
            Bound::SeriesSet(_) => BoundType::SeriesSet,
            Bound::AlarmReport(_) => BoundType::AlarmReport,
            Bound::TopContributors(_) => BoundType::TopContributors,
        }
    }

    /// The answer that hands it to a cell.
    pub fn to_answer(&self) -> Answer {
        match self {
            Bound::LogTable(table) => Answer::Table(table.clone()),
            Bound::SeriesSet(set) => Answer::Series(set.clone()),
            Bound::AlarmReport(report) => Answer::Alarms(report.clone()),
            Bound::TopContributors(report) => Answer::Contributors(report.clone()),
        }
    }
}

/// The statement that brings `name` into a Rust cell.
pub fn binding_statement(name: &str, bound: BoundType) -> String {
    format!(
        "let {name}: {} = ::playbook::bindings::fetch(\"{name}\")?; ",
        bound.rust_path()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_name_the_full_type_path() {
        assert_eq!(
            binding_statement("errors", BoundType::LogTable),
            "let errors: ::playbook::log_table::LogTable = ::playbook::bindings::fetch(\"errors\")?; "
        );
    }
}
