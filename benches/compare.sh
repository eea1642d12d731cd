#!/usr/bin/env bash
# Is build B faster than build A? On a shared machine whose speed drifts in
# spells, best-of-N times of two builds measured minutes apart mislead; the
# ratio of two runs made back to back does not, because both meet the same
# spell. This runs A and B back to back N times (alternating which goes
# first) and prints the median ratio B/A with its range.
#
#   bash benches/compare.sh "OLD/layak assess FILE -q --threads 1" \
#                           "NEW/layak assess FILE -q --threads 1"
#   N=21 bash benches/compare.sh "CMD A" "CMD B"
#
# Output of both commands goes to /dev/null.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: bash benches/compare.sh \"COMMAND A\" \"COMMAND B\"" >&2
  exit 2
fi
N=${N:-15}
A=$1
B=$2
seconds() { # command: its wall time in seconds
  local start end
  start=$(date +%s.%N)
  bash -c "$1" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f\n", e - s }'
}
ratios=()
for i in $(seq "$N"); do
  if [ $((i % 2)) -eq 0 ]; then
    a=$(seconds "$A")
    b=$(seconds "$B")
  else
    b=$(seconds "$B")
    a=$(seconds "$A")
  fi
  ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')")
done
printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$N" '
  { r[NR] = $1 }
  END { printf "B/A over %d paired runs: median %.3f (min %.3f, max %.3f)\n", n, r[int((n + 1) / 2)], r[1], r[n] }'
