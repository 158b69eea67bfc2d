//! `playbook query …` and `playbook generate-data`: the engine from a shell, printing a
//! table (or JSON) — the same engine the kernel hosts, for scripts, tests and a quick look.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use playbook::display::Render;
use playbook::engine::Session;
use playbook::engine::error::EngineError;
use playbook::log_table::LogTable;
use playbook::query::{RangeSpec, filter_log_events, logs_insights, metric};
use playbook::series_set::SeriesSet;

use crate::magics::WindowArgs;

/// Where and when to ask (the same options as the query cells), and how to print.
#[derive(Debug, Args)]
pub struct Common {
    /// `--source` (else `PLAYBOOK_SOURCE`), `--since`, or `--start` and `--end`.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Print the result as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Run a Logs Insights query.
    Logs {
        #[command(flatten)]
        common: Common,
        /// A log group (repeatable).
        #[arg(long = "group", short = 'g', required_unless_present = "group_prefix")]
        groups: Vec<String>,
        /// Every log group whose name starts with this.
        #[arg(long)]
        group_prefix: Option<String>,
        /// At most this many rows.
        #[arg(long)]
        limit: Option<usize>,
        /// The Logs Insights query.
        query: String,
    },
    /// Fetch one metric statistic as a series.
    Metrics {
        #[command(flatten)]
        common: Common,
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
        /// Seconds per point (default: chosen for the window).
        #[arg(long)]
        period: Option<u32>,
    },
    /// Raw events matching a filter pattern (FilterLogEvents).
    Events {
        #[command(flatten)]
        common: Common,
        #[arg(long, short = 'g')]
        group: String,
        /// The filter pattern (`ERROR`, `?ERROR ?WARN`, `{ $.level = "ERROR" }`).
        #[arg(long)]
        pattern: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Metrics that exist (ListMetrics): NAMESPACE [--metric M] [--dim K=V | --dim K]…
    ListMetrics {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        namespace: String,
        #[arg(long)]
        metric: Option<String>,
        /// NAME=VALUE, or NAME for any value (repeatable).
        #[arg(long = "dim", value_name = "NAME[=VALUE]")]
        dims: Vec<String>,
    },
    /// Alarms and their state changes in the window.
    Alarms {
        #[command(flatten)]
        common: Common,
        /// Only alarms in this state now (OK, ALARM, INSUFFICIENT_DATA).
        #[arg(long)]
        state: Option<String>,
        /// Only alarms whose names start with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// List log groups.
    Groups {
        #[command(flatten)]
        common: Common,
        /// Only groups whose names start with this.
        #[arg(long)]
        prefix: Option<String>,
    },
}

impl QueryCommand {
    fn common(&self) -> &Common {
        match self {
            QueryCommand::Logs { common, .. }
            | QueryCommand::Metrics { common, .. }
            | QueryCommand::Events { common, .. }
            | QueryCommand::Alarms { common, .. }
            | QueryCommand::ListMetrics { common, .. }
            | QueryCommand::Groups { common, .. } => common,
        }
    }
}

/// Runs `playbook query …`: 0 with a result, 1 when the query failed (the error says why).
pub fn run(command: QueryCommand) -> ExitCode {
    match execute(&command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("playbook query: {error}");
            ExitCode::from(1)
        }
    }
}

fn execute(command: &QueryCommand) -> Result<(), EngineError> {
    let session = Session::from_env();
    let common = command.common();
    if let Some(spec) = &common.window.source {
        session.set_source(spec, "--source")?;
    }
    let window = common.window.window().map(RangeSpec::Text);
    match command {
        QueryCommand::Logs {
            groups,
            group_prefix,
            limit,
            query,
            ..
        } => {
            let mut q = logs_insights(query);
            q.groups = groups.clone();
            q.group_prefix = group_prefix.clone();
            q.limit = *limit;
            q.window = window;
            print_table(&session.run_logs_insights(&q)?, common.json);
        }
        QueryCommand::Events {
            group,
            pattern,
            limit,
            ..
        } => {
            let mut q = filter_log_events(group);
            q.pattern = pattern.clone();
            q.limit = *limit;
            q.window = window;
            print_table(&session.run_filter(&q)?, common.json);
        }
        QueryCommand::Metrics {
            namespace,
            metric: name,
            dims,
            stat,
            period,
            ..
        } => {
            let mut q = metric(namespace, name).stat(stat);
            for dim in dims {
                let (k, v) = dim.split_once('=').ok_or_else(|| {
                    EngineError::InvalidInput(format!("--dim `{dim}`: write NAME=VALUE"))
                })?;
                q = q.dim(k, v);
            }
            q.period = *period;
            q.window = window;
            let set = session.run_metrics(&[q])?;
            print_series(&set, common.json);
        }
        QueryCommand::ListMetrics {
            namespace,
            metric: name,
            dims,
            ..
        } => {
            let mut search = playbook::query::list_metrics(namespace);
            if let Some(name) = name {
                search = search.metric(name);
            }
            for dim in dims {
                search = match dim.split_once('=') {
                    Some((k, v)) => search.dim(k, v),
                    None => search.has_dim(dim),
                };
            }
            let found = session.run_list_metrics(&search)?;
            if common.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&found).unwrap_or_default()
                );
            } else {
                for id in &found {
                    let dims: Vec<String> = id
                        .dimensions
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    println!("{} {} {}", id.namespace, id.metric, dims.join(" "));
                }
                eprintln!("{} metrics", found.len());
            }
        }
        QueryCommand::Alarms { state, prefix, .. } => {
            let mut q = playbook::alarms::alarms();
            q.state = state.as_ref().map(|s| s.to_ascii_uppercase());
            q.prefix = prefix.clone();
            q.window = window;
            let report = session.run_alarms(&q)?;
            if common.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else if let Some(text) = report
                .bundle()
                .data
                .get("text/plain")
                .and_then(|v| v.as_str())
            {
                println!("{text}");
            }
        }
        QueryCommand::Groups { prefix, .. } => {
            let groups = session.backend()?.log_groups(prefix.as_deref())?;
            if common.json {
                println!("{}", serde_json::Value::from(groups));
            } else {
                groups.iter().for_each(|g| println!("{g}"));
            }
        }
    }
    for record in session.queries() {
        for note in &record.notes {
            eprintln!("note: {note}");
        }
    }
    Ok(())
}

