//! Known secret values: environment variables whose names look secret. The values the
//! engine resolved itself (credentials from profiles, SSO or an assumed role) come from
//! `playbook_engine::Session::known_secrets`.

/// Values shorter than this are not masked as known values: masking `1` or `true`
/// everywhere would garble every record.
pub(super) const MIN_LENGTH: usize = 6;

/// Parts of variable names that mark a secret (compared in upper case).
const SECRET_NAMES: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "AUTH",
    "SESSION_KEY",
    "SIGNING_KEY",
    "CLIENT_KEY",
    "WEBHOOK",
];

/// Names that match a part above but are not secrets.
const NOT_SECRET: &[&str] = &["AWS_AUTH_SCHEME_PREFERENCE", "PLAYBOOK_HOST_SOCKET"];

/// Whether an environment variable of this name holds a secret.
pub(crate) fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    !NOT_SECRET.contains(&upper.as_str()) && SECRET_NAMES.iter().any(|part| upper.contains(part))
}

/// The values of this process's environment variables whose names look secret.
pub(crate) fn secret_environment() -> Vec<String> {
    std::env::vars_os()
        .filter(|(name, _)| name.to_str().is_some_and(looks_secret))
        .filter_map(|(_, value)| value.into_string().ok())
        .filter(|value| value.chars().count() >= MIN_LENGTH)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn secret_names_are_recognised() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "stripe_api_key",
            "SLACK_WEBHOOK_URL",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "HOME",
            "PATH",
            "AWS_REGION",
            "PWD",
            "PLAYBOOK_HOST_SOCKET",
            "USER",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
