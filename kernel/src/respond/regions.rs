//! Region codes from the long names an alarm's notification writes in `Region`
//! ("US East (N. Virginia)"). The notification's `AlarmArn` names the code and is read
//! first; this table is for notifications without it. Names as the AWS console and
//! older notifications write them ("EU (Ireland)" and "Europe (Ireland)" both).

/// (long name, code).
const NAMES: &[(&str, &str)] = &[
    ("US East (N. Virginia)", "us-east-1"),
    ("US East (Ohio)", "us-east-2"),
    ("US West (N. California)", "us-west-1"),
    ("US West (Oregon)", "us-west-2"),
    ("Africa (Cape Town)", "af-south-1"),
    ("Asia Pacific (Hong Kong)", "ap-east-1"),
    ("Asia Pacific (Hyderabad)", "ap-south-2"),
    ("Asia Pacific (Jakarta)", "ap-southeast-3"),
    ("Asia Pacific (Melbourne)", "ap-southeast-4"),
    ("Asia Pacific (Mumbai)", "ap-south-1"),
    ("Asia Pacific (Osaka)", "ap-northeast-3"),
    ("Asia Pacific (Seoul)", "ap-northeast-2"),
    ("Asia Pacific (Singapore)", "ap-southeast-1"),
    ("Asia Pacific (Sydney)", "ap-southeast-2"),
    ("Asia Pacific (Tokyo)", "ap-northeast-1"),
    ("Canada (Central)", "ca-central-1"),
    ("Canada West (Calgary)", "ca-west-1"),
    ("China (Beijing)", "cn-north-1"),
    ("China (Ningxia)", "cn-northwest-1"),
    ("Europe (Frankfurt)", "eu-central-1"),
    ("Europe (Zurich)", "eu-central-2"),
    ("Europe (Ireland)", "eu-west-1"),
    ("Europe (London)", "eu-west-2"),
    ("Europe (Paris)", "eu-west-3"),
    ("Europe (Milan)", "eu-south-1"),
    ("Europe (Spain)", "eu-south-2"),
    ("Europe (Stockholm)", "eu-north-1"),
    ("Israel (Tel Aviv)", "il-central-1"),
    ("Middle East (Bahrain)", "me-south-1"),
    ("Middle East (UAE)", "me-central-1"),
    ("South America (Sao Paulo)", "sa-east-1"),
    ("South America (São Paulo)", "sa-east-1"),
    ("AWS GovCloud (US-East)", "us-gov-east-1"),
    ("AWS GovCloud (US-West)", "us-gov-west-1"),
];

/// The region code of `text`: a code as it is (`eu-west-1`), or a long name's code.
pub(crate) fn code(text: &str) -> Option<String> {
    if looks_like_code(text) {
        return Some(text.to_owned());
    }
    let europe = text
        .strip_prefix("EU (")
        .map(|rest| format!("Europe ({rest}"));
    let name = europe.as_deref().unwrap_or(text);
    NAMES
        .iter()
        .find(|(long, _)| *long == name)
        .map(|(_, code)| (*code).to_owned())
}

/// `eu-west-1`, `us-gov-west-1`: lower-case words and a number, joined by `-`.
fn looks_like_code(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && text.len() <= 32
        && parts
            .last()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_and_codes_give_the_code() {
        assert_eq!(code("US East (N. Virginia)").as_deref(), Some("us-east-1"));
        assert_eq!(code("EU (Ireland)").as_deref(), Some("eu-west-1"));
        assert_eq!(code("Europe (Ireland)").as_deref(), Some("eu-west-1"));
        assert_eq!(code("eu-west-1").as_deref(), Some("eu-west-1"));
        assert_eq!(code("us-gov-west-1").as_deref(), Some("us-gov-west-1"));
        assert_eq!(code("Atlantis (Central)"), None);
        assert_eq!(code("../../etc"), None);
        assert_eq!(code("EU-WEST-1"), None);
    }
}