fn print_table(table: &LogTable, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(table).unwrap_or_default()
        );
        return;
    }
    if let Some(text) = table
        .bundle()
        .data
        .get("text/plain")
        .and_then(|v| v.as_str())
    {
        println!("{text}");
    }
}

fn print_series(set: &SeriesSet, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(set).unwrap_or_default());
        return;
    }
    for series in set {
        let unit = series
            .unit
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        println!("{}{unit}", series.label);
        for (t, v) in series.timestamps.iter().zip(&series.values) {
            let v = v.map_or("–".to_owned(), |v| format!("{v}"));
            println!("{}  {v}", playbook::time_range::rfc3339(*t));
        }
        println!("{} points", series.len());
    }
}

/// `playbook generate-data`: options of the bundled data generator.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Where to write (a local source directory: metrics/ and logs/ go under it).
    pub out_dir: PathBuf,
    /// Days of metrics, ending with the incident day.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Instead of the dataset, write one JSON Lines log of about this many bytes (benchmarks).
    #[arg(long, value_name = "BYTES")]
    pub bench_bytes: Option<u64>,
}

/// Runs `playbook generate-data`.
pub fn generate(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    use playbook::engine::datagen::{Options, generate};
    let options = Options {
        out_dir: args.out_dir.clone(),
        days: args.days,
        seed: args.seed,
        bench_bytes: args.bench_bytes,
        ..Options::default()
    };
    let summary = generate(&options)
        .with_context(|| format!("generating data into {}", args.out_dir.display()))?;
    println!(
        "wrote {} files ({} bytes): {} metric datapoints, {} log events under {}",
        summary.files.len(),
        summary.bytes,
        summary.metric_points,
        summary.log_events,
        args.out_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
