#!/usr/bin/env bash
# Builds a release archive of `playbook` for this machine's target:
#   playbook-<version>-<target>.tar.gz  and  playbook-<version>-<target>.tar.gz.sha256
# holding (under playbook-<version>-<target>/):
#   bin/playbook                       the binary (release profile, debug info stripped)
#   share/playbook/playbook-lib/       the cell library's source, as `cargo package` makes
#                                      it (cells compile it at run time; the binary finds it
#                                      here, beside itself, when its build tree is absent)
#   share/playbook/Cargo.lock          the workspace's lock, which the prebuilt template's
#                                      record of what it was built for hashes
#   share/playbook/notebooks/          the bundled playbooks and their incident data
#   cell-template/                     the prebuilt cell library (install.sh moves it into
#                                      the cache), built with this machine's `rustc -vV`
#   README.md (and LICENSE* when the repository has them)
#
#   dist/build-archive.sh [--binary PATH] [--target TRIPLE] [--out DIR]
#     --binary PATH   pack this already-built binary instead of building one (tests)
#     --target TRIPLE the archive's target triple; must be this machine's (default: rustc's host)
#     --out DIR       where to write the archive (default: target/dist under CARGO_TARGET_DIR)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

BINARY="" TARGET="" OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY="${2:?--binary PATH}"; shift 2 ;;
    --target) TARGET="${2:?--target TRIPLE}"; shift 2 ;;
    --out) OUT="${2:?--out DIR}"; shift 2 ;;
    *) echo "build-archive.sh: unknown argument $1" >&2; exit 3 ;;
  esac
done

HOST="$(rustc -vV | sed -n 's/^host: //p')"
TARGET="${TARGET:-$HOST}"
if [ "$TARGET" != "$HOST" ]; then
  # No cross-compiling: the release workflow runs this on a machine of each target.
  echo "build-archive.sh: this machine builds for $HOST, not $TARGET" >&2
  exit 3
fi
# The workspace's version ([workspace.package] in Cargo.toml).
VERSION="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
[ -n "$VERSION" ] || { echo "build-archive.sh: no version in Cargo.toml" >&2; exit 3; }
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="${OUT:-$TARGET_DIR/dist}"

if [ -z "$BINARY" ]; then
  cargo build --release --workspace --locked
  BINARY="$TARGET_DIR/release/playbook"
fi
[ -x "$BINARY" ] || { echo "build-archive.sh: no binary at $BINARY" >&2; exit 3; }
# The binary must be this version (a stale --binary would ship another one).
BINARY_VERSION="$("$BINARY" --version | awk '{print $2}')"
if [ "$BINARY_VERSION" != "$VERSION" ]; then
  echo "build-archive.sh: $BINARY is playbook $BINARY_VERSION, the workspace is $VERSION" >&2
  exit 3
fi

NAME="playbook-$VERSION-$TARGET"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
DIR="$STAGE/$NAME"
mkdir -p "$DIR/bin" "$DIR/share/playbook"
install -m 0755 "$BINARY" "$DIR/bin/playbook"
# The release profile's line tables are most of the binary (355 of its 426 MB on
# x86_64 Linux); symbols stay, so a backtrace still names its functions. (-S: GNU and BSD.)
strip -S "$DIR/bin/playbook"

# The library as a registry would hold it: its manifest normalised (no `workspace = true`
# left to resolve, dev-dependencies on unpublished crates dropped), so it builds outside
# this workspace.
cargo package -p playbook --no-verify --allow-dirty --locked --offline >/dev/null 2>&1 ||
  cargo package -p playbook --no-verify --allow-dirty --locked >/dev/null
tar -xzf "$TARGET_DIR/package/playbook-$VERSION.crate" -C "$STAGE"
mv "$STAGE/playbook-$VERSION" "$DIR/share/playbook/playbook-lib"
cp Cargo.lock "$DIR/share/playbook/Cargo.lock"
cp -R notebooks "$DIR/share/playbook/notebooks"

# The prebuilt cell template, built by the binary being packed for the library as packed
# (its own copy of the library and the library's dependencies, vendored, are inside it,
# so it is fresh under any path). install.sh puts it into the cache; `playbook install`
# uses it when its record matches the machine (same kernel, library, `rustc -vV`).
TEMPLATE_CACHE="$STAGE/cache"
if ! PLAYBOOK_CACHE="$TEMPLATE_CACHE" PLAYBOOK_LIB_DIR="$DIR/share/playbook/playbook-lib" \
  "$DIR/bin/playbook" install --prefix "$STAGE/kernelspec" >"$STAGE/prebuild.log" 2>&1; then
  tail -n 30 "$STAGE/prebuild.log" >&2
  echo "build-archive.sh: prebuilding the cell template failed" >&2
  exit 1
fi
mv "$TEMPLATE_CACHE/cells/template" "$DIR/cell-template"
# cargo's recorded rustc invocation holds the build machine's environment: not shipped
# (a kernel records its own on its first build).
rm -f "$DIR/cell-template/.evcxr-rustc.json"
cp README.md "$DIR/"
for license in LICENSE*; do [ -e "$license" ] && cp "$license" "$DIR/"; done

mkdir -p "$OUT"
ARCHIVE="$OUT/$NAME.tar.gz"
# Owner and order fixed, so the archive depends only on its contents and their times.
tar --owner=0 --group=0 --numeric-owner --sort=name -czf "$ARCHIVE.tmp" -C "$STAGE" "$NAME" 2>/dev/null ||
  tar -czf "$ARCHIVE.tmp" -C "$STAGE" "$NAME"   # BSD tar (macOS) has no --sort/--owner
mv -f "$ARCHIVE.tmp" "$ARCHIVE"
if command -v sha256sum >/dev/null; then
  (cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
else
  (cd "$OUT" && shasum -a 256 "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
fi
echo "$ARCHIVE"
