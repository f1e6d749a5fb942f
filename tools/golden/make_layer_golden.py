#!/usr/bin/python3
"""Makes tests/golden/torch_layer_golden.json: PyTorch's LayerNorm, GroupNorm, F.normalize,
ConvTranspose1d/2d/3d, Conv1d/Conv3d, MaxPool1d/3d (dilated), AvgPool1d/3d, F.interpolate
(UpSampling) and F.pad (ZeroPadding, Cropping) (float64) on fixed inputs with random weights: the output and the
gradients of sum(y * g_y) with respect to the input and every weight. Each case names the
Strata layer config it corresponds to and its weights by Strata's names
(tests/test_golden_layers.cpp builds the layer from the config, sets the weights, and
compares in f32 and f64).

Strata is channels-first: LayerNormalization over axis 1 of an NCHW image is PyTorch's
LayerNorm over C after moving C last; GroupNormalization's channel axis is 1, as PyTorch's.

Run from the repository root:  /usr/bin/python3 tools/golden/make_layer_golden.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)


def arr(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def run(name, layer, x, fn, params, names=("gamma", "beta")):
    """fn(x, *params) -> y; params are the layer's weights, called `names` in Strata."""
    x = x.clone().requires_grad_(True)
    params = [p.clone().requires_grad_(True) for p in params]
    y = fn(x, *params)
    g_y = torch.randn_like(y)
    (y * g_y).sum().backward()
    case = {"name": name, "layer": layer, "x": arr(x), "y": arr(y), "g_y": arr(g_y), "grad_x": arr(x.grad)}
    for key, p in zip(names, params):
        case[key] = arr(p)
        case["grad_" + key] = arr(p.grad)
    return case


def uniform(*shape):
    return torch.empty(*shape).uniform_(0.5, 1.5)


cases = []
# LayerNormalization over the features of a sequence [B, T, F].
x = torch.randn(3, 4, 6) * 2 + 1
cases.append(run("layer_norm_last_axis", {"class_name": "LayerNormalization", "config": {"axis": -1, "epsilon": 1e-3}},
                 x, lambda x, g, b: F.layer_norm(x, [6], g, b, 1e-3), [uniform(6), torch.randn(6)]))
# Over the last two axes.
x = torch.randn(2, 3, 4)
cases.append(run("layer_norm_two_axes", {"class_name": "LayerNormalization", "config": {"axis": [-2, -1], "epsilon": 1e-5}},
                 x, lambda x, g, b: F.layer_norm(x, [3, 4], g, b, 1e-5), [uniform(3, 4), torch.randn(3, 4)]))
# Over the channels of an NCHW image (ConvNeXt's channels-first LayerNorm).
x = torch.randn(2, 3, 2, 4)
cases.append(run("layer_norm_channels", {"class_name": "LayerNormalization", "config": {"axis": 1, "epsilon": 1e-6}},
                 x, lambda x, g, b: F.layer_norm(x.permute(0, 2, 3, 1), [3], g, b, 1e-6).permute(0, 3, 1, 2),
                 [uniform(3), torch.randn(3)]))
# GroupNormalization: 2 groups of 2 channels, and instance normalization (groups = channels).
x = torch.randn(2, 4, 3, 3) * 3 - 1
cases.append(run("group_norm_2_groups", {"class_name": "GroupNormalization", "config": {"groups": 2, "epsilon": 1e-3}},
                 x, lambda x, g, b: F.group_norm(x, 2, g, b, 1e-3), [uniform(4), torch.randn(4)]))
x = torch.randn(3, 4, 5)
cases.append(run("group_norm_instance", {"class_name": "GroupNormalization", "config": {"groups": 4, "epsilon": 1e-5}},
                 x, lambda x, g, b: F.group_norm(x, 4, g, b, 1e-5), [uniform(4), torch.randn(4)]))
