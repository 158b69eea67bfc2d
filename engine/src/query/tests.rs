//! A toy query kind added end to end through the engine: one `impl Query` in this module
//! and nothing else, run by [`Session::run`] over a local source, recorded like every
//! kind — window note, calls, results, failure and cancellation alike.

use playbook::model::query::RangeSpec;
use playbook::model::record::{QueryKind, QueryRecord, QueryStatus};
use playbook::model::time_range::TimeRange;

use crate::Session;
use crate::backend::{Backend, Outcome};
use crate::error::EngineError;
use crate::query::{Query, Window};

/// The toy kind: how many log groups start with a prefix, over a window (which it does not
/// need, but takes so the session resolves one). `fail` makes the backend call fail with
/// that error; `refuse` makes preparation fail.
struct GroupCount {
    prefix: &'static str,
    window: Option<RangeSpec>,
    fail: Option<EngineError>,
    refuse: bool,
}

impl GroupCount {
    fn of(prefix: &'static str) -> GroupCount {
        GroupCount {
            prefix,
            window: None,
            fail: None,
            refuse: false,
        }
    }
}

impl Query for GroupCount {
    type Found = Vec<String>;
    type Output = usize;

    fn kind(&self) -> QueryKind {
        QueryKind::LogGroups
    }

    fn describe(&self) -> String {
        format!("count of {}*", self.prefix)
    }

    fn window(&self) -> Window<'_> {
        Window::Of(self.window.as_ref())
    }

    fn prepare(
        &mut self,
        _session: &Session,
        _backend: &dyn Backend,
        _window: Option<TimeRange>,
        notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        if self.refuse {
            return Err(EngineError::InvalidInput("refused".into()));
        }
        notes.push("prepared".into());
        Ok(())
    }

    fn run(
        &self,
        backend: &dyn Backend,
        _window: Option<TimeRange>,
    ) -> Result<Outcome<Vec<String>>, EngineError> {
        if let Some(error) = &self.fail {
            return Err(match error {
                EngineError::Cancelled(what) => EngineError::Cancelled(what.clone()),
                other => EngineError::InvalidInput(other.to_string()),
            });
        }
        let mut outcome = Outcome::new(backend.log_groups(Some(self.prefix))?, 3);
        outcome.retried_calls = 1;
        outcome.notes.push("counted".into());
        Ok(outcome)
    }

    fn fill(
        &self,
        records: &mut [QueryRecord],
        outcome: Outcome<Vec<String>>,
        notes: &[String],
    ) -> usize {
        records[0].results = outcome.value.len() as u64;
        records[0].notes = notes.to_vec();
        outcome.value.len()
    }
}

