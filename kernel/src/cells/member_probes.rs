//! Builds the member index (`member_index.rs`) when the cell template is built: for each
//! indexed type, a probe cell (`let __probe: Vec<i32> = todo!();` then `__probe.`) is
//! completed by rust-analyzer, in the template's own evcxr context (the prelude loaded, so
//! the same traits are in scope as in cells). The index therefore always fits the
//! toolchain and the library the template was built for, and is rebuilt with it.

use std::path::Path;
use std::time::{Duration, Instant};

use evcxr::CommandContext;

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

/// The members rust-analyzer completes after `__probe.`, in its order.
fn members(context: &mut CommandContext, probe: &Probe) -> Result<Vec<Member>, evcxr::Error> {
    let code = format!("{}\n__probe.", probe.declaration);
    let found = context.completions(&code, code.len())?;
    Ok(found
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
        .collect())
}

/// Has rust-analyzer load the standard library and the library (seconds of one core) on
/// its own thread while the template compiles (cargo leaves a core idle for much of
/// that), so the index's probes find it loaded. Only slower when it cannot start.
pub(crate) fn start_member_index(context: &mut CommandContext) {
    if let Err(error) = context.start_analysis(&super::rust_engine::prelude()) {
        eprintln!("playbook: rust-analyzer could not start loading for the member index: {error}");
    }
}

/// Builds the index with `context` (a template's, the prelude loaded) and saves it in
/// `dir`. Never fails the template: without an index, completion after a `.` waits for
/// rust-analyzer as before. Says on stderr what it did and how long it took.
pub(crate) fn write_member_index(context: &mut CommandContext, dir: &Path) {
    let started = Instant::now();
    let mut index = MemberIndex::default();
    let mut failed = Vec::new();
    let mut first = None;
    for probe in probes() {
        if started.elapsed() > DEADLINE {
            failed.push(format!(
                "{}: past the {DEADLINE:?} deadline",
                probe.names[0]
            ));
            continue;
        }
        match members(context, &probe) {
            Ok(members) if !members.is_empty() => index.types.push(IndexedType {
                names: probe.names,
                members,
            }),
            Ok(_) => failed.push(format!("{}: no members", probe.names[0])),
            Err(error) => failed.push(format!("{}: {error}", probe.names[0])),
        }
        first.get_or_insert(started.elapsed());
    }
    let written = index.write(dir);
    eprintln!(
        "playbook: indexed the members of {} types for completion in {:.1?} (rust-analyzer's \
         load and the first type {:.1?}){}",
        index.types.len(),
        started.elapsed(),
        first.unwrap_or_default(),
        match &written {
            Ok(()) => String::new(),
            Err(error) => format!(" (not saved: {error})"),
        }
    );
    if !failed.is_empty() {
        eprintln!("playbook: not indexed: {}", failed.join("; "));
    }
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
