//! The magics this kernel answers itself, each with how it is written and one line on
//! what it does: what `%lsmagic` and `%help` show, and what an unknown magic's error
//! names. `magics.rs` parses them; a magic added there is added here (a test there checks
//! that every name listed parses).

/// One magic: its name as typed, how it is written, what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: &'static str,
    pub(crate) usage: &'static str,
    pub(crate) summary: &'static str,
}

/// Cell magics: the first line names the magic and its options, the lines after it hold
/// the query. `NAME =` binds the result for later Rust cells.
pub(crate) const CELL_MAGICS: [Entry; 5] = [
    Entry {
        name: "%%logs",
        usage: "%%logs [NAME =] --group G [--group-prefix P] [--since 3h | --start T --end T] [--limit N] [--language ql|ppl|sql]",
        summary: "a Logs Insights query (the lines below) over log groups",
    },
    Entry {
        name: "%%metrics",
        usage: "%%metrics [NAME =] [--since …] [--period 60]",
        summary: "metrics: one `NAMESPACE METRIC [DIM=VALUE…] [STAT]` per line, a SELECT or metric math",
    },
    Entry {
        name: "%%events",
        usage: "%%events [NAME =] --group G [--pattern P] [--since …] [--limit N]",
        summary: "raw log events matching a filter pattern (FilterLogEvents)",
    },
    Entry {
        name: "%%alarms",
        usage: "%%alarms [NAME =] [--state ALARM] [--prefix P] [--since …]",
        summary: "alarms, their state and their state changes in the window",
    },
    Entry {
        name: "%%contributors",
        usage: "%%contributors [NAME =] RULE [--top 10] [--order-by sum|maximum] [--period 60] [--since …]",
        summary: "a Contributor Insights rule's top contributors",
    },
];

/// Line magics: a cell of `%…` lines runs each in order.
pub(crate) const LINE_MAGICS: [Entry; 6] = [
    Entry {
        name: "%source",
        usage: "%source local:DIR | cloudwatch",
        summary: "the source later queries ask",
    },
    Entry {
        name: "%window",
        usage: "%window 3h | START..END | --start T --end T | clear",
        summary: "the window later queries cover unless they say otherwise",
    },
    Entry {
        name: "%params",
        usage: "%params",
        summary: "what is in effect: source, window, parameters",
    },
    Entry {
        name: "%queries",
        usage: "%queries",
        summary: "every query this session ran, with its window, results and time",
    },
    Entry {
        name: "%lsmagic",
        usage: "%lsmagic",
        summary: "this list",
    },
    Entry {
        name: "%help",
        usage: "%help [MAGIC]",
        summary: "how to write a magic (`%help %%logs`), or this list",
    },
];

/// `%%logs, %%metrics, …`: the names of `entries`, for an error message.
pub(crate) fn names(entries: &[Entry]) -> String {
    let names: Vec<&str> = entries.iter().map(|e| e.name).collect();
    names.join(", ")
}

/// What `%lsmagic` shows: each magic with its one line.
pub(crate) fn listing() -> String {
    let width = (CELL_MAGICS.iter().chain(&LINE_MAGICS))
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    let mut lines = vec![
        "Cell magics (the query on the lines below; `NAME =` binds the result for Rust cells):"
            .to_owned(),
    ];
    for entry in &CELL_MAGICS {
        lines.push(format!("  {:<width$}  {}", entry.name, entry.summary));
    }
    lines.push("Line magics:".to_owned());
    for entry in &LINE_MAGICS {
        lines.push(format!("  {:<width$}  {}", entry.name, entry.summary));
    }
    lines.push(
        "Query cells fill in `{name}` from the parameters (`{{` for a brace); any other cell is Rust. `%help MAGIC` shows how to write one."
            .to_owned(),
    );
    lines.join("\n")
}

/// What `%help` shows: the listing, or how to write `magic` (`logs`, `%%logs`, `%window`).
pub(crate) fn help(magic: Option<&str>) -> Result<String, String> {
    let Some(wanted) = magic.map(|m| m.trim_start_matches('%')) else {
        return Ok(listing());
    };
    (CELL_MAGICS.iter().chain(&LINE_MAGICS))
        .find(|e| e.name.trim_start_matches('%') == wanted)
        .map(|e| format!("{}\n  {}", e.usage, e.summary))
        .ok_or_else(|| {
            format!(
                "%help: no magic `{wanted}`: this kernel has {} and {}",
                names(&CELL_MAGICS),
                names(&LINE_MAGICS)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_names_every_magic_with_one_line() {
        let listing = listing();
        for entry in CELL_MAGICS.iter().chain(&LINE_MAGICS) {
            let line = (listing.lines())
                .find(|l| l.trim_start().starts_with(&format!("{} ", entry.name)))
                .unwrap_or_else(|| panic!("{} not listed:\n{listing}", entry.name));
            assert!(line.ends_with(entry.summary), "{line}");
        }
    }

    #[test]
    fn help_says_how_to_write_a_magic_and_names_the_others_when_unknown() {
        let logs = help(Some("%%logs")).unwrap();
        assert!(logs.starts_with("%%logs [NAME =] --group G"), "{logs}");
        assert_eq!(
            help(Some("window")).unwrap(),
            help(Some("%window")).unwrap()
        );
        assert_eq!(help(None).unwrap(), listing());
        let err = help(Some("logz")).unwrap_err();
        assert!(
            err.contains("%%contributors") && err.contains("%lsmagic"),
            "{err}"
        );
    }
}
