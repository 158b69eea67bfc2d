#!/usr/bin/env bash
# GetMetricData batching against moto: one `run_metrics` with N queries vs one per series.
#
#   bench/getmetricdata.sh [--series 2000] [--points 180] [--period 60] [--rounds 3] [--no-naive]
#
# Builds playbook-lib/examples/getmetricdata_bench.rs and runs it; it starts moto behind
# the CBOR proxy (python -m aws.serve from tests/), seeds N series through the Rust SDK
# (PutMetricData, 1000 datums per call), and counts GetMetricData calls with the proxy's
# /__proxy/stats. Goal: ceil(N/500) calls for N series.
#
# moto computes GetMetricData in Python by scanning every stored datapoint of the window
# for every period of every query (time ~ series² × points²): 2000 series × 180 points is
# out of its reach, so run 2000 series with a small --points (the call count is the
# same while points × 500 <= 100,800, i.e. up to 201 points) and the full 3-hour window
# (--points 180) with fewer series.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
VENV="${PLAYBOOK_TEST_VENV:-$CACHE/test-venv}"
export CI=true CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import moto, cbor2, flask' 2>/dev/null ||
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt

# One cargo at a time on this machine.
while pgrep -x cargo >/dev/null; do echo "waiting for another cargo to finish..."; sleep 15; done
# --workspace: features unified as in `cargo build --release --workspace` (the engine is
# on because the kernel enables it), so the SDK already built there is reused.
cargo build --release --locked --workspace --example getmetricdata_bench

PLAYBOOK_TEST_PYTHON="$VENV/bin/python" exec "$CARGO_TARGET_DIR/release/examples/getmetricdata_bench" "$@"
