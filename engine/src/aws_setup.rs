//! What the AWS configuration offers, read without calling AWS (`playbook doctor`): the
//! region the SDK would use and where it comes from, and the first source of credentials
//! the SDK's default chain would find (environment keys, the profile, a web identity
//! token, a container endpoint) — read from the same variables and profile files
//! `aws::sdk_config` loads, with the SDK's own profile parser. An instance role is not
//! seen (finding it asks the instance metadata service): [`caller_identity`] settles it,
//! with one STS GetCallerIdentity under a deadline.

use std::borrow::Cow;
use std::time::Duration;

use aws_types::os_shim_internal::{Env, Fs};
use playbook::model::source::AwsTarget;

use crate::error::EngineError;

/// Where the region comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionFrom {
    /// `--region` (the target).
    Given,
    /// An environment variable (`AWS_REGION` or `AWS_DEFAULT_REGION`).
    Environment(&'static str),
    /// The `region` of the selected profile.
    Profile(String),
}

/// How the selected profile provides credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileCredentials {
    /// `role_arn` (assumed from `source_profile` or `credential_source`).
    AssumeRole,
    /// `sso_session` or `sso_start_url` (`aws sso login` refreshes the token).
    Sso,
    /// `web_identity_token_file`.
    WebIdentity,
    /// `credential_process`.
    Process,
    /// `aws_access_key_id` and `aws_secret_access_key`.
    StaticKeys,
}

/// The first source of credentials the default chain would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsFrom {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    EnvironmentKeys,
    /// The selected profile.
    Profile {
        name: String,
        kind: ProfileCredentials,
    },
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (EKS, GitHub OIDC).
    WebIdentityToken,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `…_FULL_URI` (ECS, EKS Pod Identity).
    ContainerEndpoint,
}

/// What the configuration offers, read offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSetup {
    /// The profile in use (`--profile`, `AWS_PROFILE`, else `default`).
    pub profile: String,
    /// Whether the profile files define it.
    pub profile_defined: bool,
    /// The profile files could not be read or parsed: why.
    pub profile_error: Option<String>,
    /// The region and where it comes from.
    pub region: Option<(String, RegionFrom)>,
    /// The first credentials source found.
    pub credentials: Option<CredentialsFrom>,
}

/// Reads the configuration `target` narrows, from this process's environment and the
/// profile files (no network).
pub async fn read(target: &AwsTarget) -> AwsSetup {
    read_from(&Fs::real(), &Env::real(), target).await
}

async fn read_from(fs: &Fs, env: &Env, target: &AwsTarget) -> AwsSetup {
    let var = |name: &str| env.get(name).ok().filter(|v| !v.is_empty());
    let selected = target.profile.clone().map(Cow::Owned);
    let (profiles, profile_error) =
        // The default profile files: ~/.aws/config and ~/.aws/credentials, or the files
        // AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name.
        match aws_config::profile::load(fs, env, &Default::default(), selected).await {
            Ok(set) => (Some(set), None),
            Err(error) => (None, Some(error.to_string())),
        };
    let profile = profiles.as_ref().map_or_else(
        || {
            target
                .profile
                .clone()
                .or_else(|| var("AWS_PROFILE"))
                .unwrap_or_else(|| "default".into())
        },
        |set| set.selected_profile().to_owned(),
    );
    let in_profile = |key: &str| {
        profiles
            .as_ref()
            .and_then(|set| set.get_profile(&profile))
            .and_then(|p| p.get(key))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let region = match &target.region {
        Some(region) => Some((region.clone(), RegionFrom::Given)),
        None => ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|name| var(name).map(|r| (r, RegionFrom::Environment(name))))
            .or_else(|| in_profile("region").map(|r| (r, RegionFrom::Profile(profile.clone())))),
    };
    let credentials =
        if var("AWS_ACCESS_KEY_ID").is_some() && var("AWS_SECRET_ACCESS_KEY").is_some() {
            Some(CredentialsFrom::EnvironmentKeys)
        } else if let Some(kind) = profile_kind(&in_profile) {
            Some(CredentialsFrom::Profile {
                name: profile.clone(),
                kind,
            })
        } else if var("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() && var("AWS_ROLE_ARN").is_some() {
            Some(CredentialsFrom::WebIdentityToken)
        } else if var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
            || var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        {
            Some(CredentialsFrom::ContainerEndpoint)
        } else {
            None
        };
    AwsSetup {
        profile_defined: profiles
            .as_ref()
            .is_some_and(|set| set.get_profile(&profile).is_some()),
        profile,
        profile_error,
        region,
        credentials,
    }
}

/// How a profile provides credentials, in the order the SDK's profile provider weighs them.
fn profile_kind(key: &impl Fn(&str) -> Option<String>) -> Option<ProfileCredentials> {
    if key("role_arn").is_some() {
        Some(ProfileCredentials::AssumeRole)
    } else if key("sso_session").is_some() || key("sso_start_url").is_some() {
        Some(ProfileCredentials::Sso)
    } else if key("web_identity_token_file").is_some() {
        Some(ProfileCredentials::WebIdentity)
    } else if key("credential_process").is_some() {
        Some(ProfileCredentials::Process)
    } else if key("aws_access_key_id").is_some() {
        Some(ProfileCredentials::StaticKeys)
    } else {
        None
    }
}

