#!/usr/bin/env bash
# The main job, from nothing: install dependencies, build, train the small CNN on
# Fashion-MNIST, print the test report, save the model to runs/model.strata and write the
# run's HTML report to runs/report.html. Arguments go to `strata train` (see
# build/src/strata train --help); with --output elsewhere, run `strata report DIR` yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/src/strata train "$@"
if [[ " $* " != *" --output"* ]]; then
  build/src/strata report runs
  echo "open runs/report.html in a browser: curves, confusion matrix, ROC curves and the most confident mistakes"
fi
