//! playbook patch: the types of new variables, worked out by rust-analyzer in the
//! background when it is not ready yet.
//!
//! evcxr asks rust-analyzer for the type of every variable a cell defines, so it can
//! store the variable and give it back to later cells. rust-analyzer's first analysis of
//! the sysroot and the dependencies takes seconds (about 3.5 s on a 2-core machine), so a
//! kernel's first cell with a `let` used to wait for it. The type is only needed by the
//! *next* cell (the defining cell stores the value with `put_variable::<>`, and rustc
//! infers the type). So when rust-analyzer still has to load the crate graph, a cell whose
//! `let`s are all plain names runs at once, while rust-analyzer works out the types on its
//! own thread; the next evaluation (or completion, or hover) waits for that answer first.
//! A variable whose type cannot be named (a closure, an unknown type) is then dropped,
//! with a message on stderr, as evcxr would have refused it in the first place.
//!
//! The evaluation process also reports each such variable's `std::any::type_name`. When
//! every path in it is one we know how to write (primitives, common std types, types the
//! cells defined, and what the embedder adds with `add_nameable_types`), the next cell
//! uses that and does not wait for rust-analyzer at all.

use super::ContextState;
use super::EvalContext;
use super::replace_reserved_words_in_type;
use crate::errors::Error;
use crate::rust_analyzer::Completions;
use crate::rust_analyzer::RustAnalyzer;
use crate::rust_analyzer::TypeName;
use crate::rust_analyzer::VariableInfo;
use once_cell::sync::Lazy;
use regex::Regex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::MutexGuard;
use std::thread::JoinHandle;

/// The function evcxr wraps a cell's statements in for analysis.
pub(super) const ANALYSIS_WRAPPER: &str = "evcxr_analysis_wrapper";

/// rust-analyzer, shared with the thread that works out deferred types.
pub(super) type SharedAnalyzer = Arc<Mutex<RustAnalyzer>>;

/// Locks rust-analyzer (waiting for a background analysis to finish).
pub(super) fn lock(analyzer: &SharedAnalyzer) -> MutexGuard<'_, RustAnalyzer> {
    analyzer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Lowers the priority of the calling thread: background analysis yields the CPU to the
/// compilation of cells (on Linux the nice value is per thread).
fn yield_to_cells() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; `0` names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// How to write the std types `std::any::type_name` names by their definition paths.
pub(super) fn std_nameable_types() -> HashMap<String, String> {
    [
        ("alloc::string::String", "::std::string::String"),
        ("alloc::vec::Vec", "::std::vec::Vec"),
        ("alloc::boxed::Box", "::std::boxed::Box"),
        ("alloc::sync::Arc", "::std::sync::Arc"),
        ("alloc::rc::Rc", "::std::rc::Rc"),
        ("core::option::Option", "::std::option::Option"),
        ("core::result::Result", "::std::result::Result"),
        ("core::time::Duration", "::std::time::Duration"),
        ("std::time::Instant", "::std::time::Instant"),
        ("std::time::SystemTime", "::std::time::SystemTime"),
        ("core::cell::RefCell", "::std::cell::RefCell"),
        ("std::path::PathBuf", "::std::path::PathBuf"),
        ("std::collections::hash::map::HashMap", "::std::collections::HashMap"),
        ("std::collections::hash::set::HashSet", "::std::collections::HashSet"),
        ("alloc::collections::btree::map::BTreeMap", "::std::collections::BTreeMap"),
        ("alloc::collections::btree::set::BTreeSet", "::std::collections::BTreeSet"),
        ("alloc::collections::vec_deque::VecDeque", "::std::collections::VecDeque"),
    ]
    .into_iter()
    .map(|(by, path)| (by.to_owned(), path.to_owned()))
    .collect()
}

