//! The AWS SDK stays behind seven doors: `aws.rs` (configuration, assumed roles, the
//! HTTPS client), `aws_setup.rs` (that configuration read offline, for `playbook
//! doctor`), `aws_call/` (signed calls made without a generated SDK crate),
//! `cloudwatch/` (the CloudWatch source), `delivery/` (S3, SNS, PutMetricData for a
//! run's outputs), `sqs.rs` (a queue worker's SQS calls) and `claims.rs` (claims shared
//! as S3 objects). Everything else in the engine, and every other crate, speaks the
//! engine's own types, so a cell never compiles the SDK and no SDK type leaks into
//! `Backend`, `Session` or the `playbook` crate.

use std::path::{Path, PathBuf};

const SDK_CRATES: &[&str] = &[
    "aws_sdk_",
    "aws_config",
    "aws_credential_types",
    "aws_smithy_",
    "aws_types",
];

/// Where the engine may name the SDK (paths relative to `engine/src`).
const DOORS: &[&str] = &[
    "aws.rs",
    "aws_setup.rs",
    "aws_call/",
    "cloudwatch/",
    "delivery/",
    "sqs.rs",
    "claims.rs",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn names_the_sdk(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).expect("readable source");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .find(|l| SDK_CRATES.iter().any(|c| l.contains(c)))
        .map(str::to_owned)
}

#[test]
fn only_the_doors_name_the_aws_sdk() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = engine.parent().expect("the engine is in the workspace");
    let engine_src = engine.join("src");
    let mut files = Vec::new();
    for dir in [
        "engine/src",
        "kernel/src",
        "playbook-lib/src",
        "insights/src",
        "datagen/src",
    ] {
        rust_files(&workspace.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} sources", files.len());
    let mut seen_door = false;
    for file in files {
        let inside_door = file.strip_prefix(&engine_src).is_ok_and(|relative| {
            let relative = relative.to_string_lossy().replace('\\', "/");
            DOORS
                .iter()
                .any(|d| relative == *d || relative.starts_with(d))
        });
        match names_the_sdk(&file) {
            Some(_) if inside_door => seen_door = true,
            Some(line) => panic!(
                "{} names the AWS SDK outside engine/src/{{aws.rs,aws_setup.rs,aws_call/,cloudwatch/,delivery/,sqs.rs,claims.rs}}: {line}",
                file.display()
            ),
            None => {}
        }
    }
    assert!(seen_door, "the doors themselves should name the SDK");
}
