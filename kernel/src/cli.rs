//! The `playbook` command line: one subcommand per job, each a thin call into the library,
//! and the exit-code contract (`crate::exit`) applied to everything, usage errors included.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::cells::cell_cache;
use crate::exit::Exit;
use crate::jupyter::connection_file;
use crate::queries::cli as query_cli;
use crate::record::notebook::Notebook;
use crate::report;
use crate::run::{self as runner, parameters};
use crate::{install, server, visible};

/// Operational playbooks in Jupyter, in Rust.
#[derive(Debug, Parser)]
#[command(name = "playbook", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Jupyter kernel (what kernel.json starts).
    Kernel {
        /// The connection file written by the Jupyter client.
        #[arg(long, short = 'f')]
        connection_file: PathBuf,
    },
    /// Install the `playbook` kernelspec and prebuild the cell library.
    Install(InstallArgs),
    /// Run a notebook headlessly and write the executed notebook.
    Run(RunArgs),
    /// Run a notebook once per target of a targets file (services, accounts, regions).
    Fleet(FleetCmdArgs),
    /// Handle CloudWatch alarm events (one, or an SQS queue's): run the playbooks a
    /// responders file routes them to.
    Respond(RespondCmdArgs),
    /// Summarise an executed notebook (a record) as Markdown or HTML.
    Report(ReportArgs),
    /// Write a first playbook: parameters, source and window, a metric beside its baseline,
    /// a query cell, two checks and the review's headings; it runs as it is.
    New(NewArgs),
    /// The operations review of many runs: records and summaries in files, directories or
    /// s3://BUCKET/PREFIX — verdicts over time, failing and flapping checks, alarm to
    /// verdict, slow and throttled queries, failures to run, targets gone quiet.
    Review(ReviewArgs),
    /// Ask the engine from a shell: Logs Insights, metrics, filtered events, log groups.
    #[command(subcommand)]
    Query(query_cli::QueryCommand),
    /// Write the bundled "checkout" incident data (or a benchmark log).
    GenerateData(GenerateArgs),
    /// Check this installation: the Rust toolchain, rust-src, the cell library and its
    /// prebuilt cache, the kernelspec, the AWS configuration (exit 2 when a check failed).
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
struct NewArgs {
    /// The notebook to write (`.ipynb` is added when missing); an existing file is never
    /// overwritten.
    name: PathBuf,
    /// Where its data is: `local:DIR` or `cloudwatch` (default: the bundled incident data
    /// beside this installation).
    #[arg(long, value_name = "local:DIR|cloudwatch")]
    source: Option<String>,
    /// The service it looks at (its `service` parameter, `{service}` in its query cell).
    #[arg(long, default_value = "checkout")]
    service: String,
}

#[derive(Debug, Args)]
struct DoctorArgs {
    /// Print the report as JSON (checks with name, status, verdict and fix).
    #[arg(long)]
    json: bool,
    /// Also call STS GetCallerIdentity once (20 s deadline): exit 5 when the credentials
    /// are refused, 4 when STS does not answer.
    #[arg(long)]
    aws: bool,
    #[command(flatten)]
    target: AwsArgs,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The executed notebook (from `playbook run`).
    #[arg(required_unless_present = "postmortem", conflicts_with = "postmortem")]
    record: Option<PathBuf>,
    /// md or html (default: from the -o extension, else md).
    #[arg(long, value_enum)]
    format: Option<report::Format>,
    /// Where to write the report (default: standard output). A Markdown report writes its
    /// charts as SVG files into NAME.files/ beside it.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Another record of the same notebook: report what changed between the two runs
    /// (the earlier one is "before").
    #[arg(long, value_name = "RECORD")]
    compare: Option<PathBuf>,
    /// Write a post-incident review assembled from these incident records: header,
    /// impact, timeline, and the sections people fill in.
    #[arg(long, value_name = "RECORD", num_args = 1.., conflicts_with = "compare")]
    postmortem: Vec<PathBuf>,
    /// With --postmortem: the KPI, the label of a chart's series shown beside a baseline
    /// (default: the first chart that shows a baseline).
    #[arg(long, value_name = "NAME")]
    kpi: Option<String>,
    /// With --kpi: which way is bad for it: up (latency, errors) or down (orders,
    /// availability). Default: from a check on it, its name or its unit; when none says,
    /// the review shows both ways.
    #[arg(long, value_enum, requires = "kpi")]
    kpi_direction: Option<report::KpiDirection>,
}

