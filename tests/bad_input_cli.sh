#!/usr/bin/env bash
# The `strata` command on bad input and faults, as a user meets them: each case must end with
# a clear `error: ...` line naming the problem and exit code 2 (3 for a loss that turns NaN),
# never a signal, a hang, a huge allocation, or a file written over a good one.
#   usage: tests/bad_input_cli.sh STRATA CASE
set -u
strata=$1
case_name=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# Runs strata with a time and memory bound; prints its output and "exit=N".
run() {
  # (no address-space limit under ASan, which reserves terabytes of shadow memory)
  (if [ -z "${STRATA_SANITIZED:-}" ]; then ulimit -v 4000000; fi; timeout 120 "$strata" "$@") > out.txt 2>&1
  local code=$?
  cat out.txt
  echo "exit=$code"
  return 0
}
# expect EXIT PATTERN: the last run exited with EXIT and printed PATTERN (grep -E).
expect() {
  grep -q "^exit=$1$" result.txt || { echo "FAIL: expected exit $1"; cat result.txt; exit 1; }
  grep -qE -- "$2" result.txt || { echo "FAIL: expected output matching: $2"; cat result.txt; exit 1; }
  grep -qiE "std::|bad_alloc|map::at|stod|libprotobuf|CHECK failed" result.txt && { echo "FAIL: a raw library message"; cat result.txt; exit 1; }
  return 0
}
check() { run "$@" > result.txt; }

# Tiny IDX data: 60 training and 10 test images of 28x28 with labels 0..9 (or $1 for the test labels).
make_idx() {
  /usr/bin/python3 - "$@" <<'PY'
import gzip, struct, sys
test_labels = bytes(int(v) for v in sys.argv[1].split(",")) if len(sys.argv) > 1 else bytes(i % 10 for i in range(10))
def write(name, dims, data):
    with open(name, "wb") as f:
        f.write(struct.pack(">I", 0x800 + len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + data)
import random
random.seed(1)
write("train-images-idx3-ubyte", [60, 28, 28], bytes(random.randrange(256) for _ in range(60 * 784)))
write("train-labels-idx1-ubyte", [60], bytes(i % 10 for i in range(60)))
n = len(test_labels)
write("t10k-images-idx3-ubyte", [n, 28, 28], bytes(random.randrange(256) for _ in range(n * 784)))
write("t10k-labels-idx1-ubyte", [n], test_labels)
PY
}

spec() { echo "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", \"config\": {\"shape\": [1, 28, 28]}}, $1]}}" > spec.json; }

case "$case_name" in
  groups_zero)  # 1
    spec '{"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": [3, 3], "groups": 0}}'
    check summary spec.json; expect 2 "error: .*groups must be >= 1, got 0" ;;
  nested_models)  # 2: 10,000 nested Sequentials (500 KB)
    /usr/bin/python3 -c "
c = '{\"class_name\": \"Dense\", \"config\": {\"units\": 2}}'
for _ in range(10000): c = '{\"class_name\": \"Sequential\", \"config\": {\"layers\": [' + c + ']}}'
print(c)" > spec.json
    check summary spec.json; expect 2 "error: model spec 'spec.json' nests deeper than 256 levels" ;;
  deep_json)  # 3
    /usr/bin/python3 -c "print('[' * 100000 + ']' * 100000)" > spec.json
    check summary spec.json; expect 2 "error: model spec 'spec.json' nests deeper than" ;;
  huge_dense)  # 4
    spec '{"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 4611686018427387904}}'
    check summary spec.json; expect 2 "error: .*more elements than a 64-bit count can hold"
    spec '{"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 1e12}}'
    check summary spec.json; expect 2 "error: out of memory: cannot allocate" ;;
  threads)  # 5
    check --threads 100000 version; expect 2 "error: --threads: expected a number in \[0, [0-9]+\], got 100000"
    check train --workers 100000; expect 2 "error: --workers: expected a number in \[0, [0-9]+\], got 100000" ;;
  keras_corrupt)  # 6: damaged copies of a real Keras file: an error or a model, never a crash or a hang
    src=$3
    size=$(stat -c %s "$src") || exit 1
    imported=0 refused=0
    for i in $(seq 1 100); do
      /usr/bin/python3 - "$src" "$i" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], "rb").read())
rng = random.Random(int(sys.argv[2]))
# the first 64 KB hold the superblock, object headers, attributes and the heap of the strings;
# every other copy is damaged anywhere
end = min(len(data), 65536) if int(sys.argv[2]) % 2 else len(data)
for _ in range(rng.choice([1, 4, 16])):
    data[rng.randrange(8, end)] = rng.randrange(256)
