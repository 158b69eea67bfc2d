"""The guard tests/run.sh runs after `cargo build`: a dependency compiled again fails it."""

import json

from one_feature_set import recompiled_dependencies


def artifact(package_id, name, fresh):
    return json.dumps(
        {
            "reason": "compiler-artifact",
            "package_id": package_id,
            "target": {"name": name},
            "fresh": fresh,
        }
    )


def test_a_dependency_compiled_again_is_named():
    lines = [
        artifact("registry+https://github.com/rust-lang/crates.io-index#tokio@1.48.0", "tokio", False),
        artifact("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0", "serde", True),
        json.dumps({"reason": "build-script-executed", "package_id": "registry+x#y@1"}),
        "   Compiling tokio v1.48.0",
    ]
    assert recompiled_dependencies(lines) == [
        "tokio (registry+https://github.com/rust-lang/crates.io-index#tokio@1.48.0)"
    ]


def test_workspace_members_may_compile_their_tests():
    lines = [
        artifact("path+file:///src/kernel#playbook-kernel@0.1.0", "playbook_kernel", False),
        artifact("git+https://example.invalid/x#dep@0.1.0", "dep", True),
    ]
    assert recompiled_dependencies(lines) == []
