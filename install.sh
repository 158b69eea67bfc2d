#!/usr/bin/env bash
# Builds `playbook` in release mode, installs the binary and the Jupyter kernelspec, and
# prebuilds the library Rust cells use. Idempotent: run it again after pulling changes.
#
#   ./install.sh                 install for this user (~/.local/bin, ~/.local/share/jupyter)
#   ./install.sh --prefix DIR    binary in DIR/bin, kernelspec in DIR/share/jupyter (a venv)
set -euo pipefail
cd "$(dirname "$0")"

PREFIX=""
if [ "${1:-}" = "--prefix" ] && [ -n "${2:-}" ]; then PREFIX="$2"; fi

CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
# rust-analyzer's crates (inside evcxr) record CI at build time; pin it like tests/run.sh
# so every script shares one warm build.
export CI=true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
BIN_DIR="${PREFIX:+$PREFIX/bin}"
BIN_DIR="${BIN_DIR:-$HOME/.local/bin}"

say() { printf '==> %s\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup first" >&2; exit 1; }

say "rust-src (lets completion and inspection see the standard library)"
if rustup component add rust-src >/dev/null 2>&1; then
  echo "    rust-src is installed"
else
  echo "    could not install rust-src: completion of std items will be limited"
fi

say "building playbook (release; the first build takes a while)"
cargo build --release --locked -p playbook-kernel

say "installing the binary into $BIN_DIR"
mkdir -p "$BIN_DIR"
install -m 0755 "$CARGO_TARGET_DIR/release/playbook" "$BIN_DIR/playbook.new"
mv -f "$BIN_DIR/playbook.new" "$BIN_DIR/playbook"

say "installing the kernelspec and prebuilding the cell library"
if [ -n "$PREFIX" ]; then
  "$BIN_DIR/playbook" install --prefix "$PREFIX"
else
  "$BIN_DIR/playbook" install --user
fi

case ":$PATH:" in
  *":$BIN_DIR:"*) ;;
  *) echo "note: $BIN_DIR is not on your PATH; add it to run 'playbook' directly" ;;
esac
say "done: pick 'Playbook (Rust)' in JupyterLab, or run '$BIN_DIR/playbook --help'"
