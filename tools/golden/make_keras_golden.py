#!/usr/bin/env python3
"""Writes a Keras 2 HDF5 model file that uses every layer type the Keras importer must read
(InputLayer, Conv2D, SeparableConv2D, DepthwiseConv2D, BatchNormalization, Activation, ReLU,
MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Dense, Dropout, Flatten, Reshape, Add,
Concatenate), in the layout Keras 2's model.save() and save_weights() produce, plus the
output of an independent channels-last NumPy implementation of the network.

Keras itself is not packaged for Debian, so the file is written with h5py exactly as Keras 2.x
lays it out (checked against the real files in pretrained/keras/): root attributes
model_config / keras_version / backend as variable-length strings, model_weights with a
fixed-length layer_names array, each layer group with fixed-length weight_names, and - as in
real files - some weights stored under an inner group whose name is not the layer's.

usage: /usr/bin/python3 tools/golden/make_keras_golden.py   (writes tests/data/keras_all_layers*.h5
       and tests/golden/keras_all_layers.json)
"""
import json
import os

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
rng = np.random.default_rng(20261121)


def pad_same(x, k, s):
    """TensorFlow 'same' padding of an NHWC batch for kernel k, stride s (spatial axes)."""
    pads = []
    for axis in (1, 2):
        n = x.shape[axis]
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def conv(x, w, b=None, stride=1, padding="valid"):
    kh, kw, cin, cout = w.shape
    if padding == "same":
        (t, bo), (l, r) = pad_same(x, kh, stride)
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
    n, h, wd, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, w)
    return y if b is None else y + b


def depthwise(x, w, b=None, padding="valid"):
    kh, kw, cin, mult = w.shape
    if padding == "same":
        (t, bo), (l, r) = pad_same(x, kh, 1)
        x = np.pad(x, ((0, 0), (t, bo), (l, r), (0, 0)))
    n, h, wd, _ = x.shape
    oh, ow = h - kh + 1, wd - kw + 1
    y = np.zeros((n, oh, ow, cin * mult))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i:i + kh, j:j + kw, :]
            y[:, i, j, :] = np.einsum("nhwc,hwcm->ncm", patch, w).reshape(n, cin * mult)
    return y if b is None else y + b


def pool(x, k, s, padding, kind):
    n, h, w, c = x.shape
    if padding == "same":
        (t, bo), (l, r) = pad_same(x, k, s)
    else:
        t = bo = l = r = 0
    oh, ow = (h + t + bo - k) // s + 1, (w + l + r - k) // s + 1
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s - t, j * s - l
            window = x[:, max(h0, 0):min(h0 + k, h), max(w0, 0):min(w0 + k, w), :]
            y[:, i, j, :] = window.max(axis=(1, 2)) if kind == "max" else window.mean(axis=(1, 2))
    return y


