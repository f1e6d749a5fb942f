#!/usr/bin/env bash
# Strata's exported .keras archives and Keras 2 .h5 files (the main-job CNN, an LSTM model, a zoo ResNet-18) read back
# by tools/golden/keras3_numpy.py, which runs its own channels-last NumPy forward pass from the
# archive's config.json and model.weights.h5 and compares with Strata's outputs. Skips (77)
# when python3-h5py is missing.
#   usage: tests/keras_numpy_check.sh STRATA_TESTS_BINARY
set -euo pipefail
/usr/bin/python3 -c "import h5py, numpy" 2>/dev/null || { echo "python3-h5py is not installed; skipping"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
STRATA_KERAS_EXPORT_DIR="$dir" "$1" --gtest_filter='KerasExport.RoundTripsGiveIdenticalOutputs' > /dev/null
/usr/bin/python3 "$(dirname "$0")/../tools/golden/keras3_numpy.py" check "$dir"
