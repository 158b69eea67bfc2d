//! Rust cells, evaluated by evcxr in a child process, driven from blocking threads.
//!
//! The evcxr context starts in the background when the kernel starts (the kernel answers
//! `kernel_info` and every non-Rust request at once); a Rust cell sent early waits for it.
//! Every evcxr call runs under `spawn_blocking`, never on a tokio worker.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use evcxr::{CommandContext, EvalCallbacks, EvalContext};
use tokio::sync::watch;

use crate::cells::cell_cache;
use crate::cells::compile_errors::render_compilation_errors;
use crate::cells::compiled_cells::CompiledCellStore;
use crate::cells::completion::{CompletionSource, Session, without_analyzer};
use crate::cells::library_build;
use crate::cells::member_index::MemberIndex;
use crate::jupyter::iopub::{CurrentParent, IoPub, OutputForwarder};

/// Where the evcxr context is in its life.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EngineState {
    Starting,
    Ready,
    Failed(String),
}

/// The result of evaluating one cell, before the kernel looks at what the host heard.
#[derive(Debug)]
pub(crate) enum Evaluated {
    /// evcxr finished; `data` is the final expression's MIME bundle (maybe empty), and
    /// `returned_error` the text of an error the cell returned through `?`.
    Finished {
        data: HashMap<String, String>,
        returned_error: Option<String>,
    },
    /// The cell failed in a way evcxr itself reports.
    Failed {
        ename: String,
        evalue: String,
        traceback: Vec<String>,
    },
}

/// What the engine needs to start.
#[derive(Debug)]
pub(crate) struct StartConfig {
    pub(crate) build_dir: PathBuf,
    pub(crate) host_socket: PathBuf,
    pub(crate) iopub: IoPub,
    pub(crate) parent: CurrentParent,
    /// Whether rust-analyzer works ahead in the background (warm-up, deferred types), for
    /// a person's completions and first cells. Headless runs leave it off: the evaluation
    /// process names the types, and a fleet would spend seconds of CPU per target on
    /// analyses nobody reads (see evcxr's `set_background_analysis`).
    pub(crate) background_analysis: bool,
    /// Runs first on the engine's thread (the template's repair), so the kernel answers
    /// meanwhile.
    pub(crate) before_start: fn(&std::path::Path),
}

/// The kernel's handle on the evcxr context.
#[derive(Clone)]
pub(crate) struct RustEngine {
    context: Arc<Mutex<Option<CommandContext>>>,
    state: Arc<watch::Sender<EngineState>>,
    process: Arc<OnceLock<Arc<Mutex<Child>>>>,
    forwarder: Arc<OnceLock<OutputForwarder>>,
    interrupted: Arc<AtomicBool>,
    /// Where this kernel builds cells (the key of its library builds, `library_build.rs`).
    build_dir: Arc<PathBuf>,
}

impl std::fmt::Debug for RustEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustEngine")
            .field("state", &*self.state.borrow())
            .finish()
    }
}

/// The name of the per-cell guard variable (see `playbook::runtime`).
pub(crate) const GUARD_VARIABLE: &str = "_playbook_cell_guard";

/// Run with the prelude, in the same evaluation: a first `let`, so the user's first cell
/// costs what a warm cell costs; and a `?`, which switches evcxr to wrapping cells for `?`
/// from the start. Without that, the first cell ending in `expr?` is compiled twice and
/// shown with `Debug` instead of its rich display (evcxr applies its display fallback
/// together with the `?` fix). The `let` is typed, so it needs no rust-analyzer, and the
/// variable it leaves is a `usize`: every later cell stores and restores it, and a plain
/// type costs the least to compile.
pub(crate) const WARM_UP: &str = "let _playbook_ready: usize = MimeBundle::text(\"ready\").data.len();\n\
                           \"0\".parse::<u8>()?;\n\
                           _playbook_ready";