# UnitNormalization: Keras floors the squared norm at 1e-12, PyTorch the norm at eps;
# equal for these inputs (norms far above both).
x = torch.randn(4, 5)
cases.append(run("unit_norm_last_axis", {"class_name": "UnitNormalization", "config": {"axis": -1}},
                 x, lambda x: F.normalize(x, p=2.0, dim=-1, eps=1e-6), []))
x = torch.randn(2, 3, 2, 2)
cases.append(run("unit_norm_spatial", {"class_name": "UnitNormalization", "config": {"axis": [2, 3]}},
                 x, lambda x: x / x.pow(2).sum(dim=(2, 3), keepdim=True).clamp_min(1e-12).sqrt(), []))

# ConvNDTranspose with explicit padding (PyTorch's padding p is (p, p) on each axis), output
# padding, stride and dilation; the kernel is [C_in, C_out, *kernel] in both.
TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def conv_transpose(name, c_in, c_out, size, kernel, stride, padding, output_padding, dilation, bias=True):
    rank = len(size)
    x = torch.randn(2, c_in, *size)
    w = torch.randn(c_in, c_out, *kernel) * 0.5
    params = [w] + ([torch.randn(c_out)] if bias else [])
    config = {"filters": c_out, "kernel_size": list(kernel), "strides": list(stride), "padding": "explicit",
              "explicit_padding": [[p, p] for p in padding],
              "output_padding": list(output_padding), "dilation_rate": list(dilation), "use_bias": bias}
    fn = lambda x, w, b=None: TRANSPOSE[rank](x, w, b, stride, padding, output_padding, 1, dilation)
    return run(name, {"class_name": f"Conv{rank}DTranspose", "config": config}, x, fn, params, names=("kernel", "bias"))


cases.append(conv_transpose("conv_transpose_stride2", 3, 4, (4, 5), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1)))
cases.append(conv_transpose("conv_transpose_plain", 2, 3, (3, 3), (2, 3), (1, 1), (0, 0), (0, 0), (1, 1)))
cases.append(conv_transpose("conv_transpose_dilated", 2, 2, (4, 3), (3, 2), (2, 3), (2, 0), (0, 2), (2, 1), bias=False))
cases.append(conv_transpose("conv_transpose_k4_s2", 3, 2, (3, 3), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1)))
cases.append(conv_transpose("conv_transpose1d_stride2", 3, 2, (6,), (3,), (2,), (1,), (1,), (1,)))
cases.append(conv_transpose("conv_transpose3d", 2, 3, (2, 3, 3), (2, 3, 2), (2, 1, 2), (0, 1, 0), (1, 0, 0), (1, 1, 1)))


