#!/usr/bin/env bash
# Parquet input against CSV input: is `layak assess FILE.parquet` at least as
# fast, in rows/s, as `layak assess FILE.csv` on the same households? (issue 14)
#
#   bash benches/parquet.sh               # 1,000,000 households
#   ROWS=100000 RUNS=3 bash benches/parquet.sh
#
# On one generated file (benches/synth.rs, seed 1) it writes two Parquet
# copies with benches/csv2parquet.rs (the parquet crate's ArrowWriter,
# snappy, one row group per 1,048,576 rows): every column a string, and
# typed (integer, floating-point and boolean columns where every cell is
# one). Then, round-robin RUNS times, it times `layak assess` (CSV
# decisions to /dev/null) and `layak validate` on the CSV and on each
# Parquet copy, at 1 thread and at all cores, and prints for each its best
# wall time, the CPU time (user + system) of that run, rows/s, peak memory
# and the ratios of wall and CPU time to the CSV run of the same command.
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

cargo build --release --quiet --bin layak --example synth --example csv2parquet
BIN=target/release
DATA="$WORK/households-$ROWS.csv"
[ -f "$DATA" ] || "$BIN/examples/synth" --rows "$ROWS" --seed 1 -o "$DATA"
[ -f "$DATA.strings.parquet" ] || "$BIN/examples/csv2parquet" "$DATA" "$DATA.strings.parquet" 2>/dev/null
[ -f "$DATA.typed.parquet" ] || "$BIN/examples/csv2parquet" "$DATA" "$DATA.typed.parquet" --typed 2>"$WORK/typed.txt"

mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
echo "Machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "Input: $ROWS households: CSV $(mb "$DATA"), Parquet strings $(mb "$DATA.strings.parquet"), typed $(mb "$DATA.typed.parquet"); best of $RUNS runs"
echo "Typed columns: $(sed 's/^[^:]*: [^ ]* //' "$WORK/typed.txt" | tr ' ' '\n' | grep -v ':Text' | tr '\n' ' ')"
echo

NAMES=()
CMDS=()
for cmd in "assess -q" validate; do
  for threads in 1 "$CORES"; do
    for kind in csv strings typed; do
      case $kind in
        csv) file=$DATA ;;
        *) file=$DATA.$kind.parquet ;;
      esac
      NAMES+=("${cmd%% *} --threads $threads|$kind")
      CMDS+=("$BIN/layak $cmd $file --threads $threads")
    done
  done
done

declare -a WALL CPU PEAK
for _ in $(seq "$RUNS"); do
  for i in "${!CMDS[@]}"; do
    # Exit 0 or 3 (some rows rejected) both count.
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" ${CMDS[$i]} >/dev/null 2>"$WORK/err" || true
    read -r wall user sys peak <"$WORK/time"
    if [ -z "${WALL[$i]:-}" ] || awk -v a="$wall" -v b="${WALL[$i]}" 'BEGIN { exit !(a < b) }'; then
      WALL[$i]=$wall
      CPU[$i]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
      PEAK[$i]=$peak
    fi
  done
done

echo "| command | input | wall s | CPU s | rows/s | peak MB | wall / CSV | CPU / CSV |"
echo "|---|---|---|---|---|---|---|---|"
for i in "${!CMDS[@]}"; do
  base=$((i - i % 3))
  IFS='|' read -r name kind <<<"${NAMES[$i]}"
  awk -v n="$name" -v k="$kind" -v w="${WALL[$i]}" -v c="${CPU[$i]}" -v m="${PEAK[$i]}" \
    -v bw="${WALL[$base]}" -v bc="${CPU[$base]}" -v rows="$ROWS" 'BEGIN {
      w = (w > 0 ? w : 0.001); bw = (bw > 0 ? bw : 0.001); bc = (bc > 0 ? bc : 0.001)
      printf "| layak %s | %s | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f |\n", n, k, w, c, rows / w, m / 1024, w / bw, c / bc
    }'
done