/// Who the credentials are: the account and the principal's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: Option<String>,
    pub arn: Option<String>,
}

/// One STS GetCallerIdentity with `target`'s configuration (the one a run uses), within
/// `deadline` (loading the configuration included).
pub async fn caller_identity(
    target: &AwsTarget,
    deadline: Duration,
) -> Result<CallerIdentity, EngineError> {
    let ask = async {
        let config = crate::aws::sdk_config(target).await?;
        if config.region().is_none() {
            return Err(EngineError::Credentials(
                "no AWS region: set AWS_REGION, `region` in the profile, or pass --region".into(),
            ));
        }
        let client = aws_sdk_sts::Client::new(&config);
        match client.get_caller_identity().send().await {
            Ok(out) => Ok(CallerIdentity {
                account: out.account().map(str::to_owned),
                arn: out.arn().map(str::to_owned),
            }),
            Err(error) => Err(crate::cloudwatch::errors::from_sdk(
                "GetCallerIdentity",
                "",
                error,
            )),
        }
    };
    match tokio::time::timeout(deadline, ask).await {
        Ok(answer) => answer,
        Err(_) => Err(EngineError::Timeout {
            what: "sts:GetCallerIdentity".into(),
            seconds: deadline.as_secs(),
            hint: ": STS did not answer; check the network, a proxy, or AWS_ENDPOINT_URL".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn setup(files: &[(&str, &str)], vars: &[(&str, &str)], target: AwsTarget) -> AwsSetup {
        let mut vars = vars.to_vec();
        vars.push(("HOME", "/home/u"));
        read_from(&Fs::from_slice(files), &Env::from_slice(&vars), &target).await
    }

    #[tokio::test]
    async fn nothing_configured_finds_no_region_and_no_credentials() {
        let found = setup(&[], &[], AwsTarget::default()).await;
        assert_eq!(found.profile, "default");
        assert!(!found.profile_defined);
        assert_eq!(found.region, None);
        assert_eq!(found.credentials, None);
    }

    #[tokio::test]
    async fn region_comes_from_the_target_then_the_environment_then_the_profile() {
        let config = [(
            "/home/u/.aws/config",
            "[default]\nregion = eu-west-1\n[profile sso]\nsso_session = corp\nregion = us-east-2\n",
        )];
        let found = setup(&config, &[], AwsTarget::default()).await;
        assert_eq!(
            found.region,
            Some(("eu-west-1".into(), RegionFrom::Profile("default".into())))
        );
        let found = setup(
            &config,
            &[("AWS_DEFAULT_REGION", "ap-south-1")],
            AwsTarget::default(),
        )
        .await;
        assert_eq!(
            found.region,
            Some((
                "ap-south-1".into(),
                RegionFrom::Environment("AWS_DEFAULT_REGION")
            ))
        );
        let given = AwsTarget {
            region: Some("us-west-2".into()),
            ..AwsTarget::default()
        };
        let found = setup(&config, &[("AWS_REGION", "ap-south-1")], given).await;
        assert_eq!(found.region, Some(("us-west-2".into(), RegionFrom::Given)));
        let found = setup(&config, &[("AWS_PROFILE", "sso")], AwsTarget::default()).await;
        assert_eq!(
            found.region,
            Some(("us-east-2".into(), RegionFrom::Profile("sso".into())))
        );
        assert_eq!(
            found.credentials,
            Some(CredentialsFrom::Profile {
                name: "sso".into(),
                kind: ProfileCredentials::Sso
            })
        );
    }

    #[tokio::test]
    async fn credentials_sources_are_found_in_the_default_chains_order() {
        let files = [(
            "/home/u/.aws/credentials",
            "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n",
        )];
        let env_keys = [
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ];
        let found = setup(&files, &env_keys, AwsTarget::default()).await;
        assert_eq!(found.credentials, Some(CredentialsFrom::EnvironmentKeys));
        let found = setup(&files, &[], AwsTarget::default()).await;
        assert_eq!(
            found.credentials,
            Some(CredentialsFrom::Profile {
                name: "default".into(),
                kind: ProfileCredentials::StaticKeys
            })
        );
        let web = [
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
        ];
        let found = setup(&[], &web, AwsTarget::default()).await;
        assert_eq!(found.credentials, Some(CredentialsFrom::WebIdentityToken));
        let ecs = [("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")];
        let found = setup(&[], &ecs, AwsTarget::default()).await;
        assert_eq!(found.credentials, Some(CredentialsFrom::ContainerEndpoint));
    }

    #[tokio::test]
    async fn a_named_profile_that_is_not_defined_is_said() {
        let files = [(
            "/home/u/.aws/config",
            "[profile other]\nregion = eu-west-1\n",
        )];
        let target = AwsTarget {
            profile: Some("prod".into()),
            ..AwsTarget::default()
        };
        let found = setup(&files, &[], target).await;
        assert_eq!(found.profile, "prod");
        assert!(!found.profile_defined);
        assert_eq!(found.credentials, None);
    }
}