open("damaged.h5", "wb").write(data)
PY
      [ -s damaged.h5 ] || { echo "FAIL: could not write the damaged copy"; exit 1; }
      STRATA_IMPORT_TIMEOUT=20 run import damaged.h5 -o m.strata > result.txt
      code=$(sed -n 's/^exit=//p' result.txt)
      if [ "$code" != 0 ] && [ "$code" != 2 ]; then echo "FAIL: damaged copy $i exited $code"; cat result.txt; exit 1; fi
      if [ "$code" = 2 ]; then grep -q "^error: " result.txt || { echo "FAIL: no error line"; cat result.txt; exit 1; }; fi
      if [ "$code" = 0 ]; then imported=$((imported + 1)); else refused=$((refused + 1)); fi
      rm -f m.strata
    done
    echo "100 damaged copies of $(basename "$src") ($size bytes): $imported imported, $refused refused with exit 2" ;;
  keras_hang)  # 6: a damaged Keras file on which libhdf5 reading its heap never returns (found by fuzzing)
    check import "$3" -o m.strata
    expect 2 "error: Keras import: reading attribute 'model_config' did not finish in 10 s; the file's heap is damaged"
    test ! -e m.strata || { echo "FAIL: a model was written"; exit 1; } ;;
  empty_image)  # 7
    make_idx
    "$strata" train --data . --epochs 1 --output m.strata --verbose 0 > /dev/null
    printf '#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 0 +X 4\n' > empty.hdr; cp empty.hdr empty.png
    check predict m.strata empty.png; expect 2 "error: .*empty.png" ;;
  lr_nan)  # 8
    make_idx
    check train --data . --epochs 2 --lr 1e300 --optimizer sgd --output m.strata --verbose 2
    expect 3 "error: the loss became NaN or infinite"
    test ! -e m.strata || { echo "FAIL: the NaN model was saved"; exit 1; } ;;
  csv_nan)  # 9
    printf 'a,b,label\n1,2,0\n3,nan,1\n4,5,0\n' > d.csv
    echo '{"learning_rate": {"choice": [0.01]}}' > space.json
    check tune --space space.json --data d.csv --trials 1 --epochs 1 --folds 1 --output t
    expect 2 "error: .*d.csv' line 3 column 2 \(b\) is not a finite number: \"nan\"" ;;
  predict_bad_label)  # 10
    make_idx
    "$strata" train --data . --epochs 1 --output m.strata --verbose 0 > /dev/null
    make_idx "0,1,200,3,4,5,6,7,8,9"
    check predict m.strata --data .; expect 2 "error: .*t10k-labels-idx1-ubyte' record 2 has label 200; expected 0 to 9" ;;
  png_full_disk)  # 11: the preview PNG on a "full disk" (a 4 KB file-size limit) keeps the old file
    "$strata" augment --preview grid.png --samples 1 --copies 1 > /dev/null
    before=$(md5sum < grid.png)
    (ulimit -f 4; trap '' XFSZ; "$strata" augment --preview grid.png --samples 6 --copies 7) > result.txt 2>&1; echo "exit=$?" >> result.txt
    expect 2 "error: cannot write 'grid.png'"
    [ "$(md5sum < grid.png)" = "$before" ] || { echo "FAIL: the previous PNG was replaced"; exit 1; }
    [ -z "$(ls -A | grep tmp)" ] || { echo "FAIL: a temporary was left"; ls -A; exit 1; } ;;
  kill_during_save)  # 12: kill -9 while training and saving, again and again
    make_idx
    start=$(date +%s%N)
    "$strata" train --data . --epochs 1 --output m.strata --verbose 0 > /dev/null
    run_ms=$((($(date +%s%N) - start) / 1000000))
    # Kills spread over the run, most of them over its last third, where the model is saved.
    for i in $(seq 1 25); do
      "$strata" train --data . --epochs 1 --output m.strata --verbose 0 > /dev/null 2>&1 &
      pid=$!
      if ((i % 3 == 0)); then at=$((RANDOM % run_ms)); else at=$((run_ms * 2 / 3 + RANDOM % (run_ms / 3 + 1))); fi
      sleep "$((at / 1000)).$(printf %03d $((at % 1000)))"
      kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
      "$strata" summary m.strata > /dev/null || { echo "FAIL: the model file does not load after kill $i"; exit 1; }
    done
    # At most the one temporary of each target, whose name the next save reuses.
    n=$(ls -A | grep -c '\.tmp' || true)
    strays=$(ls -A | grep '\.tmp' | grep -vxE '\.(m\.strata|history\.json)\.tmp' || true)
    [ -z "$strays" ] || { echo "FAIL: temporaries no later save will reuse: $strays"; exit 1; }
    echo "25 kills: the model always loads, $n temporaries (at most one per target)" ;;
  full_disk)  # 11, 13: a real full disk, a 256 KB tmpfs (root only; elsewhere the file-size case above stands in)
    mkdir small
    if ! mount -t tmpfs -o size=256k strata-test small 2>/dev/null; then
      echo "PASS: full_disk (skipped: cannot mount a tmpfs here, not root)"; exit 0
    fi
    trap 'umount "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
    make_idx
    head -c 100000 /dev/urandom > small/m.strata   # the "previous" file, 100 KB of the 256
    before=$(md5sum < small/m.strata)
    check train --data . --epochs 1 --output small/m.strata
    expect 2 "error: cannot write 'small/m.strata': .*No space left on device"
    [ "$(md5sum < small/m.strata)" = "$before" ] || { echo "FAIL: the previous file was changed"; exit 1; }
    [ -z "$(ls -A small | grep tmp)" ] || { echo "FAIL: a temporary was left"; ls -A small; exit 1; } ;;
  unwritable_output)  # 13
    make_idx
    check train --data . --epochs 1 --output /etc/hostname/m.strata
    expect 2 "error: cannot write '/etc/hostname/m.strata'"
    grep -q "Epoch" result.txt && { echo "FAIL: it trained before checking the output"; exit 1; }; true ;;
  lying_npy_idx_image_model)  # 14-17: tiny files that declare huge contents fail at once
    printf 'x' > tiny
    /usr/bin/python3 -c "
