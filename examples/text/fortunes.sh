#!/usr/bin/env bash
# Pre-train a small transformer encoder on Debian's fortune files (masked LM), fine-tune it
# into a category classifier, and compare it with the same network from scratch and with
# TF-IDF + logistic regression: installs what is needed (fortunes), builds, runs.
#   usage: examples/text/fortunes.sh [strata_fortunes options]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --examples
scripts/build.sh
build/examples/strata_fortunes "$@"
