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
# shellcheck source=tests/pyinstall.sh
. tests/pyinstall.sh
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
pyinstall "$VENV" -r tests/requirements.txt

step "rust-src (completion and inspection use it; optional)"
rustup component add rust-src 2>/dev/null || echo "rust-src unavailable: completion of std items degrades"

# The browser and Airflow environments come from the network (apt, npm, PyPI): they are
# prepared beside the cargo steps below, which need the CPU, and waited for before pytest.
# Their output goes to a log, shown when they fail.
prepare_environments() {
    echo "== browser tests: Debian's Chromium and playwright-core (tests/browser)"
    if [ "${PLAYBOOK_SKIP_BROWSER:-}" != 1 ]; then
        if [ ! -x /usr/bin/chromium ]; then   # tests/test_browser.py drives this one
            SUDO=""
            if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
            $SUDO apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
        fi
        npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
    fi
    echo "== Airflow test environment (tests/airflow/venv.sh)"
    # apache-airflow 3.3.2 + integrations/airflow in a cached venv, for tests/test_airflow.py.
    # Exit 75 means PyPI is unreachable: the Airflow tests then skip, saying so; any other
    # failure stops the run.
    local status=0
    bash tests/airflow/venv.sh || status=$?
    if [ "$status" = 75 ]; then
        echo "Airflow environment unavailable (PyPI unreachable): tests/test_airflow.py will skip"
    elif [ "$status" != 0 ]; then
        return "$status"
    fi
}
ENV_LOG="$(mktemp "${TMPDIR:-/tmp}/playbook-test-environments.XXXXXX")"
step "browser and Airflow environments (in the background: $ENV_LOG)"
( set -e; prepare_environments ) >"$ENV_LOG" 2>&1 &
ENV_PID=$!

step "format"
cargo fmt --all -- --check

step "cargo build (release)"
cargo build --release --workspace --locked

step "one feature set: install.sh's build and cargo test compile no dependency again"
cargo build --release --locked -p playbook-kernel --message-format=json \
    | "$VENV/bin/python" tests/one_feature_set.py "install.sh's cargo build after the workspace's"
cargo test --release --workspace --locked --no-run --message-format=json \
    | "$VENV/bin/python" tests/one_feature_set.py "cargo test after cargo build"

step "install the kernel into the test venv"
"$CARGO_TARGET_DIR/release/playbook" install --prefix "$VENV"

# The Rust tests (built above) and the lints take the CPU the end-to-end tests leave idle
# (kernels waiting on their cells, servers, deadlines): they run beside pytest, in one
# background job whose log is shown after it, and any failure there fails the run. Its
# steps share the target directory's lock, so they run one after another; none of them can
# run beside the cargo steps above for the same reason.
rust_checks() {
    echo "== cargo test"
    # The CloudWatch integration test starts moto (tests/aws) with the venv's Python.
    PLAYBOOK_TEST_PYTHON="$VENV/bin/python" cargo test --release --workspace --locked
    echo "== cargo test: the cell-side crate alone, as cells build it"
    cargo test --release --locked -p playbook
    echo "== clippy"
    cargo clippy --release --all-targets --workspace --locked -- -D warnings
    # The cell-side crate alone, exactly as cells build it (no other crate's features).
    cargo clippy --release --all-targets --locked -p playbook -- -D warnings
}
RUST_LOG_FILE="$(mktemp "${TMPDIR:-/tmp}/playbook-rust-checks.XXXXXX")"
step "Rust tests and lints (in the background, beside the end-to-end tests: $RUST_LOG_FILE)"
set -m   # its own process group, so that an early exit stops cargo too
( set -e; rust_checks ) >"$RUST_LOG_FILE" 2>&1 &
RUST_PID=$!
set +m
trap 'kill -- "-$RUST_PID" 2>/dev/null || true' EXIT

step "browser and Airflow environments (waiting for the background job)"
env_status=0
wait "$ENV_PID" || env_status=$?
cat "$ENV_LOG"
rm -f "$ENV_LOG"
if [ "$env_status" != 0 ]; then
    echo "preparing the browser or Airflow environment failed (exit $env_status)" >&2
    exit "$env_status"
fi

step "end-to-end tests through jupyter_client, jupyter_kernel_test and nbconvert"
export PATH="$VENV/bin:$PATH"
export JUPYTER_PLATFORM_DIRS=1
# The venv's kernelspec (this build) wins over one a user install left in ~/.local.
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PLAYBOOK_BIN="$CARGO_TARGET_DIR/release/playbook"
pytest_status=0
"$VENV/bin/python" -m pytest tests -v -p no:cacheprovider --durations=25 "$@" || pytest_status=$?

step "Rust tests and lints (waiting for the background job)"
rust_status=0
wait "$RUST_PID" || rust_status=$?
cat "$RUST_LOG_FILE"
rm -f "$RUST_LOG_FILE"
if [ "$rust_status" != 0 ]; then
    echo "the Rust tests or clippy failed (exit $rust_status): see the log just above" >&2
    exit "$rust_status"
fi
if [ "$pytest_status" != 0 ]; then
    exit "$pytest_status"
fi

step "container image (Dockerfile): built and smoke-tested when a Docker engine answers"
if [ "${PLAYBOOK_SKIP_DOCKER:-}" != 1 ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    docker build -t playbook:test .
    docker run --rm playbook:test playbook doctor
    docker run --rm playbook:test playbook run notebooks/latency-spike.ipynb -o /tmp/incident-record.ipynb
else
    echo "skipped: no Docker engine answers here (\`docker info\` failed), or PLAYBOOK_SKIP_DOCKER=1"
fi
