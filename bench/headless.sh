#!/usr/bin/env bash
# Headless runs: `playbook run` against papermill + ipykernel, in the same run.
#
#   bench/headless.sh [ROUNDS=5]
#
# Wall time (medians of ROUNDS) of:
#   playbook run bench/notebooks/trivial-rust.ipynb      (6 trivial Rust cells)
#   playbook run notebooks/getting-started.ipynb         (6 code cells: the tour, for reference)
#   papermill bench/notebooks/trivial-python.ipynb -k python3   (6 trivial Python cells)
# Goal: `playbook run` of the trivial notebook no slower than papermill + ipykernel.
# Installs papermill and ipykernel into the test venv when missing.
. "$(dirname "$0")/lib.sh"
ROUNDS="${1:-5}"
need_binary
venv_has papermill ipykernel || venv_install papermill ipykernel
kernelspecs

OUT="$(mktemp -d "${TMPDIR:-/tmp}/playbook-headless.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
run() { # NAME CMD... : appends the wall time to $OUT/NAME.times
  local name=$1 t0 t1; shift
  t0=$(now)
  "$@" >"$OUT/$name.log" 2>&1 || { echo "$name failed:"; tail -20 "$OUT/$name.log"; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l >>"$OUT/$name.times"
}

for round in $(seq "$ROUNDS"); do
  run pb_trivial "$PB" run bench/notebooks/trivial-rust.ipynb -o "$OUT/trivial-rust.out.ipynb"
  run pb_tour "$PB" run notebooks/getting-started.ipynb -o "$OUT/getting-started.out.ipynb"
  run papermill "$VENV/bin/papermill" -k python3 --no-progress-bar bench/notebooks/trivial-python.ipynb "$OUT/trivial-python.out.ipynb"
  printf 'round %s: %s\n' "$round" "$(for n in pb_trivial pb_tour papermill; do printf '%s %.2f s  ' "$n" "$(tail -1 "$OUT/$n.times")"; done)"
done

med() { median <"$OUT/$1.times"; }
P=$(med papermill)
printf '\n%-52s %9s %12s\n' "headless run, medians of $ROUNDS (6 code cells each)" "seconds" "vs papermill"
for n in pb_trivial pb_tour papermill; do
  case $n in
    pb_trivial) label="playbook run bench/notebooks/trivial-rust.ipynb" ;;
    pb_tour) label="playbook run notebooks/getting-started.ipynb" ;;
    papermill) label="papermill -k python3 trivial-python.ipynb" ;;
  esac
  printf '%-52s %9.2f %11.2fx\n' "$label" "$(med $n)" "$(echo "$(med $n) / $P" | bc -l)"
done
T=$(med pb_trivial)
verdict=MET; (( $(echo "$T > $P" | bc -l) )) && verdict="NOT MET"
printf 'verdict: %s: playbook run (6 trivial Rust cells) %.2f s vs papermill + ipykernel (6 trivial Python cells) %.2f s = %.2fx (goal <= 1x)\n' \
  "$verdict" "$T" "$P" "$(echo "$T / $P" | bc -l)"
