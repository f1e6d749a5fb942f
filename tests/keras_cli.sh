#!/usr/bin/env bash
# Keras files through the CLI as a user runs them: import a Keras 3 archive, export a .strata
# model to .keras and .h5 and import both back (same predictions), and the refusals: a damaged
# archive, an archive without config.json, a model with layers Keras lacks, an unknown output
# extension — each exit code 2, one clear message, no output file.
#   usage: tests/keras_cli.sh STRATA_BINARY
set -uo pipefail
strata=$1
data=$(cd "$(dirname "$0")" && pwd)/data
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$strata" import "$data/keras3/bn_dropout.keras" -o "$out/m.strata" | tee "$out/import.txt" || fail "import"
grep -q "imported Keras 3 model 'keras3_bn_dropout': 19 layers, 351 parameters, input \[3,8,8\]" "$out/import.txt" || fail "import summary"
"$strata" export "$out/m.strata" -o "$out/back.keras" | grep -q "(Keras 3 archive)" || fail "export .keras"
"$strata" export "$out/m.strata" -o "$out/back.h5" | grep -q "(Keras 2 HDF5)" || fail "export .h5"
for f in back.keras back.h5; do
  "$strata" import "$out/$f" -o "$out/$f.strata" > /dev/null || fail "import $f"
  "$strata" summary "$out/$f.strata" | grep -q "Total params: 351" || fail "summary of $f"
done

expect_refusal() {  # expect_refusal PATTERN OUTPUT COMMAND...
  local pattern=$1 output=$2
  shift 2
  local message code
  message=$("$strata" "$@" 2>&1)
  code=$?
  [[ $code -eq 2 ]] || fail "$* exited $code, expected 2: $message"
  grep -q -- "$pattern" <<<"$message" || fail "$*: expected /$pattern/, got: $message"
  [[ ! -e $output ]] || fail "$*: wrote $output"
  echo "refused as expected: $message" | head -2
}
printf 'PK\003\004 not really a zip' > "$out/damaged.keras"
expect_refusal "damaged.keras' is not a zip archive or is damaged" "$out/x.strata" import "$out/damaged.keras" -o "$out/x.strata"
(cd "$out" && printf '{}' > metadata.json && /usr/bin/python3 -c "import zipfile; zipfile.ZipFile('noconfig.keras', 'w').write('metadata.json')") \
  || fail "making a zip"
expect_refusal "noconfig.keras' is a zip archive but not a Keras 3 model: it has no config.json" "$out/x.strata" \
  import "$out/noconfig.keras" -o "$out/x.strata"
"$strata" import "$data/keras_all_layers.h5" -o "$out/all.strata" > /dev/null || fail "import keras_all_layers.h5"
expect_refusal "3 layer(s) have no Keras equivalent" "$out/all.keras" export "$out/all.strata" -o "$out/all.keras"
expect_refusal "expected .onnx, .keras (Keras 3) or .h5/.hdf5 (Keras 2)" "$out/m.pt" export "$out/m.strata" -o "$out/m.pt"
echo "keras cli: all cases pass"
