#!/usr/bin/env bash
# Logs Insights on the local source vs jq, on one generated JSON Lines log.
#
#   bench/insights.sh [SIZE_MB=1024] [ROUNDS=3]
#
# Generates SIZE_MB (and SIZE_MB/4, for memory) of the application's event shape with
# `playbook generate-data DIR --bench-bytes N` under $PLAYBOOK_CACHE/bench (removed at the
# end), then times, medians of ROUNDS, the file warm in the page cache:
#   (a) filter level = "ERROR" | stats count(*) by bin(5m)
#       vs jq -n 'reduce (inputs | select(.level=="ERROR") | <5-minute bin>) ...'
#   (b) parse @message "\"route\":\"*\"" as r | stats pct(latency_ms, 99) by r
#       vs jq -r '"\(.route)\t\(.latency_ms)"' | sort | awk (nearest-rank p99 per route)
# checks that both tools give the same answer, and reports MB/s, the ratio to jq (goal
# >= 3x) and the max RSS (/usr/bin/time -v) at both sizes (goal: flat as the file grows).
. "$(dirname "$0")/lib.sh"
SIZE_MB="${1:-1024}"
ROUNDS="${2:-3}"
need_binary
apt_install jq jq
apt_install /usr/bin/time time   # GNU time, for -v (max RSS)

WORK="$CACHE/bench/insights.$$"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C

Q_A='filter level = "ERROR" | stats count(*) by bin(5m)'
Q_B='parse @message "\"route\":\"*\"" as r | stats pct(latency_ms, 99) by r'
# jq: the 5-minute bin of an RFC 3339 timestamp, as the engine prints it in --json.
JQ_A='reduce (inputs | select(.level == "ERROR") | .timestamp
        | "\(.[0:10]) \(.[11:14])\((.[14:16] | tonumber / 5 | floor * 5) as $m
            | if $m < 10 then "0\($m)" else "\($m)" end):00.000") as $b
      ({}; .[$b] += 1)'
JQ_B='"\(.route)\t\(.latency_ms)"'
AWK_P99='{ if ($1 != r) { flush(); r = $1; n = 0 } v[n++] = $2 }
         function flush() { if (n) { k = int(n * 0.99); if (k < n * 0.99) k++; print r "\t" v[k - 1] } }
         END { flush() }'

# Runs "$@" under /usr/bin/time -v; prints "wall_seconds max_rss_kb"; stdout to $OUT.
timed() {
  local t0 t1
  t0=$(now)
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$OUT"
  t1=$(now)
  echo "$(echo "$t1 - $t0" | bc -l) $(awk -F': ' '/Maximum resident/ { print $2 }' "$WORK/time.txt")"
}

gen() { # DIR MB -> prints first and last timestamps' window
  "$PB" generate-data "$1" --bench-bytes $(( $2 * 1024 * 1024 )) >/dev/null
  cat "$1/logs/bench/app/app-1.jsonl" >/dev/null   # warm the page cache for both tools
}
window() { # FILE -> "START END" (first ts floored to the second, last ts + 1 s)
  local first last
  first=$(head -1 "$1" | jq -r '.timestamp[0:19] + "Z"')
  last=$(tail -1 "$1" | jq -r '.timestamp[0:19] + "Z" | fromdate + 1 | todate')
  echo "$first $last"
}

echo "generating ${SIZE_MB} MB and $(( SIZE_MB / 4 )) MB logs under $WORK ..."
gen "$WORK/full" "$SIZE_MB"
gen "$WORK/quarter" $(( SIZE_MB / 4 ))
FILE="$WORK/full/logs/bench/app/app-1.jsonl"
BYTES=$(stat -c %s "$FILE")
MB=$(echo "$BYTES / 1048576" | bc -l)
read -r START END < <(window "$FILE")
echo "file: $(printf %.0f "$MB") MB, $(wc -l <"$FILE") lines, window $START .. $END; $ROUNDS rounds"

PBQ=("$PB" query logs --json --group /bench/app)
# Normalised answers: "key<TAB>value" lines, sorted.
norm_pb() { jq -r '.rows[] | "\(.[0])\t\(.[1] | tonumber)"' "$1" | sort; }

