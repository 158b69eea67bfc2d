//! The AWS configuration CloudWatch sources and deliveries use: a region and a source of
//! credentials, read offline (`playbook_engine::aws_setup`); with `--aws`, one STS
//! GetCallerIdentity says whether the credentials work. Local sources need none of it,
//! so what is missing is a warning; only a failed identity call or a profile that does
//! not exist fails.

use std::time::Duration;

use playbook::source::AwsTarget;
use playbook_engine::aws_setup::{self, AwsSetup, CredentialsFrom, ProfileCredentials, RegionFrom};

use super::{Check, CheckName, Status};
use crate::exit::Exit;

/// How long the identity call may take, loading the configuration included.
const IDENTITY_DEADLINE: Duration = Duration::from_secs(20);

/// The region and credentials checks.
pub(super) async fn configuration(target: &AwsTarget) -> Vec<Check> {
    let setup = aws_setup::read(target).await;
    vec![region(&setup), credentials(&setup, target)]
}

fn region(setup: &AwsSetup) -> Check {
    match &setup.region {
        Some((region, from)) => {
            let from = match from {
                RegionFrom::Given => "--region".to_owned(),
                RegionFrom::Environment(name) => (*name).to_owned(),
                RegionFrom::Profile(name) => format!("profile `{name}`"),
            };
            Check::ok(CheckName::AwsRegion, format!("{region} (from {from})"))
        }
        None => Check {
            name: CheckName::AwsRegion,
            status: Status::Warning,
            verdict: "no AWS region in the environment or the profile: CloudWatch queries and \
                      deliveries need one (local sources do not)"
                .to_owned(),
            fix: Some(
                "set AWS_REGION (e.g. `export AWS_REGION=eu-west-1`), `region = …` in the \
                 profile, or pass --region to `playbook run`"
                    .to_owned(),
            ),
        },
    }
}

fn credentials(setup: &AwsSetup, target: &AwsTarget) -> Check {
    if let Some(error) = &setup.profile_error {
        return Check::failed(
            CheckName::AwsCredentials,
            format!("the AWS profile files cannot be read: {error}"),
            "repair ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE, \
             AWS_SHARED_CREDENTIALS_FILE)"
                .to_owned(),
        );
    }
    let named = target.profile.is_some() || std::env::var_os("AWS_PROFILE").is_some();
    if named && !setup.profile_defined {
        return Check::failed(
            CheckName::AwsCredentials,
            format!(
                "the profile `{}` is not defined in the AWS profile files",
                setup.profile
            ),
            format!(
                "`aws configure --profile {0}` (or `aws configure sso --profile {0}`), or \
                 choose another profile",
                setup.profile
            ),
        );
    }
    let role = target
        .role_arn
        .as_deref()
        .map(|arn| format!(", then assumes {arn}"))
        .unwrap_or_default();
    let from = match &setup.credentials {
        Some(CredentialsFrom::EnvironmentKeys) => "the environment (AWS_ACCESS_KEY_ID)".to_owned(),
        Some(CredentialsFrom::Profile { name, kind }) => {
            let kind = match kind {
                ProfileCredentials::AssumeRole => "assumes role_arn",
                ProfileCredentials::Sso => "SSO; `aws sso login` refreshes it",
                ProfileCredentials::WebIdentity => "web identity token",
                ProfileCredentials::Process => "credential_process",
                ProfileCredentials::StaticKeys => "access keys",
            };
            format!("profile `{name}` ({kind})")
        }
        Some(CredentialsFrom::WebIdentityToken) => {
            "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".to_owned()
        }
        Some(CredentialsFrom::ContainerEndpoint) => {
            "the container credentials endpoint (ECS or EKS Pod Identity)".to_owned()
        }
        None => {
            return Check {
                name: CheckName::AwsCredentials,
                status: Status::Warning,
                verdict: format!(
                    "no credentials in the environment or profile `{}` (an EC2 instance role \
                     is only found by asking; `playbook doctor --aws` asks)",
                    setup.profile
                ),
                fix: Some(
                    "set AWS_PROFILE to a configured profile (`aws configure sso`), or \
                     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                        .to_owned(),
                ),
            };
        }
    };
    Check::ok(CheckName::AwsCredentials, format!("from {from}{role}"))
}

/// One GetCallerIdentity; on failure, the exit class its error is (credentials refused:
/// 5; STS unreachable or slow: 4).
pub(super) async fn identity(target: &AwsTarget) -> (Check, Option<Exit>) {
    match aws_setup::caller_identity(target, IDENTITY_DEADLINE).await {
        Ok(who) => {
            let account = who.account.as_deref().unwrap_or("an unnamed account");
            let arn = who.arn.as_deref().unwrap_or("an unnamed principal");
            (
                Check::ok(
                    CheckName::AwsIdentity,
                    format!("{arn} in account {account}"),
                ),
                None,
            )
        }
        Err(error) => {
            let class = Exit::of_source(error.kind()).unwrap_or(Exit::SourceRefused);
            let fix = if class == Exit::SourceUnavailable {
                "check the network (a proxy, AWS_ENDPOINT_URL) and try again"
            } else {
                "refresh or configure the credentials (`aws sso login`, new keys, the role's \
                 trust policy), then try again"
            };
            let verdict = one_line(&error.to_string(), VERDICT_CHARS);
            (
                Check::failed(CheckName::AwsIdentity, verdict, fix.to_owned()),
                Some(class),
            )
        }
    }
}

/// How much of the SDK's error a verdict keeps (its debug chain runs to kilobytes).
const VERDICT_CHARS: usize = 400;

/// `text` on one line (whitespace runs, newlines included, as one space), cut to `max`
/// characters with an ellipsis.
fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &joined[..at]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sdk_error_becomes_a_one_line_verdict_of_bounded_length() {
        assert_eq!(
            one_line("no credentials.\n  Attempted:\n  Environment", 400),
            "no credentials. Attempted: Environment"
        );
        let long = "é".repeat(500);
        let cut = one_line(&long, 400);
        assert_eq!(cut.chars().count(), 401);
        assert!(cut.ends_with('…'));
    }
}
