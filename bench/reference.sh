#!/usr/bin/env bash
# Headless run of a reference playbook: `playbook run` vs papermill + ipykernel + boto3
# on the same CloudWatch data (moto, seeded here). See bench/reference.py.
#
#   bench/reference.sh [--rounds 5]
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
export PB="${PB:-$CACHE/target/release/playbook}"
VENV="${PLAYBOOK_TEST_VENV:-$CACHE/test-venv}"
[ -x "$PB" ] || { echo "no playbook binary at $PB (cargo build --release -p playbook-kernel)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt papermill ipykernel matplotlib
export JUPYTER_PATH="$VENV/share/jupyter" JUPYTER_PLATFORM_DIRS=1
specs="$("$VENV/bin/jupyter" kernelspec list 2>/dev/null || true)"
grep -q '^ *python3 ' <<<"$specs" || "$VENV/bin/python" -m ipykernel install --prefix "$VENV" >/dev/null
grep -q '^ *playbook ' <<<"$specs" || "$PB" install --prefix "$VENV" >/dev/null
exec "$VENV/bin/python" bench/reference.py "$@"
