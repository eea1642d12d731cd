#!/bin/sh
# Run one fuzz target on the stable toolchain, from the repository root:
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags]
# The growing corpus is fuzz/corpus/TARGET (git-ignored); fuzz/seeds/TARGET
# holds the kept seeds and is only read. Crashes land in fuzz/artifacts/TARGET.
# Builds without a sanitizer but with debug assertions and overflow checks
# (layak has no unsafe code); FUZZ_BUILD_FLAGS= (empty) builds with
# AddressSanitizer instead, as cargo-fuzz does by default.
set -eu
t=$1; secs=$2; shift 2
case $t in
  csv_row|csv_file) dict=csv ;;
  policy_load|policy_splice) dict=policy ;;
  expr) dict=expr ;;
  *) echo "unknown target $t" >&2; exit 2 ;;
esac
mkdir -p fuzz/corpus/$t
RUSTC_BOOTSTRAP=1 exec cargo fuzz run --fuzz-dir fuzz ${FUZZ_BUILD_FLAGS--s none -a} "$t" fuzz/corpus/"$t" fuzz/seeds/"$t" -- \
  -dict=fuzz/dicts/$dict.dict -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -detect_leaks=0 "$@"
