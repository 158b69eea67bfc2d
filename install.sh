#!/usr/bin/env bash
# Installs `playbook`: the binary (a verified prebuilt one when the release location has one
# for this platform, else built here in release mode), the Jupyter kernelspec, and the
# prebuilt library Rust cells use. Idempotent: run it again after pulling changes.
#
#   ./install.sh                 install for this user (~/.local/bin, ~/.local/share/jupyter)
#   ./install.sh --prefix DIR    binary in DIR/bin, kernelspec in DIR/share/jupyter (a venv)
#
# Environment:
#   PLAYBOOK_RELEASE_URL=URL     where release archives are (file://, http://, https://): when
#                                URL/playbook-<version>-<target>.tar.gz and its .sha256 are
#                                there and match, that binary is installed instead of
#                                building, and the archive's prebuilt cell library is
#                                put into the cache (used when built with this machine's
#                                `rustc -vV`, else rebuilt). Without it, Cargo.toml's repository is used when it
#                                is on GitHub (its releases); today it is not, so there is no
#                                default and the binary is built here.
#   PLAYBOOK_PREBUILT_BIN=PATH   a binary built already (packagers, tests): installed instead
#                                of running cargo when the binary is built from source.
#
# A Rust toolchain is needed either way: cells are compiled when they run.
set -euo pipefail
cd "$(dirname "$0")"

PREFIX=""
if [ "${1:-}" = "--prefix" ] && [ -n "${2:-}" ]; then PREFIX="$2"; fi

CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
# Where kernels look for the prebuilt cell library (kernel/src/cells/cell_cache.rs).
CELL_CACHE="${PLAYBOOK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/playbook}"
# rust-analyzer's crates (inside evcxr) record CI at build time; pin it like tests/run.sh
# so every script shares one warm build.
export CI=true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
BIN_DIR="${PREFIX:+$PREFIX/bin}"
BIN_DIR="${BIN_DIR:-$HOME/.local/bin}"
# Beside the binary, where it looks for the cell library (kernel/src/cells/library.rs).
SHARE_DIR="$(dirname "$BIN_DIR")/share/playbook"
# The workspace's version: the release archive must be this one.
VERSION="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say() { printf '==> %s\n' "$*"; }

require_toolchain() {
  if command -v cargo >/dev/null && command -v rustc >/dev/null; then return; fi
  cat >&2 <<'EOF'
install.sh: no Rust toolchain found (cargo and rustc are not on PATH).
  playbook compiles Rust cells when they run, so it needs the toolchain even with a
  prebuilt binary. Install it with rustup:
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh
  then open a new shell (or run `. "$HOME/.cargo/env"`) and run ./install.sh again.
EOF
  exit 1
}

install_rust_src() {
  say "rust-src (lets completion and inspection see the standard library)"
  if rustup component add rust-src >/dev/null 2>&1; then
    echo "    rust-src is installed"
  else
    echo "    could not install rust-src: completion of std items will be limited"
  fi
}

install_binary() {   # FROM: puts the binary into BIN_DIR (replaced whole)
  say "installing the binary into $BIN_DIR"
  mkdir -p "$BIN_DIR"
  install -m 0755 "$1" "$BIN_DIR/playbook.new"
  mv -f "$BIN_DIR/playbook.new" "$BIN_DIR/playbook"
}

# The release location: PLAYBOOK_RELEASE_URL, else the GitHub releases of Cargo.toml's
# repository (none while it is not on GitHub).
release_url() {
  if [ -n "${PLAYBOOK_RELEASE_URL:-}" ]; then
    echo "${PLAYBOOK_RELEASE_URL%/}"
    return
  fi
  local repo
  repo="$(sed -n '/^\[workspace.package\]/,/^\[/s/^repository = "\(.*\)"/\1/p' Cargo.toml)"
  case "$repo" in
    https://github.com/*) echo "${repo%/}/releases/download/v$VERSION" ;;
  esac
}

fetch() {   # URL FILE: a download with a deadline
  curl --fail --silent --show-error --location --proto '=file,http,https' \
    --connect-timeout 15 --max-time 600 --output "$2" "$1"
}

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi |
    awk '{print $1}'
}

