#!/usr/bin/env bash
# Convolutional denoising autoencoder on Fashion-MNIST, one command: installs what is needed,
# builds, trains Conv2D (down) + Conv2DTranspose (up) on noisy/clean pairs, reports the test
# reconstruction error next to a Gaussian-blur baseline, writes runs/denoise/grid.png and checks
# the network's ONNX export (and onnx.checker when python3-onnx is there).
#   usage: examples/autoencoder/denoise.sh [strata_denoise options, e.g. --epochs 5 --noise 0.4]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
scripts/build.sh
build/examples/strata_denoise "$@"
output=runs/denoise
for ((i = 1; i <= $#; i++)); do [[ "${!i}" == --output ]] && { j=$((i + 1)); output=${!j}; }; done
if /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  /usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print(sys.argv[1] + ': onnx.checker passes')" "$output/denoiser.onnx"
fi