/// What rust-analyzer (inside evcxr, for the types of new variables) analyses in the
/// background while the prelude compiles: its first analysis of the sysroot and the
/// library takes seconds, and cells that define variables meanwhile do not wait for it
/// (their variables' types are worked out for the next cell, see `vendor/evcxr`).
pub(crate) const PRIME: &str = "use playbook::prelude::*;\n\
                         let _playbook_prime = MimeBundle::text(\"x\").data.len();\n\
                         _playbook_prime";

/// The evcxr command that makes the library a dependency of cells.
pub(crate) fn prelude_dependency() -> String {
    // No path: `.cargo/extra-config.toml` patches `playbook` to the build directory's copy
    // of the library (`cell_sources.rs`), so the cell crate names no directory.
    ":dep playbook = { version = \"*\" }".to_owned()
}

/// The code every context starts with, after [`prelude_dependency`].
pub(crate) fn prelude_code() -> String {
    format!("use playbook::prelude::*;\n{WARM_UP}")
}

/// The evcxr commands and code every context starts with (the prebuild runs it whole).
pub(crate) fn prelude() -> String {
    format!("{}\n{}", prelude_dependency(), prelude_code())
}

impl RustEngine {
    /// Starts the evcxr context in the background.
    pub(crate) fn start(config: StartConfig) -> RustEngine {
        let (state, _) = watch::channel(EngineState::Starting);
        let engine = RustEngine {
            context: Arc::new(Mutex::new(None)),
            state: Arc::new(state),
            process: Arc::new(OnceLock::new()),
            forwarder: Arc::new(OnceLock::new()),
            interrupted: Arc::new(AtomicBool::new(false)),
            build_dir: Arc::new(config.build_dir.clone()),
        };
        let starting = engine.clone();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let state = match starting.start_blocking(config) {
                Ok(()) => {
                    super::announce(&format!(
                        "playbook: Rust engine ready in {:.2?}",
                        started.elapsed()
                    ));
                    EngineState::Ready
                }
                Err(error) => {
                    eprintln!("playbook: the Rust engine failed to start: {error:#}");
                    EngineState::Failed(format!("{error:#}"))
                }
            };
            starting.state.send_replace(state);
        });
        engine
    }

    fn start_blocking(&self, config: StartConfig) -> anyhow::Result<()> {
        let t = std::time::Instant::now();
        let dir = config.build_dir.clone();
        (config.before_start)(&dir);
        trace("template", t);
        let seeded = cell_cache::seed(&config.build_dir)?;
        super::cell_sources::prepare_kernel_dir(&config.build_dir, seeded)?;
        let compiled = CompiledCellStore::shared();
        let has_store = compiled.is_some();
        if compiled.is_none() {
            // No store to ask first: every build runs cargo, which needs the prebuilt
            // dependencies now.
            cell_cache::seed_build_products(&config.build_dir);
        }
        trace("seed", t);
        let mut command = evaluation_command()?;
        command.env(playbook::protocol::HOST_SOCKET_ENV, &config.host_socket);
        // Each kernel builds in its own directory, also when one process holds several;
        // every kernel takes compiled cells from the machine's cache.
        let compiled = compiled.map(|s| s as Arc<dyn evcxr::CompiledCells>);
        let (mut eval_context, outputs) = EvalContext::with_subprocess_command_in(
            command,
            Some(config.build_dir.clone()),
            compiled,
        )
        .map_err(|e| anyhow::anyhow!("starting evcxr: {e}"))?;
        // The prelude uses `?`: without this its first build fails once (E0277).
        eval_context.allow_question_mark();
        eval_context.set_background_analysis(config.background_analysis);
        trace("evcxr context", t);
        let mut context = CommandContext::with_eval_context(eval_context);
        let _ = self.process.set(context.process_handle());
        let forwarder =
            OutputForwarder::start(outputs.stdout, outputs.stderr, config.iopub, config.parent);
        if !seeded {
            eprintln!(
                "playbook: no prebuilt cell library (run `playbook install`): the first \
                 start compiles it"
            );
            if !has_store {
                // Without a store the prelude's build compiles it now (with one, the store
                // says when a build really runs: `CompiledCells::prepare_build`).
                library_build::begin(&dir, library_build::Reason::FirstTime);
            }
        }
        context.add_nameable_types(playbook::prelude::nameable_types());
        context
            .execute(&prelude_dependency())
            .map_err(|e| anyhow::anyhow!("loading the playbook library into cells: {e}"))?;
        trace("dependency", t);
        if let Err(error) = context.prime_analysis(PRIME) {
            // Only slower: the first cell that needs a type starts the analysis itself.
            eprintln!("playbook: could not start rust-analyzer in the background: {error}");
        }
        let loaded = context
            .execute(&prelude_code())
            .map_err(|e| anyhow::anyhow!("loading the playbook library into cells: {e}"))?;

        if trace_enabled() {
            for phase in &loaded.phases {
                eprintln!(
                    "playbook: trace: prelude {} {:.2?}",
                    phase.name, phase.duration
                );
            }
        }
        library_build::end(&dir);
        trace("prelude", t);
        // Anything the prelude printed belongs to no cell.
        forwarder.flush();
        let _ = self.forwarder.set(forwarder);
        *self.context.lock().unwrap_or_else(|p| p.into_inner()) = Some(context);
        Ok(())
    }

    /// Where this kernel builds its cells.
    pub(crate) fn build_dir(&self) -> &std::path::Path {
        &self.build_dir
    }

    /// Waits until the engine is ready; `Err` carries why it could not start.
    pub(crate) async fn ready(&self) -> Result<(), String> {
        let mut rx = self.state.subscribe();
        loop {
            match &*rx.borrow_and_update() {
                EngineState::Ready => return Ok(()),
                EngineState::Failed(why) => return Err(why.clone()),
                EngineState::Starting => {}
            }
            if rx.changed().await.is_err() {
                return Err("the Rust engine stopped".into());
            }
        }
    }

    /// Stops the running cell by killing the evaluation process (evcxr restarts it).
    pub(crate) fn interrupt(&self) {
        if let Some(process) = self.process.get() {
            self.interrupted.store(true, Ordering::SeqCst);
            let _ = process.lock().unwrap_or_else(|p| p.into_inner()).kill();
        }
    }

    /// Publishes everything the evaluation process printed so far.
    pub(crate) fn flush_output(&self) {
        if let Some(forwarder) = self.forwarder.get() {
            forwarder.flush();
        }
    }

    /// Evaluates `code` (blocking); `token` arms the cell guard, `input(prompt, password)`
    /// answers `evcxr_input` prompts.
    pub(crate) fn eval_with_input(
        &self,
        code: &str,
        token: u64,
        bindings: &str,
        input: &dyn Fn(&str, bool) -> String,
    ) -> Evaluated {
        let mut guard = self.context.lock().unwrap_or_else(|p| p.into_inner());
        let Some(context) = guard.as_mut() else {
            return failed("EngineNotReady", "the Rust engine has not started");
        };
        self.interrupted.store(false, Ordering::SeqCst);
        let variables_before: Vec<String> = context
            .variables_and_types()
            .map(|(name, _)| name.to_owned())
            .filter(|name| !name.starts_with("_playbook"))
            .collect();
        let (prepared, guarded_line) = with_guard(code, token, bindings);
        let mut callbacks = EvalCallbacks {
            input_reader: &|request| input(&request.prompt, request.is_password),
        };
        let result = context.execute_with_callbacks(&prepared, &mut callbacks);
        library_build::end(&self.build_dir);
        drop(guard);
        self.flush_output();
        if trace_enabled()
            && let Ok(outputs) = &result
        {
            for phase in &outputs.phases {
                eprintln!("playbook: trace: {} {:.2?}", phase.name, phase.duration);
            }
        }
        match result {
            Ok(outputs) => Evaluated::Finished {
                data: outputs.content_by_mime_type,
                returned_error: outputs.user_error,
            },
            Err(evcxr::Error::CompilationErrors(errors)) => {
                let (evalue, traceback) = render_compilation_errors(
                    &errors,
                    code,
                    guarded_line.map(|l| (l, guard_prefix(token).len())),
                );
                Evaluated::Failed {
                    ename: "CompilationError".into(),
                    evalue,
                    traceback,
                }
            }
            Err(evcxr::Error::SubprocessTerminated(message)) => {
                let lost = describe_lost(&variables_before);
                if self.interrupted.swap(false, Ordering::SeqCst) {
                    failed(
                        "Interrupted",
                        &format!(
                            "the cell was interrupted. {lost} Definitions (fn, struct, use) \
                             and dependencies are kept."
                        ),
                    )
                } else {
                    failed(
                        "EvaluationProcessDied",
                        &format!(
                            "the process running Rust cells died ({}). {lost} It has been \
                             restarted; definitions and dependencies are kept.",
                            message.trim()
                        ),
                    )
                }
            }
            Err(evcxr::Error::TypeRedefinedVariablesLost(variables)) => failed(
                "VariablesLost",
                &format!(
                    "a type was redefined, so these variables were lost: {}",
                    variables.join(", ")
                ),
            ),
            Err(other) => failed("EvcxrError", &other.to_string()),
        }
    }

    /// Completions at byte `position`, and what answered: rust-analyzer once it is ready;
    /// until then (its first analysis takes seconds) an answer at once, from the member
    /// index after a `.`, else from the names the session and the prelude define. `None`
    /// only while a cell runs.
    pub(crate) fn completions(
        &self,
        code: &str,
        position: usize,
    ) -> Option<(evcxr::Completions, CompletionSource)> {
        let mut guard = self.context.try_lock().ok();
        let locked = guard.is_some();
        let context = guard.as_mut().and_then(|g| g.as_mut());
        match context {
            Some(context) if context.analysis_is_ready() => context
                .completions(code, position)
                .ok()
                .map(|found| (found, CompletionSource::RustAnalyzer)),
            Some(context) => Some(fast_completions(code, position, &session_of(context))),
            // The engine is still starting: the names every cell knows.
            None if locked => Some(fast_completions(code, position, &Session::default())),
            None => None,
        }
    }

    /// Hover information (plain text, HTML) at byte offset `position`.
    pub(crate) fn inspect(&self, code: &str, position: usize) -> Option<(String, String)> {
        let mut guard = self.context.try_lock().ok()?;
        guard.as_mut()?.hover_at(code, position).ok()
    }
}

