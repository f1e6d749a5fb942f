#!/usr/bin/env python3
"""Keras 3 `.keras` archives without Keras: read and write them with zipfile, json and h5py
(Keras is not packaged for Debian), and run a model's forward pass in NumPy, channels-last,
straight from its config.json and model.weights.h5. This is the independent oracle for
Strata's Keras 3 import and export (src/strata/interop/keras_archive.cpp).

Layout (keras/src/saving/saving_lib.py): the zip holds metadata.json, config.json (the
serialized model: module / class_name / config / registered_name, nested layer configs) and
model.weights.h5, where the model's layers (Sequential: without its InputLayer) are named by
their class in snake_case with _1, _2 ... for repeats, each layer's variables stored as
layers/<name>/vars/0, 1, ... in creation order, a recurrent layer's under layers/<name>/cell/vars.

Keras 2 HDF5 full-model files (model.save('x.h5')) are read too: the model_config attribute, and
each layer's weights in the order of its group's weight_names attribute (as Keras 2 loads them).

usage: /usr/bin/python3 tools/golden/keras3_numpy.py check DIR
         runs every DIR/<name>.keras and DIR/<name>.h5 on DIR/<name>.input.npy and compares with
         DIR/<name>.output.npy (what Strata computed); exits 1 above relative error 1e-5.
"""
import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np


def snake_case(name):
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


RECURRENT = ("SimpleRNN", "LSTM", "GRU")


def weight_layers(model_config):
    layers = model_config["config"]["layers"]
    if model_config["class_name"] == "Sequential":
        layers = [l for l in layers if l["class_name"] != "InputLayer"]
    return layers


def var_groups(layer):
    """Where a layer keeps its variables, under its own path: a recurrent layer in its cell, a
    Bidirectional in its forward_layer and backward_layer, a TimeDistributed in its layer."""
    cls = layer["class_name"]
    if cls == "Bidirectional":
        return [f"{d}_layer/{g}" for d in ("forward", "backward") for g in var_groups(layer["config"]["layer"])]
    if cls == "TimeDistributed":
        return ["layer/" + g for g in var_groups(layer["config"]["layer"])]
    return ["cell/vars" if cls in RECURRENT else "vars"]


def layer_paths(model_config):
    """Keras 3's weights-file groups of each layer of model.layers, by layer name."""
    used, out = {}, {}
    for l in weight_layers(model_config):
        base = snake_case(l["class_name"])
        if base in used:
            used[base] += 1
            path = f"layers/{base}_{used[base]}"
        else:
            used[base] = 0
            path = f"layers/{base}"
        out[l["config"]["name"]] = [path + "/" + g for g in var_groups(l)]
    return out


def write_groups(h5, model_config, weights):
    """Each layer's flat weight list, split evenly over its groups (a Bidirectional's halves)."""
    h5.create_group("vars")
    for name, groups in layer_paths(model_config).items():
        values = weights.get(name, [])
        per_group = len(values) // len(groups)
        for k, group in enumerate(groups):
            g = h5.require_group(group)
            for i, value in enumerate(values[k * per_group:(k + 1) * per_group]):
                g[str(i)] = np.asarray(value, dtype=np.float32)


def write_archive(path, model_config, weights):
    """weights: layer name -> list of arrays in Keras' order."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_groups(h5, model_config, weights)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.5.0", "date_saved": "2026-12-01@00:00:00"}))
        zf.writestr("config.json", json.dumps(model_config))
        zf.writestr("model.weights.h5", buffer.getvalue())


def write_weights_file(path, model_config, weights):
    """A Keras 3 model.save_weights('x.weights.h5') file: the same layout, outside a zip."""
    with h5py.File(path, "w") as h5:
        write_groups(h5, model_config, weights)


def read_archive(path):
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h5:
            weights = {}
            for name, groups in layer_paths(config).items():
                weights[name] = []
                for group in groups:
                    assert group in h5, f"{path}: no {group} for layer {name}"
                    vars_ = h5[group]
                    weights[name] += [np.array(vars_[str(i)], dtype=np.float64) for i in range(len(vars_))]
    assert "keras_version" in metadata
    return config, weights


def read_keras2_h5(path):
    with h5py.File(path, "r") as f:
        config = f.attrs["model_config"]
        config = json.loads(config.decode() if isinstance(config, bytes) else config)
        group = f["model_weights"]
        weights = {}
        for name in group.attrs["layer_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            names = group[name].attrs.get("weight_names", [])
            weights[name] = [np.array(group[name][n.decode() if isinstance(n, bytes) else n], dtype=np.float64) for n in names]
    return config, weights


# ---------------------------------------------------------------- the forward pass


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "softmax": softmax,
    "elu": lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "silu": lambda x: x * sigmoid(x),
}


def same_pads(n, k, s, d=1):
    """TensorFlow's 'same' padding (the extra row/column at the end)."""
    k = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad_spatial(x, c, k, s, value=0.0):
    if c.get("padding", "valid") != "same":
        return x
    (t, b), (l, r) = same_pads(x.shape[1], k[0], s[0]), same_pads(x.shape[2], k[1], s[1])
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def windows(x, k, s):
    """(n, oh, ow, kh, kw, c) patches of an NHWC batch."""
    n, h, w, ch = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.empty((n, oh, ow, k[0], k[1], ch))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1], :]
    return out


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv(x, kernel, c):
    k, s = kernel.shape[:2], pair(c.get("strides", 1))
    assert pair(c.get("dilation_rate", 1)) == (1, 1) and c.get("groups", 1) == 1
    return np.einsum("nhwabc,abco->nhwo", windows(pad_spatial(x, c, k, s), k, s), kernel)