/// `type_name` (from `std::any::type_name`) as a type a cell can write, when every path
/// in it is a primitive or in `known`.
pub(super) fn nameable(type_name: &str, known: &HashMap<String, String>) -> Option<String> {
    static PATH: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*").expect("valid regex")
    });
    const PRIMITIVES: [&str; 18] = [
        "bool", "char", "str", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32",
        "u64", "u128", "usize", "f32", "f64", "mut",
    ];
    if type_name.contains('{') {
        return None; // closures, and other types only the compiler can name
    }
    let mut written = String::with_capacity(type_name.len() * 2);
    let mut last = 0;
    for path in PATH.find_iter(type_name) {
        written.push_str(&type_name[last..path.start()]);
        if PRIMITIVES.contains(&path.as_str()) {
            written.push_str(path.as_str());
        } else if let Some(item) = path
            .as_str()
            .strip_prefix("ctx::")
            .filter(|item| !item.contains("::"))
        {
            // A type the cells defined: evcxr keeps their items at the crate's root.
            written.push_str("crate::");
            written.push_str(item);
        } else {
            written.push_str(known.get(path.as_str())?);
        }
        last = path.end();
    }
    written.push_str(&type_name[last..]);
    crate::rust_analyzer::is_type_valid(&written).then_some(written)
}

/// Whether the context is evaluating, and since when it is not: the background analysis
/// that only warms rust-analyzer up waits for a pause, so it never slows a running cell.
#[derive(Default)]
pub(super) struct Activity {
    busy: std::sync::atomic::AtomicBool,
    since: Mutex<Option<std::time::Instant>>,
}

/// How long the context must have been idle before the warm-up analysis starts.
const QUIET: std::time::Duration = std::time::Duration::from_millis(150);

impl Activity {
    /// Marks the context busy until the guard is dropped.
    pub(super) fn begin(self: &Arc<Self>) -> ActivityGuard {
        self.busy.store(true, std::sync::atomic::Ordering::SeqCst);
        ActivityGuard(Arc::clone(self))
    }

