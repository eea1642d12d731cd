#!/usr/bin/env bash
# `layak compare` against one `layak assess` on the same file (issue 15).
# (benches/compare.sh is the paired-run tool for two builds; this is the
# what-if command's benchmark.)
#
#   bash benches/reform.sh                 # 1,000,000 households
#   ROWS=200000 RUNS=9 bash benches/reform.sh
#
# On one generated file (benches/synth.rs, seed 1), at all cores, CSV out to
# /dev/null, it runs in turn, RUNS times (default 7, alternating which goes
# first):
#   A: layak assess FILE
#   B: layak compare FILE --set near_poor_factor=1.3 --set food_assistance_monthly=250000
#      (changed rows only)
# and prints the best time of each, the median of the paired ratios B/A (the
# figure the issue's target, <= 1.6, is about) and each one's peak memory
# (maximum resident set size, from /usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-7}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time (Debian package: time)" >&2
  exit 1
fi

cargo build --release --quiet --bin layak --example synth
BIN=target/release
DATA="$WORK/households-$ROWS.csv"
if [ ! -f "$DATA" ]; then
  "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"
fi
AS_OF=2025-06-01
A="$BIN/layak assess $DATA --as-of $AS_OF -q"
B="$BIN/layak compare $DATA --as-of $AS_OF -q --set near_poor_factor=1.3 --set food_assistance_monthly=250000"

# Wall seconds and peak KB of one run, output to /dev/null.
measure() {
  /usr/bin/time -f "%e %M" -o "$WORK/time" bash -c "$1 > /dev/null 2>&1" || true
  cat "$WORK/time"
}

best_a=999999; best_b=999999; peak_a=0; peak_b=0
ratios=()
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 0 ]; then
    read -r ta ma < <(measure "$A"); read -r tb mb < <(measure "$B")
  else
    read -r tb mb < <(measure "$B"); read -r ta ma < <(measure "$A")
  fi
  best_a=$(awk -v x="$best_a" -v y="$ta" 'BEGIN { print (y < x ? y : x) }')
  best_b=$(awk -v x="$best_b" -v y="$tb" 'BEGIN { print (y < x ? y : x) }')
  peak_a=$(( ma > peak_a ? ma : peak_a )); peak_b=$(( mb > peak_b ? mb : peak_b ))
  ratios+=("$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f", b / a }')")
done
CHANGED=$($B 2>/dev/null | tail -n +2 | wc -l)

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "Input: $ROWS households ($(awk -v b="$(stat -c %s "$DATA")" 'BEGIN{printf "%.1f MB", b/1e6}')), all cores, CSV to /dev/null; $RUNS paired runs"
echo "compare writes $CHANGED changed households"
echo
echo "| command | best seconds | peak MB |"
echo "|---|---|---|"
awk -v t="$best_a" -v m="$peak_a" 'BEGIN { printf "| assess | %.2f | %.0f |\n", t, m / 1024 }'
awk -v t="$best_b" -v m="$peak_b" 'BEGIN { printf "| compare (--set x2, changed rows) | %.2f | %.0f |\n", t, m / 1024 }'
echo
printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$RUNS" '
  { r[NR] = $1 }
  END { printf "compare / assess: median %.3f (min %.3f, max %.3f) over %d paired runs; target <= 1.6\n", r[int((n + 1) / 2)], r[1], r[n], n }'
