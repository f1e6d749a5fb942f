#!/usr/bin/env bash
# Every zoo architecture, models with LayerNormalization (opset 17), Conv2DTranspose and
# GroupNormalization, sequence, volume and upsampling models, and transformer encoders (with and without padding masks), exported to ONNX, pass
# onnx.checker (Debian's python3-onnx), with full shape inference. Skips (77) when python3-onnx is missing.
#   usage: tests/onnx_checker.sh STRATA_TESTS_BINARY
set -euo pipefail
/usr/bin/python3 -c "import onnx" 2>/dev/null || { echo "python3-onnx is not installed; skipping"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
STRATA_ONNX_EXPORT_DIR="$dir" "$1" --gtest_filter='OnnxExport.EveryZooArchitectureRoundTripsWithIdenticalOutputs:OnnxExport.LayerNormalizationRoundTripsWithIdenticalOutputs:OnnxExport.Conv2DTransposeRoundTripsWithIdenticalOutputs:OnnxExport.Rank1And3LayersRoundTripWithIdenticalOutputs:OnnxExport.GroupNormalizationRoundTripsWithIdenticalOutputs:OnnxTransformer.StrataEncoderExportsAndImportsBackWithTheSameOutputs:OnnxTransformer.PaddingMaskedEncoderExportsAndImportsBackWithTheSameOutputs' > /dev/null
/usr/bin/python3 - "$dir" <<'PY'
import os, sys, onnx
files = sorted(f for f in os.listdir(sys.argv[1]) if f.endswith(".onnx"))
assert len(files) >= 15, files
for f in files:
    model = onnx.load(os.path.join(sys.argv[1], f))
    onnx.checker.check_model(model, full_check=True)
    print(f"{f}: onnx.checker passes ({len(model.graph.node)} nodes, opset {model.opset_import[0].version})")
PY
