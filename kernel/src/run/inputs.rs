//! What a run starts from: the output path, the parameters (given, with `--source`, and
//! in effect), who runs it and where.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::RunOptions;
use crate::record::notebook::Notebook;
use crate::run::parameters;

/// Where the executed notebook goes by default: `NAME.executed.ipynb` next to the input.
pub(crate) fn default_output(notebook: &Path) -> PathBuf {
    let stem = notebook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    notebook.with_file_name(format!("{stem}.executed.ipynb"))
}

/// A source named on the command line (`--source`, `PLAYBOOK_SOURCE`, a targets file):
/// `local:DIR` with a relative DIR that exists from the current directory is made
/// absolute, because cells run in the notebook's directory and the shell's user meant
/// theirs. Anything else is left as it is (a notebook's own `local:data/checkout` stays
/// relative to the notebook).
pub(crate) fn anchored_source(spec: &str) -> String {
    let Some(dir) = spec.strip_prefix("local:") else {
        return spec.to_owned();
    };
    let path = Path::new(dir);
    if path.is_relative()
        && path.is_dir()
        && let Ok(cwd) = std::env::current_dir()
    {
        return format!("local:{}", cwd.join(path).display());
    }
    spec.to_owned()
}

/// The given parameters, plus `source=…` from `--source` when the notebook declares a
/// `source` parameter and `-p source=…` is not given.
pub(super) fn given_with_source(
    notebook: &Notebook,
    options: &RunOptions,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut given = options.parameters.clone();
    if let Some(source) = &options.source {
        playbook::source::Source::from_spec(source)?;
        let declares_source = notebook
            .find_tagged("parameters")
            .map(|i| parameters::declarations(&notebook.source(i)))
            .is_some_and(|d| d.iter().any(|p| p.name == "source"));
        if declares_source && !given.iter().any(|(n, _)| n == "source") {
            given.push(("source".to_owned(), source.clone()));
        }
    }
    Ok(given)
}

/// Checks the given parameters against the `parameters` cell and injects them in a cell
/// tagged `injected-parameters` right after it (first, when there is none), replacing
/// the one an earlier run injected; returns every parameter in effect, defaults included.
pub(super) fn inject_parameters(
    notebook: &mut Notebook,
    given: &[(String, String)],
) -> anyhow::Result<Injected> {
    notebook.remove_tagged("injected-parameters");
    let cell = notebook.find_tagged("parameters");
    let declared = cell
        .map(|i| parameters::declarations(&notebook.source(i)))
        .unwrap_or_default();
    let resolved = parameters::resolve(&declared, given)?;
    let mut evaluated = None;
    if !resolved.is_empty() {
        let at = cell.map_or(0, |i| i + 1);
        notebook.insert_code(
            at,
            &parameters::injected_source(&resolved),
            &["injected-parameters"],
        );
        evaluated = Some((at, parameters::evaluated_source(&resolved)));
    }
    Ok(Injected {
        in_effect: parameters::in_effect(&declared, &resolved),
        evaluated,
    })
}

/// What injecting the parameters gave.
pub(super) struct Injected {
    /// Every parameter in effect, defaults included.
    pub(super) in_effect: BTreeMap<String, serde_json::Value>,
    /// The injected cell's index and the code the runner evaluates for it.
    pub(super) evaluated: Option<(usize, String)>,
}

/// Who ran the playbook: `USER` (or `LOGNAME`), else the account name of this process's
/// user id (cron and containers often leave both unset), else the id itself.
pub(super) fn current_user() -> String {
    for name in ["USER", "LOGNAME"] {
        if let Ok(user) = std::env::var(name)
            && !user.is_empty()
        {
            return user;
        }
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(str::to_owned))
        })
        .unwrap_or_default();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    account_of(&passwd, &uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// The account name of `uid` in an `/etc/passwd` text.
pub(super) fn account_of(passwd: &str, uid: &str) -> Option<String> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2] == uid).then(|| fields[0].to_owned())
    })
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_name_comes_from_passwd_when_user_is_unset() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nsre:x:1000:1000::/home/sre:/bin/sh\n";
        assert_eq!(account_of(passwd, "1000").as_deref(), Some("sre"));
        assert_eq!(account_of(passwd, "0").as_deref(), Some("root"));
        assert_eq!(account_of(passwd, "7"), None);
    }
}
