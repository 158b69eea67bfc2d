//! Running magic cells (see `magics.rs`) natively: the kernel calls the engine it
//! hosts, shows the result with the library's own rendering, and binds `NAME =` results
//! for later Rust cells. No compile, no evaluation process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use jupyter_protocol::{
    DisplayData, JupyterMessage, Media, MediaType, Transient, UpdateDisplayData,
};
use playbook_engine::backend::ProgressSink;

use playbook::bindings::Bound;
use playbook::display::{MimeBundle, Render};
use playbook::protocol::ErrorKind;
use playbook::query::{MetricQuery, RangeSpec, metric_expression};
use playbook_engine::Session;
use playbook_engine::error::EngineError;
use serde_json::Value;

use super::magics::{LineMagic, Magic};
use super::options::metric_spec;

/// A running query's progress, shown in the cell's output and updated in place.
#[derive(Clone)]
pub(crate) struct Progress {
    iopub: crate::jupyter::iopub::IoPub,
    parent: JupyterMessage,
    display_id: String,
    /// Whether a line is shown yet, and when the query started.
    state: Arc<Mutex<(bool, Instant)>>,
}

impl Progress {
    /// Progress for the cell `parent` is running.
    pub(crate) fn new(iopub: crate::jupyter::iopub::IoPub, parent: JupyterMessage) -> Progress {
        Progress {
            iopub,
            parent,
            display_id: format!("playbook-progress-{}", uuid::Uuid::new_v4()),
            state: Arc::new(Mutex::new((false, Instant::now()))),
        }
    }

    fn show(&self, text: &str) {
        let media = Media::new(vec![MediaType::Plain(text.to_owned())]);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.0 {
            let update = UpdateDisplayData::new(media, &self.display_id);
            self.iopub.publish(update, Some(&self.parent));
        } else {
            let mut display = DisplayData::new(media);
            display.transient = Some(Transient {
                display_id: Some(self.display_id.clone()),
            });
            self.iopub.publish(display, Some(&self.parent));
            state.0 = true;
        }
    }

    /// The sink the engine reports to.
    pub(crate) fn sink(&self) -> ProgressSink {
        let progress = self.clone();
        Arc::new(move |text: &str| progress.show(text))
    }

    /// The query is over: a progress line shown earlier says how it ended.
    pub(crate) fn finish(&self, ok: bool) {
        let (shown, started) = *self.state.lock().unwrap_or_else(|p| p.into_inner());
        if shown {
            let how = if ok {
                "finished"
            } else {
                "ended without a result"
            };
            self.show(&format!(
                "query {how} after {:.1} s",
                started.elapsed().as_secs_f64()
            ));
        }
    }
}

/// What a magic cell gives: its answer, or an error name and message.
pub(crate) type MagicResult = Result<Answer, (String, String)>;

/// A magic cell's result, and a hint for the person at the keyboard (shown by the live
/// kernel as its own output, see `cells::hints`; records and reports leave it out).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) bundle: MimeBundle,
    pub(crate) hint: Option<String>,
}

impl Answer {
    fn plain(bundle: MimeBundle) -> Answer {
        Answer { bundle, hint: None }
    }
}

/// The error name a query cell shows for an engine error.
fn ename(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::QuerySyntax => "QuerySyntaxError",
        ErrorKind::NoSource => "NoSource",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Cancelled => "QueryCancelled",
        ErrorKind::Timeout => "QueryTimeout",
        ErrorKind::Throttled => "Throttled",
        ErrorKind::Credentials => "CredentialsError",
        ErrorKind::AccessDenied => "AccessDenied",
        _ => "QueryError",
    }
}

fn failed(error: EngineError) -> (String, String) {
    (ename(error.kind()).to_owned(), error.to_string())
}

/// Runs a magic cell on the calling (blocking) thread.
pub(crate) fn run(session: &Session, magic: Magic) -> MagicResult {
    match magic {
        Magic::Logs { bind, args, query } => {
            let table = session
                .run_logs_insights(&args.query(&query))
                .map_err(failed)?;
            Ok(bound(session, bind, table.bundle(), Bound::LogTable(table)))
        }
        Magic::Events { bind, args } => {
            let table = session.run_filter(&args.query()).map_err(failed)?;
            Ok(bound(session, bind, table.bundle(), Bound::LogTable(table)))
        }
        Magic::Alarms { bind, args } => {
            let report = session.run_alarms(&args.query()).map_err(failed)?;
            Ok(bound(
                session,
                bind,
                report.bundle(),
                Bound::AlarmReport(report),
            ))
        }
        Magic::Contributors { bind, args } => {
            let report = session.run_contributors(&args.query()).map_err(failed)?;
            Ok(bound(
                session,
                bind,
                report.bundle(),
                Bound::TopContributors(report),
            ))
        }
        Magic::Metrics { bind, args, body } => {
            let mut queries =
                metric_queries(&body).map_err(|m| ("MagicSyntaxError".to_owned(), m))?;
            args.apply(&mut queries);
            let set = session.run_metrics(&queries).map_err(failed)?;
            Ok(bound(session, bind, set.bundle(), Bound::SeriesSet(set)))
        }
        Magic::Lines(lines) => {
            let mut text = Vec::new();
            for line in lines {
                if let LineMagic::Help(magic) = &line {
                    let help = super::catalogue::help(magic.as_deref())
                        .map_err(|why| ("MagicSyntaxError".to_owned(), why))?;
                    text.push(help);
                    continue;
                }
                text.push(line_magic(session, line).map_err(failed)?);
            }
            Ok(Answer::plain(MimeBundle::text(text.join("\n"))))
        }
    }
}

