#!/usr/bin/env bash
# Instruction counts per row (valgrind's callgrind) of the raw baseline and
# of `layak assess` at one thread, on one generated file, and where layak's
# instructions go by pipeline stage. Unlike wall time, these counts repeat
# exactly on a busy machine, so they are what we compare changes with.
#
#   bash benches/profile.sh                 # 100,000 households, --format csv
#   ROWS=20000 FORMAT=ndjson bash benches/profile.sh
#
# Needs valgrind (Debian package: valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-100000}
FORMAT=${FORMAT:-csv}
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

if ! command -v valgrind >/dev/null; then
  echo "needs valgrind (Debian package: valgrind)" >&2
  exit 1
fi

cargo build --release --quiet --bin layak --example synth --example raw_baseline
BIN=target/release
DATA="$WORK/households-$ROWS.csv"
[ -f "$DATA" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"

# count NAME CMD...: total instructions of CMD; its profile goes to $WORK/NAME.out.
count() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.out" "$@" \
    >/dev/null 2>"$WORK/$name.err"
  grep -o "Collected : [0-9]*" "$WORK/$name.err" | awk '{print $3}'
}

RAW=$(count raw "$BIN/examples/raw_baseline" "$DATA")
LAYAK=$(count layak "$BIN/layak" assess "$DATA" -q --threads 1 --format "$FORMAT")
echo "Instructions per row, $ROWS households:"
awk -v r="$RAW" -v l="$LAYAK" -v n="$ROWS" -v f="$FORMAT" 'BEGIN {
  printf "  %-30s %8.0f\n", "raw baseline", r / n
  printf "  %-30s %8.0f  (%.2fx raw)\n", "layak assess -f " f " --threads 1", l / n, l / r
}'
echo
echo "layak by stage (inclusive, per row):"
# One line per stage function; callgrind_annotate prints each inclusive cost
# once per function name, the first (largest) one being the whole function.
callgrind_annotate --inclusive=yes "$WORK/layak.out" 2>/dev/null |
  awk -v n="$ROWS" '
    function stage(pattern, label) {
      if (!(label in seen) && $0 ~ pattern) {
        seen[label] = 1
        gsub(",", "", $1)
        printf "  %-44s %6.0f\n", label, $1 / n
      }
    }
    {
      stage("QuoteFree::next_record( \\[|$)", "split records (quote-free chunks)")
      stage("Reader<R>::read_byte_record( \\[|$)", "read records (csv crate, quoted chunks)")
      stage("RowParser::parse( \\[|$)", "parse cells, ranges, row checks")
      stage("Engine::decide( \\[|$)", "rules (derived, indicators, programs, ...)")
      stage("DecisionWriter::decision( \\[|$)", "write the decision and its reasons")
      stage("Chunker::next_chunk( \\[|$)", "cut chunks (reader)")
      stage("Merger::merge( \\[|$)", "merge: ids, order, output")
    }'
