//! The secret rules gitleaks ships (MIT; where they come from and how they were converted:
//! `README.md` next to this file), applied the way gitleaks' detector applies them: a rule
//! runs only when one of its keywords occurs in the text; each match's secret (its group,
//! or the whole match) must reach the rule's entropy; the global and the rule's
//! allowlists (regexes and stopwords) can still let it through. Rules compile the first
//! time their keywords are seen, so a run whose outputs mention no keyword compiles none.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Deserialize;

/// One rule as `gitleaks-rules.json` has it (the fields the detector needs).
#[derive(Debug, Deserialize)]
struct RuleData {
    id: String,
    regex_rust: Option<String>,
    #[serde(default)]
    secret_group: usize,
    #[serde(default)]
    keywords: Vec<String>,
    entropy: Option<f64>,
    /// Rules that need a file path: records have none, so they never apply.
    path: Option<String>,
    #[serde(default)]
    allowlists_rust: Vec<AllowlistData>,
}

/// One of a rule's allowlists: what it tests, whether every condition must hold.
#[derive(Debug, Deserialize)]
struct AllowlistData {
    /// `secret`, `match` or `line`.
    target: String,
    /// `AND`: every kind of condition must hold; else one is enough.
    all: bool,
    regexes: Vec<String>,
    stopwords: Vec<String>,
}

/// An allowlist with its regexes compiled.
#[derive(Debug)]
struct Allowlist {
    target: Target,
    all: bool,
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

/// What an allowlist's regexes test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Secret,
    Match,
    Line,
}

#[derive(Debug, Deserialize)]
struct GlobalData {
    regexes_rust: Vec<String>,
    stopwords: Vec<String>,
}

/// A rule, its regexes compiled on first use (`None` inside: it does not compile).
#[derive(Debug)]
struct Rule {
    data: RuleData,
    regex: OnceLock<Option<Regex>>,
    allow: OnceLock<Vec<Allowlist>>,
}

/// The rule set, keyword automaton and global allowlist.
#[derive(Debug)]
pub(crate) struct Gitleaks {
    rules: Vec<Rule>,
    /// Every rule's keywords; `owners[k]` lists the rules keyword `k` belongs to.
    keywords: AhoCorasick,
    owners: Vec<Vec<usize>>,
    global: Vec<Regex>,
    global_stopwords: Vec<String>,
}

const RULES: &str = include_str!("gitleaks-rules.json");
const GLOBAL: &str = include_str!("gitleaks-global.json");

impl Gitleaks {
    /// The shared rule set (parsed once).
    pub(crate) fn get() -> &'static Gitleaks {
        static SET: OnceLock<Gitleaks> = OnceLock::new();
        SET.get_or_init(Gitleaks::load)
    }

    fn load() -> Gitleaks {
        // The JSON is part of the binary and checked by the tests.
        let data: Vec<RuleData> = serde_json::from_str(RULES).unwrap_or_default();
        let global: GlobalData = serde_json::from_str(GLOBAL).unwrap_or(GlobalData {
            regexes_rust: Vec::new(),
            stopwords: Vec::new(),
        });
        let rules: Vec<Rule> = data
            .into_iter()
            .filter(|r| r.regex_rust.is_some() && r.path.is_none())
            .map(|data| Rule {
                data,
                regex: OnceLock::new(),
                allow: OnceLock::new(),
            })
            .collect();
        let mut words: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.data.keywords {
                match words.iter().position(|w| w == keyword) {
                    Some(at) => owners[at].push(index),
                    None => {
                        words.push(keyword.clone());
                        owners.push(vec![index]);
                    }
                }
            }
        }
        let keywords = AhoCorasick::new(&words).unwrap_or_else(|_| {
            AhoCorasick::new(Vec::<String>::new()).unwrap_or_else(|e| unreachable!("{e}"))
        });
        Gitleaks {
            rules,
            keywords,
            owners,
            global: global
                .regexes_rust
                .iter()
                .filter_map(|r| Regex::new(r).ok())
                .collect(),
            global_stopwords: global.stopwords,
        }
    }

    /// The byte ranges of the secrets the rules find in `text`.
    pub(crate) fn secrets(&self, text: &str) -> Vec<Range<usize>> {
        let lowered = text.to_ascii_lowercase();
        let mut wanted = vec![false; self.rules.len()];
        for found in self.keywords.find_overlapping_iter(&lowered) {
            for &rule in &self.owners[found.pattern().as_usize()] {
                wanted[rule] = true;
            }
        }
        let mut ranges = Vec::new();
        for (rule, _) in self.rules.iter().zip(&wanted).filter(|(_, w)| **w) {
            self.find(rule, text, &mut ranges);
        }
        ranges
    }

    fn find(&self, rule: &Rule, text: &str, out: &mut Vec<Range<usize>>) {
        let compiled = rule.regex.get_or_init(|| {
            let pattern = rule.data.regex_rust.as_deref()?;
            let built = regex::RegexBuilder::new(pattern)
                .size_limit(64 << 20)
                .build();
            if let Err(error) = &built {
                // Every rule compiles (a test says so); a build that disagrees loses one
                // rule, not the record.
                eprintln!(
                    "playbook: secret rule {} is unusable: {error}",
                    rule.data.id
                );
            }
            built.ok()
        });
        let Some(regex) = compiled else { return };
        for captures in regex.captures_iter(text) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            let secret = match rule.data.secret_group {
                0 => captures
                    .iter()
                    .skip(1)
                    .flatten()
                    .find(|m| !m.as_str().is_empty())
                    .unwrap_or(whole),
                group => match captures.get(group) {
                    Some(secret) => secret,
                    None => continue,
                },
            };
            let found = Found {
                secret: secret.as_str(),
                whole: whole.as_str().trim_matches('\n'),
                line: line_around(text, whole.range()),
            };
            if self.allowed(rule, &found) {
                continue;
            }
            out.push(secret.range());
        }
    }

    /// Whether gitleaks would let a finding through: too little entropy, or an allowlist.
    fn allowed(&self, rule: &Rule, found: &Found) -> bool {
        let secret = found.secret;
        if rule
            .data
            .entropy
            .is_some_and(|least| shannon_entropy(secret) <= least)
        {
            return true;
        }
        let lowered = secret.to_lowercase();
        if self.global.iter().any(|r| r.is_match(secret))
            || self.global_stopwords.iter().any(|w| lowered.contains(w))
        {
            return true;
        }
        let allowlists = rule.allow.get_or_init(|| {
            rule.data
                .allowlists_rust
                .iter()
                .map(|a| Allowlist {
                    target: match a.target.as_str() {
                        "match" => Target::Match,
                        "line" => Target::Line,
                        _ => Target::Secret,
                    },
                    all: a.all,
                    regexes: a
                        .regexes
                        .iter()
                        .filter_map(|r| Regex::new(r).ok())
                        .collect(),
                    stopwords: a.stopwords.clone(),
                })
                .collect()
        });
        allowlists.iter().any(|a| a.allows(found, &lowered))
    }
}

