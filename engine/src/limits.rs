//! The bounds of every input the product reads whole: how large a file may be, how many
//! nodes and how deep a YAML document, how long one line of a data file. One place, so
//! the README's list of limits and the code cannot drift apart. Each is generous for real
//! use; past it, the input is refused with a message naming the file and the limit, never
//! read until memory runs out.
//!
//! Streams (log files, metric files) are not read whole: they are bounded per line.
//! JSON nesting is bounded by serde_json's recursion limit (127 levels), so a deep
//! document is a parse error, not a stack overflow. It holds unless a deserializer calls
//! `disable_recursion_limit`, which none of ours does (the `unbounded_depth` feature is in
//! the build through rust-analyzer's `cargo_metadata`, which only offers that method).

use std::io::Read;
use std::path::Path;

/// A notebook to run, a record to report or compare: 256 MiB. A record holds every
/// output of its run (charts as SVG, tables as HTML, the series as JSON): a long
/// investigation with many charts is tens of MB; nbformat tooling itself slows to a crawl
/// long before this.
pub const MAX_NOTEBOOK_BYTES: u64 = 256 << 20;

/// A configuration file — a fleet's targets, a parameters file (`-f`), a run summary read
/// back (`--from-summaries`), a local source's definitions (alarms, log group settings,
/// anomaly detectors, Contributor Insights rules): 16 MiB, thousands of times what a
/// fleet of a thousand targets needs.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Nodes (scalars, sequences, mappings) in a YAML document: 100,000, so a fleet of 5,000
/// targets with a dozen fields each fits. Aliases are refused outright (they are never
/// expanded), so a document's nodes are never more than its text.
pub const MAX_YAML_NODES: usize = 100_000;

/// Nesting of a YAML document: 32 levels (a targets file needs four).
pub const MAX_YAML_DEPTH: usize = 32;

/// One line of a local log or metric file: 16 MiB (CloudWatch's largest event is 1 MiB).
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Why an input was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is larger than {limit} ({what} are read whole and limited to that)")]
    TooLarge {
        path: String,
        what: &'static str,
        limit: String,
    },
    #[error("{path} is not UTF-8 text")]
    NotText { path: String },
}

/// Reads `path` whole as text, refusing it past `limit` bytes (`what` names the kind of
/// file in the message). Reads at most `limit + 1` bytes, whatever the file is: a FIFO,
/// `/dev/zero`, a file growing while it is read.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let shown = path.display().to_string();
    let io = |source| ReadError::Io {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let too_large = || ReadError::TooLarge {
        path: shown.clone(),
        what,
        limit: size_text(limit),
    };
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > limit)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText { path: shown })
}

/// `256 MiB`, `16 MiB`, `512 KiB`, `100 bytes`.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_its_limit_is_refused_naming_it_and_the_limit() {
        let dir = std::env::temp_dir().join(format!("limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.json");
        std::fs::write(&path, "x".repeat(2048)).unwrap();
        assert_eq!(read_text(&path, 2048, "tests").unwrap().len(), 2048);
        let error = read_text(&path, 1024, "tests").unwrap_err().to_string();
        assert!(
            error.contains("big.json is larger than 1 KiB (tests are read whole"),
            "{error}"
        );
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(
            read_text(&path, 1024, "tests")
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn dev_zero_is_refused_after_the_limit_not_read_forever() {
        let error = read_text(Path::new("/dev/zero"), 4096, "tests").unwrap_err();
        assert!(matches!(error, ReadError::TooLarge { .. }), "{error}");
        assert!(error.to_string().contains("/dev/zero is larger than 4 KiB"));
    }

    /// JSON inputs are parsed by serde_json, whose recursion limit holds: nesting at it is
    /// read, one level past it is an error, a million levels the same error (no stack
    /// overflow), and long flat documents are read whatever their length.
    #[test]
    fn json_nesting_is_bounded_at_serde_jsons_limit_and_flat_length_is_not() {
        use playbook_testkit::{Fuzz, lengths};
        use serde_json::Value;
        let nest = |depth: usize| Fuzz::nest("[", "1", "]", depth);
        assert!(serde_json::from_str::<Value>(&nest(127)).is_ok());
        for depth in [128, 1_000, 1_000_000] {
            let error = serde_json::from_str::<Value>(&nest(depth)).unwrap_err();
            assert!(
                error.to_string().contains("recursion limit exceeded"),
                "{depth}"
            );
        }
        let objects = Fuzz::nest("{\"a\":", "1", "}", 1_000_000);
        assert!(serde_json::from_str::<Value>(&objects).is_err());
        for len in lengths(1 << 22) {
            let flat = format!("[{}]", Fuzz::chain("{\"k\": [1, \"x\"]}", ",", len));
            assert!(serde_json::from_str::<Value>(&flat).is_ok(), "{len}");
        }
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(MAX_NOTEBOOK_BYTES), "256 MiB");
        assert_eq!(size_text(MAX_CONFIG_BYTES), "16 MiB");
        assert_eq!(size_text(4096), "4 KiB");
        assert_eq!(size_text(1000), "1000 bytes");
    }
}