/// A local source with two log groups under `/ecs/`.
fn session(name: &str) -> Session {
    let dir = std::env::temp_dir().join(format!("playbook-toy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for group in ["logs/ecs/checkout", "logs/ecs/cart"] {
        std::fs::create_dir_all(dir.join(group)).unwrap();
        std::fs::write(
            dir.join(group).join("a.log"),
            "2026-11-12T14:03:00Z INFO ok\n",
        )
        .unwrap();
    }
    crate::local::tests::session(&dir)
}

#[test]
fn a_toy_query_kind_is_one_impl_run_and_recorded_by_the_session() {
    let session = session("ok");
    assert_eq!(session.run(GroupCount::of("/ecs/")).unwrap(), 2);
    let [record] = session.queries().try_into().unwrap();
    assert_eq!(record.kind, QueryKind::LogGroups);
    assert_eq!(record.query, "count of /ecs/*");
    assert_eq!(record.status, QueryStatus::Ok);
    assert_eq!(
        (record.api_calls, record.retried_calls, record.results),
        (3, 1, 2)
    );
    assert!(
        record.window.is_some(),
        "a windowed kind records its window"
    );
    assert_eq!(record.notes.len(), 3, "{:?}", record.notes);
    assert!(record.notes[0].starts_with("no window given"));
    assert_eq!(record.notes[1..], ["prepared", "counted"]);
}

#[test]
fn a_failed_toy_query_is_recorded_failed_or_cancelled_with_its_notes() {
    let session = session("fail");
    let mut failing = GroupCount::of("/ecs/");
    failing.window = Some(RangeSpec::Text("1h".into()));
    failing.fail = Some(EngineError::InvalidInput("boom".into()));
    assert!(session.run(failing).is_err());
    let mut cancelled = GroupCount::of("/ecs/");
    cancelled.fail = Some(EngineError::Cancelled("interrupted".into()));
    assert!(matches!(
        session.run(cancelled),
        Err(EngineError::Cancelled(_))
    ));
    let [failed, cancelled]: [QueryRecord; 2] = session.queries().try_into().unwrap();
    assert_eq!(failed.status, QueryStatus::Failed);
    assert!(failed.error.as_deref().unwrap().contains("boom"));
    assert_eq!(failed.notes, ["prepared"], "its own window: no window note");
    assert_eq!(cancelled.status, QueryStatus::Cancelled);
    assert_eq!(cancelled.api_calls, 0);
}

#[test]
fn a_toy_query_refused_while_preparing_records_nothing() {
    let session = session("refuse");
    let mut refused = GroupCount::of("/ecs/");
    refused.refuse = true;
    assert!(matches!(
        session.run(refused),
        Err(EngineError::InvalidInput(_))
    ));
    assert!(session.queries().is_empty());
}

/// The files one new query kind takes, reaching cells, `%%magic` and `playbook query`.
/// Before the trait (`contributors`, commit 8f01d52): 18 code files, the engine's five
/// of them repeating the session's resolve → record → finish sequence. Now the engine
/// side is one module with one `impl Query` (this toy kind's whole engine side is this
/// module, plus the `mod` line in its parent); the other layers still take one edit each.
const FILES_OF_A_NEW_KIND_BEFORE: [&str; 18] = [
    "playbook-lib/src/KIND.rs (type and call)",
    "playbook-lib/src/protocol.rs",
    "playbook-lib/src/record.rs (QueryKind)",
    "playbook-lib/src/lib.rs",
    "playbook-lib/src/prelude.rs",
    "playbook-lib/src/bindings.rs",
    "engine/src/KIND.rs (the sequence, copied)",
    "engine/src/lib.rs (mod, Session::handle)",
    "engine/src/backend.rs",
    "engine/src/cloudwatch/KIND.rs",
    "engine/src/cloudwatch/mod.rs",
    "engine/src/local/KIND.rs",
    "engine/src/local/mod.rs",
    "kernel/src/queries/cells.rs",
    "kernel/src/queries/cli.rs",
    "kernel/src/queries/magics.rs",
    "kernel/src/queries/mod.rs",
    "kernel/src/queries/options.rs",
];

/// A kind over what a source already answers (as the toy is): the source layer
/// (backend.rs, cloudwatch/, local/) is untouched, and the engine is one module.
/// The cell library is in floors (issue 26): the kind's types, its call and its
/// rendering are one file each, on their floors.
const FILES_OF_A_NEW_KIND_AFTER: [&str; 15] = [
    "playbook-lib/src/model/KIND.rs (the query and result types)",
    "playbook-lib/src/client/queries.rs (the call)",
    "playbook-lib/src/render/KIND.rs (how the result shows)",
    "playbook-lib/src/protocol/mod.rs",
    "playbook-lib/src/model/record.rs (QueryKind)",
    "playbook-lib/src/lib.rs",
    "playbook-lib/src/prelude.rs",
    "playbook-lib/src/protocol/bindings.rs",
    "engine/src/KIND.rs (one impl Query)",
    "engine/src/lib.rs (mod, Session::handle)",
    "kernel/src/queries/cells.rs",
    "kernel/src/queries/cli.rs",
    "kernel/src/queries/magics.rs",
    "kernel/src/queries/mod.rs",
    "kernel/src/queries/options.rs",
];

#[test]
fn the_files_a_new_query_kind_takes_exist_and_the_engine_takes_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // The list before names the files as they were then (the library was flat).
    for file in FILES_OF_A_NEW_KIND_AFTER {
        let path = file
            .split(' ')
            .next()
            .unwrap()
            .replace("KIND", "contributors");
        assert!(
            root.join(&path).is_file(),
            "{path} is gone: update the lists"
        );
    }
    let engine = |files: &[&str]| files.iter().filter(|f| f.starts_with("engine/")).count();
    assert_eq!(
        (
            engine(&FILES_OF_A_NEW_KIND_BEFORE),
            engine(&FILES_OF_A_NEW_KIND_AFTER)
        ),
        (7, 2)
    );
}

/// Every kind's module, and what only `Session::run` and `finish` may do.
#[test]
fn the_resolve_record_finish_sequence_lives_in_session_run_alone() {
    let kinds = [
        ("queries/metrics.rs", include_str!("../queries/metrics.rs")),
        ("queries/logs.rs", include_str!("../queries/logs.rs")),
        ("queries/alarms.rs", include_str!("../queries/alarms.rs")),
        ("contributors.rs", include_str!("../contributors.rs")),
        ("log_anomalies.rs", include_str!("../log_anomalies.rs")),
        ("inventory.rs", include_str!("../inventory.rs")),
        ("service_quotas.rs", include_str!("../service_quotas.rs")),
    ];
    let callers = [
        ("queries/mod.rs", include_str!("../queries/mod.rs")),
        ("lib.rs", include_str!("../lib.rs")),
    ];
    for (name, source) in kinds.iter().chain(&callers) {
        for sequence in [
            "Started::now",
            "record_of(",
            ".finish(",
            "= outcome.api_calls",
        ] {
            assert!(!source.contains(sequence), "{name} repeats `{sequence}`");
        }
    }
    for (name, source) in kinds {
        assert!(source.contains("impl Query for"), "{name} defines no kind");
    }
}
