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

use super::ContextState;
use super::EvalContext;
use super::replace_reserved_words_in_type;
use crate::errors::Error;
use crate::rust_analyzer::RustAnalyzer;
use crate::rust_analyzer::TypeName;
use crate::rust_analyzer::VariableInfo;
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

/// Types being worked out in the background for the variables `names`.
pub(super) struct PendingTypes {
    job: JoinHandle<anyhow::Result<HashMap<String, VariableInfo>>>,
    names: Vec<String>,
}

impl EvalContext {
    /// Whether the next analysis would first load the crate graph (or one is running).
    pub(super) fn analysis_is_cold(&self) -> bool {
        match self.analyzer.try_lock() {
            Ok(analyzer) => analyzer.needs_load(),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner().needs_load(),
            Err(std::sync::TryLockError::WouldBlock) => true,
        }
    }

    /// Starts working out the types of `names` in `analysis_code` in the background.
    pub(super) fn defer_types(
        &mut self,
        analysis_code: String,
        names: Vec<String>,
    ) -> Result<(), Error> {
        let analyzer = Arc::clone(&self.analyzer);
        let job = std::thread::Builder::new()
            .name("rust-analyzer".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let mut analyzer = lock(&analyzer);
                analyzer.set_source(analysis_code)?;
                let variables = analyzer.top_level_variables(ANALYSIS_WRAPPER);
                crate::trace_step("rust-analyzer: variable types (background)", started);
                Ok(variables)
            })?;
        self.pending_types.push(PendingTypes { job, names });
        Ok(())
    }

    /// Has rust-analyzer load the crate graph and analyse `user_code` (for example a `let`
    /// using the dependencies) in the background, so the types of the first cells are
    /// ready sooner. Nothing waits for it but rust-analyzer's next user.
    pub fn prime_analysis(&mut self, user_code: &str) -> Result<(), Error> {
        let mut state = self.state();
        self.resolve_pending_types(&mut state);
        let (user_code, code_info) = crate::code_block::CodeBlock::from_original_user_code(user_code);
        let user_code = state.apply(user_code, &code_info.nodes)?;
        self.write_cargo_toml(&state)?;
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
                crate::trace_step("rust-analyzer: primed (background)", started);
            })?;
        Ok(())
    }

    /// Waits for the types worked out in the background and gives them to the variables
    /// (in the committed state and in `state`, the caller's copy of it).
    pub(super) fn resolve_pending_types(&mut self, state: &mut ContextState) {
        for pending in std::mem::take(&mut self.pending_types) {
            let started = std::time::Instant::now();
            let found = match pending.job.join() {
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