def rand(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# ---- weights
W = {
    "conv_a": {"kernel": rand(3, 3, 3, 4), "bias": rand(4, scale=0.1)},
    "depthwise": {"depthwise_kernel": rand(3, 3, 4, 2), "bias": rand(8, scale=0.1)},
    "bn": {"gamma": (rng.random(8) + 0.5).astype(np.float32), "beta": rand(8, scale=0.1),
           "moving_mean": rand(8, scale=0.2), "moving_variance": (rng.random(8) + 0.5).astype(np.float32)},
    "separable": {"depthwise_kernel": rand(3, 3, 8, 1), "pointwise_kernel": rand(1, 1, 8, 6), "bias": rand(6, scale=0.1)},
    "shortcut": {"kernel": rand(1, 1, 8, 6)},
    "dense_flat": {"kernel": rand(108, 5, scale=0.2), "bias": rand(5, scale=0.1)},
    "dense_gap": {"kernel": rand(12, 5), "bias": rand(5, scale=0.1)},
}


def forward(x):
    y = np.maximum(conv(x, W["conv_a"]["kernel"], W["conv_a"]["bias"], padding="same"), 0)      # relu
    y = depthwise(y, W["depthwise"]["depthwise_kernel"], W["depthwise"]["bias"])                # 6x6x8
    bn = W["bn"]
    y = bn["gamma"] * (y - bn["moving_mean"]) / np.sqrt(bn["moving_variance"] + 1e-3) + bn["beta"]
    y = np.minimum(np.maximum(y, 0), 6)                                                          # ReLU(6)
    a = conv(depthwise(y, W["separable"]["depthwise_kernel"], padding="same"), W["separable"]["pointwise_kernel"],
             W["separable"]["bias"])
    b = conv(y, W["shortcut"]["kernel"])
    s = a + b                                                                                    # 6x6x6
    avg = pool(s, 2, 2, "valid", "avg")                                                          # 3x3x6
    mx = pool(s, 3, 2, "same", "max")                                                            # 3x3x6
    c = np.tanh(np.concatenate([avg, mx], axis=-1))                                             # 3x3x12
    r = c.reshape(c.shape[0], 6, 3, 6)                                                           # Reshape((6,3,6))
    flat = r.reshape(r.shape[0], -1) @ W["dense_flat"]["kernel"] + W["dense_flat"]["bias"]
    gap = c.mean(axis=(1, 2)) @ W["dense_gap"]["kernel"] + W["dense_gap"]["bias"]
    z = flat + gap
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def layer(cls, name, config, inbound):
    config = dict(config, name=name, trainable=True)
    return {"class_name": cls, "name": name, "config": config,
            "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []}


layers = [
    layer("InputLayer", "input_1", {"batch_input_shape": [None, 8, 8, 3], "dtype": "float32", "sparse": False}, []),
    layer("Conv2D", "conv_a", {"filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                               "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "relu", "use_bias": True},
          ["input_1"]),
    layer("DepthwiseConv2D", "depthwise", {"kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "depth_multiplier": 2,
                                           "data_format": "channels_last", "activation": "linear", "use_bias": True},
          ["conv_a"]),
    layer("BatchNormalization", "bn", {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True},
          ["depthwise"]),
    layer("ReLU", "relu6", {"max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}, ["bn"]),
    layer("SeparableConv2D", "separable", {"filters": 6, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                                           "data_format": "channels_last", "depth_multiplier": 1, "activation": "linear",
                                           "use_bias": True, "dilation_rate": [1, 1]}, ["relu6"]),
    layer("Conv2D", "shortcut", {"filters": 6, "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid",
                                 "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
                                 "use_bias": False}, ["relu6"]),
    layer("Add", "add_1", {}, ["separable", "shortcut"]),
    layer("AveragePooling2D", "avg_pool", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid",
                                           "data_format": "channels_last"}, ["add_1"]),
    layer("MaxPooling2D", "max_pool", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same",
                                       "data_format": "channels_last"}, ["add_1"]),
    layer("Concatenate", "concat", {"axis": -1}, ["avg_pool", "max_pool"]),
    layer("Activation", "tanh", {"activation": "tanh"}, ["concat"]),
    layer("Reshape", "reshape", {"target_shape": [6, 3, 6]}, ["tanh"]),
    layer("Flatten", "flatten", {"data_format": "channels_last"}, ["reshape"]),
    layer("Dropout", "dropout", {"rate": 0.3}, ["flatten"]),
    layer("Dense", "dense_flat", {"units": 5, "activation": "linear", "use_bias": True}, ["dropout"]),
    layer("GlobalAveragePooling2D", "gap", {"data_format": "channels_last"}, ["tanh"]),
    layer("Dense", "dense_gap", {"units": 5, "activation": "linear", "use_bias": True}, ["gap"]),
    layer("Add", "logits", {}, ["dense_flat", "dense_gap"]),
    layer("Activation", "predictions", {"activation": "softmax"}, ["logits"]),
]
config = {"class_name": "Model", "config": {"name": "all_layers", "layers": layers,
                                            "input_layers": [["input_1", 0, 0]], "output_layers": [["predictions", 0, 0]]}}


def write_weights(group):
    names = [l["name"] for l in layers]
    group.attrs["layer_names"] = np.array([n.encode() for n in names], dtype=f"S{max(map(len, names))}")
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = "2.2.4"
    for n in names:
        g = group.create_group(n)
        weights = W.get(n, {})
        inner = n + "_1" if n in ("conv_a", "bn") else n  # as in real files: the inner group may differ
        paths = [f"{inner}/{k}:0" for k in weights]
        g.attrs["weight_names"] = np.array([p.encode() for p in paths], dtype=f"S{max(map(len, paths))}") if paths else np.array([], dtype="float32")
        for p, v in zip(paths, weights.values()):
            g.create_dataset(p, data=v)


os.makedirs(os.path.join(ROOT, "tests", "data"), exist_ok=True)
with h5py.File(os.path.join(ROOT, "tests", "data", "keras_all_layers.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps(config)
    f.attrs["keras_version"] = "2.2.4"
    f.attrs["backend"] = "tensorflow"
    write_weights(f.create_group("model_weights"))
with h5py.File(os.path.join(ROOT, "tests", "data", "keras_all_layers_weights.h5"), "w") as f:
    write_weights(f)  # model.save_weights(): the same groups at the root

x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
y = forward(x.astype(np.float64))
with open(os.path.join(ROOT, "tests", "golden", "keras_all_layers.json"), "w") as f:
    json.dump({"input_nhwc": {"shape": list(x.shape), "data": x.ravel().tolist()},
               "output": {"shape": list(y.shape), "data": y.ravel().tolist()}}, f)
print("wrote tests/data/keras_all_layers.h5, keras_all_layers_weights.h5, tests/golden/keras_all_layers.json; output",
      np.round(y, 4).tolist())

# ---- A Sequential model (Keras 2.2+ config layout), first layer carrying batch_input_shape.
Ws = {"conv": {"kernel": rand(3, 3, 2, 3), "bias": rand(3, scale=0.1)},
      "dense": {"kernel": rand(3 * 3 * 3, 4, scale=0.3), "bias": rand(4, scale=0.1)}}
seq_layers = [
    {"class_name": "Conv2D", "config": {"name": "conv", "trainable": True, "batch_input_shape": [None, 5, 5, 2],
                                        "filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
                                        "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "relu",
                                        "use_bias": True}},
    {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "data_format": "channels_last"}},
    {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "units": 4, "activation": "softmax",
                                       "use_bias": True}},
]
seq_config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": seq_layers}}
xs = rng.standard_normal((2, 5, 5, 2)).astype(np.float32)
hs = np.maximum(conv(xs.astype(np.float64), Ws["conv"]["kernel"], Ws["conv"]["bias"]), 0)
zs = hs.reshape(2, -1) @ Ws["dense"]["kernel"] + Ws["dense"]["bias"]
ys = np.exp(zs - zs.max(axis=1, keepdims=True))
ys /= ys.sum(axis=1, keepdims=True)
with h5py.File(os.path.join(ROOT, "tests", "data", "keras_sequential.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps(seq_config)
    f.attrs["keras_version"] = "2.2.4"
    f.attrs["backend"] = "tensorflow"
    g = f.create_group("model_weights")
    names = ["conv", "flatten", "dense"]
    g.attrs["layer_names"] = np.array([n.encode() for n in names], dtype="S7")
    for n in names:
        lg = g.create_group(n)
        paths = [f"{n}/{k}:0" for k in Ws.get(n, {})]
        lg.attrs["weight_names"] = np.array([p.encode() for p in paths], dtype="S16") if paths else np.array([], dtype="float32")
        for p, v in zip(paths, Ws.get(n, {}).values()):
            lg.create_dataset(p, data=v)
with open(os.path.join(ROOT, "tests", "golden", "keras_sequential.json"), "w") as f:
    json.dump({"input_nhwc": {"shape": list(xs.shape), "data": xs.ravel().tolist()},
               "output": {"shape": list(ys.shape), "data": ys.ravel().tolist()}}, f)
print("wrote tests/data/keras_sequential.h5 and tests/golden/keras_sequential.json")
