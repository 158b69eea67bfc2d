#!/usr/bin/env bash
# GetMetricData batching against moto: one `run_metrics` with N queries vs one per series.
#
#   bench/getmetricdata.sh [--series 2000] [--points 180] [--period 60] [--rounds 3] [--no-naive]
#
# Builds the playbook-engine example engine/examples/getmetricdata_bench.rs and runs it; it
# starts moto behind the CBOR proxy (python -m aws.serve from tests/), seeds N series
# through the Rust SDK (PutMetricData, 1000 datums per call), and counts GetMetricData calls
# with the proxy's /__proxy/stats. Goal: ceil(N/500) calls for N series.
#
# moto computes GetMetricData in Python by scanning every stored datapoint of the window
# for every period of every query (time ~ series² × points²): 2000 series × 180 points is
# out of its reach, so run 2000 series with a small --points (the call count is the
# same while points × 500 <= 100,800, i.e. up to 201 points) and the full 3-hour window
# (--points 180) with fewer series.
. "$(dirname "$0")/lib.sh"
venv_has moto cbor2 flask || venv_install -r tests/requirements.txt

cargo_build -p playbook-engine --example getmetricdata_bench

# The example finds the venv's Python itself too; naming it pins the one set up above.
PLAYBOOK_TEST_PYTHON="$VENV/bin/python" exec "$CARGO_TARGET_DIR/release/examples/getmetricdata_bench" "$@"
