//! Which source a session's queries go to: opening backends once and sharing them,
//! choosing the source (`set_source`, `%source`, `--source`), the default window, and
//! stopping what the sources run on an interrupt.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::backend::Backend;
use crate::error::EngineError;
use crate::local::LocalSource;
use crate::{SOURCE_ENV, Session};
use playbook::model::query::RangeSpec;
use playbook::model::source::{AwsTarget, Source};
use playbook::model::time_range::TimeRange;
use playbook::protocol::ErrorKind;

/// Opens the backend for a source spec (a CloudWatch target already merged with the
/// session's defaults).
pub fn open_backend(source: &Source) -> Result<Arc<dyn Backend>, EngineError> {
    match source {
        Source::Local(dir) => Ok(Arc::new(LocalSource::open(dir)?)),
        Source::CloudWatch(target) => {
            Ok(Arc::new(crate::cloudwatch::CloudWatchSource::open(target)?))
        }
    }
}

/// The sources a session has open, and how choosing one last failed: the session's own
/// (`set_source`) and those single queries named (`.source(…)`, `--source`), each opened
/// once.
#[derive(Debug, Default)]
pub(crate) struct OpenSources {
    own: Mutex<Option<Arc<dyn Backend>>>,
    others: Mutex<BTreeMap<String, Arc<dyn Backend>>>,
    /// Why the last `set_source` failed, until someone asks (`take_source_failure`).
    failure: Mutex<Option<ErrorKind>>,
}

impl OpenSources {
    /// Every open backend, the session's own first.
    fn all(&self) -> Vec<Arc<dyn Backend>> {
        let own = self.own.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let others = self.others.lock().unwrap_or_else(|p| p.into_inner());
        own.into_iter().chain(others.values().cloned()).collect()
    }

    fn set_own(&self, backend: Arc<dyn Backend>) {
        *self.own.lock().unwrap_or_else(|p| p.into_inner()) = Some(backend);
    }
}

impl Session {
    /// What CloudWatch sources take when their spec leaves it open: the run's region,
    /// profile and role (`playbook run --region/--profile/--role-arn`).
    pub fn set_aws_defaults(&self, defaults: AwsTarget) {
        *self.aws_defaults.lock().unwrap_or_else(|p| p.into_inner()) = defaults;
    }

    /// The session's AWS defaults.
    pub fn aws_defaults(&self) -> AwsTarget {
        self.aws_defaults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `source` with the session's AWS defaults filled in.
    fn resolve(&self, source: Source) -> Source {
        match source {
            Source::CloudWatch(target) => Source::CloudWatch(target.or(&self.aws_defaults())),
            local => local,
        }
    }

    /// The backend of the source in effect, opened once and shared by every cell.
    pub fn backend(&self) -> Result<Arc<dyn Backend>, EngineError> {
        let mut slot = self.sources.own.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(backend) = slot.as_ref() {
            return Ok(backend.clone());
        }
        let spec = self.context().source.ok_or(EngineError::NoSource)?;
        let source = self.resolve(Source::from_spec(&spec)?);
        let backend = open_backend(&source)?;
        *slot = Some(backend.clone());
        Ok(backend)
    }

    /// The backend for a query: the one it names, else the session's (also when it names
    /// the session's own source, which is then not opened twice).
    pub fn backend_for(&self, spec: Option<&str>) -> Result<Arc<dyn Backend>, EngineError> {
        let Some(spec) = spec else {
            return self.backend();
        };
        let source = Source::from_spec(spec)?;
        let key = source.to_string();
        let own = self.context().source;
        if own
            .and_then(|own| Source::from_spec(&own).ok())
            .is_some_and(|own| own.to_string() == key)
        {
            return self.backend();
        }
        let mut others = self
            .sources
            .others
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(backend) = others.get(&key) {
            return Ok(backend.clone());
        }
        let backend = open_backend(&source)?;
        others.insert(key, backend.clone());
        Ok(backend)
    }

    /// The secret values the open sources resolved (credentials), for masking records.
    pub fn known_secrets(&self) -> Vec<String> {
        (self.sources.all().iter())
            .flat_map(|backend| backend.known_secrets())
            .collect()
    }

    /// Stops what the sources are running now (an interrupt).
    pub fn cancel(&self) {
        for backend in self.sources.all() {
            backend.cancel();
        }
    }

    /// Uses `backend` for later queries (tests, and programs that build their own).
    pub fn use_backend(&self, backend: Arc<dyn Backend>) {
        let spec = backend.spec();
        self.sources.set_own(backend);
        let mut state = self.lock();
        state.source = Some(spec);
        state.source_origin = "use_backend".to_owned();
    }

    /// Chooses the source for later queries (and drops the open one).
    pub fn set_source(&self, spec: &str, origin: &str) -> Result<(), EngineError> {
        let source = Source::from_spec(spec)?;
        let backend = open_backend(&self.resolve(source.clone())).inspect_err(|e| {
            *self
                .sources
                .failure
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(e.kind());
        })?;
        self.sources.set_own(backend);
        let mut state = self.lock();
        state.source = Some(source.to_string());
        state.source_origin = origin.to_owned();
        Ok(())
    }

    /// Why the last `set_source` since the previous call failed to open its source (no
    /// region, no credentials, …): a headless run turns it into its exit class, as it
    /// does a failed query's.
    pub fn take_source_failure(&self) -> Option<ErrorKind> {
        self.sources
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Sets (or clears) the default window.
    pub fn set_window(&self, spec: Option<&RangeSpec>) -> Result<Option<TimeRange>, EngineError> {
        let range = match spec {
            None => None,
            Some(spec) => Some(self.resolve_window(Some(spec), &mut Vec::new())?),
        };
        self.lock().window = range;
        Ok(range)
    }
}

/// The default source: `PLAYBOOK_SOURCE`, else CloudWatch when a region and credentials
/// are configured, else none (with a message naming both options).
pub fn default_source() -> (Option<String>, String) {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if let Ok(source) = std::env::var(SOURCE_ENV)
        && !source.trim().is_empty()
    {
        return (Some(source), SOURCE_ENV.to_owned());
    }
    let region = set("AWS_REGION") || set("AWS_DEFAULT_REGION");
    let home_credentials = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .is_some_and(|home| {
            home.join(".aws/credentials").exists() || home.join(".aws/config").exists()
        });
    let credentials = [
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ]
    .iter()
    .any(|name| set(name))
        || home_credentials;
    if region && credentials {
        return (
            Some("cloudwatch".to_owned()),
            "an AWS region and credentials in the environment".to_owned(),
        );
    }
    (
        None,
        format!(
            "set {SOURCE_ENV}=cloudwatch (with AWS_REGION and credentials) or {SOURCE_ENV}=local:DIR to choose one"
        ),
    )
}
