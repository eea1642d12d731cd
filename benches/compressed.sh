#!/usr/bin/env bash
# Compressed input against its decompressed pipe: is `layak assess FILE.gz`
# within 1.3 times the time of `zcat FILE.gz | layak assess -`? (issue 14)
#
#   bash benches/compressed.sh               # 1,000,000 households
#   ROWS=100000 N=5 bash benches/compressed.sh
#
# On one generated file (benches/synth.rs, seed 1), compressed with gzip -6
# and zstd -3, it runs each pair of commands back to back N times
# (alternating which goes first, as benches/compare.sh does: the machine's
# speed drifts in spells, and a pair meets the same spell) and prints the
# median time ratio of each pair, with its range. Decisions go to
# /dev/null (-q: no closing line). It also times a compressed output
# (`-o out.csv.gz`, `-o out.csv.zst`) against a plain file.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
N=${N:-9}
WORK=${WORK:-$(mktemp -d)}
trap '[ -z "${KEEP:-}" ] && rm -rf "$WORK"' EXIT

cargo build --release --quiet --bin layak --example synth
BIN=$PWD/target/release
DATA="$WORK/households-$ROWS.csv"
[ -f "$DATA" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"
[ -f "$DATA.gz" ] || gzip -6 -k -c "$DATA" > "$DATA.gz"
[ -f "$DATA.zst" ] || zstd -q -3 -c "$DATA" > "$DATA.zst"
# UTF-16 LE with a byte-order mark, as Excel's "Unicode text" (commas kept).
[ -f "$DATA.utf16" ] || { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$DATA"; } > "$DATA.utf16"

seconds() { # command: its wall time in seconds
  local start end
  start=$(date +%s.%N)
  bash -c "$1" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f\n", e - s }'
}

pair() { # name "COMMAND A" "COMMAND B": median of B/A over N paired runs
  local ratios=() a b i best_a=999 best_b=999
  for i in $(seq "$N"); do
    if [ $((i % 2)) -eq 0 ]; then
      a=$(seconds "$2"); b=$(seconds "$3")
    else
      b=$(seconds "$3"); a=$(seconds "$2")
    fi
    best_a=$(awk -v x="$a" -v y="$best_a" 'BEGIN { print (x < y ? x : y) }')
    best_b=$(awk -v x="$b" -v y="$best_b" 'BEGIN { print (x < y ? x : y) }')
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')")
  done
  printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$N" -v name="$1" -v ba="$best_a" -v bb="$best_b" '
    { r[NR] = $1 }
    END { printf "| %s | %.2f | %.2f | %.2f (%.2f–%.2f) |\n", name, ba, bb, r[int((n + 1) / 2)], r[1], r[n] }'
}

L="$BIN/layak assess"
echo "Input: $ROWS households: $(du -h "$DATA" | cut -f1) CSV, $(du -h "$DATA.gz" | cut -f1) gzip, $(du -h "$DATA.zst" | cut -f1) zstd; $N paired runs; $(nproc) cores"
echo
echo "| B against A | A: best s | B: best s | median B/A (range) |"
echo "|---|---|---|---|"
pair "gzip: \`assess F.gz\` vs \`zcat F.gz \| assess -\`" "zcat $DATA.gz | $L - -q -o /dev/null" "$L $DATA.gz -q -o /dev/null"
pair "zstd: \`assess F.zst\` vs \`zstdcat F.zst \| assess -\`" "zstdcat $DATA.zst | $L - -q -o /dev/null" "$L $DATA.zst -q -o /dev/null"
pair "gzip: \`assess F.gz\` vs \`assess F\` (plain CSV)" "$L $DATA -q -o /dev/null" "$L $DATA.gz -q -o /dev/null"
pair "UTF-16: \`assess F.utf16\` vs \`assess F\`" "$L $DATA -q -o /dev/null" "$L $DATA.utf16 -q -o /dev/null"
pair "output: \`-o out.csv.gz\` vs \`-o out.csv\`" "$L $DATA -q -o $WORK/out.csv" "$L $DATA -q -o $WORK/out.csv.gz"
pair "output: \`-o out.csv.zst\` vs \`-o out.csv\`" "$L $DATA -q -o $WORK/out.csv" "$L $DATA -q -o $WORK/out.csv.zst"
echo
echo "Output sizes: $(du -h "$WORK/out.csv" | cut -f1) CSV, $(du -h "$WORK/out.csv.gz" | cut -f1) .csv.gz, $(du -h "$WORK/out.csv.zst" | cut -f1) .csv.zst"
