#!/usr/bin/env bash
# Hyper-parameter search for an MLP on the Wisconsin breast-cancer data that Debian's
# python3-sklearn ships (569 tumours, 30 features, malignant/benign): 40 random candidates,
# each scored by 5-fold stratified cross-validation with early stopping, compared with the
# default configuration; the best is retrained on all training rows and tested on a held-out
# 20%. Results, the best model and an HTML report go to tune/breast_cancer/.
#   usage: examples/tune/breast_cancer.sh [extra strata tune options]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --examples
scripts/build.sh
build/src/strata tune \
  --space examples/tune/breast_cancer_space.json \
  --data /usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv \
  --skip-rows 1 --no-header --class-names malignant,benign \
  --strategy random --trials 40 --epochs 100 --patience 10 --folds 5 --seed 1 \
  --output tune/breast_cancer "$@"
