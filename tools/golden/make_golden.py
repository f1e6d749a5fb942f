#!/usr/bin/python3
"""Makes tests/golden/torch_golden.json: inputs and PyTorch's outputs and gradients for
conv2d, batch norm, pooling and cross-entropy, computed in float64 (Debian's python3-torch).

Run from the repository root:  /usr/bin/python3 tools/golden/make_golden.py
The C++ test tests/test_golden_torch.cpp reads the file; rerun this only to add cases.
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


def arr(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def conv_case(name, x_shape, w_shape, stride, padding, dilation, groups, bias=True):
    x = torch.randn(*x_shape, requires_grad=True)
    w = torch.randn(*w_shape, requires_grad=True)
    b = torch.randn(w_shape[0], requires_grad=True) if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    gy = torch.randn_like(y)
    y.backward(gy)
    case = {"name": name, "stride": list(stride), "padding": padding if isinstance(padding, str) else list(padding),
            "dilation": list(dilation), "groups": groups,
            "x": arr(x), "w": arr(w), "gy": arr(gy), "y": arr(y), "gx": arr(x.grad), "gw": arr(w.grad)}
    if bias:
        case["b"] = arr(b)
        case["gb"] = arr(b.grad)
    return case


def pool_case(name, kind, x_shape, kernel, stride, padding, ceil_mode, count_include_pad=True):
    x = torch.randn(*x_shape, requires_grad=True)
    if kind == "max":
        y = F.max_pool2d(x, kernel, stride, padding, ceil_mode=ceil_mode)
    else:
        y = F.avg_pool2d(x, kernel, stride, padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    gy = torch.randn_like(y)
    y.backward(gy)
    return {"name": name, "kind": kind, "kernel": list(kernel), "stride": list(stride), "padding": list(padding),
            "ceil_mode": ceil_mode, "count_include_pad": count_include_pad,
            "x": arr(x), "gy": arr(gy), "y": arr(y), "gx": arr(x.grad)}


def batch_norm_case(name, x_shape, training):
    c = x_shape[1]
    x = (torch.randn(*x_shape) * 2 + 0.5).requires_grad_()
    gamma = torch.randn(c, requires_grad=True)
    beta = torch.randn(c, requires_grad=True)
    running_mean = torch.randn(c)
    running_var = torch.rand(c) + 0.5
    rm0, rv0 = running_mean.clone(), running_var.clone()
    y = F.batch_norm(x, running_mean, running_var, gamma, beta, training=training, momentum=0.1, eps=1e-5)
    gy = torch.randn_like(y)
    y.backward(gy)
    return {"name": name, "training": training, "momentum": 0.1, "eps": 1e-5,
            "x": arr(x), "gamma": arr(gamma), "beta": arr(beta),
            "running_mean_before": arr(rm0), "running_var_before": arr(rv0),
            "running_mean_after": arr(running_mean), "running_var_after": arr(running_var),
            "gy": arr(gy), "y": arr(y), "gx": arr(x.grad), "ggamma": arr(gamma.grad), "gbeta": arr(beta.grad)}


def cross_entropy_case(name, n, c, smoothing, one_hot, scale=1.0):
    logits = (torch.randn(n, c) * scale).requires_grad_()
    labels = torch.randint(0, c, (n,))
    target = F.one_hot(labels, c).double() if one_hot else labels
    loss = F.cross_entropy(logits, target, label_smoothing=smoothing)
    loss.backward()
    return {"name": name, "label_smoothing": smoothing, "one_hot": one_hot,
            "logits": arr(logits), "labels": [int(v) for v in labels.tolist()],
            "loss": float(loss), "glogits": arr(logits.grad)}


golden = {
    "generator": "tools/golden/make_golden.py",
    "torch_version": torch.__version__,
    "conv2d": [
        conv_case("plain_3x3", (2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1),
        conv_case("stride2_pad1", (2, 3, 9, 8), (5, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1),
        conv_case("same_5x3", (1, 2, 7, 9), (3, 2, 5, 3), (1, 1), "same", (1, 1), 1),
        conv_case("dilation2", (2, 2, 9, 9), (3, 2, 3, 3), (1, 1), (2, 2), (2, 2), 1),
        conv_case("groups2_nobias", (2, 4, 6, 7), (6, 2, 3, 2), (1, 2), (1, 0), (1, 1), 2, bias=False),
        conv_case("depthwise", (3, 4, 8, 8), (4, 1, 3, 3), (2, 2), (1, 1), (1, 1), 4),
    ],
    "pool2d": [
        pool_case("max_3x3_s2", "max", (2, 3, 9, 9), (3, 3), (2, 2), (0, 0), False),
        pool_case("max_pad1", "max", (2, 2, 7, 8), (3, 3), (2, 2), (1, 1), False),
        pool_case("max_ceil", "max", (1, 3, 8, 7), (3, 2), (2, 2), (0, 0), True),
        pool_case("avg_pad_include", "avg", (2, 2, 7, 7), (3, 3), (2, 2), (1, 1), False, True),
        pool_case("avg_pad_exclude", "avg", (2, 2, 7, 7), (3, 3), (2, 2), (1, 1), False, False),
        pool_case("avg_ceil_include", "avg", (1, 2, 8, 8), (3, 3), (2, 2), (1, 1), True, True),
        pool_case("avg_ceil_exclude", "avg", (1, 2, 8, 9), (2, 3), (2, 2), (0, 1), True, False),
    ],
    "batch_norm": [
        batch_norm_case("train_4d", (4, 3, 5, 6), True),
        batch_norm_case("train_2d", (8, 5), True),
        batch_norm_case("eval_4d", (3, 4, 4, 5), False),
    ],
    "cross_entropy": [
        cross_entropy_case("labels", 6, 5, 0.0, False),
        cross_entropy_case("labels_smoothing", 6, 5, 0.1, False),
        cross_entropy_case("one_hot_smoothing", 5, 4, 0.2, True),
        cross_entropy_case("huge_logits", 4, 3, 0.0, False, scale=1000.0),
    ],
}

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "torch_golden.json"
out.write_text(json.dumps(golden, separators=(",", ":")))
print(f"wrote {out} ({out.stat().st_size} bytes) with torch {torch.__version__}")