/// What the session knows of its variables and items, without rust-analyzer.
fn session_of(context: &CommandContext) -> Session {
    let mut session = Session::default();
    for (name, type_name) in context.variables_and_types() {
        let type_name = match type_name {
            "" => context.reported_type(name).unwrap_or_default(),
            named => named,
        };
        session.names.push(name.to_owned());
        session.types.insert(name.to_owned(), type_name.to_owned());
    }
    session
        .names
        .extend(context.defined_item_names().map(str::to_owned));
    session
}

fn fast_completions(
    code: &str,
    position: usize,
    session: &Session,
) -> (evcxr::Completions, CompletionSource) {
    let found = without_analyzer(code, position, session, MemberIndex::shared());
    let completions = evcxr::Completions {
        completions: found
            .matches
            .into_iter()
            .map(|name| evcxr::Completion {
                code: name.clone(),
                kind: "",
                label: name,
                detail: None,
            })
            .collect(),
        start_offset: found.start,
        end_offset: position.min(code.len()),
    };
    (completions, found.source)
}

/// The toolchain's target library directory, asked once per process (a fleet starts an
/// evaluation process per target).
fn target_libdir() -> anyhow::Result<String> {
    static LIBDIR: OnceLock<String> = OnceLock::new();
    if let Some(libdir) = LIBDIR.get() {
        return Ok(libdir.clone());
    }
    let output = Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output()
        .map_err(|e| anyhow::anyhow!("running rustc (is the Rust toolchain on PATH?): {e}"))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || libdir.is_empty() {
        anyhow::bail!(
            "rustc --print target-libdir failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(LIBDIR.get_or_init(|| libdir).clone())
}

/// The command that starts the evaluation process: this binary again, able to load the
/// cells' shared objects. Those link the toolchain's `libstd-*.so` dynamically and find it
/// through a relative RUNPATH that is only right in some directory layouts, so the
/// toolchain's target library directory is put on `LD_LIBRARY_PATH`.
pub(crate) fn evaluation_command() -> anyhow::Result<Command> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    let mut path = std::ffi::OsString::from(target_libdir()?);
    if let Some(existing) = std::env::var_os("LD_LIBRARY_PATH") {
        path.push(":");
        path.push(existing);
    }
    command.env("LD_LIBRARY_PATH", path);
    // The engine (in this process) holds the credentials; cells never need them, nor any
    // other variable whose name looks secret.
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(crate::redact::looks_secret) {
            command.env_remove(name);
        }
    }
    Ok(command)
}