#[derive(Debug, Args)]
struct ReviewArgs {
    /// Records (executed notebooks), run or fleet summaries, directories of them (walked),
    /// or s3://BUCKET/PREFIX.
    #[arg(required = true, value_name = "RECORDS|DIR|s3://PREFIX")]
    inputs: Vec<String>,
    /// Review the runs that started this long before --until (7d, 24h) or since an
    /// instant (default: every run).
    #[arg(long, value_name = "DURATION|INSTANT")]
    since: Option<String>,
    /// The end of the period reviewed (default: now); runs after it are left out.
    #[arg(long, value_name = "INSTANT")]
    until: Option<String>,
    /// md or html (default: from the -o extension, else md).
    #[arg(long, value_enum)]
    format: Option<report::Format>,
    /// Where to write the review (default: standard output). A Markdown review writes its
    /// chart as an SVG file into NAME.files/ beside it.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Read at most this many files.
    #[arg(long, value_name = "N", default_value_t = crate::review::DEFAULT_MAX_RECORDS)]
    max_records: usize,
    #[command(flatten)]
    aws: AwsArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The notebook to run.
    notebook: PathBuf,
    /// Where to write the executed notebook: a path or s3://BUCKET/KEY, with placeholders
    /// {run_id} {date} {time} {datetime} {notebook} {target} {param.NAME} (default:
    /// NAME.executed.ipynb next to the notebook).
    #[arg(long, short = 'o', value_name = "PATH|s3://…")]
    output: Option<String>,
    /// Keep going after a failing cell (the exit code still says a cell failed).
    #[arg(long)]
    allow_errors: bool,
    /// Stop a cell that runs longer than this many seconds.
    #[arg(long, value_name = "SECS")]
    cell_timeout: Option<u64>,
    /// Keep at most this many bytes of each cell's output in the record (0: all); what is
    /// left out is counted in a note.
    #[arg(long, value_name = "BYTES", default_value_t = crate::run::outputs::DEFAULT_MAX_OUTPUT_BYTES)]
    max_output_bytes: usize,
    /// Set a parameter declared in the cell tagged `parameters` (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    parameters: Vec<String>,
    /// Read parameters from a JSON ({"NAME": VALUE, …}) or YAML (`NAME: VALUE`, by a
    /// .yaml/.yml name) file; -p values win.
    #[arg(
        short = 'f',
        long = "parameters-file",
        value_name = "PARAMS.json|.yaml"
    )]
    parameters_file: Option<PathBuf>,
    /// The data source: `cloudwatch` or `local:DIR` (also the notebook's `source`
    /// parameter when it declares one).
    #[arg(long, env = "PLAYBOOK_SOURCE")]
    source: Option<String>,
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    deliveries: DeliveryArgs,
    #[command(flatten)]
    actions: ActionArgs,
}

/// What a run may do about the runbook's actions (steps that change something). An action
/// never runs unapproved: without `--approve NAME` or `--approve-all` it is recorded as
/// "not approved: dry run" and the run goes on (a `.required()` action stops it).
#[derive(Debug, Args)]
struct ActionArgs {
    /// Approve the action of this name (repeatable).
    #[arg(long = "approve", value_name = "NAME")]
    approve: Vec<String>,
    /// Approve every action of the runbook.
    #[arg(long)]
    approve_all: bool,
    /// Show every action's command and run none (approvals aside).
    #[arg(long)]
    dry_run: bool,
    /// Refuse every action (also PLAYBOOK_ACTIONS=off), e.g. on a read-only responder.
    #[arg(long)]
    no_actions: bool,
}

