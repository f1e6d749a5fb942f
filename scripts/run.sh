#!/usr/bin/env bash
# The main job, from nothing: install dependencies, build, train the small CNN on
# Fashion-MNIST and print the test report. Arguments go to `strata train` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/src/strata train "$@"
