//! Where the review reads: files, directories (walked, sorted, symbolic links to
//! directories not followed) and `s3://BUCKET/PREFIX` (listed a page at a time through the
//! engine's S3 calls, each object fetched as its turn comes). Each file is handed on alone
//! and dropped before the next is read, so memory holds one record at a time. Only
//! `.ipynb` and `.json` files are read from a directory or a prefix (reports, charts and
//! logs live beside records); a file named on the command line is read whatever its name.
//!
//! Bounded: at most `--max-records` files in all, [`MAX_PAGES`] pages of a listing,
//! [`MAX_DEPTH`] directory levels.

use std::path::{Path, PathBuf};

use playbook_engine::delivery::{ObjectReader, S3Prefix};
use playbook_engine::error::EngineError;
use playbook_engine::limits::{MAX_NOTEBOOK_BYTES, read_text};

use super::ReviewError;

/// Pages of a listing read at most (a million keys).
pub(super) const MAX_PAGES: usize = 1000;
/// Directory levels walked at most.
pub(super) const MAX_DEPTH: usize = 32;

/// One place to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Input {
    Path(PathBuf),
    S3(S3Prefix),
}

impl Input {
    /// `text` as a place: an S3 prefix, or a file or directory that exists.
    pub(super) fn parse(text: &str) -> Result<Input, ReviewError> {
        if let Some(prefix) = S3Prefix::parse(text) {
            return prefix
                .map(Input::S3)
                .map_err(|e| ReviewError::BadInput(e.to_string()));
        }
        let path = PathBuf::from(text);
        if !path.exists() {
            return Err(ReviewError::BadInput(format!(
                "{text}: no such file or directory"
            )));
        }
        Ok(Input::Path(path))
    }
}

/// One file's name and content, or why it could not be read.
pub(super) struct Item {
    pub(super) name: String,
    pub(super) bytes: Result<Vec<u8>, String>,
}

/// What a walk passed over.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Walked {
    /// Files neither `.ipynb` nor `.json` in directories and prefixes.
    pub(super) ignored: usize,
    /// Whether `--max-records` stopped the walk.
    pub(super) capped: bool,
    /// Whether a listing had more pages than [`MAX_PAGES`].
    pub(super) pages_capped: bool,
}

/// Hands each file of `inputs` to `sink`, at most `limit` in all.
pub(super) struct Walker<'a> {
    pub(super) limit: usize,
    pub(super) read: usize,
    pub(super) walked: Walked,
    pub(super) sink: &'a mut dyn FnMut(Item),
}

fn wanted(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".ipynb") || lower.ends_with(".json")
}

impl Walker<'_> {
    fn full(&mut self) -> bool {
        if self.read >= self.limit {
            self.walked.capped = true;
        }
        self.walked.capped
    }

    fn give(&mut self, item: Item) {
        self.read += 1;
        (self.sink)(item);
    }

    /// A file or a directory.
    pub(super) fn path(&mut self, path: &Path, named: bool, depth: usize) {
        if self.full() {
            return;
        }
        let shown = path.display().to_string();
        let is_dir = if named {
            path.is_dir()
        } else {
            std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
        };
        if !is_dir {
            if !named && !wanted(&shown) {
                self.walked.ignored += 1;
                return;
            }
            let bytes = read_text(path, MAX_NOTEBOOK_BYTES, "records and summaries")
                .map(String::into_bytes)
                .map_err(|e| e.to_string());
            self.give(Item { name: shown, bytes });
            return;
        }
        if depth >= MAX_DEPTH {
            (self.sink)(Item {
                name: shown,
                bytes: Err(format!(
                    "deeper than {MAX_DEPTH} directory levels: not walked"
                )),
            });
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                (self.sink)(Item {
                    name: shown,
                    bytes: Err(format!("cannot list the directory: {e}")),
                });
                return;
            }
        };
        entries.sort();
        for entry in entries {
            self.path(&entry, false, depth + 1);
        }
    }

    /// Every wanted object under `at`: a page listed, its objects fetched, the next page.
    pub(super) async fn s3(
        &mut self,
        reader: &ObjectReader,
        at: &S3Prefix,
    ) -> Result<(), EngineError> {
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            if self.full() {
                return Ok(());
            }
            let page = reader.list_page(at, token.as_deref()).await?;
            for (key, size) in page.objects {
                if !wanted(&key) {
                    self.walked.ignored += 1;
                    continue;
                }
                if self.full() {
                    return Ok(());
                }
                let uri = at.object(&key);
                let bytes = if size > MAX_NOTEBOOK_BYTES {
                    Err(format!(
                        "larger than {} (records are at most that)",
                        playbook_engine::limits::size_text(MAX_NOTEBOOK_BYTES)
                    ))
                } else {
                    (reader.get(&uri).await)
                        .map(|b| b.to_vec())
                        .map_err(|e| e.to_string())
                };
                self.give(Item {
                    name: uri.to_string(),
                    bytes,
                });
            }
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(()),
            }
        }
        self.walked.pages_capped = true;
        Ok(())
    }
}