impl ActionArgs {
    fn flags(&self) -> crate::actions::ActionFlags {
        crate::actions::ActionFlags {
            approve: self.approve.clone(),
            approve_all: self.approve_all,
            dry_run: self.dry_run,
            off: self.no_actions,
        }
    }
}

/// Where in AWS a run's queries and deliveries go (what is not given comes from the
/// standard AWS configuration).
#[derive(Debug, Args)]
struct AwsArgs {
    /// The AWS region of every CloudWatch query and delivery of the run.
    #[arg(long)]
    region: Option<String>,
    /// The AWS profile (from ~/.aws/config) to use.
    #[arg(long)]
    profile: Option<String>,
    /// A role to assume (STS AssumeRole) for the run, e.g. in another account.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// The external id the role's trust policy asks for.
    #[arg(long, requires = "role_arn")]
    external_id: Option<String>,
    /// The session name of the assumed role (default: playbook).
    #[arg(long, requires = "role_arn")]
    role_session_name: Option<String>,
}

impl AwsArgs {
    fn target(&self) -> anyhow::Result<playbook::source::AwsTarget> {
        if let Some(role) = self.role_arn.as_ref().filter(|r| !r.starts_with("arn:")) {
            anyhow::bail!("--role-arn {role}: write arn:aws:iam::ACCOUNT:role/NAME");
        }
        Ok(playbook::source::AwsTarget {
            region: self.region.clone(),
            profile: self.profile.clone(),
            role_arn: self.role_arn.clone(),
            external_id: self.external_id.clone(),
            session_name: self.role_session_name.clone(),
        })
    }
}

/// What an unattended run delivers beyond its record.
#[derive(Debug, Args)]
struct DeliveryArgs {
    /// Also write a report, HTML or Markdown by the extension: a path or s3://… (with
    /// the placeholders of -o).
    #[arg(long, value_name = "PATH|s3://…")]
    report: Option<String>,
    /// Write the run summary (JSON, docs/run-summary.schema.json): a path, s3://…, or -
    /// for one line on stdout.
    #[arg(long, value_name = "FILE|-|s3://…")]
    summary: Option<String>,
    /// Publish the verdicts as CloudWatch metrics in this namespace (CheckFailed,
    /// RunFailed, RunDuration).
    #[arg(long, value_name = "NAMESPACE")]
    publish_metrics: Option<String>,
    /// Write the verdicts as CloudWatch Embedded Metric Format lines on stdout.
    #[arg(long)]
    emf: bool,
    /// Notify sns:TOPIC_ARN or an https:// webhook (repeatable).
    #[arg(long, value_name = "sns:ARN|https://…")]
    notify: Vec<String>,
    /// When to notify.
    #[arg(long, value_enum, default_value = "failure")]
    notify_on: crate::deliver::notify::NotifyOn,
    /// The run's name among others: the `Target` dimension of the metrics, {target} in
    /// paths, the subject of notifications.
    #[arg(long, value_name = "NAME")]
    target_name: Option<String>,
}

