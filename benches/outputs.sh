#!/usr/bin/env bash
# Output sizes and costs: bytes a household and wall time of each output
# shape and format, against the default CSV (issue 14).
#
#   bash benches/outputs.sh               # 1,000,000 households
#   ROWS=100000 RUNS=3 bash benches/outputs.sh
#
# On one generated file (benches/synth.rs, seed 1) it runs `layak assess`
# writing (a) the default CSV, (b) `--columns core --reasons codes` CSV,
# (c) Parquet with the default columns, (d) NDJSON, (e) gzip-compressed CSV,
# (f) Parquet with `--columns core --reasons codes`, each to a file,
# round-robin RUNS times, and prints each output's size, its bytes a
# household (size / households in the input file, rejected rows included)
# and its best wall time, also as a ratio to the default CSV's.
# Targets: (b) <= 150 bytes a household, (c) <= 60.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
THREADS=${THREADS:-$(nproc)}
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time (Debian package: time)" >&2
  exit 1
fi

cargo build --release --quiet --bin layak --example synth
BIN=target/release
DATA="$WORK/households-$ROWS.csv"
[ -f "$DATA" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"

NAMES=(
  "(a) CSV, default"
  "(b) CSV, --columns core --reasons codes"
  "(c) Parquet, default columns"
  "(d) NDJSON, default"
  "(e) CSV gzip (.csv.gz), default"
  "(f) Parquet, --columns core --reasons codes"
)
OUTS=(out.csv core.csv out.parquet out.ndjson out.csv.gz core.parquet)
ARGS=(
  ""
  "--columns core --reasons codes"
  ""
  ""
  ""
  "--columns core --reasons codes"
)

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); --threads $THREADS"
echo "Input: $ROWS households, CSV $(stat -c %s "$DATA") bytes; best of $RUNS runs"
echo

declare -a WALL PEAK
for _ in $(seq "$RUNS"); do
  for i in "${!OUTS[@]}"; do
    rm -f "$WORK/${OUTS[$i]}"
    # Exit 0 or 3 (some rows rejected) both count.
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M" -o "$WORK/time" \
      "$BIN/layak" assess -q "$DATA" --threads "$THREADS" -o "$WORK/${OUTS[$i]}" ${ARGS[$i]} \
      2>"$WORK/err" || [ $? -eq 3 ] || { cat "$WORK/err" >&2; exit 1; }
    read -r wall peak < <(tail -n 1 "$WORK/time")
    if [ -z "${WALL[$i]:-}" ] || awk -v a="$wall" -v b="${WALL[$i]}" 'BEGIN { exit !(a < b) }'; then
      WALL[$i]=$wall
      PEAK[$i]=$peak
    fi
  done
done

echo "| output | bytes | bytes a household | wall s | wall / (a) | peak MB |"
echo "|---|---:|---:|---:|---:|---:|"
for i in "${!OUTS[@]}"; do
  size=$(stat -c %s "$WORK/${OUTS[$i]}")
  awk -v n="${NAMES[$i]}" -v s="$size" -v rows="$ROWS" -v w="${WALL[$i]}" -v b="${WALL[0]}" -v m="${PEAK[$i]}" 'BEGIN {
    b = (b > 0 ? b : 0.001)
    printf "| %s | %d | %.1f | %.2f | %.2f | %.0f |\n", n, s, s / rows, w, w / b, m / 1024
  }'
done
