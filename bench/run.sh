#!/usr/bin/env bash
# Kernel latency benchmark (see kernel_latency.py). Uses the test venv and installs
# ipykernel there; with --install-evcxr also builds evcxr_jupyter (about 20 minutes cold).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
# rust-analyzer's crates (inside evcxr) record CI at build time; pin it like tests/run.sh
# so every script shares one warm build.
export CI=true
export PLAYBOOK_CACHE="$CACHE" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
VENV="${PLAYBOOK_TEST_VENV:-$CACHE/test-venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt ipykernel
"$VENV/bin/python" -m ipykernel install --prefix "$VENV" >/dev/null
cargo build --release --locked -p playbook-kernel
"$CARGO_TARGET_DIR/release/playbook" install --prefix "$VENV"
args=()
for arg in "$@"; do
  if [ "$arg" = "--install-evcxr" ]; then
    cargo install --locked evcxr_jupyter && evcxr_jupyter --install
  else
    args+=("$arg")
  fi
done
export PATH="$VENV/bin:$PATH" JUPYTER_PLATFORM_DIRS=1
exec "$VENV/bin/python" bench/kernel_latency.py "${args[@]}"