fn trace_enabled() -> bool {
    std::env::var_os("PLAYBOOK_TRACE").is_some()
}

/// With `PLAYBOOK_TRACE` set, reports on stderr how long a step took since `since`.
fn trace(step: &str, since: std::time::Instant) {
    if trace_enabled() {
        eprintln!("playbook: trace: {step} done at {:.2?}", since.elapsed());
    }
}

fn failed(ename: &str, evalue: &str) -> Evaluated {
    Evaluated::Failed {
        ename: ename.into(),
        evalue: evalue.into(),
        traceback: vec![format!("{ename}: {evalue}")],
    }
}

fn describe_lost(variables: &[String]) -> String {
    if variables.is_empty() {
        "No variables were lost.".into()
    } else {
        format!("These variables were lost: {}.", variables.join(", "))
    }
}

fn guard_prefix(token: u64) -> String {
    // Typed, so a cell that declares no untyped variable needs no rust-analyzer.
    format!(
        "let {GUARD_VARIABLE}: ::playbook::runtime::CellGuard = \
         ::playbook::runtime::CellGuard::new({token}); "
    )
}

/// Puts the cell guard (and the statements that fetch names bound by query cells) at the
/// start of the first line of Rust code (after evcxr commands), on the same line so the
/// cell's line numbers do not move. Returns the code and the 1-based line that got the
/// guard, if any.
pub(crate) fn with_guard(code: &str, token: u64, bindings: &str) -> (String, Option<usize>) {
    let mut out = String::with_capacity(code.len() + 80);
    let mut guarded = None;
    for (index, line) in code.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        let is_code = !trimmed.is_empty()
            && !trimmed.starts_with(':')
            && !trimmed.starts_with("#!")
            && !trimmed.starts_with("//");
        if guarded.is_none() && is_code {
            out.push_str(&guard_prefix(token));
            out.push_str(bindings);
            guarded = Some(index + 1);
        }
        out.push_str(line);
    }
    (out, guarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_goes_on_the_first_code_line() {
        let (code, line) = with_guard(":dep foo\n\nlet x = 1;\nx", 7, "");
        assert_eq!(line, Some(3));
        let lines: Vec<&str> = code.lines().collect();
        assert_eq!(lines[0], ":dep foo");
        assert!(lines[2].starts_with(
            "let _playbook_cell_guard: ::playbook::runtime::CellGuard = \
             ::playbook::runtime::CellGuard::new(7); let x = 1;"
        ));
        assert_eq!(lines[3], "x");
    }

    #[test]
    fn commands_only_cells_get_no_guard() {
        let (code, line) = with_guard(":vars\n:opt 1", 1, "");
        assert_eq!(line, None);
        assert_eq!(code, ":vars\n:opt 1");
    }

    #[test]
    fn prelude_loads_the_library() {
        let prelude = prelude();
        assert!(prelude.starts_with(":dep playbook = { version = \"*\" }\n"));
        assert!(prelude.contains("use playbook::prelude::*;\n"));
        assert!(prelude.contains("let _playbook_ready"));
    }
}