impl DeliveryArgs {
    fn deliveries(&self) -> anyhow::Result<crate::deliver::Deliveries> {
        let notify = self
            .notify
            .iter()
            .map(|t| crate::deliver::notify::NotifyTarget::parse(t).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(crate::deliver::Deliveries {
            report: self.report.clone(),
            summary: self.summary.clone(),
            metrics_namespace: self.publish_metrics.clone(),
            emf: self.emf,
            notify,
            notify_on: self.notify_on,
        })
    }
}

#[derive(Debug, Args)]
struct FleetCmdArgs {
    /// The notebook every target runs.
    notebook: PathBuf,
    #[command(flatten)]
    fleet: crate::fleet::FleetArgs,
    /// Set a parameter for every target, over the targets file's (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    parameters: Vec<String>,
    /// The source of targets that name none: `cloudwatch` or `local:DIR`.
    #[arg(long, env = "PLAYBOOK_SOURCE")]
    source: Option<String>,
    #[command(flatten)]
    aws: AwsArgs,
    /// Keep going after a failing cell in each target.
    #[arg(long)]
    allow_errors: bool,
    /// Stop a cell that runs longer than this many seconds.
    #[arg(long, value_name = "SECS")]
    cell_timeout: Option<u64>,
    /// Keep at most this many bytes of each cell's output in the records (0: all).
    #[arg(long, value_name = "BYTES", default_value_t = crate::run::outputs::DEFAULT_MAX_OUTPUT_BYTES)]
    max_output_bytes: usize,
    /// Publish each target's verdicts as CloudWatch metrics in this namespace (with a
    /// `Target` dimension).
    #[arg(long, value_name = "NAMESPACE")]
    publish_metrics: Option<String>,
    /// Write each target's verdicts as CloudWatch Embedded Metric Format lines on stdout.
    #[arg(long)]
    emf: bool,
}

#[derive(Debug, Args)]
struct RespondCmdArgs {
    /// One alarm event (EventBridge's `CloudWatch Alarm State Change` or an alarm's SNS
    /// notification, raw or inside an SNS notification): a file, or - for standard input.
    #[arg(
        long,
        value_name = "FILE|-",
        required_unless_present = "queue",
        conflicts_with = "queue"
    )]
    event: Option<PathBuf>,
    /// Work on the alarm events of this SQS queue (its URL) until SIGTERM or SIGINT.
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// With --queue: where workers share claims, so a transition runs once however often
    /// it is delivered (s3://BUCKET/PREFIX; default: playbook-claims/ in the bucket of an
    /// s3:// -o).
    #[arg(long, value_name = "s3://…", requires = "queue")]
    claims: Option<String>,
    /// With --queue: how soon a message left for another try (a retryable failure, a
    /// malformed event) comes back.
    #[arg(long, value_name = "SECS", default_value_t = 30, requires = "queue")]
    retry_after: u64,
    /// With --queue and claims: transitions of an alarm this close to one that ran (ALARM
    /// → OK → ALARM: flapping) are absorbed by its run and listed in its record (0: off).
    #[arg(long, value_name = "SPAN", default_value = "10m", requires = "queue",
          value_parser = crate::respond::parse_span)]
    debounce: std::time::Duration,
    /// The rules routing alarms to playbooks (YAML or JSON; README, "Runs that start
    /// themselves").
    #[arg(long, value_name = "FILE")]
    responders: PathBuf,
    /// Where each run's record goes: a path or s3://…, with {alarm.name} {alarm.account}
    /// {alarm.region} {alarm.dimension.NAME} … and the placeholders of `playbook run -o`
    /// (default: responses/{alarm.name}/{datetime}-{notebook}-{run_id}.ipynb here).
    #[arg(long, short = 'o', value_name = "PATH|s3://…")]
    output: Option<String>,
    /// The source of rules that name none: `cloudwatch` or `local:DIR`.
    #[arg(long, env = "PLAYBOOK_SOURCE")]
    source: Option<String>,
    /// The AWS profile (from ~/.aws/config) to use (the region is the alarm's).
    #[arg(long)]
    profile: Option<String>,
    /// Keep going after a failing cell (the exit code still says a cell failed).
    #[arg(long)]
    allow_errors: bool,
    /// Stop a cell that runs longer than this many seconds.
    #[arg(long, value_name = "SECS")]
    cell_timeout: Option<u64>,
    /// Keep at most this many bytes of each cell's output in the record (0: all).
    #[arg(long, value_name = "BYTES", default_value_t = crate::run::outputs::DEFAULT_MAX_OUTPUT_BYTES)]
    max_output_bytes: usize,
    #[command(flatten)]
    deliveries: DeliveryArgs,
}

