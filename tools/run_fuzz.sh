#!/usr/bin/env bash
# Runs the libFuzzer targets built by the `fuzz` preset (docs/fuzzing.md). From the repository root:
#
#   tools/run_fuzz.sh run   [SECONDS] [JOBS] [TARGET...]   fuzz each target SECONDS seconds
#   tools/run_fuzz.sh merge [TARGET...]                    merge new coverage into the corpora
#
# (`make fuzz` and `make fuzz-merge` build first, then call this.) No TARGET: every target in
# tests/fuzz/*_fuzz.cc. A run fuzzes target X with its scratch corpus build/fuzz/corpus/X (kept
# between runs, so that campaigns add up) and the committed corpus tests/fuzz/corpus/X as seed,
# JOBS targets at a time; it prints one line per target and exits 1 if any target crashed.
# Crash, leak, timeout and OOM inputs go to build/fuzz/artifacts/X/, libFuzzer's output to
# build/fuzz/logs/X.log. A merge adds to tests/fuzz/corpus/X only those scratch inputs that
# raise its edge coverage, chosen as a small set cover (FUZZ_MERGE_FLAGS, default
# "-set_cover_merge=1 -use_counters=0"; plain -merge=1 also keeps every input that only hits an
# edge more often, ten times as many), so the committed corpus stays small.
set -euo pipefail

BUILD=${FUZZ_BUILD_DIR:-build/fuzz}
BIN=$BUILD/tests
CORPUS=tests/fuzz/corpus
# Per input: longer than this is reported as a timeout (a hang), not waited for.
UNIT_TIMEOUT=${FUZZ_UNIT_TIMEOUT:-30}
read -r -a MERGE_FLAGS <<<"${FUZZ_MERGE_FLAGS:--set_cover_merge=1 -use_counters=0}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

all_targets() {
  for f in tests/fuzz/*_fuzz.cc; do
    f=${f##*/}
    echo "${f%_fuzz.cc}"
  done
}

need_binary() {
  if [ ! -x "$BIN/fuzz_$1" ]; then
    echo "run_fuzz: $BIN/fuzz_$1 is missing: build the fuzz preset first (make fuzz)" >&2
    exit 2
  fi
}

# The figures of one finished run, from libFuzzer's final stats and its last status line.
summarize() {
  local t=$1 secs=$2 log=$BUILD/logs/$1.log crashes=$3
  local execs rate status cov ft corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  status=$(grep -E '^#[0-9]+' "$log" | grep -E ' cov: ' | tail -n1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$status")
  if [ -z "$execs" ]; then execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$status"); fi
  printf '%-18s %6s %11s %8s %6s %7s %12s %7s\n' "$t" "$secs" "${execs:--}" "${rate:--}" \
    "${cov:--}" "${ft:--}" "${corp:--}" "$crashes"
}

run_one() {
  local t=$1 secs=$2
  local art=$BUILD/artifacts/$t scratch=$BUILD/corpus/$t log=$BUILD/logs/$t.log
  mkdir -p "$art" "$scratch" "$BUILD/logs"
  local before after start end rc=0
  before=$(find "$art" -maxdepth 1 -type f | wc -l)
  start=$(date +%s)
  "$BIN/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -timeout="$UNIT_TIMEOUT" \
    -artifact_prefix="$art/" "$scratch" "$CORPUS/$t" >"$log" 2>&1 || rc=$?
  end=$(date +%s)
  after=$(find "$art" -maxdepth 1 -type f | wc -l)
  local crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="rc=$rc"; fi
  summarize "$t" "$((end - start))" "$crashes"
}

cmd=${1:-run}
shift || true
case "$cmd" in
  run)
    secs=${1:-60}
    jobs=${2:-1}
    shift 2 || shift $#
    targets=("$@")
    [ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(all_targets)
    for t in "${targets[@]}"; do need_binary "$t"; done
    echo "fuzzing ${#targets[@]} targets, ${secs} s each, ${jobs} at a time" \
      "(artifacts: $BUILD/artifacts/<target>/, logs: $BUILD/logs/)"
    printf '%-18s %6s %11s %8s %6s %7s %12s %7s\n' target secs execs exec/s cov ft corpus crashes
    export -f run_one summarize
    export BUILD BIN CORPUS UNIT_TIMEOUT
    mkdir -p "$BUILD/logs"
    summary=$BUILD/logs/summary.txt
    printf '%s\n' "${targets[@]}" |
      xargs -P "$jobs" -I{} bash -c 'run_one "$1" "$2"' _ {} "$secs" | tee "$summary"
    if awk '$8 != "0" { bad = 1 } END { exit !bad }' "$summary"; then
      echo "run_fuzz: crashes found; inputs in $BUILD/artifacts/<target>/, output in" \
        "$BUILD/logs/<target>.log" >&2
      exit 1
    fi
    ;;
  merge)
    targets=("$@")
    [ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(all_targets)
    for t in "${targets[@]}"; do
      need_binary "$t"
      mkdir -p "$CORPUS/$t" "$BUILD/corpus/$t" "$BUILD/logs"
      n0=$(find "$CORPUS/$t" -type f | wc -l)
      mkdir -p "$BUILD/artifacts/$t"
      "$BIN/fuzz_$t" "${MERGE_FLAGS[@]}" -timeout="$UNIT_TIMEOUT" \
        -artifact_prefix="$BUILD/artifacts/$t/" \
        "$CORPUS/$t" "$BUILD/corpus/$t" \
        >"$BUILD/logs/$t.merge.log" 2>&1
      n1=$(find "$CORPUS/$t" -type f | wc -l)
      size=$(du -sk --apparent-size "$CORPUS/$t" | cut -f1)
      echo "$t: $n0 -> $n1 inputs (${size} KiB) in $CORPUS/$t"
      if [ "$n1" -gt 300 ] || [ "$size" -gt 4096 ]; then
        echo "run_fuzz: $CORPUS/$t is large; consider minimising it (docs/fuzzing.md)" >&2
      fi
    done
    ;;
  *)
    echo "usage: $0 run [SECONDS] [JOBS] [TARGET...] | merge [TARGET...]" >&2
    exit 2
    ;;
esac
