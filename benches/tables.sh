#!/usr/bin/env bash
# Hot-path cost of a table lookup, in instructions per row (valgrind's
# callgrind): `layak assess` at one thread on the same generated households
# under data/policies/provincial-lines.toml (two lookups per row of a table
# keyed by province and area) and under the same policy with the lookups
# replaced by the national lines (no table read per row).
#
#   bash benches/tables.sh              # 100,000 households
#   ROWS=20000 bash benches/tables.sh
#   NO_BUILD=1 bash benches/tables.sh   # with the release binary already built
#
# Needs valgrind (Debian package: valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-100000}
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if ! command -v valgrind >/dev/null; then
  echo "needs valgrind (Debian package: valgrind)" >&2
  exit 1
fi

[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin layak
BIN=target/release/layak

# Households: provinces cycling through codes in and out of the table.
DATA="$WORK/households.csv"
awk -v n="$ROWS" 'BEGIN {
  split("11 31 32 52 53 94 00 12 73 91", p, " ");
  print "household_id,province,area,members,monthly_income";
  for (i = 0; i < n; i++) {
    area = (i % 3 == 0) ? "urban" : "rural";
    printf "H%07d,%s,%s,%d,%d\n", i, p[i % 10 + 1], area, 1 + i % 7, (i * 7919) % 5000000;
  }
}' >"$DATA"

# The policy and its table in one folder; the variant without lookups.
mkdir -p "$WORK/p/tables"
cp data/policies/provincial-lines.toml "$WORK/p/with.toml"
cp data/policies/tables/*.csv "$WORK/p/tables/"
sed -e "s/expr = 'provincial_line\[province\]\[area\] > 0'/expr = 'false'/" \
    -e "s/if provincial then provincial_line\[province\]\[area\]/if provincial then 0/" \
    "$WORK/p/with.toml" >"$WORK/p/without.toml"
if grep -q 'provincial_line\[' "$WORK/p/without.toml"; then
  echo "the variant still looks up the table" >&2
  exit 1
fi

count() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.out" "$@" \
    >/dev/null 2>"$WORK/$name.err"
  grep -o "Collected : [0-9]*" "$WORK/$name.err" | awk '{print $3}'
}

WITH=$(count with "$BIN" assess --policy "$WORK/p/with.toml" "$DATA" -q --threads 1 -o /dev/null --as-of 2025-06-01)
WITHOUT=$(count without "$BIN" assess --policy "$WORK/p/without.toml" "$DATA" -q --threads 1 -o /dev/null --as-of 2025-06-01)
echo "Instructions per row, $ROWS households (provincial-lines.toml):"
awk -v w="$WITH" -v o="$WITHOUT" -v n="$ROWS" 'BEGIN {
  printf "  with two table lookups:   %8.1f\n", w / n;
  printf "  national lines only:      %8.1f\n", o / n;
  printf "  difference:               %8.1f (%.1f per lookup)\n", (w - o) / n, (w - o) / n / 2;
}'