#[derive(Debug, Args)]
struct InstallArgs {
    /// Install for this user (the default): $JUPYTER_DATA_DIR or ~/.local/share/jupyter.
    #[arg(long, conflicts_with = "prefix")]
    user: bool,
    /// Install into PREFIX/share/jupyter (a virtualenv or conda env).
    #[arg(long)]
    prefix: Option<PathBuf>,
    /// Only write the kernelspec; do not prebuild the cell library.
    #[arg(long)]
    no_prebuild: bool,
}

impl Cli {
    /// The directory evcxr must build in for this command, if the command runs Rust
    /// cells (its evcxr configuration is written next to it, see `cell_cache`).
    fn evcxr_build_dir(&self) -> Option<PathBuf> {
        match &self.command {
            Command::Kernel { .. } | Command::Run(_) | Command::Fleet(_) | Command::Respond(_) => {
                Some(cell_cache::new_kernel_dir())
            }
            Command::Install(args) if !args.no_prebuild => Some(install::staging_dir()),
            Command::Install(_)
            | Command::Report(_)
            | Command::Review(_)
            | Command::Query(_)
            | Command::New(_)
            | Command::GenerateData(_)
            | Command::Doctor(_) => None,
        }
    }
}

/// The whole program after `evcxr::runtime_hook()`: parses the command line (a usage error
/// is bad input, exit 3, on every subcommand), prepares evcxr's configuration for
/// commands that run cells, and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    if matches!(
        cli.command,
        Command::Kernel { .. } | Command::Run(_) | Command::Fleet(_) | Command::Respond(_)
    ) {
        crate::redact::protect_process();
    }
    let build_dir = cli.evcxr_build_dir();
    if let Some(dir) = &build_dir {
        // Kernels start offline when the prebuilt template exists; the prebuild resolves.
        let offline = matches!(
            cli.command,
            Command::Kernel { .. } | Command::Run(_) | Command::Fleet(_) | Command::Respond(_)
        ) && cell_cache::has_template();
        match cell_cache::write_evcxr_config(dir, offline) {
            // SAFETY: no other thread exists yet (the async runtime and evcxr start
            // later), so nothing can read the environment concurrently.
            #[allow(unsafe_code)]
            Ok(config) => unsafe { std::env::set_var("EVCXR_CONFIG_DIR", config) },
            Err(error) => {
                eprintln!("playbook: {error:#}");
                return Exit::BadInput.into();
            }
        }
    }
    match run(cli, build_dir) {
        Ok(code) => code,
        Err(error) => {
            // An error can quote a parameter, a path or a notebook's text: shown, not obeyed.
            eprintln!("playbook: {}", visible::text(&format!("{error:#}")));
            Exit::BadInput.into()
        }
    }
}

/// `--help` and `--version` print and succeed; anything else clap refuses is bad input.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            Exit::Ok.into()
        }
        _ => {
            let _ = error.print();
            Exit::BadInput.into()
        }
    }
}

/// Runs the parsed command; `build_dir` is what [`Cli::evcxr_build_dir`] returned.
fn run(cli: Cli, build_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Kernel { connection_file } => {
            let info = connection_file::read(&connection_file)?;
            let build_dir = build_dir.context("no build directory for the kernel")?;
            block_on(server::run(info, build_dir))??;
            Ok(Exit::Ok.into())
        }
        Command::Run(args) => run_notebook(args, build_dir),
        Command::Fleet(args) => run_fleet(args, build_dir),
        Command::Respond(args) => respond(args, build_dir),
        Command::Query(command) => Ok(query_cli::run(command)),
        Command::GenerateData(args) => generate(&args),
        Command::New(args) => new_notebook(&args),
        Command::Report(args) => write_report(&args),
        Command::Review(args) => review(&args),
        Command::Install(args) => install(args, build_dir),
        Command::Doctor(args) => {
            let options = crate::doctor::Options {
                json: args.json,
                ask_aws: args.aws,
                target: args.target.target()?,
            };
            Ok(crate::doctor::main(&options)?.into())
        }
    }
}