import struct
open('train-images-idx3-ubyte','wb').write(struct.pack('>IIII', 0x803, 2000, 1000, 1000) + b'abc')
open('train-labels-idx1-ubyte','wb').write(struct.pack('>II', 0x801, 2000))
open('t10k-images-idx3-ubyte','wb').write(struct.pack('>IIII', 0x803, 1, 28, 28) + bytes(784))
open('t10k-labels-idx1-ubyte','wb').write(struct.pack('>II', 0x801, 1) + bytes(1))"
    check train --data . --epochs 1; expect 2 "error: read_idx: .*is truncated: expected 2000000000 bytes"
    /usr/bin/python3 -c "
import struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open('huge.png','wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 50945, 3604, 8, 0, 0, 0, 0)) + chunk(b'IEND', b''))"
    "$strata" train --epochs 1 --limit 200 --output m.strata --verbose 0 > /dev/null
    check predict m.strata huge.png; expect 2 "error: read_image: 'huge.png' is 50945x3604 pixels"
    /usr/bin/python3 -c "
import json, struct
cfg = {'class_name': 'Sequential', 'config': {'layers': [{'class_name': 'InputLayer', 'config': {'shape': [1, 28, 28]}}, {'class_name': 'Flatten', 'config': {}}, {'class_name': 'Dense', 'config': {'units': 1000000, 'name': 'big'}}]}}
h = json.dumps({'__metadata__': {'format': 'strata-model', 'version': '1', 'weight_names': '[]', 'model_config': json.dumps(cfg)}}).encode()
open('lying.strata', 'wb').write(struct.pack('<Q', len(h)) + h)"
    check evaluate lying.strata --limit 60; expect 2 "error: load_model: 'lying.strata': the architecture declares more weights than the file holds" ;;
  messages)  # 18
    check train --validation-split nan; expect 2 "error: --validation-split: expected a finite number, got nan"
    check train --epochs 99999999999; expect 2 "error: --epochs: expected a number in \[1, 1e\+06\], got 99999999999"
    check train --batch-size 0; expect 2 "error: --batch-size: expected a number in \[1, 1e\+06\], got 0"
    check train --lr 0; expect 2 "error: --lr: expected a number in \(0, 1.79769e\+308\], got 0"
    check train --epochs -1; expect 2 "error: --epochs: expected a number in"
    grep -q "[0-9]\{40\}" result.txt && { echo "FAIL: a 300-digit number"; exit 1; }
    spec '{"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 2.5}}'
    check summary spec.json; expect 2 "error: .*Dense .*expected an integer but got units = 2.5"
    /usr/bin/python3 -c "
import onnx
from onnx import helper, TensorProto
node = helper.make_node('Relu', ['x'], [])
g = helper.make_graph([node], 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [3])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [3])])
open('no_output.onnx', 'wb').write(helper.make_model(g).SerializeToString())"
    check import no_output.onnx -o m.strata --one-example; expect 2 "the node has no output; every Relu node needs one"
    test ! -e m.strata || { echo "FAIL: a model was written"; exit 1; } ;;
  report_missing_class)  # 19
    make_idx
    "$strata" train --data . --epochs 1 --output run/model.strata --verbose 0 > /dev/null
    make_idx "0,1,2,3,4,5,6,7,8,8"
    check report run --data .; expect 0 "note: no ROC curve for class 'Ankle boot'"
    grep -q "No curve for Ankle boot" run/report.html || { echo "FAIL: the report does not say why"; exit 1; } ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
echo "PASS: $case_name"
