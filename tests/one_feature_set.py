"""Fails when a cargo command compiled a dependency again: one feature set for every build.

    cargo test --release --workspace --locked --no-run --message-format=json \
        | python3 tests/one_feature_set.py "cargo test after cargo build"

tests/run.sh pipes cargo's JSON messages through this after `cargo build --release
--workspace`: the `cargo build -p playbook-kernel` that install.sh runs and the `cargo
test` that follows must find every dependency already built. A dependency compiled again
means the two commands asked for different features (a dev-dependency or a member that
turns on a feature the others do not, as tokio's `test-util` once did): a fresh clone then
compiles the SDK crates twice. The cure is to enable that feature in the workspace's
`[workspace.dependencies]` for everyone (see the tokio entry).

Workspace members are allowed to compile (their tests are new targets); anything from a
registry is not. Exits 1 naming each recompiled crate, 0 when none was.
"""

import json
import sys


def recompiled_dependencies(lines):
    """The registry crates that cargo's JSON messages say were compiled, not fresh."""
    names = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact" or message.get("fresh", True):
            continue
        package = message.get("package_id", "")
        # Workspace members are path packages ("path+file://…"); dependencies come from a
        # registry ("registry+https://…") or git.
        if not package.startswith("path+"):
            target = message.get("target", {}).get("name", package)
            names.append(f"{target} ({package})")
    return names


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "this cargo command"
    names = recompiled_dependencies(sys.stdin)
    if names:
        print(f"{what} compiled {len(names)} dependencies again (another feature set):")
        for name in names:
            print(f"  {name}")
        print("turn the feature on in [workspace.dependencies] so every command shares it")
        return 1
    print(f"{what}: every dependency was already built (one feature set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
