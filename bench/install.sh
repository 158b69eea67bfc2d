#!/usr/bin/env bash
# The README's two commands on a throwaway clone, timed as a new user meets them.
#
#   bench/install.sh [--install-only] [--baseline-evcxr] [--keep] [--release-url URL]
#
# Clones this repository's HEAD (commit first: uncommitted changes are not in the clone)
# into a temporary directory, with an empty cargo target dir, an empty playbook cache and a
# throwaway HOME (the binary and kernelspec land there). The cargo registry and the
# toolchain are the machine's (a warm registry is allowed: the goal is compile time, not
# download time). Then it times, with /usr/bin/time:
#   1. README command 1 (the first line of its first code block): install + first run
#   2. README command 2 (tests/run.sh), unless --install-only
# and, with --baseline-evcxr, `cargo install --locked evcxr_jupyter` on an empty target dir
# in the same run, the nearest thing to this kernel a user could install instead.
# With --release-url URL (a directory holding dist/build-archive.sh's archive for this
# machine and its .sha256, e.g. file:///tmp/release), command 1 installs that archive
# (PLAYBOOK_RELEASE_URL) and its prebuilt cell library instead of building; the binary is
# pointed at the library installed beside it (PLAYBOOK_LIB_DIR), as a release binary whose
# build checkout is not on this machine finds it; and only command 1 runs.
# Goals (issue 27, 2 cores): command 1 ≤ 10 min (≤ 10 s from an archive), command 2
# ≤ 12 min after it, the cell library prebuild ≤ 20 s. Prints a table and a verdict line; exits 0 either way (a bench,
# not a test) unless a command fails.
. "$(dirname "$0")/lib.sh"
INSTALL_ONLY=0 BASELINE=0 KEEP=0 RELEASE_URL=""
while [ $# -gt 0 ]; do
  case $1 in
    --install-only) INSTALL_ONLY=1 ;;
    --baseline-evcxr) BASELINE=1 ;;
    --keep) KEEP=1 ;;
    --release-url) RELEASE_URL="${2:?--release-url URL}"; INSTALL_ONLY=1; shift ;;
    *) echo "usage: bench/install.sh [--install-only] [--baseline-evcxr] [--keep] [--release-url URL]" >&2; exit 3 ;;
  esac
  shift
done
apt_install /usr/bin/time time

WORK="$(mktemp -d "${TMPDIR:-/tmp}/playbook-install-bench.XXXXXX")"
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
echo "throwaway clone, cache and HOME under $WORK"
git clone --quiet --no-local "$PWD" "$WORK/clone"
git -C "$WORK/clone" log --oneline -1

# The user's toolchain and registry; everything else fresh.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
export HOME="$WORK/home" PLAYBOOK_CACHE="$WORK/cache"
unset CARGO_TARGET_DIR PLAYBOOK_TEST_VENV PB JUPYTER_PATH XDG_CACHE_HOME PLAYBOOK_LIB_DIR PLAYBOOK_RELEASE_URL
mkdir -p "$HOME"
if [ -n "$RELEASE_URL" ]; then
  export PLAYBOOK_RELEASE_URL="$RELEASE_URL" PLAYBOOK_LIB_DIR="$HOME/.local/share/playbook/playbook-lib"
fi

# timed NAME DIR CMD: runs CMD (a shell line) in DIR, its output in $WORK/NAME.log, its
# wall seconds in $WORK/NAME.seconds.
timed() {
  local name=$1 dir=$2 cmd=$3
  echo "== $name: $cmd"
  if ! (cd "$dir" && /usr/bin/time -f '%e' -o "$WORK/$name.seconds" bash -c "$cmd") >"$WORK/$name.log" 2>&1; then
    echo "$name failed; the last lines of its output:"; tail -30 "$WORK/$name.log"; exit 1
  fi
  printf '   %.0f s\n' "$(cat "$WORK/$name.seconds")"
}

readme_command() { # N: line N of the README's first code block
  awk '/^```sh$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' README.md | sed -n "${1}p"
}
FIRST="$(cd "$WORK/clone" && readme_command 1)"
SECOND="$(cd "$WORK/clone" && readme_command 2)"

timed first "$WORK/clone" "$FIRST"
[ "$INSTALL_ONLY" = 1 ] || timed second "$WORK/clone" "$SECOND"
if [ "$BASELINE" = 1 ]; then
  timed evcxr "$WORK" "CARGO_TARGET_DIR='$WORK/evcxr-target' cargo install --locked --quiet --root '$WORK/evcxr' evcxr_jupyter"
fi

# What the first command spent where, from what install.sh and cargo print.
prebuild="$(sed -n 's/.*prebuilt the cell library in \([0-9.]*\)\(m\?s\).*/\1 \2/p' "$WORK/first.log" | tail -1)"
cargo_build="$(sed -n 's/.*Finished `release` profile.* in \(.*\)$/\1/p' "$WORK/first.log" | head -1)"

minutes() { echo "scale=1; $(cat "$WORK/$1.seconds") / 60" | bc -l; }
verdict() { # NAME GOAL_MINUTES
  if [ "$(echo "$(cat "$WORK/$1.seconds") <= $2 * 60" | bc -l)" = 1 ]; then echo "met"; else echo "MISSED"; fi
}
if [ -n "$RELEASE_URL" ]; then
  within() { [ "$(echo "$(cat "$WORK/first.seconds") <= 10" | bc -l)" = 1 ] && echo met || echo MISSED; }
  printf '\n%-44s %8s %8s %8s\n' "throwaway HOME and cache ($(nproc) cores)" "seconds" "goal" "verdict"
  printf '%-44s %8s %8s %8s\n' "README command 1 from a release archive" "$(cat "$WORK/first.seconds")" "≤ 10" "$(within)"
  grep -q "the prebuilt cell library is up to date" "$WORK/first.log" ||
    echo "  (the archive's cell library was not used: see $WORK/first.log)"
  exit 0
fi
printf '\n%-44s %8s %8s %8s\n' "fresh clone, empty target dir ($(nproc) cores)" "minutes" "goal" "verdict"
printf '%-44s %8s %8s %8s\n' "README command 1 (install + first run)" "$(minutes first)" "≤ 10" "$(verdict first 10)"
printf '%-44s %8s\n' "  of which cargo build" "${cargo_build:-?}"
printf '%-44s %8s %8s\n' "  of which the cell library prebuild" "${prebuild:-?}" "≤ 20 s"
if [ "$INSTALL_ONLY" != 1 ]; then
  printf '%-44s %8s %8s %8s\n' "README command 2 (tests/run.sh) after it" "$(minutes second)" "≤ 12" "$(verdict second 12)"
fi
if [ "$BASELINE" = 1 ]; then
  printf '%-44s %8s %8s\n' "cargo install evcxr_jupyter (baseline)" "$(minutes evcxr)" \
    "$(echo "scale=2; $(cat "$WORK/first.seconds") / $(cat "$WORK/evcxr.seconds")" | bc -l)×"
fi
[ "$KEEP" = 1 ] && echo "logs kept in $WORK"
exit 0
