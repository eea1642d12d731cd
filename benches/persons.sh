#!/usr/bin/env bash
# Person mode (issue 18) against the equivalent household file, in one run.
#
#   bash benches/persons.sh                 # 1,000,000 households, ~4 M persons
#   ROWS=200000 RUNS=1 bash benches/persons.sh
#
# benches/synth.rs writes the household file (seed 1, no bad rows);
# benches/synth_persons.rs expands it into a household file + person file
# (grouped), the same persons with 10% of households split (the last person
# of every tenth household moved to the end), and a rectangular file. Each
# `layak assess` (all cores, output to /dev/null) runs RUNS times round-robin;
# the best wall time and the best CPU time (user + system) count. Prints
# both, their ratios to the household file, the paired ratios (the median
# over the rounds of each run against the household file's run of the same
# round: steadier when the machine's speed drifts between rounds, which the
# best of each side, taken in different rounds, is not) and peak memory
# (maximum resident set size, /usr/bin/time -v). On a shared machine the CPU seconds are the
# steadier figure. The last two rows are the raw limits (one thread, the csv
# crate, no rules: benches/raw_baseline.rs on the household file,
# benches/raw_persons.rs on the two-file layout), the second as a ratio to
# the first: what the person layout costs a tool that only parses. Targets: grouped <= 1.5x, scattered <= 3x, peak <= 200 MB.
#
#   LAYAK=/tmp/layak-old bash benches/persons.sh   # time another binary
#   WORK=/tmp/p KEEP=1 bash benches/persons.sh     # keep the generated files
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time (Debian package: time)" >&2
  exit 1
fi

cargo build --release --quiet --bin layak --example synth --example synth_persons \
  --example raw_baseline --example raw_persons
BIN=target/release
LAYAK=${LAYAK:-$BIN/layak}
H="$WORK/households-$ROWS.csv"
P="$WORK/p-$ROWS"
[ -f "$H" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$H"
[ -f "$P-persons.csv" ] || "$BIN/examples/synth_persons" "$H" "$P"

names=(households grouped scattered rectangular raw_households raw_persons)
declare -A cmd best cpu peak round_wall round_cpu pair_wall pair_cpu
cmd[households]="$LAYAK assess $H -o /dev/null -q"
cmd[grouped]="$LAYAK assess $P-households.csv --persons $P-persons.csv -o /dev/null -q"
cmd[scattered]="$LAYAK assess $P-households.csv --persons $P-persons-scattered.csv -o /dev/null -q"
cmd[rectangular]="$LAYAK assess $P-rectangular.csv --rectangular -o /dev/null -q"
# The raw limits (one thread, csv crate, no rules): what the layouts cost
# any tool that parses as the csv crate does (benches/raw_persons.rs).
cmd[raw_households]="$BIN/examples/raw_baseline $H"
cmd[raw_persons]="$BIN/examples/raw_persons $P-households.csv $P-persons.csv"

for _ in $(seq "$RUNS"); do
  for n in "${names[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -v ${cmd[$n]} > /dev/null 2> "$WORK/time.txt"
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$WORK/time.txt")
    used=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$WORK/time.txt")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    if [ -z "${best[$n]:-}" ] || awk "BEGIN {exit !($secs < ${best[$n]})}"; then best[$n]=$secs; fi
    if [ -z "${cpu[$n]:-}" ] || awk "BEGIN {exit !($used < ${cpu[$n]})}"; then cpu[$n]=$used; fi
    if [ -z "${peak[$n]:-}" ] || [ "$kb" -gt "${peak[$n]}" ]; then peak[$n]=$kb; fi
    # Paired: against the base file's run of the same round (run just
    # before), so that a machine whose speed drifts between rounds moves
    # both sides of the ratio together.
    round_wall[$n]=$secs
    round_cpu[$n]=$used
    base=households
    [[ $n == raw_* ]] && base=raw_households
    pair_wall[$n]+="$(awk -v a="$secs" -v b="${round_wall[$base]}" 'BEGIN {printf "%.4f", a / b}') "
    pair_cpu[$n]+="$(awk -v a="$used" -v b="${round_cpu[$base]}" 'BEGIN {printf "%.4f", a / b}') "
  done
done

# The median of a list of numbers.
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

persons=$(($(wc -l < "$P-persons.csv") - 1))
echo "$ROWS households, $persons persons, $(nproc) cores, best of $RUNS"
echo "(paired: the median over the rounds of each round's ratio)"
echo
echo "| input | wall s | ratio | CPU s | ratio | paired wall | paired CPU | peak MB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for n in "${names[@]}"; do
  base=households
  [[ $n == raw_* ]] && base=raw_households
  pw=$(echo "${pair_wall[$n]}" | median)
  pc=$(echo "${pair_cpu[$n]}" | median)
  awk -v n="$n" -v s="${best[$n]}" -v b="${best[$base]}" -v c="${cpu[$n]}" \
    -v cb="${cpu[$base]}" -v kb="${peak[$n]}" -v pw="$pw" -v pc="$pc" \
    'BEGIN {printf "| %s | %.2f | %.2fx | %.2f | %.2fx | %.2fx | %.2fx | %.0f |\n", n, s, s / b, c, c / cb, pw, pc, kb / 1024}'
done
