//! Names bound by query cells (`%%logs errors = …`): the values stay here, and the next
//! Rust cell that mentions a pending name gets the statement that fetches it.

use crate::Session;
use playbook::protocol::bindings::{Bound, binding_statement};

/// A result bound to a name by a query cell.
#[derive(Debug, Clone)]
pub struct Binding {
    pub value: Bound,
    /// Not yet brought into a Rust cell since it was (re)bound.
    pub pending: bool,
}

impl Session {
    /// Binds a query cell's result to `name` for later Rust cells.
    pub fn bind(&self, name: &str, value: Bound) {
        self.bindings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                name.to_owned(),
                Binding {
                    value,
                    pending: true,
                },
            );
    }

    /// The value bound to `name`.
    pub fn binding(&self, name: &str) -> Option<Bound> {
        let bindings = self.bindings.lock().unwrap_or_else(|p| p.into_inner());
        bindings.get(name).map(|b| b.value.clone())
    }

    /// The statements that bring the pending bound names `code` uses into it, and those
    /// names (mark them done with [`Session::bindings_delivered`] once the cell ran).
    pub fn binding_prelude(&self, code: &str) -> (String, Vec<String>) {
        let bindings = self.bindings.lock().unwrap_or_else(|p| p.into_inner());
        let mut prelude = String::new();
        let mut names = Vec::new();
        if bindings.values().all(|b| !b.pending) {
            return (prelude, names);
        }
        let used = identifiers(code);
        for (name, binding) in bindings.iter() {
            if binding.pending && used.contains(name.as_str()) {
                prelude.push_str(&binding_statement(name, binding.value.bound_type()));
                names.push(name.clone());
            }
        }
        (prelude, names)
    }

    /// The Rust cell that fetched `names` ran: they are variables of the session now.
    pub fn bindings_delivered(&self, names: &[String]) {
        let mut bindings = self.bindings.lock().unwrap_or_else(|p| p.into_inner());
        for name in names {
            if let Some(binding) = bindings.get_mut(name) {
                binding.pending = false;
            }
        }
    }
}

/// The identifiers a piece of Rust code mentions (outside string literals and comments,
/// roughly: enough to see which bound names a cell uses).
fn identifiers(code: &str) -> std::collections::BTreeSet<&str> {
    let mut found = std::collections::BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut in_string = false;
        let mut start: Option<usize> = None;
        let mut previous = '\0';
        for (i, c) in line.char_indices() {
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            }
            let part_of_ident = !in_string && (c.is_alphanumeric() || c == '_');
            match (part_of_ident, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    found.insert(&line[s..i]);
                    start = None;
                }
                _ => {}
            }
            previous = c;
        }
        if let Some(s) = start {
            found.insert(&line[s..]);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_names_are_fetched_by_the_first_cell_that_uses_them() {
        let session = Session::from_env();
        let table = playbook::model::log_table::LogTable::new(Vec::new(), "fields @message");
        session.bind("errors", Bound::LogTable(table));
        let (prelude, names) = session.binding_prelude("let n = errors.rows().len(); // errors");
        assert!(
            prelude.starts_with("let errors: ::playbook::log_table::LogTable"),
            "{prelude}"
        );
        assert_eq!(names, ["errors"]);
        let (prelude, _) = session.binding_prelude("println!(\"errors\"); // errors");
        assert!(
            prelude.is_empty(),
            "names in strings and comments do not count"
        );
        session.bindings_delivered(&names);
        assert!(session.binding_prelude("errors").0.is_empty());
    }
}