/// Runs one line magic; returns what it shows.
fn line_magic(session: &Session, line: LineMagic) -> Result<String, EngineError> {
    Ok(match line {
        LineMagic::Source(spec) => {
            session.set_source(&spec, "%source")?;
            format!("source: {spec}")
        }
        LineMagic::Window(spec) => {
            let window = spec.map(RangeSpec::Text);
            match session.set_window(window.as_ref())? {
                Some(range) => format!("window: {range}"),
                None => "window: cleared".to_owned(),
            }
        }
        LineMagic::Params => session.context().to_string(),
        LineMagic::List => super::catalogue::listing(),
        // Answered by `run` (its error is the magic's, not the engine's).
        LineMagic::Help(magic) => super::catalogue::help(magic.as_deref()).unwrap_or_default(),
        LineMagic::Queries => {
            let records = session.queries();
            if records.is_empty() {
                return Ok("no queries yet".to_owned());
            }
            let lines: Vec<String> = records
                .iter()
                .map(|r| {
                    let window = r.window.map(|w| w.to_string()).unwrap_or_default();
                    format!(
                        "{} {} [{}] {} · {} · {} results · {} ms",
                        r.kind,
                        r.source,
                        r.status,
                        r.query.replace('\n', " "),
                        window,
                        r.results,
                        r.duration_ms
                    )
                })
                .collect();
            lines.join("\n")
        }
    })
}

/// Binds `value` to `name` (when given); the hint says so.
fn bound(session: &Session, name: Option<String>, bundle: MimeBundle, value: Bound) -> Answer {
    let Some(name) = name else {
        return Answer::plain(bundle);
    };
    let hint = format!(
        "bound to `{name}` ({}): use it in a Rust cell",
        value.bound_type().name()
    );
    session.bind(&name, value);
    Answer {
        bundle,
        hint: Some(hint),
    }
}

/// The queries of a `%%metrics` body: one `SELECT`/expression, or one compact spec per
/// line (`NAMESPACE METRIC [DIM=VALUE…] [STAT]`).
pub(crate) fn metric_queries(body: &str) -> Result<Vec<MetricQuery>, String> {
    let body = body.trim();
    if body.to_ascii_uppercase().starts_with("SELECT") {
        return Ok(vec![metric_expression(body)]);
    }
    let mut queries = Vec::new();
    for line in body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line.contains('(') {
            queries.push(metric_expression(line));
            continue;
        }
        let words = shlex::split(line).ok_or_else(|| format!("unbalanced quotes in `{line}`"))?;
        let (plain, dims): (Vec<String>, Vec<String>) =
            words.into_iter().partition(|w| !w.contains('='));
        let (namespace, name, stat) = match plain.as_slice() {
            [ns, m] => (ns, m, "Average"),
            [ns, m, stat] => (ns, m, stat.as_str()),
            _ => {
                return Err(format!(
                    "`{line}`: write NAMESPACE METRIC [DIM=VALUE…] [STAT], e.g. `AWS/ApplicationELB TargetResponseTime LoadBalancer=app/x p99`"
                ));
            }
        };
        queries
            .push(metric_spec(namespace, name, &dims, stat).map_err(|e| format!("`{line}`: {e}"))?);
    }
    if queries.is_empty() {
        return Err("no metric given".to_owned());
    }
    Ok(queries)
}

/// A bundle as the string map the executor publishes.
pub(crate) fn to_data(bundle: &MimeBundle) -> HashMap<String, String> {
    bundle
        .data
        .iter()
        .map(|(mime, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (mime.clone(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use playbook::query::MetricKind;

    #[test]
    fn compact_specs_become_metric_queries() {
        let queries = metric_queries(
            "AWS/ApplicationELB TargetResponseTime LoadBalancer=app/x p99\n# comment\nAWS/ECS CPUUtilization ServiceName=checkout ClusterName=prod",
        )
        .unwrap();
        assert_eq!(queries.len(), 2);
        assert_eq!(
            queries[0].describe(),
            "AWS/ApplicationELB TargetResponseTime LoadBalancer=app/x p99"
        );
        let MetricKind::Stat {
            stat, dimensions, ..
        } = &queries[1].kind
        else {
            panic!()
        };
        assert_eq!(stat, "Average");
        assert_eq!(dimensions.len(), 2);
    }

    #[test]
    fn select_and_math_are_expressions() {
        let q = metric_queries("SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId)")
            .unwrap();
        assert!(matches!(q[0].kind, MetricKind::Expression { .. }));
        let err = metric_queries("JustOneWord").unwrap_err();
        assert!(err.contains("NAMESPACE METRIC"), "{err}");
    }
}
