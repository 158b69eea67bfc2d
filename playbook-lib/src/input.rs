//! Asking the person at the notebook (a playbook step such as "proceed? [y/N]").
//!
//! The host turns the request into a Jupyter `input_request` on the stdin channel when
//! the client allows it, and answers [`Error::InputNotAllowed`] when it does not
//! (nbclient, papermill and `playbook run` never allow stdin).

use crate::client::host;
use crate::model::error::ErrorKind;
use crate::model::error::{Error, Result};
use crate::protocol::Request;

fn input(prompt: &str, password: bool) -> Result<String> {
    host::call(&Request::Input {
        prompt: prompt.to_owned(),
        password,
    })
    .map_err(|error| match error {
        Error::Host {
            kind: ErrorKind::InputNotAllowed,
            ..
        } => Error::InputNotAllowed {
            prompt: prompt.to_owned(),
        },
        other => other,
    })
}

/// Asks for a line of text.
pub fn ask(prompt: &str) -> Result<String> {
    input(prompt, false)
}

/// Asks for a secret; the client hides what is typed.
pub fn ask_password(prompt: &str) -> Result<String> {
    input(prompt, true)
}

/// Asks a yes/no question; only `y` or `yes` (any case) is a yes.
pub fn confirm(prompt: &str) -> Result<bool> {
    let answer = ask(prompt)?;
    Ok(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_y_or_yes_confirms() {
        for yes in ["y", "Y", " yes ", "YES"] {
            assert!(super::is_yes(yes), "{yes:?}");
        }
        for no in ["", "n", "no", "yep", "sure"] {
            assert!(!super::is_yes(no), "{no:?}");
        }
    }
}
