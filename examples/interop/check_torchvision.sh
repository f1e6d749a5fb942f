#!/usr/bin/env bash
# torchvision ResNet-18, MobileNetV2 and VGG-16, exported to ONNX by Debian's PyTorch, imported
# by Strata: outputs must match PyTorch's to a relative error below 1e-4.
#   usage: examples/interop/check_torchvision.sh [OUTPUT_DIR]   (default runs/torchvision_onnx)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --bench
scripts/build.sh
out="${1:-runs/torchvision_onnx}"
python3 examples/interop/torchvision_onnx.py "$out"
for name in resnet18 mobilenet_v2 vgg16; do
  build/examples/strata_onnx_compare "$out/$name.onnx" "$out/${name}_input.npy" "$out/${name}_output.npy"
done
