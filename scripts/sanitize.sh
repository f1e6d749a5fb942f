#!/usr/bin/env bash
# The suite under AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer), and a
# short run of every fuzz target: one clang build in build-sanitize/ serves both (the library
# is instrumented for libFuzzer's coverage too). Any sanitizer report fails the test it is in.
#   usage: scripts/sanitize.sh [--build-only] [--fuzz-seconds S] [ctest arguments ...]
#     --build-only      configure and build, run nothing
#     --fuzz-seconds S  each fuzz target's budget after the suite (default 20; 0: no fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0 fuzz_seconds=20 ctest_args=()
while (($#)); do
  case "$1" in
    --build-only) build_only=1; shift ;;
    --fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done
scripts/install-deps.sh --sanitize
CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON \
  -DSTRATA_BUILD_BENCH=OFF >/dev/null
cmake --build build-sanitize -j "$(nproc)"
((build_only)) && exit 0
# halt_on_error: a report ends the process, so the test that triggered it fails.
# allocator_may_return_null: an impossible allocation returns null as malloc does in production
# (Strata turns it into "out of memory"), rather than ending the process.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizer/lsan.supp  # third-party leaks only, each explained there
export STRATA_SANITIZED=1  # tests that measure memory skip their bound (ASan's quarantine keeps freed blocks)
ctest --test-dir build-sanitize --output-on-failure -j "$(nproc)" "${ctest_args[@]}"
if ((fuzz_seconds > 0)); then
  fuzz/run.sh --smoke --seconds "$fuzz_seconds"
fi
