#!/usr/bin/env bash
# The one test command (README, .ci/run): builds the workspace, runs the Rust tests,
# installs the kernel into a test virtualenv and drives it with Jupyter's own clients.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
export PLAYBOOK_CACHE="$CACHE"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
VENV="${PLAYBOOK_TEST_VENV:-$CACHE/test-venv}"

# rust-analyzer's crates (inside evcxr) record the CI variable at build time: pin it so
# local runs and CI share one warm build instead of rebuilding each other's.
export CI=true

step() { printf '\n== %s\n' "$*"; }

step "Python test clients ($VENV)"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt

step "rust-src (completion and inspection use it; optional)"
rustup component add rust-src 2>/dev/null || echo "rust-src unavailable: completion of std items degrades"

step "format and lints"
cargo fmt --all -- --check
cargo clippy --release --all-targets --workspace --locked -- -D warnings

step "cargo build (release)"
cargo build --release --workspace --locked

step "cargo test"
cargo test --release --workspace --locked

step "install the kernel into the test venv"
"$CARGO_TARGET_DIR/release/playbook" install --prefix "$VENV"

step "end-to-end tests through jupyter_client, jupyter_kernel_test and nbconvert"
export PATH="$VENV/bin:$PATH"
export JUPYTER_PLATFORM_DIRS=1
export PLAYBOOK_BIN="$CARGO_TARGET_DIR/release/playbook"
"$VENV/bin/python" -m pytest tests -v -p no:cacheprovider "$@"
