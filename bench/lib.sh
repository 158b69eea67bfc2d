# Shared set-up of the bench/*.sh scripts, sourced first by each:
#
#   . "$(dirname "$0")/lib.sh"
#
# Strict mode, the repository root as working directory, and the paths every script (and
# tests/run.sh) agrees on:
#   CACHE             $PLAYBOOK_CACHE, else ~/.cache/playbook
#   CARGO_TARGET_DIR  else $CACHE/target (exported by cargo_build)
#   VENV              the test venv: $PLAYBOOK_TEST_VENV, else $CACHE/test-venv
#   PB                the release binary: $PB, else $CARGO_TARGET_DIR/release/playbook
# and the helpers below for what the scripts need from them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
VENV="${PLAYBOOK_TEST_VENV:-$CACHE/test-venv}"
PB="${PB:-$CARGO_TARGET_DIR/release/playbook}"
# shellcheck source=tests/pyinstall.sh
. tests/pyinstall.sh

# need_binary: stops the script unless $PB is a built playbook binary.
need_binary() {
  [ -x "$PB" ] || { echo "no playbook binary at $PB (cargo build --release -p playbook-kernel)" >&2; exit 1; }
}

# venv_has MODULE...: whether the venv's Python imports every MODULE.
venv_has() {
  local IFS=,
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import $*" 2>/dev/null
}

# venv_install PIP_ARGS...: installs into the venv (created first when missing), with uv
# when it can be had (tests/pyinstall.sh).
venv_install() {
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  pyinstall "$VENV" "$@"
}

# kernelspecs: the python3 (ipykernel) and playbook ($PB) kernelspecs in the venv, each
# unless already there, and Jupyter pointed at the venv's.
kernelspecs() {
  export JUPYTER_PATH="$VENV/share/jupyter" JUPYTER_PLATFORM_DIRS=1
  local specs
  specs="$("$VENV/bin/jupyter" kernelspec list 2>/dev/null || true)"
  grep -q '^ *python3 ' <<<"$specs" || "$VENV/bin/python" -m ipykernel install --prefix "$VENV" >/dev/null
  grep -q '^ *playbook ' <<<"$specs" || "$PB" install --prefix "$VENV" >/dev/null
}

# apt_install CMD PKG: installs the Debian package PKG (through sudo unless root) when CMD,
# a command name or an absolute path, is missing.
apt_install() {
  local cmd=$1 pkg=$2 sudo_=""
  if [[ $cmd == /* ]]; then [ -x "$cmd" ] && return 0; else command -v "$cmd" >/dev/null 2>&1 && return 0; fi
  [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get install -y "$pkg" >/dev/null
}

# cargo_build ARGS...: cargo build --release --locked ARGS into $CARGO_TARGET_DIR, once no
# other cargo runs on this machine (one at a time here). rust-analyzer's crates (inside
# evcxr) record CI at build time: CI=true, as tests/run.sh pins it, so every script shares
# one warm build. Both stay exported for the rest of the script (cargo install included).
cargo_build() {
  export CI=true CARGO_TARGET_DIR
  while pgrep -x cargo >/dev/null; do echo "waiting for another cargo to finish..."; sleep 15; done
  cargo build --release --locked "$@"
}

# Timing: now prints the wall clock in seconds; median reads numbers, one per line.
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
