#!/usr/bin/env bash
# Stage mode against assess (issue 16): `layak assess --stage` on NDJSON and
# on an Arrow IPC stream against `layak assess` on the same households as
# CSV, in rows/s. Targets: stage NDJSON >= 70% of assess CSV; Arrow >= CSV.
#
#   bash benches/stage.sh                 # 1,000,000 households
#   ROWS=100000 RUNS=3 bash benches/stage.sh
#
# On one generated file (benches/synth.rs, seed 1) it writes the stage
# inputs with benches/csv2stage.rs (NDJSON: string values, empty cells left
# out; Arrow IPC: string columns, batches of 10,000 rows, as Spark's
# mapInArrow hands them over). Then, round-robin RUNS times, it times each
# command (output to /dev/null) at 1 thread and at all cores, and prints
# its best wall time, CPU time, rows/s and the ratio of its rows/s to
# `assess` CSV (CSV decisions) at the same thread count. The last two rows
# are the raw limits of CSV and of Arrow in and out (see below), the second
# against the first.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
CORES=$(nproc)
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time (Debian package: time)" >&2
  exit 1
fi

cargo build --release --quiet --bin layak --example synth --example csv2stage \
  --example raw_baseline --example raw_stage
BIN=target/release
DATA="$WORK/households-$ROWS.csv"
[ -f "$DATA" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"
[ -f "$DATA.arrow" ] || "$BIN/examples/csv2stage" "$DATA" "$DATA.ndjson" "$DATA.arrow"

mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
echo "Machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "Input: $ROWS households: CSV $(mb "$DATA"), NDJSON $(mb "$DATA.ndjson"), Arrow IPC $(mb "$DATA.arrow"); best of $RUNS runs"
echo

NAMES=()
CMDS=()
for threads in 1 "$CORES"; do
  NAMES+=("assess CSV -> CSV|$threads")
  CMDS+=("$BIN/layak assess $DATA -q --threads $threads")
  NAMES+=("assess CSV -> NDJSON|$threads")
  CMDS+=("$BIN/layak assess $DATA -q -f ndjson --threads $threads")
  NAMES+=("stage NDJSON -> NDJSON|$threads")
  CMDS+=("$BIN/layak assess $DATA.ndjson --stage --threads $threads")
  NAMES+=("stage Arrow -> NDJSON|$threads")
  CMDS+=("$BIN/layak assess $DATA.arrow --stage --input-format arrow --threads $threads")
  NAMES+=("stage Arrow -> Arrow|$threads")
  CMDS+=("$BIN/layak assess $DATA.arrow --stage --input-format arrow --format arrow --threads $threads")
done
PER=5
# The raw limits (one thread, no rules): CSV in and out with the csv crate
# (benches/raw_baseline.rs) and Arrow in and out with arrow-ipc
# (benches/raw_stage.rs); the second's ratio is to the first.
NAMES+=("raw CSV -> CSV|1")
CMDS+=("$BIN/examples/raw_baseline $DATA")
NAMES+=("raw Arrow -> Arrow|1")
CMDS+=("$BIN/examples/raw_stage $DATA.arrow")

declare -a WALL CPU
for _ in $(seq "$RUNS"); do
  for i in "${!CMDS[@]}"; do
    /usr/bin/time -f "%e %U %S" -o "$WORK/time" ${CMDS[$i]} >/dev/null 2>"$WORK/err" || true
    read -r wall user sys <"$WORK/time"
    if [ -z "${WALL[$i]:-}" ] || awk -v a="$wall" -v b="${WALL[$i]}" 'BEGIN { exit !(a < b) }'; then
      WALL[$i]=$wall
      CPU[$i]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    fi
  done
done

echo "| command | threads | wall s | CPU s | rows/s | rows/s vs assess CSV |"
echo "|---|---|---|---|---|---|"
for i in "${!CMDS[@]}"; do
  base=$((i - i % PER))
  IFS='|' read -r name threads <<<"${NAMES[$i]}"
  awk -v n="$name" -v t="$threads" -v w="${WALL[$i]}" -v c="${CPU[$i]}" -v bw="${WALL[$base]}" \
    -v rows="$ROWS" 'BEGIN {
      w = (w > 0 ? w : 0.001); bw = (bw > 0 ? bw : 0.001)
      printf "| %s | %s | %.2f | %.2f | %.0f | %.0f%% |\n", n, t, w, c, rows / w, 100 * bw / w
    }'
done