declare -A T RSS
OUT="$WORK/out.json"
for round in $(seq "$ROUNDS"); do
  read -r t r < <(timed "${PBQ[@]}" --source "local:$WORK/full" --start "$START" --end "$END" "$Q_A"); T[pb_a]+="$t "; RSS[pb_a_full]=$r
  norm_pb "$OUT" >"$WORK/pb_a.txt"
  read -r t r < <(timed "${PBQ[@]}" --source "local:$WORK/full" --start "$START" --end "$END" "$Q_B"); T[pb_b]+="$t "; RSS[pb_b_full]=$r
  norm_pb "$OUT" >"$WORK/pb_b.txt"
  read -r t r < <(timed jq -n "$JQ_A" "$FILE"); T[jq_a]+="$t "; RSS[jq_a_full]=$r
  jq -r 'to_entries[] | "\(.key)\t\(.value)"' "$OUT" | sort >"$WORK/jq_a.txt"
  read -r t r < <(timed sh -c 'jq -r "$1" "$2" | sort -t "$4" -k1,1 -k2,2n | awk -F "$4" "$3"' _ "$JQ_B" "$FILE" "$AWK_P99" $'\t')
  T[jq_b]+="$t "; RSS[jq_b_full]=$r
  sort "$OUT" >"$WORK/jq_b.txt"
  echo "round $round: pb(a) $(echo "${T[pb_a]}" | awk '{print $NF}') s, pb(b) $(echo "${T[pb_b]}" | awk '{print $NF}') s," \
       "jq(a) $(echo "${T[jq_a]}" | awk '{print $NF}') s, jq(b) $(echo "${T[jq_b]}" | awk '{print $NF}') s"
done

# Memory at a quarter of the size (one run each).
QFILE="$WORK/quarter/logs/bench/app/app-1.jsonl"
read -r START END < <(window "$QFILE")
read -r _ RSS[pb_a_quarter] < <(timed "${PBQ[@]}" --source "local:$WORK/quarter" --start "$START" --end "$END" "$Q_A")
read -r _ RSS[pb_b_quarter] < <(timed "${PBQ[@]}" --source "local:$WORK/quarter" --start "$START" --end "$END" "$Q_B")
read -r _ RSS[jq_a_quarter] < <(timed jq -n "$JQ_A" "$QFILE")

same_a=no; cmp -s "$WORK/pb_a.txt" "$WORK/jq_a.txt" && same_a=yes
same_b=no; cmp -s "$WORK/pb_b.txt" "$WORK/jq_b.txt" && same_b=yes
if [ "$same_a" != yes ] || [ "$same_b" != yes ]; then
  echo "ANSWERS DIFFER:"; diff "$WORK/pb_a.txt" "$WORK/jq_a.txt" | head; diff "$WORK/pb_b.txt" "$WORK/jq_b.txt" | head
fi
errors=$(awk -F'\t' '{ s += $2 } END { print s }' "$WORK/pb_a.txt")

med() { echo "${T[$1]}" | tr ' ' '\n' | grep . | median; }
printf '\n%-44s %9s %9s %9s %14s %14s\n' "query (medians of $ROUNDS, $(printf %.0f "$MB") MB)" "seconds" "MB/s" "vs jq" "RSS $(( SIZE_MB / 4 ))MB" "RSS ${SIZE_MB}MB"
row() { # label key jqkey
  local s mbs ratio
  s=$(med "$2"); mbs=$(echo "$MB / $s" | bc -l)
  ratio=""; [ -n "$3" ] && ratio=$(printf '%.1fx' "$(echo "$(med "$3") / $s" | bc -l)")
  printf '%-44s %9.2f %9.0f %9s %12s k %12s k\n' "$1" "$s" "$mbs" "$ratio" "${RSS[${2}_quarter]:--}" "${RSS[${2}_full]}"
}
row "(a) playbook filter+stats count by bin(5m)" pb_a jq_a
row "(a) jq reduce" jq_a ""
row "(b) playbook parse+stats pct(latency_ms,99)" pb_b jq_b
row "(b) jq | sort | awk" jq_b ""
echo "answers agree: (a) $same_a ($errors ERROR lines in $(wc -l <"$WORK/pb_a.txt") bins), (b) $same_b ($(wc -l <"$WORK/pb_b.txt") routes)"
ra=$(echo "$(med jq_a) / $(med pb_a)" | bc -l); rb=$(echo "$(med jq_b) / $(med pb_b)" | bc -l)
verdict=MET
if (( $(echo "$ra < 3 || $rb < 3" | bc -l) )) || [ "$same_a" != yes ] || [ "$same_b" != yes ]; then verdict="NOT MET"; fi
printf 'verdict: %s: playbook is %.1fx (a) and %.1fx (b) jq'"'"'s throughput (goal >= 3x); max RSS %s -> %s kB (a), %s -> %s kB (b) from %s to %s MB\n' \
  "$verdict" "$ra" "$rb" "${RSS[pb_a_quarter]}" "${RSS[pb_a_full]}" "${RSS[pb_b_quarter]}" "${RSS[pb_b_full]}" $(( SIZE_MB / 4 )) "$SIZE_MB"
