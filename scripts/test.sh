#!/usr/bin/env bash
# The test suite, from nothing: install dependencies, build, run every test under CTest; then
# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer and a short run of every
# fuzz target (scripts/sanitize.sh).
#   usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=1
for option in "$@"; do
  case "$option" in
    --no-sanitize) sanitize=0 ;;
    *) echo "test.sh: unknown option $option (expected --no-sanitize)" >&2; exit 2 ;;
  esac
done
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
if ((sanitize)); then
  scripts/sanitize.sh
fi
