//! Query cells and line magics: the cells the kernel answers itself, with no compile.
//!
//! - `%%logs [NAME =] --group G [--group G2…] [--group-prefix P] [--since 3h | --start T --end T] [--source SRC] [--limit N]`
//!   then a Logs Insights query;
//! - `%%metrics [NAME =] [--since …] [--period 60] [--source SRC]` then a Metrics Insights
//!   `SELECT …` or metric math, or one compact spec per line
//!   (`AWS/ApplicationELB TargetResponseTime LoadBalancer=app/x p99`);
//! - `%%events [NAME =] --group G [--pattern P] [--since …]`: FilterLogEvents;
//! - `%%alarms [NAME =] [--state ALARM] [--prefix P] [--since …]`: alarms and their state
//!   changes in the window;
//! - `%%contributors [NAME =] RULE [--top 10] [--order-by sum|maximum] [--period 60] [--since …]`:
//!   a Contributor Insights rule's top contributors;
//! - line magics `%source local:DIR|cloudwatch`, `%window 3h | START..END | --start T --end T | clear`,
//!   `%params`, `%queries`, `%lsmagic`, `%help [MAGIC]` (`catalogue.rs`: each magic's line).
//!
//! A cell magic's options and body may name parameters, `{service}` (`interpolate.rs`).

use clap::Parser;

use super::interpolate::{InterpolateError, Quoting, Scope};

use super::options::{AlarmsArgs, ContributorsArgs, EventsArgs, LogsArgs, MetricsArgs, WindowArgs};

/// A parsed magic cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Magic {
    Logs {
        bind: Option<String>,
        args: LogsArgs,
        query: String,
    },
    Metrics {
        bind: Option<String>,
        args: MetricsArgs,
        body: String,
    },
    Events {
        bind: Option<String>,
        args: EventsArgs,
    },
    Alarms {
        bind: Option<String>,
        args: AlarmsArgs,
    },
    Contributors {
        bind: Option<String>,
        args: ContributorsArgs,
    },
    /// One or more line magics, run in order.
    Lines(Vec<LineMagic>),
}

/// A line magic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LineMagic {
    Source(String),
    Window(Option<String>),
    Params,
    Queries,
    /// `%lsmagic`: the magics, one line each.
    List,
    /// `%help [MAGIC]`.
    Help(Option<String>),
}

/// A magic cell's options: the shared query options, with the cell magic's name.
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "%%logs", no_binary_name = true, disable_help_flag = true)]
struct LogsCell {
    #[command(flatten)]
    args: LogsArgs,
}

#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "%%metrics", no_binary_name = true, disable_help_flag = true)]
struct MetricsCell {
    #[command(flatten)]
    args: MetricsArgs,
}

#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "%%events", no_binary_name = true, disable_help_flag = true)]
struct EventsCell {
    #[command(flatten)]
    args: EventsArgs,
}

#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "%%alarms", no_binary_name = true, disable_help_flag = true)]
struct AlarmsCell {
    #[command(flatten)]
    args: AlarmsArgs,
}

#[derive(Debug, Clone, PartialEq, Parser)]
#[command(
    name = "%%contributors",
    no_binary_name = true,
    disable_help_flag = true
)]
struct ContributorsCell {
    #[command(flatten)]
    args: ContributorsArgs,
}

#[derive(Parser)]
#[command(name = "%window", no_binary_name = true, disable_help_flag = true)]
struct WindowLine {
    #[command(flatten)]
    window: WindowArgs,
}

/// Why a magic cell cannot run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum MagicError {
    /// It does not parse; the message says how to write it.
    #[error("{0}")]
    Syntax(String),
    /// A `{name}` in it cannot be filled in.
    #[error("{0}")]
    Parameter(#[from] InterpolateError),
}

impl MagicError {
    /// The error name the cell shows.
    pub(crate) fn ename(&self) -> &'static str {
        match self {
            MagicError::Syntax(_) => "MagicSyntaxError",
            MagicError::Parameter(_) => super::interpolate::ENAME,
        }
    }
}

