//! The log query kinds: Logs Insights (over resolved groups, with progress and a console
//! link), FilterLogEvents, and the names of log groups. A table's record carries its
//! query ids, statistics and whether it was truncated.

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::query::{Query, Window};
use playbook::model::log_table::LogTable;
use playbook::model::query::{FilterQuery, LogsQuery};
use playbook::model::record::{QueryKind, QueryRecord, QueryStatus};
use playbook::model::time_range::TimeRange;

/// The most log groups one Logs Insights query covers (StartQuery's limit).
const MAX_GROUPS: usize = 50;

/// A Logs Insights query.
pub(crate) struct Insights<'a> {
    query: &'a LogsQuery,
    groups: Vec<String>,
}

impl<'a> Insights<'a> {
    pub(crate) fn new(query: &'a LogsQuery) -> Insights<'a> {
        Insights {
            query,
            groups: Vec::new(),
        }
    }
}

impl Query for Insights<'_> {
    type Found = LogTable;
    type Output = LogTable;

    fn kind(&self) -> QueryKind {
        QueryKind::LogsInsights
    }

    fn describe(&self) -> String {
        self.query.query.clone()
    }

    fn source(&self) -> Option<&str> {
        self.query.source.as_deref()
    }

    fn window(&self) -> Window<'_> {
        Window::Of(self.query.window.as_ref())
    }

    fn shows_progress(&self) -> bool {
        true
    }

    fn prepare(
        &mut self,
        _session: &Session,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
        _notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        self.groups = insights_groups(self.query, backend)?;
        Ok(())
    }

    fn run(
        &self,
        backend: &dyn Backend,
        window: Option<TimeRange>,
    ) -> Result<Outcome<LogTable>, EngineError> {
        crate::row_limit::run(backend, self.query, &self.groups, windowed(window)?)
    }

    fn records(&self, mut record: QueryRecord, backend: &dyn Backend) -> Vec<QueryRecord> {
        let (query, groups) = (self.query, &self.groups);
        record.language = query.language;
        let accounts = crate::linked_groups::accounts_of(groups, record.account.as_deref());
        if !query.accounts.is_empty() || groups.iter().any(|g| crate::linked_groups::is_arn(g)) {
            record.account = Some(accounts.join(", "));
        }
        if let Some(region) = backend.region()
            && let Some(window) = record.window
            && query.language.is_default()
            && !groups.iter().any(|g| crate::linked_groups::is_arn(g))
        {
            record.console_url = Some(crate::console::logs_insights_url(
                &region,
                &query.query,
                groups,
                &window,
            ));
        }
        record.groups = groups.clone();
        vec![record]
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<LogTable>,
        notes: &[String],
    ) -> LogTable {
        fill_table(records, outcome, notes)
    }
}

/// A FilterLogEvents query.
pub(crate) struct Filter<'a>(pub(crate) &'a FilterQuery);

impl Query for Filter<'_> {
    type Found = LogTable;
    type Output = LogTable;

    fn kind(&self) -> QueryKind {
        QueryKind::FilterLogEvents
    }

    fn describe(&self) -> String {
        self.0.pattern.clone().unwrap_or_default()
    }

    fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    fn window(&self) -> Window<'_> {
        Window::Of(self.0.window.as_ref())
    }

    fn run(
        &self,
        backend: &dyn Backend,
        window: Option<TimeRange>,
    ) -> Result<Outcome<LogTable>, EngineError> {
        backend.filter_log_events(self.0, windowed(window)?)
    }

    fn records(&self, mut record: QueryRecord, _backend: &dyn Backend) -> Vec<QueryRecord> {
        record.groups = vec![self.0.group.clone()];
        vec![record]
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<LogTable>,
        notes: &[String],
    ) -> LogTable {
        fill_table(records, outcome, notes)
    }
}

/// Log group names starting with a prefix, on the session's source.
pub(crate) struct LogGroups<'a>(pub(crate) Option<&'a str>);

impl Query for LogGroups<'_> {
    type Found = Vec<String>;
    type Output = Vec<String>;

    fn kind(&self) -> QueryKind {
        QueryKind::LogGroups
    }

    fn describe(&self) -> String {
        format!("{}*", self.0.unwrap_or(""))
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<Vec<String>>, EngineError> {
        let names = backend.log_groups(self.0)?;
        Ok(Outcome::new(names, u32::from(backend.region().is_some())))
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Vec<String>>,
        _notes: &[String],
    ) -> Vec<String> {
        records[0].results = outcome.value.len() as u64;
        outcome.value
    }
}

/// The window of a windowed kind (always resolved by [`Session::run`]).
pub(crate) fn windowed(window: Option<TimeRange>) -> Result<TimeRange, EngineError> {
    window.ok_or_else(|| {
        EngineError::InvalidInput("a windowed query was run without its window".into())
    })
}

/// A table's record: its calls' ids, statistics, row count and notes; truncated when the
/// table is.
fn fill_table(
    records: &mut [QueryRecord],
    outcome: Outcome<LogTable>,
    notes: &[String],
) -> LogTable {
    let record = &mut records[0];
    let mut table = outcome.value;
    table.notes.extend(notes.iter().cloned());
    record.query_ids = outcome.query_ids;
    record.results = table.len() as u64;
    record.statistics = Some(table.statistics);
    if table.truncated {
        record.status = QueryStatus::Truncated;
    }
    if table.query_id.is_none() {
        table.query_id = record.query_ids.first().cloned();
    }
    record.notes = notes.to_vec();
    table
}

/// The log groups a Logs Insights query covers: those it names and those its prefix
/// finds, at least one and at most [`MAX_GROUPS`].
fn insights_groups(query: &LogsQuery, backend: &dyn Backend) -> Result<Vec<String>, EngineError> {
    query.validate_accounts()?;
    let mut groups = query.groups.clone();
    match &query.group_prefix {
        // Each linked account's own groups under the prefix, by ARN.
        Some(prefix) if !query.accounts.is_empty() => {
            groups.extend(backend.linked_log_groups(prefix, &query.accounts)?);
        }
        Some(prefix) => groups.extend(backend.log_groups(Some(prefix))?),
        None => {}
    }
    groups.dedup();
    if query.language.names_its_groups() {
        // OpenSearch SQL names its log groups in FROM; StartQuery refuses both.
        if !groups.is_empty() {
            return Err(EngineError::InvalidInput(
                "an OpenSearch SQL query names its log groups in FROM (FROM `/ecs/checkout`): \
                 drop .group(…)/--group"
                    .into(),
            ));
        }
        return Ok(groups);
    }
    let groups = crate::linked_groups::expand(groups, &query.accounts, backend)?;
    if groups.is_empty() {
        return Err(EngineError::InvalidInput(
            "a Logs Insights query needs at least one log group (.group(\"/ecs/checkout\") or --group)".into(),
        ));
    }
    if groups.len() > MAX_GROUPS {
        return Err(EngineError::InvalidInput(format!(
            "{} log groups: a Logs Insights query covers at most {MAX_GROUPS}; narrow the prefix",
            groups.len()
        )));
    }
    Ok(groups)
}