def depthwise(x, kernel, c):
    k, s = kernel.shape[:2], pair(c.get("strides", 1))
    p = windows(pad_spatial(x, c, k, s), k, s)
    y = np.einsum("nhwabc,abcm->nhwcm", p, kernel)
    return y.reshape(y.shape[:3] + (-1,))


def pool(x, c, kind):
    k = pair(c.get("pool_size", 2))
    s = pair(c.get("strides") or k)
    if kind == "max":
        return windows(pad_spatial(x, c, k, s, -np.inf), k, s).max(axis=(3, 4))
    total = windows(pad_spatial(x, c, k, s), k, s).sum(axis=(3, 4))
    count = windows(pad_spatial(np.ones_like(x[:1, ..., :1]), c, k, s), k, s).sum(axis=(3, 4))
    return total / count  # TensorFlow's 'same' average leaves the padding out


def rnn(cls, x, w, c):
    n, steps, _ = x.shape
    units = c["units"]
    act = ACTIVATIONS[c.get("activation", "tanh")]
    rec = ACTIVATIONS[c.get("recurrent_activation", "sigmoid")]
    kernel, recurrent = w[0], w[1]
    bias = w[2] if c.get("use_bias", True) else None
    h = np.zeros((n, units))
    cell = np.zeros((n, units))
    outputs = []
    order = range(steps - 1, -1, -1) if c.get("go_backwards", False) else range(steps)
    for t in order:
        xt = x[:, t]
        if cls == "SimpleRNN":
            h = act(xt @ kernel + h @ recurrent + (0 if bias is None else bias))
        elif cls == "LSTM":
            z = xt @ kernel + h @ recurrent + (0 if bias is None else bias)
            i, f, g, o = np.split(z, 4, axis=-1)
            cell = rec(f) * cell + rec(i) * act(g)
            h = rec(o) * act(cell)
        else:  # GRU, gates z, r, h
            if c.get("reset_after", True):
                bx, bh = (bias[0], bias[1]) if bias is not None else (0, 0)
                mx, mh = xt @ kernel + bx, h @ recurrent + bh
                xz, xr, xh = np.split(mx, 3, axis=-1)
                hz, hr, hh = np.split(mh, 3, axis=-1)
                z, r = rec(xz + hz), rec(xr + hr)
                candidate = act(xh + r * hh)
            else:
                b = 0 if bias is None else bias
                mx = xt @ kernel + b
                xz, xr, xh = np.split(mx, 3, axis=-1)
                uz, ur, uh = np.split(recurrent, 3, axis=-1)
                z, r = rec(xz + h @ uz), rec(xr + h @ ur)
                candidate = act(xh + (r * h) @ uh)
            h = z * h + (1 - z) * candidate
        outputs.append(h)
    return np.stack(outputs, axis=1) if c.get("return_sequences", False) else h