/// A rule's finding: the secret, the whole match and the line(s) around it.
struct Found<'a> {
    secret: &'a str,
    whole: &'a str,
    line: &'a str,
}

impl Allowlist {
    /// Whether this allowlist lets the finding through (`lowered`: its secret, lowercased).
    fn allows(&self, found: &Found, lowered: &str) -> bool {
        let target = match self.target {
            Target::Secret => found.secret,
            Target::Match => found.whole,
            Target::Line => found.line,
        };
        let regex = !target.is_empty() && self.regexes.iter().any(|r| r.is_match(target));
        let stopword = !lowered.is_empty() && self.stopwords.iter().any(|w| lowered.contains(w));
        if self.all {
            (self.regexes.is_empty() || regex) && (self.stopwords.is_empty() || stopword)
        } else {
            regex || stopword
        }
    }
}

/// The lines of `text` that `range` touches.
fn line_around(text: &str, range: Range<usize>) -> &str {
    let start = text[..range.start].rfind('\n').map_or(0, |at| at + 1);
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |at| range.end + at);
    &text[start..end]
}

/// Shannon entropy as gitleaks computes it: over characters, divided by the length in
/// bytes.
fn shannon_entropy(text: &str) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::new();
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let inverse = 1.0 / text.len() as f64;
    counts
        .values()
        .map(|&n| {
            let p = n as f64 * inverse;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Examples {
        #[serde(default)]
        positives: Vec<String>,
        #[serde(default)]
        negatives: Vec<String>,
    }

    /// The rule's own findings in `text`.
    fn found_by(set: &Gitleaks, id: &str, text: &str) -> Vec<Range<usize>> {
        let rule = set.rules.iter().find(|r| r.data.id == id).expect("rule");
        let lowered = text.to_ascii_lowercase();
        if !rule.data.keywords.iter().any(|k| lowered.contains(k)) {
            return Vec::new();
        }
        let mut out = Vec::new();
        set.find(rule, text, &mut out);
        out
    }

    #[test]
    fn every_rule_compiles() {
        let set = Gitleaks::get();
        assert!(set.rules.len() > 200, "{} rules", set.rules.len());
        for rule in &set.rules {
            let pattern = rule.data.regex_rust.as_deref().unwrap_or_default();
            assert!(
                regex::RegexBuilder::new(pattern)
                    .size_limit(64 << 20)
                    .build()
                    .is_ok(),
                "{}: {pattern}",
                rule.data.id
            );
        }
        assert_eq!(
            set.global.len(),
            13,
            "every global allowlist regex compiles"
        );
    }

    #[test]
    fn every_rule_finds_its_positives_and_not_its_negatives() {
        let examples: std::collections::BTreeMap<String, Examples> =
            serde_json::from_str(include_str!("gitleaks-examples.json")).expect("examples");
        let set = Gitleaks::get();
        let mut checked = 0;
        for rule in &set.rules {
            let id = &rule.data.id;
            let Some(example) = examples.get(id) else {
                panic!("{id} has no examples")
            };
            assert!(
                !example.positives.is_empty(),
                "{id} has no positive example"
            );
            assert!(
                !example.negatives.is_empty(),
                "{id} has no negative example"
            );
            for positive in &example.positives {
                assert!(
                    !found_by(set, id, positive).is_empty(),
                    "{id} misses {positive:?}"
                );
            }
            for negative in &example.negatives {
                assert!(
                    found_by(set, id, negative).is_empty(),
                    "{id} flags {negative:?}"
                );
            }
            checked += 1;
        }
        assert!(checked > 200);
    }

    #[test]
    fn entropy_is_computed_as_gitleaks_does() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-12);
    }
}