# Installs the prebuilt archive for this platform. Returns 1, having said why, when there
# is none, it cannot be verified, or it does not run here: the caller builds from source.
install_prebuilt() {
  local base triple name expected actual unpacked
  base="$(release_url)"
  if [ -z "$base" ]; then
    say "no release location (PLAYBOOK_RELEASE_URL is not set): building from source"
    return 1
  fi
  triple="$(rustc -vV | sed -n 's/^host: //p')"
  name="playbook-$VERSION-$triple"
  say "looking for a prebuilt $name.tar.gz at $base"
  if ! command -v curl >/dev/null; then
    echo "    curl is not installed: building from source"
    return 1
  fi
  if ! fetch "$base/$name.tar.gz" "$WORK/$name.tar.gz" 2>"$WORK/curl.err"; then
    echo "    no archive for $triple there ($(tail -n 1 "$WORK/curl.err")): building from source"
    return 1
  fi
  if ! fetch "$base/$name.tar.gz.sha256" "$WORK/$name.sha256" 2>"$WORK/curl.err"; then
    echo "install.sh: $name.tar.gz has no .sha256 beside it ($(tail -n 1 "$WORK/curl.err")):" \
      "refusing an archive that cannot be verified; building from source" >&2
    return 1
  fi
  expected="$(awk '{print $1; exit}' "$WORK/$name.sha256")"
  actual="$(sha256_of "$WORK/$name.tar.gz")"
  if [ "${#expected}" != 64 ] || [ "$expected" != "$actual" ]; then
    echo "install.sh: checksum mismatch for $name.tar.gz: its .sha256 says ${expected:-nothing}," \
      "the download is $actual; refusing it and building from source" >&2
    return 1
  fi
  echo "    sha256 verified: $actual"
  unpacked="$WORK/$name"
  if ! tar -xzf "$WORK/$name.tar.gz" -C "$WORK" || ! [ -d "$unpacked/share/playbook/playbook-lib" ]; then
    echo "    the archive does not hold $name/bin and $name/share/playbook: building from source"
    return 1
  fi
  if ! "$unpacked/bin/playbook" --version >/dev/null 2>&1; then
    echo "    the prebuilt binary does not run here (an older C library?): building from source"
    return 1
  fi
  install_binary "$unpacked/bin/playbook" || return 1
  say "installing the cell library's source into $SHARE_DIR"
  mkdir -p "$(dirname "$SHARE_DIR")" && rm -rf "$SHARE_DIR.new" &&
    cp -R "$unpacked/share/playbook" "$SHARE_DIR.new" &&
    rm -rf "$SHARE_DIR" && mv "$SHARE_DIR.new" "$SHARE_DIR" || return 1
  if [ -d "$unpacked/cell-template" ]; then
    install_template "$unpacked/cell-template" ||
      echo "    could not install the archive's prebuilt cell library: it is built below"
  fi
}

# Puts a release archive's prebuilt cell template where kernels look for it, whole: next
# to it first (mtimes kept: cargo's freshness checks use them), then renamed into place.
# `playbook install` then checks that it fits this machine (kernel version, library,
# toolchain) and rebuilds it, saying why, when it does not.
install_template() {
  local cells="$CELL_CACHE/cells" staging old
  staging="$cells/template-new-$$" old="$cells/template-old-$$"
  say "installing the archive's prebuilt cell library into $cells/template"
  mkdir -p "$cells" && rm -rf "$staging" "$old" || return 1
  if ! mv "$1" "$staging"; then rm -rf "$staging"; return 1; fi
  if [ -e "$cells/template" ] && ! mv "$cells/template" "$old"; then rm -rf "$staging"; return 1; fi
  if ! mv "$staging" "$cells/template"; then
    [ -e "$old" ] && mv "$old" "$cells/template"
    rm -rf "$staging"
    return 1
  fi
  rm -rf "$old"
}

build_from_source() {
  say "building playbook (release; the first build takes a while)"
  if [ -n "${PLAYBOOK_PREBUILT_BIN:-}" ]; then
    echo "    not running cargo: PLAYBOOK_PREBUILT_BIN names a binary built already ($PLAYBOOK_PREBUILT_BIN)"
    install_binary "$PLAYBOOK_PREBUILT_BIN"
    return
  fi
  cargo build --release --locked -p playbook-kernel
  install_binary "$CARGO_TARGET_DIR/release/playbook"
}

install_kernelspec() {
  say "installing the kernelspec and prebuilding the cell library"
  if [ -n "$PREFIX" ]; then
    "$BIN_DIR/playbook" install --prefix "$PREFIX"
  else
    "$BIN_DIR/playbook" install --user
  fi
}

require_toolchain
install_rust_src
install_prebuilt || build_from_source
install_kernelspec

case ":$PATH:" in
  *":$BIN_DIR:"*) ;;
  *) echo "note: $BIN_DIR is not on your PATH; add it to run 'playbook' directly" ;;
esac
say "done: pick 'Playbook (Rust)' in JupyterLab, or run '$BIN_DIR/playbook --help' ('playbook doctor' checks the installation)"
