#!/usr/bin/env bash
# Rank-based targeting (issue 17): `layak assess` with a policy that ranks
# households into deciles against the same policy without the ranking.
#
#   bash benches/deciles.sh                 # 1,000,000 households
#   ROWS=200000 RUNS=1 bash benches/deciles.sh
#
# The file is benches/synth.rs's (seed 1). The ranking policy is the default
# policy with a `[ranking]` section appended (welfare = per_capita_income,
# population = persons, counted by `members`): the programs are the same, so
# the difference is the ranking alone (the first pass reads and evaluates
# the file once more; the decisions gain a `decile` column). Each command
# runs RUNS times round-robin; best wall time, best CPU time (user + system)
# and peak memory (maximum resident set size, /usr/bin/time -v) are printed,
# with the ratio of the ranking run to the plain one and the extra peak
# memory per household. Targets: ratio <= 1.5, extra memory <= 16 bytes a
# household.
#
#   THREADS=1 bash benches/deciles.sh       # one worker thread
#   WORK=/tmp/d KEEP=1 bash benches/deciles.sh
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
LAYAK=${LAYAK:-$BIN/layak}
DATA="$WORK/households-$ROWS.csv"
[ -f "$DATA" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"
{
  cat data/policies/default.toml
  printf '\n[ranking]\nwelfare = %s\n' "'per_capita_income'"
} > "$WORK/ranked.toml"
cp data/policies/default.toml "$WORK/plain.toml"

names=(plain ranked)
declare -A best cpu peak
for _ in $(seq "$RUNS"); do
  for n in "${names[@]}"; do
    /usr/bin/time -v "$LAYAK" assess --policy "$WORK/$n.toml" "$DATA" -o /dev/null -q \
      --threads "$THREADS" 2> "$WORK/time.txt"
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$WORK/time.txt")
    used=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$WORK/time.txt")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    if [ -z "${best[$n]:-}" ] || awk "BEGIN {exit !($secs < ${best[$n]})}"; then best[$n]=$secs; fi
    if [ -z "${cpu[$n]:-}" ] || awk "BEGIN {exit !($used < ${cpu[$n]})}"; then cpu[$n]=$used; fi
    if [ -z "${peak[$n]:-}" ] || [ "$kb" -gt "${peak[$n]}" ]; then peak[$n]=$kb; fi
  done
done

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $ROWS households, --threads $THREADS, best of $RUNS"
echo
echo "| run | wall s | wall / plain | CPU s | CPU / plain | peak MB |"
echo "|---|---:|---:|---:|---:|---:|"
for n in "${names[@]}"; do
  awk -v n="$n" -v t="${best[$n]}" -v c="${cpu[$n]}" -v m="${peak[$n]}" \
      -v t0="${best[plain]}" -v c0="${cpu[plain]}" 'BEGIN {
    printf "| %s | %.2f | %.2f | %.2f | %.2f | %.1f |\n", n, t, t / t0, c, c / c0, m / 1024
  }'
done
awk -v a="${peak[plain]}" -v b="${peak[ranked]}" -v rows="$ROWS" 'BEGIN {
  printf "\nextra peak memory: %.1f MB, %.1f bytes a household\n", (b - a) / 1024, (b - a) * 1024 / rows
}'