    fn wait_until_quiet(&self) {
        loop {
            let quiet_for = if self.busy.load(std::sync::atomic::Ordering::SeqCst) {
                None
            } else {
                let since = *self.since.lock().unwrap_or_else(|p| p.into_inner());
                Some(since.map_or(QUIET, |since| since.elapsed()))
            };
            match quiet_for {
                Some(quiet_for) if quiet_for >= QUIET => return,
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
}

/// Keeps the context marked busy (see [`Activity::begin`]).
pub(super) struct ActivityGuard(Arc<Activity>);

impl Drop for ActivityGuard {
    fn drop(&mut self) {
        *self.0.since.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
        self.0.busy.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Types being worked out in the background for the variables `names`.
pub(super) struct PendingTypes {
    job: Job,
    names: Vec<String>,
}

/// rust-analyzer's answer for a cell: on its way, or asked only when needed.
enum Job {
    Running(JoinHandle<anyhow::Result<HashMap<String, VariableInfo>>>),
    /// The analysis code, analysed when a type is waited for (no background analysis).
    OnDemand(String),
}

/// rust-analyzer's variables of `analysis_code`.
fn analyse(
    analyzer: &SharedAnalyzer,
    analysis_code: String,
) -> anyhow::Result<HashMap<String, VariableInfo>> {
    let mut analyzer = lock(analyzer);
    analyzer.set_source(analysis_code)?;
    Ok(analyzer.top_level_variables(ANALYSIS_WRAPPER))
}

impl EvalContext {
    /// Whether the next analysis would first load the crate graph (or one is running).
    /// playbook patch: whether rust-analyzer could answer now (completion, hover) without
    /// loading the crate graph first or waiting for another analysis.
    pub fn analysis_is_ready(&self) -> bool {
        !self.analysis_is_cold()
    }

    pub(super) fn analysis_is_cold(&self) -> bool {
        match self.analyzer.try_lock() {
            Ok(analyzer) => analyzer.needs_load(),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner().needs_load(),
            Err(std::sync::TryLockError::WouldBlock) => true,
        }
    }

    /// Whether rust-analyzer may work ahead in the background (the default): the warm-up
    /// of [`Self::prime_analysis`], and deferred types worked out while the cell runs.
    /// Off (a headless run, where the evaluation process usually names the types and
    /// nothing asks for completions), it only runs when a type is waited for, so a
    /// process that runs many notebooks spends no CPU on analyses nobody reads.
    pub fn set_background_analysis(&mut self, on: bool) {
        self.background_analysis = on;
    }

    /// Starts working out the types of `names` in `analysis_code` in the background.
    pub(super) fn defer_types(
        &mut self,
        analysis_code: String,
        names: Vec<String>,
    ) -> Result<(), Error> {
        if !self.background_analysis {
            let job = Job::OnDemand(analysis_code);
            self.pending_types.push(PendingTypes { job, names });
            return Ok(());
        }
        let analyzer = Arc::clone(&self.analyzer);
        let job = std::thread::Builder::new()
            .name("rust-analyzer".into())
            .spawn(move || {
                yield_to_cells();
                let started = std::time::Instant::now();
                let variables = analyse(&analyzer, analysis_code);
                crate::trace_step("rust-analyzer: variable types (background)", started);
                variables
            })?;
        let job = Job::Running(job);
        self.pending_types.push(PendingTypes { job, names });
        Ok(())
    }

    /// Has rust-analyzer load the crate graph and analyse `user_code` (for example a `let`
    /// using the dependencies) in the background, so the types of the first cells are
    /// ready sooner. Nothing waits for it but rust-analyzer's next user. It starts once
    /// the context has been idle for a moment (a cell that needs a type sooner starts its
    /// own analysis at once, see `defer_types`).
    pub fn prime_analysis(&mut self, user_code: &str) -> Result<(), Error> {
        if !self.background_analysis {
            return Ok(());
        }
        let mut state = self.state();
        self.resolve_pending_types(&mut state);
        let (user_code, code_info) = crate::code_block::CodeBlock::from_original_user_code(user_code);
        let user_code = state.apply(user_code, &code_info.nodes)?;
        self.write_cargo_toml(&state)?;
        let analysis_code = state.analysis_code(user_code).code_string();
        let analyzer = Arc::clone(&self.analyzer);
        let activity = Arc::clone(&self.activity);
        std::thread::Builder::new()
            .name("rust-analyzer".into())
            .spawn(move || {
                yield_to_cells();
                activity.wait_until_quiet();
                let started = std::time::Instant::now();
                let mut analyzer = lock(&analyzer);
                if analyzer.set_source(analysis_code).is_ok() {
                    analyzer.top_level_variables(ANALYSIS_WRAPPER);
                }
                crate::trace_step("rust-analyzer: primed (background)", started);
            })?;
        Ok(())
    }

    /// See `CommandContext::start_analysis`.
    pub(crate) fn start_analysis(
        &mut self,
        user_code: crate::code_block::CodeBlock,
        mut state: ContextState,
        nodes: &[ra_ap_syntax::SyntaxNode],
    ) -> Result<(), Error> {
        let user_code = state.apply(user_code, nodes)?;
        let analysis_code = state.analysis_code(user_code).code_string();
        let analyzer = Arc::clone(&self.analyzer);
        std::thread::Builder::new()
            .name("rust-analyzer".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let mut analyzer = lock(&analyzer);
                if analyzer.set_source(analysis_code).is_ok() {
                    analyzer.top_level_variables(ANALYSIS_WRAPPER);
                }
                crate::trace_step("rust-analyzer: loaded ahead", started);
            })?;
        Ok(())
    }

    /// See `CommandContext::start_completions`: completes each (source, offset) on a
    /// thread of its own, locking rust-analyzer for one at a time.
    pub(crate) fn start_completions(
        &mut self,
        sources: Vec<(String, usize)>,
    ) -> Result<std::sync::mpsc::Receiver<Vec<Result<Completions, String>>>, Error> {
        let analyzer = Arc::clone(&self.analyzer);
        let (answers, receiver) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("rust-analyzer".into())
            .spawn(move || {
                // Nothing waits for the answers before the build does: cargo goes first,
                // and this thread takes the cycles its serial stretches leave.
                yield_to_cells();
                let started = std::time::Instant::now();
                let completed = sources
                    .into_iter()
                    .map(|(source, offset)| {
                        let mut analyzer = lock(&analyzer);
                        analyzer.set_source(source).map_err(|e| e.to_string())?;
                        analyzer.completions(offset).map_err(|e| e.to_string())
                    })
                    .collect();
                crate::trace_step("rust-analyzer: completions ahead", started);
                let _ = answers.send(completed);
            })?;
        Ok(receiver)
    }

    /// Says how to write more types named by `std::any::type_name`: pairs of the name
    /// without generic arguments (`mycrate::module::Type`) and a path cells can write
    /// (`::mycrate::Type`).
    pub fn add_nameable_types(&mut self, types: impl IntoIterator<Item = (String, String)>) {
        self.nameable_types.extend(types);
    }

    /// Waits for the types worked out in the background and gives them to the variables
    /// (in the committed state and in `state`, the caller's copy of it).
    pub(super) fn resolve_pending_types(&mut self, state: &mut ContextState) {
        let runtime_types = std::mem::take(&mut self.runtime_types);
        for mut pending in std::mem::take(&mut self.pending_types) {
            // Variables of a cell that failed were never kept: nothing to wait for.
            pending
                .names
                .retain(|name| self.committed_state.is_waiting_for_type(name));
            // What the evaluation process reported, when we can write it: no waiting.
            pending.names.retain(|name| {
                let Some(type_name) = runtime_types
                    .get(name)
                    .and_then(|reported| nameable(reported, &self.nameable_types))
                else {
                    return true;
                };
                let type_name = Ok(type_name);
                self.committed_state.set_deferred_type(name, &type_name);
                state.set_deferred_type(name, &type_name);
                false
            });
            if pending.names.is_empty() {
                // The analysis finishes in the background; nothing waits for it.
                continue;
            }
            let started = std::time::Instant::now();
            let answer = match pending.job {
                Job::Running(job) => job.join(),
                Job::OnDemand(analysis_code) => Ok(analyse(&self.analyzer, analysis_code)),
            };
            let found = match answer {
                Ok(Ok(found)) => found,
                Ok(Err(error)) => {
                    let _ = self
                        .stderr_sender
                        .send(format!("rust-analyzer could not analyse the cell: {error}"));
                    HashMap::new()
                }
                Err(_) => HashMap::new(),
            };
            crate::trace_step("rust-analyzer: waited for variable types", started);
            for name in pending.names {
                let type_name = match found.get(&name).map(|info| &info.type_name) {
                    Some(TypeName::Named(type_name)) => {
                        Ok(replace_reserved_words_in_type(type_name))
                    }
                    Some(TypeName::Closure) => Err(
                        "it is a closure, which cannot be persisted (box it: \
                         `let f: Box<dyn Fn()> = Box::new(|| …);`, or wrap the code in braces)",
                    ),
                    _ => Err("its type could not be determined (give it an explicit type)"),
                };
                let kept = self.committed_state.set_deferred_type(&name, &type_name);
                state.set_deferred_type(&name, &type_name);
                if let (true, Err(why)) = (kept, type_name) {
                    let _ = self
                        .stderr_sender
                        .send(format!("The variable `{name}` was not kept: {why}."));
                }
            }
        }
    }
}

impl ContextState {
    /// Whether `name` is a variable whose type is still being worked out.
    fn is_waiting_for_type(&self, name: &str) -> bool {
        [&self.variable_states, &self.stored_variable_states]
            .iter()
            .any(|states| states.get(name).is_some_and(|s| s.type_name.is_empty()))
    }

    /// Gives `name` the type worked out for it, or forgets it (`Err`). Only a variable
    /// still waiting for its type is touched (a later cell may have redefined it).
    /// Whether it was waiting.
    fn set_deferred_type(&mut self, name: &str, type_name: &Result<String, &str>) -> bool {
        let mut waiting = false;
        for states in [&mut self.variable_states, &mut self.stored_variable_states] {
            if states.get(name).is_some_and(|s| s.type_name.is_empty()) {
                waiting = true;
                match type_name {
                    Ok(type_name) => {
                        if let Some(variable) = states.get_mut(name) {
                            variable.type_name.clone_from(type_name);
                        }
                    }
                    Err(_) => {
                        states.remove(name);
                    }
                }
            }
        }
        waiting
    }
}