/// The stack of the runtime's threads, where queries are evaluated (`spawn_blocking`):
/// sized for the deepest query the parsers accept (a tree of `MAX_TREE_DEPTH` levels needs
/// well under 1 MiB; see `playbook-insights`' tests), with room to spare.
const THREAD_STACK: usize = 8 << 20;

/// Runs `future` on a multi-threaded runtime, then leaves without waiting for threads
/// cells may have left behind.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(THREAD_STACK)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let value = runtime.block_on(future);
    runtime.shutdown_background();
    Ok(value)
}

fn run_notebook(args: RunArgs, build_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let build_dir = build_dir.context("no build directory for the run")?;
    let options = match run_options(&args) {
        Ok(options) => options,
        Err(error) => {
            // Past argument parsing, every exit writes the summary it was asked for.
            let aws = playbook::source::AwsTarget::default();
            let refusal = crate::deliver::Refusal {
                notebook: &args.notebook,
                target: args.deliveries.target_name.clone(),
                summary: args.deliveries.summary.as_deref(),
                aws: &args.aws.target().unwrap_or(aws),
            };
            block_on(refusal.write(Exit::BadInput, &error))?;
            return Err(error);
        }
    };
    match block_on(runner::run(options, build_dir))? {
        Ok(code) => Ok(code),
        Err(error) if runner::is_output_failure(&error) => {
            eprintln!(
                "playbook: {error:#}; the record written before (if any) is intact, and no \
                 temporary file was left behind"
            );
            Ok(Exit::OutputFailed.into())
        }
        Err(error) => Err(error),
    }
}

/// The options of `playbook run`: the arguments checked and read (parameter files too).
fn run_options(args: &RunArgs) -> anyhow::Result<runner::RunOptions> {
    Ok(runner::RunOptions {
        notebook: args.notebook.clone(),
        parameters: parameters::given(args.parameters_file.as_deref(), &args.parameters)?,
        output: args.output.clone(),
        allow_errors: args.allow_errors,
        cell_timeout: args.cell_timeout.map(std::time::Duration::from_secs),
        max_output_bytes: args.max_output_bytes,
        source: args.source.as_deref().map(runner::anchored_source),
        aws: args.aws.target()?,
        target_name: args.deliveries.target_name.clone(),
        deliveries: args.deliveries.deliveries()?,
        view: crate::run::progress::View::Own,
        cause: None,
        actions: args.actions.flags(),
    })
}

fn run_fleet(args: FleetCmdArgs, build_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let given = parameters::given(None, &args.parameters)?;
    let base = runner::RunOptions {
        notebook: args.notebook,
        parameters: given,
        output: None,
        allow_errors: args.allow_errors,
        cell_timeout: args.cell_timeout.map(std::time::Duration::from_secs),
        max_output_bytes: args.max_output_bytes,
        source: args.source.as_deref().map(runner::anchored_source),
        aws: args.aws.target()?,
        target_name: None,
        deliveries: crate::deliver::Deliveries {
            report: None,
            summary: None,
            metrics_namespace: args.publish_metrics,
            emf: args.emf,
            notify: Vec::new(),
            notify_on: crate::deliver::notify::NotifyOn::Failure,
        },
        view: crate::run::progress::View::Own,
        cause: None,
        actions: crate::actions::ActionFlags::default(),
    };
    let exit = block_on(crate::fleet::main(args.fleet, base));
    // The evcxr configuration's directory (each target builds in its own).
    if let Some(dir) = build_dir {
        cell_cache::remove_build_dirs(&dir);
    }
    Ok(exit??.into())
}

