#!/usr/bin/env bash
# Collects the fuzz targets' seed inputs into DIR/<target>/ (kept between runs: libFuzzer adds
# what it finds there): small valid files made here with Python's standard library, real files
# the repository ships (Keras and ONNX models, .npy references), and ONNX's own test models.
#   usage: fuzz/seeds.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
for t in model_file weights_file idx cifar csv image npy onnx keras_h5 keras_archive model_spec augment_spec search_space; do
  mkdir -p "$out/$t"
done
for d in fuzz/seeds/*/; do cp "$d"* "$out/$(basename "$d")/"; done  # small committed seeds (JPEGs)
cp tests/data/keras_sequential.h5 tests/data/keras_all_layers.h5 tests/data/not_keras.h5 "$out/keras_h5/"
cp tests/data/keras3/*.keras "$out/keras_archive/"
cp pretrained/onnx/mnist-cntk.onnx "$out/onnx/"
for d in test_relu test_conv_with_strides_padding test_gemm_default_scalar_bias test_maxpool_2d_pads test_concat_2d_axis_0 \
         test_reshape_reordered_all_dims test_lstm_defaults test_resize_upsample_scales_linear test_slice test_gather_0; do
  f=/usr/share/libonnx-testdata/data/node/$d/model.onnx
  [[ -f $f ]] && cp "$f" "$out/onnx/$d.onnx"
done
cp pretrained/reference/fer2013_mini_XCEPTION_astronaut_output.npy pretrained/reference/gender_mini_XCEPTION_astronaut_output.npy \
   "$out/npy/"
/usr/bin/python3 - "$out" <<'PY'
import json, os, struct, sys, zlib, gzip
out = sys.argv[1]
def put(target, name, data):
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# .strata files: the safetensors layout with Strata's metadata.
def strata_file(config, tensors, fmt="strata-model"):
    header, blob = {}, b""
    for name, (shape, values) in tensors.items():
        data = struct.pack("<%df" % len(values), *values)
        header["weights/" + name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    meta = {"format": fmt, "version": "1", "weight_names": json.dumps(list(tensors))}
    if config is not None:
        meta["model_config"] = json.dumps(config)
    header["__metadata__"] = meta
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blob
dense = {"class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"shape": [4], "name": "input"}},
    {"class_name": "Dense", "config": {"units": 3, "activation": "relu", "name": "dense"}},
    {"class_name": "Dropout", "config": {"rate": 0.5, "name": "dropout"}},
    {"class_name": "Dense", "config": {"units": 2, "activation": "softmax", "name": "dense_1"}}]}}
w = {"dense/kernel": ([4, 3], [0.1] * 12), "dense/bias": ([3], [0.0] * 3),
     "dense_1/kernel": ([3, 2], [0.2] * 6), "dense_1/bias": ([2], [0.0] * 2)}
put("model_file", "dense.strata", strata_file(dense, w))
cnn = {"class_name": "Sequential", "config": {"name": "c", "layers": [
    {"class_name": "InputLayer", "config": {"shape": [1, 8, 8], "name": "input"}},
    {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3], "padding": "same", "name": "conv"}},
    {"class_name": "BatchNormalization", "config": {"name": "bn"}},
    {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "name": "pool"}},
    {"class_name": "Flatten", "config": {"name": "flatten"}},
    {"class_name": "Dense", "config": {"units": 3, "name": "dense"}}]}}
wc = {"conv/kernel": ([2, 1, 3, 3], [0.1] * 18), "conv/bias": ([2], [0.0] * 2), "bn/gamma": ([2], [1.0] * 2),
      "bn/beta": ([2], [0.0] * 2), "bn/moving_mean": ([2], [0.0] * 2), "bn/moving_variance": ([2], [1.0] * 2),
      "dense/kernel": ([32, 3], [0.01] * 96), "dense/bias": ([3], [0.0] * 3)}
put("model_file", "cnn.strata", strata_file(cnn, wc))
put("weights_file", "weights.strata", strata_file(None, {"conv2d/kernel": ([2, 1, 3, 3], [0.1] * 18), "conv2d/bias": ([2], [0, 0]),
    "dense/kernel": ([72, 3], [0.01] * 216), "dense/bias": ([3], [0, 0, 0])}, fmt="strata-weights"))
for name, config in (("dense.json", dense), ("cnn.json", cnn)):
    put("model_spec", name, json.dumps(config))
put("model_spec", "functional.json", json.dumps({"class_name": "Functional", "config": {"name": "f",
    "layers": [{"class_name": "InputLayer", "config": {"shape": [3, 8, 8], "name": "in"}},
               {"class_name": "Conv2D", "config": {"filters": 3, "kernel_size": [1, 1], "name": "a"}, "inbound_nodes": ["in"]},
               {"class_name": "Add", "config": {"name": "add"}, "inbound_nodes": ["in", "a"]},
               {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}, "inbound_nodes": ["add"]}],
    "input_layers": ["in"], "output_layer": "gap"}}))
put("model_spec", "lstm.json", json.dumps({"class_name": "Sequential", "config": {"layers": [
    {"class_name": "InputLayer", "config": {"shape": [5], "name": "in"}},
    {"class_name": "Embedding", "config": {"input_dim": 10, "output_dim": 4, "mask_zero": True, "name": "e"}},
    {"class_name": "LSTM", "config": {"units": 3, "return_sequences": True, "name": "l"}},
    {"class_name": "GRU", "config": {"units": 2, "name": "g"}}]}}))

# IDX: images and labels, plain and gzipped.
def idx(dims, data):
    return struct.pack(">I", 0x800 + len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + data
put("idx", "images.idx", idx([2, 4, 4], bytes(range(32))))
put("idx", "labels.idx", idx([3], bytes([0, 1, 2])))
put("idx", "images.idx.gz", gzip.compress(idx([1, 3, 3], bytes(range(9)))))
put("cifar", "two.bin", bytes([3]) + bytes(3072) + bytes([7]) + bytes(range(256)) * 12)
put("cifar", "two100.bin", bytes([1, 42]) + bytes(3072) + bytes([2, 17]) + bytes(3072))
put("csv", "plain.csv", "a,b,label\n1,2,cat\n3.5,-4e2,dog\n5,6,cat\n")
put("csv", "numeric.csv", "x;y;z\n0.1;0.2;0\n0.3;0.4;1\n")
# Images: PNGs (gray and RGB) written with zlib; stb_image also reads BMP, GIF, TGA, PSD, HDR, PNM.
def png(w, h, channels):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    color = {1: 0, 3: 2}[channels]
    raw = b"".join(b"\x00" + bytes((x * 37 + y * 11 + c) % 256 for x in range(w) for c in range(channels)) for y in range(h))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)) + \
           chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
put("image", "gray.png", png(5, 4, 1))
put("image", "rgb.png", png(6, 6, 3))
put("image", "tiny.pgm", b"P5 3 2 255\n" + bytes(range(6)))
put("image", "tiny.hdr", b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n" + bytes([128, 64, 32, 128] * 4))
bmp_pixels = bytes([10, 20, 30, 0] * 4)
put("image", "tiny.bmp", b"BM" + struct.pack("<IHHI", 54 + len(bmp_pixels), 0, 0, 54) +
    struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 32, 0, len(bmp_pixels), 0, 0, 0, 0) + bmp_pixels)
# .npy
def npy(descr, shape, payload, version=1):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    header += " " * ((64 - (len(header) + 11) % 64) % 64) + "\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header.encode() + payload
put("npy", "f4.npy", npy("<f4", [2, 3], struct.pack("<6f", *range(6))))
put("npy", "f8.npy", npy("<f8", [3], struct.pack("<3d", 1, 2, 3), version=2))
put("augment_spec", "all.txt", "flip,vflip,rotate=15,translate=0.1,zoom=0.1,crop=2,brightness=0.2,contrast=0.2,"
    "saturation=0.2,hue=0.05,noise=0.05,erase=0.5,fill=reflect,p=0.5,until=3")
put("augment_spec", "small.txt", "flip,rotate=5")
put("search_space", "space.json", json.dumps({"optimizer": {"choice": ["adam", "sgd"]},
    "momentum": {"float": [0.0, 0.9], "when": {"optimizer": "sgd"}},
    "learning_rate": {"float": [0.001, 0.1], "log": True, "grid": 3}, "units": {"int": [4, 32], "log": True}}))
PY
