//! Builds the member index (`member_index.rs`) when the cell template is built: for each
//! indexed type, a probe cell (`let __probe: Vec<i32> = todo!();` then `__probe.`) is
//! completed by rust-analyzer, in the template's own evcxr context (after the prelude, so
//! the same traits are in scope as in cells), on rust-analyzer's own thread while the
//! template compiles. The index therefore always fits the toolchain and the library the
//! template was built for, and is rebuilt with it.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use evcxr::{CommandContext, Completions};

use super::member_index::{IndexedType, Member, MemberIndex, MemberKind, return_type};

/// How long the index may take, checked between probes (the first one includes
/// rust-analyzer's load of the standard library and the library).
const DEADLINE: Duration = Duration::from_secs(60);

/// What rust-analyzer calls the kinds of completion the index keeps.
const METHOD_KIND: &str = "function";
const FIELD_KIND: &str = "instance";

/// A type the index answers for: the outer names a receiver's type may carry, and the
/// statement that declares `__probe` of that type.
struct Probe {
    names: Vec<String>,
    declaration: String,
}

/// The outer names of std's iterators (adapters and the iterators of collections and
/// strings): the `Iterator` probe answers for all of them.
const ITERATOR_NAMES: &[&str] = &[
    "Iterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Iter",
    "IterMut",
    "IntoIter",
    "Map",
    "Filter",
    "FilterMap",
    "Enumerate",
    "Zip",
    "Chain",
    "Rev",
    "Skip",
    "Take",
    "StepBy",
    "Peekable",
    "Cloned",
    "Copied",
    "Flatten",
    "FlatMap",
    "TakeWhile",
    "SkipWhile",
    "MapWhile",
    "Inspect",
    "Scan",
    "Fuse",
    "Cycle",
    "Keys",
    "Values",
    "ValuesMut",
    "IntoKeys",
    "IntoValues",
    "Drain",
    "Chars",
    "CharIndices",
    "Bytes",
    "Lines",
    "Split",
    "SplitWhitespace",
    "SplitN",
    "Windows",
    "Chunks",
    "Range",
    "RangeInclusive",
    "Empty",
    "Once",
    "Repeat",
];

/// The common std (and chrono) types: names, and the type a probe declares. Integers of
/// one signedness have the same methods (and floats), so one probe answers for each kind
/// (a method returning `Self` keeps the receiver's own type).
const STD_PROBES: &[(&[&str], &str)] = &[
    (&["Vec"], "Vec<i32>"),
    (&["String"], "String"),
    (&["str"], "&str"),
    (&["slice"], "&[i32]"),
    (&["Option"], "Option<i32>"),
    (&["Result", "PlaybookResult"], "Result<i32, String>"),
    (&["HashMap"], "std::collections::HashMap<String, f64>"),
    (&["HashSet"], "std::collections::HashSet<String>"),
    (&["BTreeMap"], "std::collections::BTreeMap<String, f64>"),
    (&["f64", "f32"], "f64"),
    (&["i64", "i32", "i16", "i8", "isize", "i128"], "i64"),
    (&["usize", "u64", "u32", "u16", "u8", "u128"], "usize"),
    (&["bool"], "bool"),
    (&["char"], "char"),
    (&["Duration"], "std::time::Duration"),
    (&["DateTime"], "DateTime<Utc>"),
    (&["TimeDelta"], "TimeDelta"),
];

/// Every probe: std's, the iterators', and one per type of the library's prelude (named
/// by the library itself, `playbook::prelude::nameable_types`), known both by its own name
/// and by the prelude's (`Error`, `PlaybookError`).
fn probes() -> Vec<Probe> {
    let mut probes: Vec<Probe> = STD_PROBES
        .iter()
        .map(|(names, ty)| Probe {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            declaration: format!("let __probe: {ty} = todo!();"),
        })
        .collect();
    probes.push(Probe {
        names: ITERATOR_NAMES.iter().map(|n| (*n).to_owned()).collect(),
        declaration: "let __probe = std::iter::empty::<i32>();".to_owned(),
    });
    for (definition, path) in playbook::prelude::nameable_types() {
        let own = definition
            .rsplit("::")
            .next()
            .unwrap_or(&definition)
            .to_owned();
        let prelude = path.rsplit("::").next().unwrap_or(&path).to_owned();
        let known = |name: &String| probes.iter().any(|p| p.names.contains(name));
        if known(&own) || known(&prelude) {
            continue; // DateTime, Utc's own name… already probed
        }
        let mut names = vec![own];
        if !names.contains(&prelude) {
            names.push(prelude);
        }
        probes.push(Probe {
            names,
            declaration: format!("let __probe: {path} = todo!();"),
        });
    }
    probes
}

/// The code a probe completes at its end.
fn probe_code(probe: &Probe) -> String {
    format!("{}\n__probe.", probe.declaration)
}