fn respond(args: RespondCmdArgs, build_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if args.deliveries.target_name.is_some() {
        anyhow::bail!("--target-name: a responder's runs are named after their rule");
    }
    let base = runner::RunOptions {
        notebook: PathBuf::new(),
        parameters: Vec::new(),
        output: args.output,
        allow_errors: args.allow_errors,
        cell_timeout: args.cell_timeout.map(std::time::Duration::from_secs),
        max_output_bytes: args.max_output_bytes,
        source: args.source.as_deref().map(runner::anchored_source),
        aws: playbook::source::AwsTarget {
            profile: args.profile,
            ..Default::default()
        },
        target_name: None,
        deliveries: args.deliveries.deliveries()?,
        view: crate::run::progress::View::Own,
        cause: None,
        actions: crate::actions::ActionFlags::default(),
    };
    let input = match (args.event, args.queue) {
        (Some(event), _) => crate::respond::Input::Event(event),
        (None, Some(queue)) => crate::respond::Input::Queue(crate::respond::WorkerOptions {
            queue,
            claims: args.claims,
            retry_after: std::time::Duration::from_secs(args.retry_after),
            debounce: args.debounce,
        }),
        (None, None) => anyhow::bail!("give --event FILE|- or --queue URL"),
    };
    let respond = crate::respond::RespondArgs {
        input,
        responders: args.responders,
    };
    let exit = block_on(crate::respond::main(respond, base));
    // The evcxr configuration's directory (each run builds in its own).
    if let Some(dir) = build_dir {
        cell_cache::remove_build_dirs(&dir);
    }
    Ok(exit??.into())
}

/// `--format`, else the format `-o`'s extension names, else Markdown.
fn format_of(format: Option<report::Format>, output: Option<&Path>) -> report::Format {
    format.unwrap_or_else(|| {
        let html = output
            .and_then(|o| o.extension())
            .is_some_and(|e| e == "html" || e == "htm");
        if html {
            report::Format::Html
        } else {
            report::Format::Md
        }
    })
}

fn review(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let format = format_of(args.format, args.output.as_deref());
    let files_dir = args.output.as_deref().map(report::files_dir_name);
    let options = crate::review::Options {
        inputs: args.inputs.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        max_records: args.max_records,
        aws: args.aws.target()?,
    };
    match crate::review::render(&options, format, files_dir.as_deref()) {
        Ok(rendered) => write_rendered(args.output.as_deref(), &rendered),
        Err(error) => {
            eprintln!("playbook review: {}", visible::text(&format!("{error:#}")));
            Ok(error.exit().into())
        }
    }
}

fn write_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let format = format_of(args.format, args.output.as_deref());
    let files_dir = args.output.as_deref().map(report::files_dir_name);
    let files_dir = files_dir.as_deref();
    let rendered = match (&args.record, &args.compare) {
        _ if !args.postmortem.is_empty() => {
            let mut records = Vec::new();
            for path in &args.postmortem {
                let name = path.file_name().unwrap_or(path.as_os_str());
                records.push((name.to_string_lossy().into_owned(), Notebook::read(path)?));
            }
            let kpi = report::KpiChoice {
                name: args.kpi.as_deref(),
                direction: args.kpi_direction,
            };
            report::render_postmortem(&records, kpi, format, files_dir)
                .map_err(|why| why.to_string())
        }
        _ if args.kpi.is_some() => Err("--kpi names the KPI of a --postmortem review".to_owned()),
        (Some(record), Some(other)) => {
            let (a, b) = (Notebook::read(record)?, Notebook::read(other)?);
            match [(record, &a), (other, &b)]
                .into_iter()
                .find(|(_, notebook)| !report::has_run_record(notebook))
            {
                Some((path, _)) => Err(format!(
                    "{} has no run record (run it with `playbook run` first)",
                    path.display()
                )),
                None => {
                    let (before, after) = report::in_order(&b, &a);
                    report::render_comparison(before, after, format, files_dir)
                        .map_err(|why| why.to_string())
                }
            }
        }
        (Some(record), None) => Ok(report::render(&Notebook::read(record)?, format, files_dir)),
        (None, _) => Err("name a record, or records with --postmortem".to_owned()),
    };
    match rendered {
        Ok(rendered) => write_rendered(args.output.as_deref(), &rendered),
        Err(why) => {
            eprintln!("playbook report: {}", visible::text(&why));
            Ok(Exit::BadInput.into())
        }
    }
}

