//! The history of this session's executed cells (`history_request`: tail, range, search).

use jupyter_protocol::{HistoryEntry, HistoryRequest};

/// This kernel's session number in history replies.
pub(crate) const SESSION: usize = 1;

#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    input: String,
    output: String,
}

/// Executed cells stored with `store_history`, in order.
#[derive(Debug, Default)]
pub(crate) struct History {
    entries: Vec<Entry>,
}

impl History {
    /// Records cell `line` and its `text/plain` result (empty when none).
    pub(crate) fn record(&mut self, line: usize, input: &str, output: &str) {
        self.entries.push(Entry {
            line,
            input: input.to_owned(),
            output: output.to_owned(),
        });
    }

    /// Answers a history request.
    pub(crate) fn query(&self, request: &HistoryRequest) -> Vec<HistoryEntry> {
        match request {
            HistoryRequest::Tail { n, output, .. } => {
                let n = usize::try_from(*n).unwrap_or(0);
                let skip = self.entries.len().saturating_sub(n);
                render(self.entries.iter().skip(skip), *output)
            }
            HistoryRequest::Range {
                session,
                start,
                stop,
                output,
                ..
            } => {
                let ours = session.is_none_or(|s| s <= 0 || s as usize == SESSION);
                if !ours {
                    return Vec::new();
                }
                let start = usize::try_from(*start).unwrap_or(0);
                let stop = usize::try_from(*stop).unwrap_or(0);
                render(
                    self.entries
                        .iter()
                        .filter(|e| e.line >= start && (stop == 0 || e.line < stop)),
                    *output,
                )
            }
            HistoryRequest::Search {
                pattern,
                unique,
                output,
                n,
                ..
            } => {
                let mut matched: Vec<&Entry> = self
                    .entries
                    .iter()
                    .filter(|e| glob_match(pattern, &e.input))
                    .collect();
                if *unique {
                    let mut seen = std::collections::HashSet::new();
                    let mut kept: Vec<&Entry> = matched
                        .into_iter()
                        .rev()
                        .filter(|e| seen.insert(e.input.as_str()))
                        .collect();
                    kept.reverse();
                    matched = kept;
                }
                if let Ok(n) = usize::try_from(*n)
                    && n > 0
                {
                    let skip = matched.len().saturating_sub(n);
                    matched.drain(..skip);
                }
                render(matched.into_iter(), *output)
            }
        }
    }
}

/// Reads a history request the way clients really send it: jupyter_client omits `n`
/// and `unique` for searches and `session` for ranges, which the typed message requires.
pub(crate) fn lenient_request(content: &serde_json::Value) -> Option<HistoryRequest> {
    let int = |key: &str, default: i64| {
        content
            .get(key)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(default)
    };
    let flag = |key: &str| {
        content
            .get(key)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    let n = i32::try_from(int("n", 0)).ok()?;
    match content.get("hist_access_type")?.as_str()? {
        "tail" => Some(HistoryRequest::Tail {
            n,
            output: flag("output"),
            raw: flag("raw"),
        }),
        "range" => Some(HistoryRequest::Range {
            session: content
                .get("session")
                .and_then(serde_json::Value::as_i64)
                .and_then(|s| i32::try_from(s).ok()),
            start: i32::try_from(int("start", 0)).ok()?,
            stop: i32::try_from(int("stop", 0)).ok()?,
            output: flag("output"),
            raw: flag("raw"),
        }),
        "search" => Some(HistoryRequest::Search {
            pattern: content.get("pattern")?.as_str()?.to_owned(),
            unique: flag("unique"),
            output: flag("output"),
            raw: flag("raw"),
            n,
        }),
        _ => None,
    }
}

fn render<'a>(entries: impl Iterator<Item = &'a Entry>, output: bool) -> Vec<HistoryEntry> {
    entries
        .map(|e| {
            if output {
                HistoryEntry::InputOutput(SESSION, e.line, (e.input.clone(), e.output.clone()))
            } else {
                HistoryEntry::Input(SESSION, e.line, e.input.clone())
            }
        })
        .collect()
}

/// Glob matching as IPython's history search does it: `*` any run, `?` one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        let mut h = History::default();
        for (line, code) in [
            (1, "let a = 1;"),
            (2, "a + 1"),
            (3, "let a = 1;"),
            (4, "a * 2"),
        ] {
            h.record(line, code, "");
        }
        h
    }

    #[test]
    fn tail_returns_the_last_n_in_order() {
        let got = history().query(&HistoryRequest::Tail {
            n: 2,
            output: false,
            raw: true,
        });
        let inputs: Vec<String> = got
            .into_iter()
            .map(|e| match e {
                HistoryEntry::Input(_, _, s) => s,
                HistoryEntry::InputOutput(..) => unreachable!(),
            })
            .collect();
        assert_eq!(inputs, ["let a = 1;", "a * 2"]);
    }

    #[test]
    fn range_is_half_open() {
        let got = history().query(&HistoryRequest::Range {
            session: Some(1),
            start: 2,
            stop: 4,
            output: false,
            raw: true,
        });
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn search_unique_and_n() {
        let search = |unique, n| {
            history()
                .query(&HistoryRequest::Search {
                    pattern: "let a*".into(),
                    unique,
                    output: false,
                    raw: true,
                    n,
                })
                .len()
        };
        assert_eq!(search(false, 0), 2);
        assert_eq!(search(true, 0), 1);
        assert_eq!(search(false, 1), 1);
    }

    #[test]
    fn search_without_n_or_unique_is_read() {
        let request = lenient_request(&serde_json::json!({
            "hist_access_type": "search", "pattern": "a*", "raw": true, "output": false
        }));
        assert!(matches!(
            request,
            Some(HistoryRequest::Search {
                n: 0,
                unique: false,
                ..
            })
        ));
        assert!(lenient_request(&serde_json::json!({"hist_access_type": "bogus"})).is_none());
    }

    #[test]
    fn glob() {
        assert!(glob_match("a*", "a + 1"));
        assert!(glob_match("*+ 1", "a + 1"));
        assert!(glob_match("a ? 1", "a + 1"));
        assert!(!glob_match("b*", "a + 1"));
        // A `*` in the text must not be taken for the pattern's wildcard.
        assert!(glob_match("6 *", "6 * 7"));
    }
}
