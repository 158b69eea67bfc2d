#!/usr/bin/env bash
# Fleet runs: `playbook fleet` against one `playbook run` per target and papermill +
# ipykernel per target, on the local source and against moto. See bench/fleet.py.
#
#   bench/fleet.sh [--targets 50] [--jobs 2]
. "$(dirname "$0")/lib.sh"
need_binary
venv_install -r tests/requirements.txt papermill ipykernel matplotlib
kernelspecs
export PB  # bench/fleet.py runs it
exec "$VENV/bin/python" bench/fleet.py "$@"
