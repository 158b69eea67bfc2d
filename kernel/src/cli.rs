//! The `playbook` command line: one subcommand per job, each a thin call into the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::notebook::Notebook;
use crate::{cell_cache, connection_file, install, kernel, parameters, query_cli, report, runner};

/// Operational playbooks in Jupyter, in Rust.
#[derive(Debug, Parser)]
#[command(name = "playbook", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
    /// Summarise an executed notebook (a record) as Markdown or HTML.
    Report(ReportArgs),
    /// Ask the engine from a shell: Logs Insights, metrics, filtered events, log groups.
    #[command(subcommand)]
    Query(query_cli::QueryCommand),
    /// Write the bundled "checkout" incident data (or a benchmark log).
    GenerateData(query_cli::GenerateArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The executed notebook (from `playbook run`).
    pub record: PathBuf,
    /// md or html (default: from the -o extension, else md).
    #[arg(long, value_enum)]
    pub format: Option<report::Format>,
    /// Where to write the report (default: standard output).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The notebook to run.
    pub notebook: PathBuf,
    /// Where to write the executed notebook (default: NAME.executed.ipynb next to it).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Keep going after a failing cell (the exit code still says a cell failed).
    #[arg(long)]
    pub allow_errors: bool,
    /// Stop a cell that runs longer than this many seconds.
    #[arg(long, value_name = "SECS")]
    pub cell_timeout: Option<u64>,
    /// Set a parameter declared in the cell tagged `parameters` (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// Read parameters from a JSON ({"NAME": VALUE, …}) or YAML (`NAME: VALUE`, by a
    /// .yaml/.yml name) file; -p values win.
    #[arg(
        short = 'f',
        long = "parameters-file",
        value_name = "PARAMS.json|.yaml"
    )]
    pub parameters_file: Option<PathBuf>,
    /// The data source: `cloudwatch` or `local:DIR` (also the notebook's `source`
    /// parameter when it declares one).
    #[arg(long, env = "PLAYBOOK_SOURCE")]
    pub source: Option<String>,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Install for this user (the default): $JUPYTER_DATA_DIR or ~/.local/share/jupyter.
    #[arg(long, conflicts_with = "prefix")]
    pub user: bool,
    /// Install into PREFIX/share/jupyter (a virtualenv or conda env).
    #[arg(long)]
    pub prefix: Option<PathBuf>,
    /// Only write the kernelspec; do not prebuild the cell library.
    #[arg(long)]
    pub no_prebuild: bool,
}

impl Cli {
    /// The directory evcxr must build in for this command, if the command runs Rust
    /// cells (its evcxr configuration is written next to it, see `cell_cache`).
    pub fn evcxr_build_dir(&self) -> Option<PathBuf> {
        match &self.command {
            Command::Kernel { .. } | Command::Run(_) => Some(cell_cache::new_kernel_dir()),
            Command::Install(args) if !args.no_prebuild => Some(install::staging_dir()),
            Command::Install(_)
            | Command::Report(_)
            | Command::Query(_)
            | Command::GenerateData(_) => None,
        }
    }
}

/// Runs the parsed command; `build_dir` is what [`Cli::evcxr_build_dir`] returned.
pub fn run(cli: Cli, build_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Kernel { connection_file } => {
            let info = connection_file::read(&connection_file)?;
            let build_dir = build_dir.context("no build directory for the kernel")?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(kernel::run(info, build_dir))?;
            // Cells may have left threads behind; do not wait for them.
            runtime.shutdown_background();
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => {
            let build_dir = build_dir.context("no build directory for the run")?;
            let mut given = Vec::new();
            if let Some(file) = &args.parameters_file {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
                given.extend(if yaml {
                    parameters::from_yaml_file(&text)?
                } else {
                    parameters::from_json_file(&text)?
                });
            }
            for assignment in &args.parameters {
                let (name, value) = parameters::parse_assignment(assignment)?;
                given.retain(|(n, _)| n != &name);
                given.push((name, value));
            }
            let options = runner::RunOptions {
                notebook: args.notebook,
                parameters: given,
                output: args.output,
                allow_errors: args.allow_errors,
                cell_timeout: args.cell_timeout.map(std::time::Duration::from_secs),
                source: args.source,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let code = runtime.block_on(runner::run(options, build_dir))?;
            runtime.shutdown_background();
            Ok(code)
        }
        Command::Query(command) => Ok(query_cli::run(command)),
        Command::GenerateData(args) => query_cli::generate(&args),
        Command::Report(args) => {
            let record = Notebook::read(&args.record)?;
            let format = args.format.unwrap_or_else(|| {
                let html = args
                    .output
                    .as_ref()
                    .and_then(|o| o.extension())
                    .is_some_and(|e| e == "html" || e == "htm");
                if html {
                    report::Format::Html
                } else {
                    report::Format::Md
                }
            });
            let text = report::render(&record, format);
            match &args.output {
                Some(path) => {
                    std::fs::write(path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Install(args) => {
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
                println!("prebuilding the cell library (first time: about a minute)…");
                let template = install::prebuild(&staging)?;
                println!("cell library prebuilt in {}", template.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