/// Writes a rendered report (and the files it links to, beside it) to `output`, or the
/// document to standard output.
fn write_rendered(output: Option<&Path>, rendered: &report::Rendered) -> anyhow::Result<ExitCode> {
    // Shared documents pass through the redactor, even from a record already masked (it
    // may come from an older version, or the environment knows more secrets now).
    let redactor = crate::redact::Redactor::from_env();
    let Some(path) = output else {
        let text = redactor.text(&rendered.text);
        // On a terminal the document's characters are shown, not obeyed (a pipe or a file
        // gets the document as it is).
        use std::io::IsTerminal as _;
        if std::io::stdout().is_terminal() {
            print!("{}", visible::text(&text));
        } else {
            print!("{text}");
        }
        return Ok(Exit::Ok.into());
    };
    crate::deliver::write_report_local(path, rendered, &redactor).map_err(anyhow::Error::msg)?;
    eprintln!("wrote {}", path.display());
    Ok(Exit::Ok.into())
}

fn install(args: InstallArgs, build_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let location = match args.prefix {
        Some(prefix) => install::Location::Prefix(prefix),
        None => install::Location::User,
    };
    let exe = std::env::current_exe().context("finding this executable")?;
    let dir = install::write_kernelspec(&location, &exe)?;
    println!(
        "installed kernelspec {} in {}",
        install::KERNEL_NAME,
        dir.display()
    );
    if let Some(staging) = build_dir {
        println!("prebuilding the cell library (first time: under a minute)…");
        let template = install::prebuild(&staging)?;
        println!("cell library prebuilt in {}", template.display());
    }
    Ok(Exit::Ok.into())
}

/// `playbook new`: writes the first playbook; an existing file or a source that is not
/// there is bad input (exit 3).
fn new_notebook(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let library = &crate::cells::library::located().dir;
    let request = crate::scaffold::Request {
        path: &args.name,
        source: args.source.as_deref(),
        service: &args.service,
        bundled: library
            .parent()
            .map(|root| root.join("notebooks/data/checkout")),
    };
    match crate::scaffold::write(&request) {
        Ok(written) => {
            let path = written.path.display().to_string();
            println!(
                "wrote {} (source {}); run it with `playbook run {}`",
                visible::text(&path),
                visible::text(&written.source),
                visible::text(&path)
            );
            Ok(Exit::Ok.into())
        }
        Err(error) => {
            eprintln!("playbook new: {}", visible::text(&error.to_string()));
            Ok(Exit::BadInput.into())
        }
    }
}

/// `playbook generate-data`: options of the bundled data generator.
#[derive(Debug, Args)]
struct GenerateArgs {
    /// Where to write (a local source directory: metrics/ and logs/ go under it).
    out_dir: PathBuf,
    /// Days of metrics, ending with the incident day.
    #[arg(long, default_value_t = 14)]
    days: u32,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Instead of the dataset, write one JSON Lines log of about this many bytes (benchmarks).
    #[arg(long, value_name = "BYTES")]
    bench_bytes: Option<u64>,
}

fn generate(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let options = playbook_datagen::Options {
        out_dir: args.out_dir.clone(),
        days: args.days,
        seed: args.seed,
        bench_bytes: args.bench_bytes,
        ..playbook_datagen::Options::default()
    };
    let summary = playbook_datagen::generate(&options)
        .with_context(|| format!("generating data into {}", args.out_dir.display()))?;
    println!(
        "wrote {} files ({} bytes): {} metric datapoints, {} log events under {}",
        summary.files.len(),
        summary.bytes,
        summary.metric_points,
        summary.log_events,
        args.out_dir.display()
    );
    Ok(Exit::Ok.into())
}
