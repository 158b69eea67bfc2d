//! Running magic cells (see [`crate::magics`]) natively: the kernel calls the engine it
//! hosts, shows the result with the library's own rendering, and binds `NAME =` results
//! for later Rust cells. No compile, no evaluation process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use jupyter_protocol::{
    DisplayData, JupyterMessage, Media, MediaType, Transient, UpdateDisplayData,
};
use playbook::engine::backend::ProgressSink;

use playbook::bindings::BoundType;
use playbook::display::{MimeBundle, Render};
use playbook::engine::Session;
use playbook::engine::error::EngineError;
use playbook::query::{
    MetricQuery, RangeSpec, filter_log_events, logs_insights, metric, metric_expression,
};
use serde_json::Value;

use crate::magics::{LineMagic, Magic, WindowArgs};

/// A running query's progress, shown in the cell's output and updated in place.
#[derive(Clone)]
pub struct Progress {
    iopub: crate::iopub::IoPub,
    parent: JupyterMessage,
    display_id: String,
    /// Whether a line is shown yet, and when the query started.
    state: Arc<Mutex<(bool, Instant)>>,
}

impl Progress {
    /// Progress for the cell `parent` is running.
    pub fn new(iopub: crate::iopub::IoPub, parent: JupyterMessage) -> Progress {
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
    pub fn sink(&self) -> ProgressSink {
        let progress = self.clone();
        Arc::new(move |text: &str| progress.show(text))
    }

    /// The query is over: a progress line shown earlier says how it ended.
    pub fn finish(&self, ok: bool) {
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

/// What a magic cell gives: a MIME bundle, or an error name and message.
pub type MagicResult = Result<MimeBundle, (String, String)>;

/// Runs a magic cell on the calling (blocking) thread.
pub fn run(session: &Session, magic: Magic) -> MagicResult {
    let failed = |e: EngineError| {
        let name = match e.kind() {
            "query_syntax" => "QuerySyntaxError",
            "no_source" => "NoSource",
            "not_found" => "NotFound",
            "cancelled" => "QueryCancelled",
            "timeout" => "QueryTimeout",
            "throttled" => "Throttled",
            "credentials" => "CredentialsError",
            _ => "QueryError",
        };
        (name.to_owned(), e.to_string())
    };
    match magic {
        Magic::Logs { bind, args, query } => {
            let mut q = logs_insights(&query);
            q.groups = args.groups;
            q.group_prefix = args.group_prefix;
            q.limit = args.limit;
            (q.window, q.source) = window_and_source(&args.window);
            let table = session.run_logs_insights(&q).map_err(failed)?;
            Ok(bound(
                session,
                bind,
                BoundType::LogTable,
                &table,
                table.bundle(),
            ))
        }
        Magic::Events { bind, args } => {
            let mut q = filter_log_events(&args.group);
            q.pattern = args.pattern;
            q.limit = args.limit;
            (q.window, q.source) = window_and_source(&args.window);
            let table = session.run_filter(&q).map_err(failed)?;
            Ok(bound(
                session,
                bind,
                BoundType::LogTable,
                &table,
                table.bundle(),
            ))
        }
        Magic::Alarms { bind, args } => {
            let mut q = playbook::alarms::alarms();
            q.state = args.state.map(|s| s.to_ascii_uppercase());
            q.prefix = args.prefix;
            (q.window, q.source) = window_and_source(&args.window);
            let report = session.run_alarms(&q).map_err(failed)?;
            Ok(bound(
                session,
                bind,
                BoundType::AlarmReport,
                &report,
                report.bundle(),
            ))
        }
        Magic::Metrics { bind, args, body } => {
            let (window, source) = window_and_source(&args.window);
            let mut queries =
                metric_queries(&body).map_err(|m| ("MagicSyntaxError".to_owned(), m))?;
            for q in &mut queries {
                q.window = window.clone();
                q.source = source.clone();
                q.period = args.period;
            }
            let set = session.run_metrics(&queries).map_err(failed)?;
            Ok(bound(
                session,
                bind,
                BoundType::SeriesSet,
                &set,
                set.bundle(),
            ))
        }
        Magic::Lines(lines) => {
            let mut text = Vec::new();
            for line in lines {
                match line {
                    LineMagic::Source(spec) => {
                        session.set_source(&spec, "%source").map_err(failed)?;
                        text.push(format!("source: {spec}"));
                    }
                    LineMagic::Window(spec) => {
                        let window = spec.map(RangeSpec::Text);
                        match session.set_window(window.as_ref()).map_err(failed)? {
                            Some(range) => text.push(format!("window: {range}")),
                            None => text.push("window: cleared".to_owned()),
                        }
                    }
                    LineMagic::Params => text.push(session.context().to_string()),
                    LineMagic::Queries => {
                        let records = session.queries();
                        if records.is_empty() {
                            text.push("no queries yet".to_owned());
                        }
                        for r in records {
                            let window = r.window.map(|w| w.to_string()).unwrap_or_default();
                            text.push(format!(
                                "{} {} [{}] {} · {} · {} results · {} ms",
                                r.kind,
                                r.source,
                                r.status,
                                r.query.replace('\n', " "),
                                window,
                                r.results,
                                r.duration_ms
                            ));
                        }
                    }
                }
            }
            Ok(MimeBundle::text(text.join("\n")))
        }
    }
}

fn window_and_source(args: &WindowArgs) -> (Option<RangeSpec>, Option<String>) {
    (args.window().map(RangeSpec::Text), args.source.clone())
}

/// Binds `value` to `name` (when given) and says so under the result.
fn bound<T: serde::Serialize>(
    session: &Session,
    name: Option<String>,
    bound: BoundType,
    value: &T,
    bundle: MimeBundle,
) -> MimeBundle {
    let Some(name) = name else { return bundle };
    session.bind(
        &name,
        bound,
        serde_json::to_value(value).unwrap_or(Value::Null),
    );
    let note = format!(
        "bound to `{name}` ({}): use it in a Rust cell",
        bound.name()
    );
    let mut bundle = bundle;
    for (mime, suffix) in [
        ("text/plain", format!("\n{note}")),
        ("text/html", format!("<p><small>{note}</small></p>")),
    ] {
        if let Some(Value::String(text)) = bundle.data.get_mut(mime) {
            text.push_str(&suffix);
        }
    }
    bundle
}

/// The queries of a `%%metrics` body: one `SELECT`/expression, or one compact spec per
/// line (`NAMESPACE METRIC [DIM=VALUE…] [STAT]`).
pub fn metric_queries(body: &str) -> Result<Vec<MetricQuery>, String> {
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
        let (plain, dims): (Vec<&String>, Vec<&String>) =
            words.iter().partition(|w| !w.contains('='));
        let (namespace, name, stat) = match plain.as_slice() {
            [ns, m] => (ns, m, "Average"),
            [ns, m, stat] => (ns, m, stat.as_str()),
            _ => {
                return Err(format!(
                    "`{line}`: write NAMESPACE METRIC [DIM=VALUE…] [STAT], e.g. `AWS/ApplicationELB TargetResponseTime LoadBalancer=app/x p99`"
                ));
            }
        };
        let mut q = metric(namespace, name).stat(stat);
        for dim in dims {
            let (k, v) = dim.split_once('=').unwrap_or((dim, ""));
            q = q.dim(k, v);
        }
        queries.push(q);
    }
    if queries.is_empty() {
        return Err("no metric given".to_owned());
    }
    Ok(queries)
}

/// A bundle as the string map the executor publishes.
pub fn to_data(bundle: &MimeBundle) -> HashMap<String, String> {
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
