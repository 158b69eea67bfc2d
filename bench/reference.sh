#!/usr/bin/env bash
# Headless run of a reference playbook: `playbook run` vs papermill + ipykernel + boto3
# on the same CloudWatch data (moto, seeded here). See bench/reference.py.
#
#   bench/reference.sh [--rounds 5]
. "$(dirname "$0")/lib.sh"
need_binary
venv_install -r tests/requirements.txt papermill ipykernel matplotlib
kernelspecs
export PB  # bench/reference.py runs it
exec "$VENV/bin/python" bench/reference.py "$@"