# ConvND (Conv1D, Conv3D): explicit padding (begin, end) per axis applied with F.pad, then
# PyTorch's convolution with stride, dilation and groups; "causal" pads (K-1)*dilation in front.
def conv(name, c_in, c_out, size, kernel, stride, pads, dilation, groups=1, bias=True, padding="explicit"):
    rank = len(size)
    x = torch.randn(2, c_in, *size)
    w = torch.randn(c_out, c_in // groups, *kernel) * 0.5
    params = [w] + ([torch.randn(c_out)] if bias else [])
    config = {"filters": c_out, "kernel_size": list(kernel), "strides": list(stride), "padding": padding,
              "dilation_rate": list(dilation), "groups": groups, "use_bias": bias}
    if padding == "explicit":
        config["explicit_padding"] = [list(p) for p in pads]
    flat = [v for p in reversed(pads) for v in p]  # F.pad takes the last axis first

    def fn(x, w, b=None):
        return CONV[rank](F.pad(x, flat), w, b, stride, 0, dilation, groups)
    return run(name, {"class_name": f"Conv{rank}D", "config": config}, x, fn, params, names=("kernel", "bias"))


cases.append(conv("conv1d_strided_padded", 3, 4, (9,), (3,), (2,), [(2, 1)], (1,)))
cases.append(conv("conv1d_causal_dilated_groups", 4, 6, (8,), (3,), (1,), [(4, 0)], (2,), groups=2, padding="causal"))
cases.append(conv("conv3d", 2, 3, (3, 4, 5), (2, 3, 2), (1, 2, 1), [(0, 1), (1, 1), (0, 0)], (1, 1, 2), bias=False))


# Pooling of rank 1 and 3 (explicit padding, ceil mode, dilation for max), no weights.
def pool(name, kind, size, kernel, stride, padding, dilation=None, ceil_mode=False, count_include_pad=False):
    rank = len(size)
    x = torch.randn(2, 3, *size)
    config = {"pool_size": list(kernel), "strides": list(stride), "padding": "explicit",
              "explicit_padding": [[p, p] for p in padding], "ceil_mode": ceil_mode}
    if kind == "max":
        config["dilation"] = list(dilation or [1] * rank)
        f = {1: F.max_pool1d, 3: F.max_pool3d}[rank]
        fn = lambda x: f(x, kernel, stride, padding, dilation or 1, ceil_mode)
    else:
        config["count_include_pad"] = count_include_pad
        f = {1: F.avg_pool1d, 3: F.avg_pool3d}[rank]
        fn = lambda x: f(x, kernel, stride, padding, ceil_mode, count_include_pad)
    layer = {"class_name": ("MaxPooling" if kind == "max" else "AveragePooling") + f"{rank}D", "config": config}
    return run(name, layer, x, fn, [])


cases.append(pool("max_pool1d_dilated", "max", (11,), (3,), (2,), (1,), dilation=(2,)))
cases.append(pool("avg_pool1d_ceil_include_pad", "avg", (8,), (3,), (2,), (1,), ceil_mode=True, count_include_pad=True))
cases.append(pool("max_pool3d_dilated", "max", (5, 6, 5), (2, 2, 3), (1, 2, 2), (1, 0, 1), dilation=(2, 1, 1)))
cases.append(pool("avg_pool3d", "avg", (4, 5, 4), (2, 3, 2), (2, 2, 1), (0, 1, 1)))

# UpSampling: nearest repeats each position (F.interpolate "nearest" with an integer scale),
# bilinear uses half-pixel centres (align_corners=False); ZeroPadding and Cropping are F.pad
# with positive and negative pads.
x = torch.randn(2, 3, 5)
cases.append(run("upsampling1d", {"class_name": "UpSampling1D", "config": {"size": [3]}},
                 x, lambda x: F.interpolate(x, scale_factor=3, mode="nearest"), []))
x = torch.randn(2, 2, 3, 4)
cases.append(run("upsampling2d_bilinear", {"class_name": "UpSampling2D", "config": {"size": [2, 3], "interpolation": "bilinear"}},
                 x, lambda x: F.interpolate(x, scale_factor=(2, 3), mode="bilinear", align_corners=False), []))
x = torch.randn(1, 2, 2, 3, 2)
cases.append(run("upsampling3d", {"class_name": "UpSampling3D", "config": {"size": [2, 1, 3]}},
                 x, lambda x: F.interpolate(x, scale_factor=(2, 1, 3), mode="nearest"), []))
x = torch.randn(2, 2, 4, 5, 3)
cases.append(run("cropping3d", {"class_name": "Cropping3D", "config": {"cropping": [[1, 0], [1, 2], [0, 1]]}},
                 x, lambda x: F.pad(x, (0, -1, -1, -2, -1, 0)), []))
x = torch.randn(2, 3, 6)
cases.append(run("zero_padding1d", {"class_name": "ZeroPadding1D", "config": {"padding": [2, 1]}},
                 x, lambda x: F.pad(x, (2, 1)), []))

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "torch_layer_golden.json"
out.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases}) + "\n")
print(f"wrote {out} ({len(cases)} cases)")
