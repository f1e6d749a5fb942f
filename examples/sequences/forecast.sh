#!/usr/bin/env bash
# Sunspot forecasting with an LSTM on the data set Debian's python3-statsmodels ships:
# installs what is needed, builds, trains, reports test MAE/RMSE against the naive
# last-value forecast and writes runs/forecast/forecast.svg.
#   usage: examples/sequences/forecast.sh [strata_forecast options, e.g. --cell gru]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --examples
scripts/build.sh
build/examples/strata_forecast "$@"
