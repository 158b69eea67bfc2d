//! `playbook query …`: the engine from a shell, printing a table (or JSON) — the same
//! engine and the same options as the query cells, for scripts, tests and a quick look.
//! Output that the reader stops reading (`| head`) ends the command quietly.

use std::io::{self, IsTerminal as _, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use playbook::display::Render;
use playbook::protocol::ErrorKind;
use playbook::query::MetricSearch;
use playbook::series_set::SeriesSet;
use playbook_engine::Session;
use playbook_engine::error::EngineError;

use crate::exit::Exit;

use super::options::{
    AlarmsArgs, ContributorsArgs, EventsArgs, LogsArgs, MetricsArgs, WindowArgs, metric_search,
    metric_spec,
};

/// How to print.
#[derive(Debug, Args)]
pub(crate) struct Print {
    /// Print the result as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum QueryCommand {
    /// Run a Logs Insights query.
    Logs {
        #[command(flatten)]
        args: LogsArgs,
        #[command(flatten)]
        print: Print,
        /// The Logs Insights query.
        query: String,
    },
    /// Fetch one metric statistic as a series.
    Metrics {
        #[command(flatten)]
        args: MetricsArgs,
        #[command(flatten)]
        print: Print,
        #[arg(long)]
        namespace: String,
        #[arg(long)]
        metric: String,
        /// A dimension NAME=VALUE (repeatable; the set must match exactly).
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Average, Sum, Minimum, Maximum, SampleCount, p99, tm90, …
        #[arg(long, default_value = "Average")]
        stat: String,
    },
    /// Raw events matching a filter pattern (FilterLogEvents).
    Events {
        #[command(flatten)]
        args: EventsArgs,
        #[command(flatten)]
        print: Print,
    },
    /// Metrics that exist (ListMetrics): --namespace N [--metric M] [--dim K=V | --dim K]…
    ListMetrics {
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        print: Print,
        /// The namespace to list (`AWS/EC2`).
        #[arg(long)]
        namespace: String,
        /// Only this metric.
        #[arg(long)]
        metric: Option<String>,
        /// NAME=VALUE, or NAME for any value (repeatable).
        #[arg(long = "dim", value_name = "NAME[=VALUE]")]
        dims: Vec<String>,
    },
    /// Alarms and their state changes in the window.
    Alarms {
        #[command(flatten)]
        args: AlarmsArgs,
        #[command(flatten)]
        print: Print,
    },
    /// A Contributor Insights rule's top contributors: RULE [--top 10] [--order-by maximum].
    Contributors {
        #[command(flatten)]
        args: ContributorsArgs,
        #[command(flatten)]
        print: Print,
    },
    /// Service quotas of one account and region: SERVICE… [--code L-…]… [--with-usage].
    Quotas {
        #[command(flatten)]
        print: Print,
        /// Service codes (`ec2`, `fargate`, `lambda`).
        #[arg(required = true)]
        services: Vec<String>,
        /// Only this quota code (repeatable).
        #[arg(long = "code", value_name = "QUOTA_CODE")]
        codes: Vec<String>,
        /// Only the quotas that have a usage metric.
        #[arg(long)]
        with_usage: bool,
        /// Ask this source instead of the session's (`cloudwatch:region=…`, `local:DIR`).
        #[arg(long)]
        source: Option<String>,
    },
    /// List log groups.
    Groups {
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        print: Print,
        /// Only groups whose names start with this.
        #[arg(long)]
        prefix: Option<String>,
    },
}

/// Why a query command stopped.
enum Failure {
    Engine(EngineError),
    Output(io::Error),
}

impl From<EngineError> for Failure {
    fn from(error: EngineError) -> Failure {
        Failure::Engine(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure {
        Failure::Output(error)
    }
}

/// Runs `playbook query …`: 0 with a result; when the query failed (the error says why),
/// the exit class of the failure: 3 for a query or option that cannot work, 4 when the
/// source may answer on a retry, 5 when it refused, 1 otherwise.
pub(crate) fn run(command: QueryCommand) -> ExitCode {
    let session = Session::from_env();
    let result = if io::stdout().is_terminal() {
        // On a terminal what the data says is shown, not obeyed: a log line's ESC, CR or
        // bidi control is written as an escape.
        let mut buffer = Vec::new();
        execute(&session, &command, &mut buffer).and_then(|()| {
            let text = String::from_utf8_lossy(&buffer);
            let mut out = io::stdout().lock();
            out.write_all(crate::visible::text(&text).as_bytes())?;
            Ok(out.flush()?)
        })
    } else {
        let mut out = io::stdout().lock();
        execute(&session, &command, &mut out).and_then(|()| Ok(out.flush()?))
    };
    for record in session.queries() {
        for note in &record.notes {
            eprintln!("note: {note}");
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): what it read is all it wanted.
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(Failure::Output(error)) => {
            eprintln!("playbook query: writing the result: {error}");
            Exit::OutputFailed.into()
        }
        Err(Failure::Engine(error)) => {
            eprintln!("playbook query: {error}");
            exit_of(error.kind()).into()
        }
    }
}

fn execute(session: &Session, command: &QueryCommand, out: &mut impl Write) -> Result<(), Failure> {
    match command {
        QueryCommand::Logs { args, print, query } => {
            use_source(session, &args.window)?;
            print_result(out, &session.run_logs_insights(&args.query(query))?, print)
        }
        QueryCommand::Events { args, print } => {
            use_source(session, &args.window)?;
            print_result(out, &session.run_filter(&args.query())?, print)
        }
        QueryCommand::Metrics {
            args,
            print,
            namespace,
            metric,
            dims,
            stat,
        } => {
            use_source(session, &args.window)?;
            let mut queries = [
                metric_spec(namespace, metric, dims, stat).map_err(EngineError::InvalidInput)?
            ];
            args.apply(&mut queries);
            print_series(out, &session.run_metrics(&queries)?, print)
        }
        QueryCommand::ListMetrics {
            window,
            print,
            namespace,
            metric,
            dims,
        } => {
            use_source(session, window)?;
            let search = metric_search(namespace, metric.as_deref(), dims);
            list_metrics(session, &search, out, print)
        }
        QueryCommand::Alarms { args, print } => {
            use_source(session, &args.window)?;
            print_result(out, &session.run_alarms(&args.query())?, print)
        }
        QueryCommand::Contributors { args, print } => {
            use_source(session, &args.window)?;
            print_result(out, &session.run_contributors(&args.query())?, print)
        }
        QueryCommand::Quotas {
            print,
            services,
            codes,
            with_usage,
            source,
        } => {
            let query = playbook::quotas::QuotasQuery {
                services: services.clone(),
                quota_codes: codes.clone(),
                with_usage: *with_usage,
                source: source.clone(),
            };
            print_result(out, &session.run_service_quotas(&query)?, print)
        }
        QueryCommand::Groups {
            window,
            print,
            prefix,
        } => {
            use_source(session, window)?;
            let groups = session.run_log_groups(prefix.as_deref())?;
            print_lines(out, &groups, print, String::clone)
        }
    }
}

/// `playbook query list-metrics`: a line per metric (namespace, name, dimensions), and
/// how many on stderr.
fn list_metrics(
    session: &Session,
    search: &MetricSearch,
    out: &mut impl Write,
    print: &Print,
) -> Result<(), Failure> {
    let found = session.run_list_metrics(search)?;
    print_lines(out, &found, print, |id| {
        let dims: Vec<String> = id
            .dimensions
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{} {} {}", id.namespace, id.metric, dims.join(" "))
    })?;
    if !print.json {
        eprintln!("{} metrics", found.len());
    }
    Ok(())
}

/// The exit class of a query that failed with `kind`.
fn exit_of(kind: ErrorKind) -> Exit {
    match kind {
        ErrorKind::QuerySyntax | ErrorKind::InvalidInput | ErrorKind::Unsupported => Exit::BadInput,
        kind => Exit::of_source(kind).unwrap_or(Exit::CellFailed),
    }
}

/// `--source` chooses the session's source for the command.
fn use_source(session: &Session, window: &WindowArgs) -> Result<(), EngineError> {
    match &window.source {
        Some(spec) => session.set_source(spec, "--source"),
        None => Ok(()),
    }
}

fn json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| EngineError::InvalidInput(format!("the result is not JSON: {e}")))?;
    writeln!(out, "{text}")?;
    Ok(())
}

fn plain(out: &mut impl Write, value: &impl Render) -> Result<(), Failure> {
    if let Some(text) = value
        .bundle()
        .data
        .get("text/plain")
        .and_then(|v| v.as_str())
    {
        writeln!(out, "{text}")?;
    }
    Ok(())
}

/// A result as its text rendering (or as JSON).
fn print_result(
    out: &mut impl Write,
    value: &(impl serde::Serialize + Render),
    print: &Print,
) -> Result<(), Failure> {
    if print.json {
        return json(out, value);
    }
    plain(out, value)
}

/// One line per item (or the items as JSON).
fn print_lines<T: serde::Serialize>(
    out: &mut impl Write,
    items: &[T],
    print: &Print,
    line: impl Fn(&T) -> String,
) -> Result<(), Failure> {
    if print.json {
        return json(out, &items);
    }
    for item in items {
        writeln!(out, "{}", line(item))?;
    }
    Ok(())
}

fn print_series(out: &mut impl Write, set: &SeriesSet, print: &Print) -> Result<(), Failure> {
    if print.json {
        return json(out, set);
    }
    for series in set {
        let unit = series
            .unit
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        writeln!(out, "{}{unit}", series.label)?;
        for (t, v) in series.timestamps.iter().zip(&series.values) {
            let v = v.map_or("–".to_owned(), |v| format!("{v}"));
            writeln!(out, "{}  {v}", playbook::time_range::rfc3339(*t))?;
        }
        writeln!(out, "{} points", series.len())?;
    }
    Ok(())
}
