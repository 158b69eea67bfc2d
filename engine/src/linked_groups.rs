//! Log groups across linked accounts (CloudWatch cross-account observability): a Logs
//! Insights query that names accounts reads each named group in each of them, by ARN
//! (StartQuery's `logGroupIdentifiers`); groups given as ARNs are read where they say.

use crate::backend::Backend;
use crate::error::EngineError;

/// Whether a group is named by its ARN.
pub(crate) fn is_arn(group: &str) -> bool {
    group.starts_with("arn:")
}

/// The groups to ask: each named group in each of `accounts` (none: as named).
pub(crate) fn expand(
    groups: Vec<String>,
    accounts: &[String],
    backend: &dyn Backend,
) -> Result<Vec<String>, EngineError> {
    let crosses = !accounts.is_empty() || groups.iter().any(|g| is_arn(g));
    let Some(region) = backend.region().filter(|_| crosses) else {
        if crosses {
            return Err(EngineError::Unsupported {
                source_name: backend.spec(),
                what: "read log groups of other accounts".into(),
                hint: ": linked accounts are read through CloudWatch cross-account \
                       observability; a local source holds one account's logs"
                    .into(),
            });
        }
        return Ok(groups);
    };
    if accounts.is_empty() {
        return Ok(groups);
    }
    let mut found = Vec::new();
    for account in accounts {
        for group in &groups {
            let arn = if is_arn(group) {
                group.clone()
            } else {
                arn(&region, account, group)
            };
            if !found.contains(&arn) {
                found.push(arn);
            }
        }
    }
    Ok(found)
}

/// The accounts `groups` are read in (`own` for groups named by name), for the record.
pub(crate) fn accounts_of(groups: &[String], own: Option<&str>) -> Vec<String> {
    let mut accounts: Vec<String> = Vec::new();
    for group in groups {
        let account = if is_arn(group) {
            group.split(':').nth(4).map(str::to_owned)
        } else {
            own.map(str::to_owned)
        };
        if let Some(account) = account.filter(|a| !accounts.contains(a)) {
            accounts.push(account);
        }
    }
    accounts
}

/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME`.
fn arn(region: &str, account: &str, group: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:logs:{region}:{account}:log-group:{group}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_arns_in_each_account_and_arns_stay() {
        assert_eq!(
            arn("cn-north-1", "111122223333", "/ecs/x"),
            "arn:aws-cn:logs:cn-north-1:111122223333:log-group:/ecs/x"
        );
        let groups = [
            "/ecs/x".to_owned(),
            "arn:aws:logs:eu-west-1:999999999999:log-group:/y".to_owned(),
        ];
        assert_eq!(
            accounts_of(&groups, Some("123456789012")),
            ["123456789012", "999999999999"]
        );
        assert_eq!(accounts_of(&groups[..1], None), Vec::<String>::new());
    }
}