impl From<String> for MagicError {
    fn from(message: String) -> MagicError {
        MagicError::Syntax(message)
    }
}

impl From<&str> for MagicError {
    fn from(message: &str) -> MagicError {
        MagicError::Syntax(message.to_owned())
    }
}

/// Recognises a magic cell: `None` for Rust code, `Some(Err)` for a magic that does not
/// parse or names what `scope` does not hold. `{name}`s in a cell magic's options and
/// body are filled in from `scope`.
pub(crate) fn parse(code: &str, scope: &Scope) -> Option<Result<Magic, MagicError>> {
    let trimmed = code.trim_start();
    if let Some(rest) = trimmed.strip_prefix("%%") {
        let (first, body) = rest.split_once('\n').unwrap_or((rest, ""));
        return Some(parse_cell_magic(first.trim(), body, scope));
    }
    let lines: Vec<&str> = code
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() || !lines.iter().all(|l| l.starts_with('%')) {
        return None;
    }
    Some(
        lines
            .iter()
            .map(|l| parse_line_magic(l))
            .collect::<Result<Vec<_>, _>>()
            .map(Magic::Lines)
            .map_err(MagicError::Syntax),
    )
}

fn parse_cell_magic(first: &str, body: &str, scope: &Scope) -> Result<Magic, MagicError> {
    let (name, rest) = first.split_once(char::is_whitespace).unwrap_or((first, ""));
    let (bind, rest) = split_binding(rest.trim());
    let words =
        shlex::split(rest).ok_or_else(|| format!("%%{name}: unbalanced quotes in `{rest}`"))?;
    // Each word is filled in after splitting: a value with spaces stays one word.
    let words = (words.iter())
        .map(|w| scope.expand(w, Quoting::Literal))
        .collect::<Result<Vec<_>, _>>()?;
    let body = body.trim().to_owned();
    let clap_error = |e: clap::Error| format!("{}", e.render()).trim().to_owned();
    match name {
        "logs" => {
            let args = LogsCell::try_parse_from(words).map_err(clap_error)?.args;
            if body.is_empty() {
                return Err(
                    "%%logs: write the Logs Insights query on the lines after `%%logs …`".into(),
                );
            }
            Ok(Magic::Logs {
                bind,
                args,
                query: scope.expand(&body, Quoting::LogsInsights)?,
            })
        }
        "metrics" => {
            let args = MetricsCell::try_parse_from(words).map_err(clap_error)?.args;
            if body.is_empty() {
                return Err("%%metrics: write a SELECT query or one metric per line (`NAMESPACE METRIC [DIM=VALUE…] [STAT]`) after `%%metrics …`".into());
            }
            let body = metrics_body(&body, scope)?;
            Ok(Magic::Metrics { bind, args, body })
        }
        "events" => {
            let args = EventsCell::try_parse_from(words).map_err(clap_error)?.args;
            Ok(Magic::Events { bind, args })
        }
        "alarms" => {
            let args = AlarmsCell::try_parse_from(words).map_err(clap_error)?.args;
            Ok(Magic::Alarms { bind, args })
        }
        "contributors" => {
            let args = ContributorsCell::try_parse_from(words)
                .map_err(clap_error)?
                .args;
            if !body.is_empty() {
                return Err("%%contributors takes everything on its first line: `%%contributors RULE --top 10 --since 1h`".into());
            }
            Ok(Magic::Contributors { bind, args })
        }
        other => Err(format!(
            "unknown cell magic `%%{other}`: this kernel has {} (`%lsmagic` lists every magic)",
            super::catalogue::names(&super::catalogue::CELL_MAGICS)
        )
        .into()),
    }
}