def apply_layer(cls, c, w, xs):
    x = xs[0]
    if cls == "Conv2D":
        y = conv(x, w[0], c)
        return ACTIVATIONS[c.get("activation", "linear")](y + w[1] if c.get("use_bias", True) else y)
    if cls == "DepthwiseConv2D":
        y = depthwise(x, w[0], c)
        return ACTIVATIONS[c.get("activation", "linear")](y + w[1] if c.get("use_bias", True) else y)
    if cls == "SeparableConv2D":
        y = np.einsum("nhwc,co->nhwo", depthwise(x, w[0], c), w[1][0, 0])
        return ACTIVATIONS[c.get("activation", "linear")](y + w[2] if c.get("use_bias", True) else y)
    if cls == "Dense":
        y = x @ w[0]
        return ACTIVATIONS[c.get("activation", "linear")](y + w[1] if c.get("use_bias", True) else y)
    if cls == "BatchNormalization":
        assert c.get("axis", -1) in (-1, [-1], x.ndim - 1, [x.ndim - 1])
        i = 0
        gamma = w[i] if c.get("scale", True) else 1.0
        i += c.get("scale", True)
        beta = w[i] if c.get("center", True) else 0.0
        i += c.get("center", True)
        mean, var = w[i], w[i + 1]
        return (x - mean) / np.sqrt(var + c.get("epsilon", 1e-3)) * gamma + beta
    if cls == "Activation":
        return ACTIVATIONS[c["activation"]](x)
    if cls == "ReLU":
        y = np.where(x >= c.get("threshold", 0.0), x, c.get("negative_slope", 0.0) * (x - c.get("threshold", 0.0)))
        return y if c.get("max_value") is None else np.minimum(y, c["max_value"])
    if cls == "LeakyReLU":
        return np.where(x >= 0, x, c.get("negative_slope", c.get("alpha", 0.3)) * x)  # Keras 2: alpha
    if cls == "ELU":
        return np.where(x > 0, x, c.get("alpha", 1.0) * (np.exp(np.minimum(x, 0)) - 1))
    if cls == "Softmax":
        return softmax(x, axis=c.get("axis", -1))
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        return pool(x, c, "max" if cls == "MaxPooling2D" else "avg")
    if cls in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        f = np.mean if cls == "GlobalAveragePooling2D" else np.max
        return f(x, axis=(1, 2), keepdims=c.get("keepdims", False))
    if cls == "Flatten":
        return x.reshape(x.shape[0], -1)
    if cls == "Reshape":
        return x.reshape((x.shape[0],) + tuple(c["target_shape"]))
    if cls == "Dropout":
        return x
    if cls == "ZeroPadding2D":
        p = c["padding"]
        p = [[p, p], [p, p]] if isinstance(p, int) else [[v, v] if isinstance(v, int) else v for v in p]
        return np.pad(x, ((0, 0), tuple(p[0]), tuple(p[1]), (0, 0)))
    if cls == "Add":
        return sum(xs)
    if cls == "Multiply":
        return np.prod(xs, axis=0)
    if cls == "Concatenate":
        return np.concatenate(xs, axis=c.get("axis", -1))
    if cls == "Embedding":
        assert not c.get("mask_zero", False)
        return w[0][x.astype(np.int64)]
    if cls in RECURRENT:
        return rnn(cls, x, w, c)
    if cls == "PReLU":
        return np.maximum(x, 0) + w[0] * np.minimum(x, 0)  # alpha has 1 on the shared axes
    if cls == "Bidirectional":
        inner, half = c["layer"], len(w) // 2
        forward_ = rnn(inner["class_name"], x, w[:half], inner["config"])
        backward_config = dict(inner["config"], go_backwards=not inner["config"].get("go_backwards", False))
        backward_ = rnn(inner["class_name"], x, w[half:], backward_config)
        if inner["config"].get("return_sequences", False):
            backward_ = backward_[:, ::-1]  # Keras puts the backward sequence back in time order
        mode = c.get("merge_mode", "concat")
        if mode == "concat":
            return np.concatenate([forward_, backward_], axis=-1)
        return {"sum": forward_ + backward_, "mul": forward_ * backward_, "ave": (forward_ + backward_) / 2}[mode]
    if cls == "TimeDistributed":
        return apply_layer(c["layer"]["class_name"], c["layer"]["config"], w, xs)  # Dense acts on the last axis
    raise NotImplementedError(cls)


def inbound(layer):
    """The layer names a Functional layer reads (Keras 3's __keras_tensor__ references, Keras 2's
    [name, node, tensor, kwargs] lists)."""
    names = []
    if layer["inbound_nodes"] and isinstance(layer["inbound_nodes"][0], list):
        return [ref[0] for ref in layer["inbound_nodes"][0]]

    def walk(v):
        if isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            names.append(v["config"]["keras_history"][0])

    for node in layer["inbound_nodes"]:
        walk(node["args"])
    return names


def forward(config, weights, x):
    layers = config["config"]["layers"]
    if config["class_name"] == "Sequential":
        for l in layers:
            if l["class_name"] != "InputLayer":
                x = apply_layer(l["class_name"], l["config"], weights.get(l["config"]["name"], []), [x])
        return x
    values = {}
    for l in layers:
        name = l["config"]["name"]
        if l["class_name"] == "InputLayer":
            values[name] = x
        else:
            values[name] = apply_layer(l["class_name"], l["config"], weights.get(name, []), [values[n] for n in inbound(l)])
    outputs = config["config"]["output_layers"]
    return values[(outputs if isinstance(outputs[0], str) else outputs[0])[0]]


def check(folder):
    files = sorted(f for f in os.listdir(folder) if f.endswith(".keras") or f.endswith(".h5"))
    assert files, f"no .keras or .h5 files in {folder}"
    worst = 0.0
    for file in files:
        name, kind = os.path.splitext(file)
        path = os.path.join(folder, file)
        config, weights = read_archive(path) if kind == ".keras" else read_keras2_h5(path)
        x = np.load(os.path.join(folder, name + ".input.npy")).astype(np.float64)
        expected = np.load(os.path.join(folder, name + ".output.npy")).astype(np.float64)
        if x.ndim == 4:  # Strata's NCHW input and output -> Keras' NHWC
            x = x.transpose(0, 2, 3, 1)
        y = forward(config, weights, x)
        if y.ndim == 4:
            y = y.transpose(0, 3, 1, 2)
        error = np.abs(y - expected).max() / max(np.abs(expected).max(), 1e-12)
        worst = max(worst, error)
        print(f"{file}: NumPy forward pass vs Strata: relative error {error:.2e} "
              f"({len(config['config']['layers'])} layers, output {list(y.shape)})")
    print(f"worst relative error {worst:.2e}")
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    print(__doc__)
    sys.exit(2)
