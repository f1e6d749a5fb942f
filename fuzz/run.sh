#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a fixed time on its corpus: the seeds
# fuzz/seeds.sh makes and collects, and what earlier runs found (kept in build-sanitize/fuzz-corpus/).
# A crash, leak, hang (30 s per input: above the 10 s that isolated reads may take, and forks
# under ASan are slow) or an allocation over 2 GB fails the run; the input is
# saved as build-sanitize/fuzz-findings/<target>-*.
#   usage: fuzz/run.sh [--seconds S | --minutes M] [--smoke] [target ...]     (default 20 s each)
#     --smoke  the CI run: from the seeds alone (a fresh corpus) with a fixed random seed, so that
#              a run repeats what an earlier run of the same length did
# Builds build-sanitize first (scripts/sanitize.sh --build-only) when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20 smoke=0
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --minutes) seconds=$(($2 * 60)); shift 2 ;;
    --smoke) smoke=1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
build=build-sanitize
[[ -x $build/fuzz/fuzz_npy ]] || scripts/sanitize.sh --build-only
if ((${#targets[@]} == 0)); then
  for f in $build/fuzz/fuzz_*; do [[ -x $f ]] && targets+=("${f##*/fuzz_}"); done
fi
mkdir -p $build/fuzz-findings
corpora=$build/fuzz-corpus
seed=()
if ((smoke)); then
  corpora=$(mktemp -d)
  trap 'rm -rf "$corpora"' EXIT
  seed=(-seed=1)
fi
fuzz/seeds.sh "$corpora"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizer/lsan.supp
failed=()
for t in "${targets[@]}"; do
  corpus=$corpora/$t
  mkdir -p "$corpus"
  dict=()
  [[ -f fuzz/dictionaries/$t.dict ]] && dict=(-dict=fuzz/dictionaries/$t.dict)
  echo "== fuzz_$t: $seconds s on $(ls "$corpus" | wc -l) inputs"
  if ! $build/fuzz/fuzz_$t "$corpus" "${dict[@]}" "${seed[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 \
        -malloc_limit_mb=2048 -max_len=262144 -print_final_stats=1 -artifact_prefix=$build/fuzz-findings/$t- \
        > $build/fuzz-findings/$t.log 2>&1; then
    failed+=("$t")
    tail -40 $build/fuzz-findings/$t.log
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" $build/fuzz-findings/$t.log | tr '\n' ' '; echo
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs and logs in $build/fuzz-findings/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no finding"
