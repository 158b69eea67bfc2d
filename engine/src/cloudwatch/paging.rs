//! The one paging loop of the CloudWatch source: a [`Pager`] hands out next-page tokens
//! until the last page, an interrupt, or the page bound (every loop over a service has
//! one), and says afterwards whether it saw the last page, so no result is silently
//! partial.
//!
//! ```text
//! let mut pager = Pager::new(shared, "DescribeLogGroups", MAX_PAGES);
//! while let Some(token) = pager.next_page()? {
//!     let response = client.describe_log_groups().set_next_token(token).send().await?;
//!     …
//!     pager.then(Next::after(response.next_token()));
//! }
//! let paged = pager.finish();
//! ```

use std::sync::atomic::Ordering;

use super::Shared;
use crate::error::EngineError;

/// What comes after a page.
pub(super) enum Next {
    /// Another page, asked for with this token.
    Page(String),
    /// That was the last page (or the caller has what it needs).
    Done,
}

impl Next {
    /// `Page` when the service returned a token, else `Done`.
    pub(super) fn after(token: Option<&str>) -> Next {
        token.map_or(Next::Done, |t| Next::Page(t.to_owned()))
    }
}

/// How a paging loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paged {
    /// Pages fetched (one API call each).
    pub(super) calls: u32,
    /// Whether the last page was reached (false: the bound stopped it).
    pub(super) complete: bool,
}

/// Hands out the tokens of the pages to fetch.
pub(super) struct Pager<'a> {
    shared: &'a Shared,
    api: &'a str,
    max_pages: u32,
    calls: u32,
    token: Option<String>,
    done: bool,
}

impl<'a> Pager<'a> {
    /// A pager for `api` that fetches at most `max_pages` pages.
    pub(super) fn new(shared: &'a Shared, api: &'a str, max_pages: u32) -> Pager<'a> {
        Pager {
            shared,
            api,
            max_pages,
            calls: 0,
            token: None,
            done: false,
        }
    }

    /// The token to fetch the next page with (`None` inside for the first page), or
    /// `Ok(None)` when paging is over: the last page was reached or the bound was. An
    /// interrupt is `Cancelled`.
    pub(super) fn next_page(&mut self) -> Result<Option<Option<String>>, EngineError> {
        if self.done || self.calls == self.max_pages {
            return Ok(None);
        }
        if self.shared.cancelled.load(Ordering::SeqCst) {
            return Err(EngineError::Cancelled(self.api.to_owned()));
        }
        self.calls += 1;
        Ok(Some(self.token.take()))
    }

    /// What the page just fetched says comes next.
    pub(super) fn then(&mut self, next: Next) {
        match next {
            Next::Page(token) => self.token = Some(token),
            Next::Done => self.done = true,
        }
    }

    /// How paging ended.
    pub(super) fn finish(self) -> Paged {
        Paged {
            calls: self.calls,
            complete: self.done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_followed_to_the_last_and_bounded() {
        let shared = Shared::for_tests();
        let mut pager = Pager::new(&shared, "Test", 10);
        let mut seen = Vec::new();
        while let Some(token) = pager.next_page().unwrap() {
            seen.push(token.clone());
            pager.then(match token.as_deref() {
                None => Next::Page("a".into()),
                Some("a") => Next::Page("b".into()),
                _ => Next::Done,
            });
        }
        assert_eq!(
            pager.finish(),
            Paged {
                calls: 3,
                complete: true
            }
        );
        assert_eq!(seen, [None, Some("a".to_owned()), Some("b".to_owned())]);
        let mut endless = Pager::new(&shared, "Test", 4);
        while endless.next_page().unwrap().is_some() {
            endless.then(Next::Page("again".into()));
        }
        assert_eq!(
            endless.finish(),
            Paged {
                calls: 4,
                complete: false
            }
        );
    }

    #[test]
    fn an_interrupt_stops_the_loop() {
        let shared = Shared::for_tests();
        shared.cancelled.store(true, Ordering::SeqCst);
        let mut pager = Pager::new(&shared, "Test", 4);
        assert!(matches!(pager.next_page(), Err(EngineError::Cancelled(_))));
    }
}
