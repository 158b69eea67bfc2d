#!/usr/bin/env bash
# Kernel latency benchmark (see kernel_latency.py). Uses the test venv and installs
# ipykernel there; with --install-evcxr also builds evcxr_jupyter (about 20 minutes cold).
. "$(dirname "$0")/lib.sh"
export PLAYBOOK_CACHE="$CACHE"
venv_install -r tests/requirements.txt ipykernel
"$VENV/bin/python" -m ipykernel install --prefix "$VENV" >/dev/null
cargo_build -p playbook-kernel   # CI=true (see lib.sh), also for cargo install below
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
