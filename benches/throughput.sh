#!/usr/bin/env bash
# Whole-file throughput of `layak assess` against the raw CSV limit, in one run.
#
#   bash benches/throughput.sh            # 1,000,000 households
#   ROWS=10000000 bash benches/throughput.sh
#
# On one generated file (benches/synth.rs, seed 1) it times:
#   (a) raw: benches/raw_baseline.rs, a minimal single-threaded program that
#       reads every record with the csv crate, parses all 24 default-policy
#       columns into typed values and writes 12 fields per row;
#   (b) layak validate, and layak assess to csv, ndjson and json, at 1 thread
#       and at all cores;
#   (c) layak assess with --summary --by region, and with --budget, at all cores.
# Each command runs RUNS times (default 5), round-robin with the others; its
# best wall time counts, because on a shared machine the noise only ever adds
# time, and it comes in spells of tens of seconds that would otherwise fall on
# one command's runs. Output goes to /dev/null,
# so the figures measure the program, not the disk. It prints a Markdown
# table: rows/s, input MB/s, the ratio of each time to (a), and peak memory
# (maximum resident set size, from /usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
CORES=$(nproc)
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time (Debian package: time)" >&2
  exit 1
fi

cargo build --release --quiet --bin layak --example synth --example raw_baseline
BIN=target/release
DATA="$WORK/households-$ROWS.csv"
if [ ! -f "$DATA" ]; then
  "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"
fi
BYTES=$(stat -c %s "$DATA")

row() { # name seconds peak_kb raw_seconds
  awk -v n="$1" -v t="$2" -v m="$3" -v r="$4" -v rows="$ROWS" -v bytes="$BYTES" 'BEGIN {
    t = (t > 0 ? t : 0.001)
    printf "| %s | %.2f | %.0f | %.1f | %.2f | %.0f |\n", n, t, rows / t, bytes / t / 1e6, t / r, m / 1024
  }'
}

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "Input: $ROWS households, $(awk -v b="$BYTES" 'BEGIN{printf "%.1f MB", b/1e6}') ($DATA); best of $RUNS runs; output to /dev/null"
echo
echo "| command | seconds | rows/s | MB/s | ratio to raw | peak MB |"
echo "|---|---|---|---|---|---|"
# The commands, by name. Every round runs each of them once, in turn, so
# that a slow spell of a shared machine hits all of them alike; a command's
# best time over the rounds counts. The raw limit runs first and last in
# each round.
NAMES=("raw limit (csv read + typed parse + write 12 fields, 1 thread)")
CMDS=("$BIN/examples/raw_baseline $DATA")
add() { NAMES+=("$1"); CMDS+=("$2"); }
for threads in 1 "$CORES"; do
  add "layak validate --threads $threads" "$BIN/layak validate $DATA --threads $threads"
done
for fmt in csv ndjson json; do
  for threads in 1 "$CORES"; do
    add "layak assess --format $fmt --threads $threads" \
      "$BIN/layak assess $DATA --format $fmt --threads $threads -q"
  done
done
# Issue 5: the summary (counted in the same pass) and budget ranking (two passes).
add "layak assess --threads $CORES --summary --by region" \
  "$BIN/layak assess $DATA --threads $CORES -q --summary $WORK/summary.json --by region"
add "layak assess --threads $CORES --budget 5000000000" \
  "$BIN/layak assess $DATA --threads $CORES -q --budget 5000000000"
add "" "$BIN/examples/raw_baseline $DATA"

declare -a BEST PEAK
for _ in $(seq "$RUNS"); do
  for i in "${!CMDS[@]}"; do
    # shellcheck disable=SC2086 # the command line is split on purpose
    /usr/bin/time -o "$WORK/time" -f "%e %M" ${CMDS[$i]} >/dev/null 2>/dev/null || true
    read -r t m < "$WORK/time"
    j=$i
    [ -z "${NAMES[$i]}" ] && j=0 # the raw limit's second run of the round
    if [ -z "${BEST[$j]:-}" ] || awk "BEGIN{exit !($t < ${BEST[$j]})}"; then BEST[$j]=$t; fi
    if [ "$m" -gt "${PEAK[$j]:-0}" ]; then PEAK[$j]=$m; fi
  done
done

RAW=${BEST[0]}
for i in "${!NAMES[@]}"; do
  [ -n "${NAMES[$i]}" ] && row "${NAMES[$i]}" "${BEST[$i]}" "${PEAK[$i]}" "$RAW"
done