/// A `%%metrics` body with its `{name}`s filled in: a compact spec's words each as
/// written (a dimension value with spaces stays one word), a `SELECT` or an expression
/// with plain values only.
fn metrics_body(body: &str, scope: &Scope) -> Result<String, MagicError> {
    if body.to_ascii_uppercase().starts_with("SELECT") {
        return Ok(scope.expand(body, Quoting::Plain)?);
    }
    let mut lines = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || !trimmed.contains(['{', '}']) {
            lines.push(line.to_owned());
        } else if trimmed.contains('(') {
            lines.push(scope.expand(line, Quoting::Plain)?);
        } else {
            let words = shlex::split(trimmed)
                .ok_or_else(|| format!("%%metrics: unbalanced quotes in `{trimmed}`"))?;
            let words = (words.iter())
                .map(|w| scope.expand(w, Quoting::Literal))
                .collect::<Result<Vec<_>, _>>()?;
            let joined = shlex::try_join(words.iter().map(String::as_str))
                .map_err(|e| format!("%%metrics: `{trimmed}`: {e}"))?;
            lines.push(joined);
        }
    }
    Ok(lines.join("\n"))
}

fn split_binding(rest: &str) -> (Option<String>, &str) {
    let name_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_end];
    let after = rest[name_end..].trim_start();
    let starts_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    match after.strip_prefix('=') {
        Some(after) if starts_ok && !after.starts_with('=') => {
            (Some(name.to_owned()), after.trim_start())
        }
        _ => (None, rest),
    }
}