/// The members among rust-analyzer's completions after `__probe.`, in its order.
fn members(found: Completions) -> Vec<Member> {
    found
        .completions
        .into_iter()
        .filter_map(|c| {
            let kind = match c.kind {
                METHOD_KIND => MemberKind::Method,
                FIELD_KIND => MemberKind::Field,
                _ => return None, // postfix snippets, keywords
            };
            let name: String = c
                .code
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect();
            let returns = match kind {
                MemberKind::Method => c.detail.as_deref().and_then(return_type),
                MemberKind::Field => c.detail.filter(|d| !d.is_empty()),
            };
            (!name.is_empty()).then_some(Member {
                name,
                code: c.code,
                kind,
                returns,
            })
        })
        .collect()
}

/// The index's probes, being completed by rust-analyzer on its own thread.
pub(crate) struct PendingIndex {
    probes: Vec<Probe>,
    answers: Option<Receiver<Vec<Result<Completions, String>>>>,
}

/// Has rust-analyzer load the standard library and the library, then complete every
/// probe as if the prelude had run (seconds of one core), on its own thread while the
/// template compiles: cargo leaves a core idle for much of that, and the probes need
/// sources, not the build. When that cannot start, the probes run after the build.
pub(crate) fn start_member_index(context: &mut CommandContext) -> PendingIndex {
    let probes = probes();
    let codes: Vec<String> = probes.iter().map(probe_code).collect();
    let answers = context
        .start_completions(&super::rust_engine::prelude(), &codes)
        .map_err(|error| {
            eprintln!("playbook: rust-analyzer could not start the member index ahead: {error}");
        })
        .ok();
    PendingIndex { probes, answers }
}

/// Waits (at most [`DEADLINE`]) for the probes started by [`start_member_index`], or runs
/// them now with `context` (a template's, the prelude loaded), and saves the index in
/// `dir`. Never fails the template: without an index, completion after a `.` waits for
/// rust-analyzer as before. Says on stderr what it did and how long it waited.
pub(crate) fn write_member_index(context: &mut CommandContext, pending: PendingIndex, dir: &Path) {
    let started = Instant::now();
    let ahead = pending.answers.and_then(|answers| {
        answers
            .recv_timeout(DEADLINE)
            .map_err(|error| eprintln!("playbook: the member index ahead did not answer: {error}"))
            .ok()
    });
    let answers = match ahead {
        Some(answers) => answers,
        None => complete_now(context, &pending.probes, started),
    };
    let mut index = MemberIndex::default();
    let mut failed = Vec::new();
    for (probe, answer) in pending.probes.into_iter().zip(answers) {
        match answer.map(members) {
            Ok(members) if !members.is_empty() => index.types.push(IndexedType {
                names: probe.names,
                members,
            }),
            Ok(_) => failed.push(format!("{}: no members", probe.names[0])),
            Err(error) => failed.push(format!("{}: {error}", probe.names[0])),
        }
    }
    let written = index.write(dir);
    eprintln!(
        "playbook: indexed the members of {} types for completion ({:.1?} after the build){}",
        index.types.len(),
        started.elapsed(),
        match &written {
            Ok(()) => String::new(),
            Err(error) => format!(" (not saved: {error})"),
        }
    );
    if !failed.is_empty() {
        eprintln!("playbook: not indexed: {}", failed.join("; "));
    }
}

/// Completes the probes one by one with `context`, until [`DEADLINE`] after `started`.
fn complete_now(
    context: &mut CommandContext,
    probes: &[Probe],
    started: Instant,
) -> Vec<Result<Completions, String>> {
    probes
        .iter()
        .map(|probe| {
            if started.elapsed() > DEADLINE {
                return Err(format!("past the {DEADLINE:?} deadline"));
            }
            let code = probe_code(probe);
            context
                .completions(&code, code.len())
                .map_err(|error| error.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prelude_type_and_the_common_std_types_are_probed_once() {
        let probes = probes();
        for name in [
            "Vec",
            "String",
            "str",
            "slice",
            "Option",
            "Result",
            "HashMap",
            "HashSet",
            "BTreeMap",
            "f64",
            "i64",
            "usize",
            "DateTime",
            "TimeDelta",
            "Iterator",
            "Iter",
            "Map",
            "Series",
            "LogTable",
            "Error",
            "PlaybookError",
            "Json",
            "Value",
        ] {
            let with = probes
                .iter()
                .filter(|p| p.names.iter().any(|n| n == name))
                .count();
            assert_eq!(with, 1, "{name} is probed once");
        }
        let series = probes
            .iter()
            .find(|p| p.names.contains(&"Series".to_owned()))
            .unwrap();
        assert_eq!(
            series.declaration,
            "let __probe: ::playbook::prelude::Series = todo!();"
        );
        assert!(
            probes
                .iter()
                .all(|p| p.declaration.starts_with("let __probe"))
        );
    }
}