fn parse_line_magic(line: &str) -> Result<LineMagic, String> {
    let line = line.trim_start_matches('%');
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    match name {
        "source" if !rest.is_empty() => Ok(LineMagic::Source(rest.to_owned())),
        "source" => {
            Err("%source needs a source: `%source local:DIR` or `%source cloudwatch`".into())
        }
        "window" => {
            if rest.is_empty() {
                return Err("%window needs a window: `%window 3h`, `%window START..END`, `%window --start T --end T` or `%window clear`".into());
            }
            if rest == "clear" {
                return Ok(LineMagic::Window(None));
            }
            if rest.starts_with("--") {
                let words = shlex::split(rest).ok_or("%window: unbalanced quotes")?;
                let w = WindowLine::try_parse_from(words).map_err(|e| e.render().to_string())?;
                return w
                    .window
                    .window()
                    .map(|t| LineMagic::Window(Some(t)))
                    .ok_or_else(|| "%window: give --since, or --start and --end".to_owned());
            }
            Ok(LineMagic::Window(Some(rest.to_owned())))
        }
        "params" => Ok(LineMagic::Params),
        "queries" => Ok(LineMagic::Queries),
        "lsmagic" => Ok(LineMagic::List),
        "help" => Ok(LineMagic::Help((!rest.is_empty()).then(|| rest.to_owned()))),
        other => Err(format!(
            "unknown line magic `%{other}`: this kernel has {} (`%lsmagic` lists every magic)",
            super::catalogue::names(&super::catalogue::LINE_MAGICS)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell parsed with no parameters in scope.
    fn parse(code: &str) -> Option<Result<Magic, String>> {
        super::parse(code, &Scope::default()).map(|r| r.map_err(|e| e.to_string()))
    }

    #[test]
    fn every_magic_listed_is_one_the_kernel_parses() {
        use crate::queries::catalogue::{CELL_MAGICS, LINE_MAGICS};
        let scope = Scope::default();
        for entry in &CELL_MAGICS {
            // Parsed as this magic: its errors (missing options) name it, never "unknown".
            let outcome = super::parse(&format!("{}\nfields x", entry.name), &scope);
            let known = match outcome {
                Some(Ok(magic)) => !matches!(magic, Magic::Lines(_)),
                Some(Err(e)) => !e.to_string().contains("unknown cell magic"),
                None => false,
            };
            assert!(known, "{} does not parse as a cell magic", entry.name);
        }
        for entry in &LINE_MAGICS {
            let outcome = super::parse(&format!("{} x", entry.name), &scope);
            let known = match outcome {
                Some(Ok(Magic::Lines(_))) => true,
                Some(Err(e)) => !e.to_string().contains("unknown line magic"),
                _ => false,
            };
            assert!(known, "{} does not parse as a line magic", entry.name);
        }
    }

    #[test]
    fn parameters_fill_options_and_query_text_once() {
        let scope = Scope::new(
            [
                ("service".to_owned(), serde_json::json!("orders api")),
                ("dim".to_owned(), serde_json::json!("a b")),
            ]
            .into(),
        );
        let cell = "%%logs --group '/app/{service}' --group /x/{{y}}\nfilter svc = {service}";
        let Some(Ok(Magic::Logs { args, query, .. })) = super::parse(cell, &scope) else {
            panic!("not parsed")
        };
        assert_eq!(args.groups, ["/app/orders api", "/x/{y}"]);
        assert_eq!(query, "filter svc = \"orders api\"");
        let cell = "%%metrics\nOrders Latency Service={dim} p99";
        let Some(Ok(Magic::Metrics { body, .. })) = super::parse(cell, &scope) else {
            panic!("not parsed")
        };
        let words = shlex::split(&body).unwrap();
        assert_eq!(words, ["Orders", "Latency", "Service=a b", "p99"]);
        let err = super::parse("%%logs --group /app/{svc}\nfields x", &scope)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.ename(), crate::queries::interpolate::ENAME);
        assert!(err.to_string().contains("dim, service"), "{err}");
    }

    #[test]
    fn logs_cells_parse_with_a_binding() {
        let cell = "%%logs errors = --group /ecs/checkout -g /ecs/payments --since 3h\nfilter level = \"ERROR\"\n| stats count(*) by route";
        let Some(Ok(Magic::Logs { bind, args, query })) = parse(cell) else {
            panic!("not a logs cell: {:?}", parse(cell))
        };
        assert_eq!(bind.as_deref(), Some("errors"));
        assert_eq!(args.groups, ["/ecs/checkout", "/ecs/payments"]);
        assert_eq!(args.window.window().as_deref(), Some("3h"));
        assert!(query.starts_with("filter level") && query.ends_with("by route"));
    }

    #[test]
    fn bindings_are_optional_and_not_confused_with_flags() {
        let Some(Ok(Magic::Logs { bind, args, .. })) = parse(
            "%%logs --group=/g --start 2026-11-12T14:00:00Z --end 2026-11-12T15:00:00Z\nfields @message",
        ) else {
            panic!("not parsed")
        };
        assert_eq!(bind, None);
        assert_eq!(args.groups, ["/g"]);
        assert_eq!(
            args.window.window().as_deref(),
            Some("2026-11-12T14:00:00Z..2026-11-12T15:00:00Z")
        );
        let Some(Ok(Magic::Metrics { bind, args, body })) =
            parse("%%metrics p99=--period 60\nAWS/ApplicationELB TargetResponseTime p99")
        else {
            panic!("not parsed")
        };
        assert_eq!(bind.as_deref(), Some("p99"));
        assert_eq!(args.period, Some(60));
        assert_eq!(body, "AWS/ApplicationELB TargetResponseTime p99");
    }

    #[test]
    fn magic_errors_say_how_to_write_it() {
        let err = parse("%%logs --since 3h\nfields @message")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("--group"), "{err}");
        let err = parse("%%logs --group g --since 3h").unwrap().unwrap_err();
        assert!(err.contains("write the Logs Insights query"), "{err}");
        let err = parse("%%logz\nx").unwrap().unwrap_err();
        assert!(err.contains("unknown cell magic `%%logz`"), "{err}");
        let err = parse("%%logs --group 'g\nx").unwrap().unwrap_err();
        assert!(err.contains("unbalanced quotes"), "{err}");
        let err = parse("%frobnicate").unwrap().unwrap_err();
        assert!(err.contains("unknown line magic"), "{err}");
    }

    #[test]
    fn alarms_cells_take_state_and_window() {
        let Some(Ok(Magic::Alarms { bind, args })) =
            parse("%%alarms timeline = --state ALARM --since 6h")
        else {
            panic!("not an alarms cell")
        };
        assert_eq!(bind.as_deref(), Some("timeline"));
        assert_eq!(args.state.as_deref(), Some("ALARM"));
        assert_eq!(args.window.window().as_deref(), Some("6h"));
    }

    #[test]
    fn contributors_cells_name_the_rule_on_their_first_line() {
        let Some(Ok(Magic::Contributors { bind, args })) =
            parse("%%contributors top = checkout-5xx --top 5 --order-by maximum --since 1h")
        else {
            panic!("not a contributors cell")
        };
        assert_eq!(bind.as_deref(), Some("top"));
        let query = args.query();
        assert_eq!((query.rule.as_str(), query.top), ("checkout-5xx", 5));
        assert_eq!(
            query.order_by,
            playbook::contributors::ContributorOrder::Maximum
        );
        let err = parse("%%contributors r\nmore").unwrap().unwrap_err();
        assert!(err.contains("first line"), "{err}");
        let err = parse("%%contributors --top 5").unwrap().unwrap_err();
        assert!(err.contains("<RULE>"), "{err}");
    }

    #[test]
    fn line_magics_and_rust_code() {
        assert_eq!(
            parse("%source local:notebooks/data/checkout\n%window 3h")
                .unwrap()
                .unwrap(),
            Magic::Lines(vec![
                LineMagic::Source("local:notebooks/data/checkout".into()),
                LineMagic::Window(Some("3h".into())),
            ])
        );
        assert_eq!(
            parse("%window --start 2026-11-12T14:00:00Z --end 2026-11-12T15:00:00Z")
                .unwrap()
                .unwrap(),
            Magic::Lines(vec![LineMagic::Window(Some(
                "2026-11-12T14:00:00Z..2026-11-12T15:00:00Z".into()
            ))])
        );
        assert_eq!(
            parse("%window clear").unwrap().unwrap(),
            Magic::Lines(vec![LineMagic::Window(None)])
        );
        assert!(parse("let x = 1 % 2;").is_none());
        assert!(parse("  \n").is_none());
    }
}

#[cfg(test)]
mod fuzz {
    //! Magic cells with structured, length-scaled bodies and options, up to a 1 MB cell:
    //! every one parses or is refused with a message, none panics.
    use super::{Magic, MagicError, Scope};
    use playbook_testkit::{Fuzz, lengths};

    fn parse(code: &str) -> Option<Result<Magic, MagicError>> {
        let scope = Scope::new([("service".to_owned(), serde_json::json!("a\" | x"))].into());
        super::parse(code, &scope)
    }

    const TOKENS: &[&str] = &[
        "%%logs",
        "%%metrics",
        "%%events",
        "%%alarms",
        "%source",
        "%window",
        "%params",
        "%queries",
        "%lsmagic",
        "%help",
        "%%",
        "%",
        "--group",
        "-g",
        "--group-prefix",
        "--since",
        "--start",
        "--end",
        "--source",
        "--limit",
        "--pattern",
        "--period",
        "--state",
        "--prefix",
        "errors =",
        "=",
        "3h",
        "local:x",
        "cloudwatch",
        "clear",
        "..",
        "\n",
        "'",
        "\"",
        "fields @message",
        "SELECT",
        "AWS/EC2 CPUUtilization",
        "p99",
        "{service}",
        "{nope}",
        "{{",
        "}}",
        "`",
        "/",
        "#",
    ];

    #[test]
    fn random_magic_cells_of_every_size_parse_or_are_refused() {
        for seed in 0..40u64 {
            let mut fuzz = Fuzz::new(seed);
            for len in lengths(1 << 20) {
                let cell = fuzz.tokens(TOKENS, len);
                let outcome = std::panic::catch_unwind(|| parse(&cell));
                assert!(outcome.is_ok(), "seed {seed}, len {len}: {cell:.200}");
            }
        }
        for len in lengths(1 << 20) {
            let _ = parse(&format!(
                "%%logs {}\nfields x",
                Fuzz::chain("--group g", " ", len)
            ));
            let _ = parse(&format!(
                "%%metrics\n{}",
                Fuzz::chain("AWS/EC2 CPU InstanceId=i-1 p99", "\n", len)
            ));
            let _ = parse(&Fuzz::chain("%window 3h", "\n", len));
            let _ = parse(&format!("%%logs --group '{}\nx", "a".repeat(len)));
        }
    }
}
