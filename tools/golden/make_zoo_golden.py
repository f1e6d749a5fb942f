#!/usr/bin/python3
"""Makes tests/golden/torchvision_zoo_golden.json: torchvision's logits for VGG-16, ResNet-18,
ResNet-50 and MobileNetV2 given weights and an input that both sides compute from the same
formula (so no weight file ships): every Strata weight "<layer>/<weight>" is filled, in
Strata's layout, by zoo_value(name, index) below, mirrored by fill_like_torchvision() in
tests/test_zoo.cpp; this script converts them to torchvision's layout (Dense kernels are
transposed) and runs torchvision in float32, eval mode.

Run from the repository root:  /usr/bin/python3 tools/golden/make_zoo_golden.py
(needs Debian's python3-torchvision)
"""
import json
import pathlib

import numpy as np
import torch
import torchvision

MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def name_hash(name):
    h = 1469598103934665603  # FNV-1a, 64 bit
    for ch in name.encode():
        h ^= ch
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return np.uint64(h)


def uniform(name, n):
    """n values in [0, 1): splitmix64 of (index, name)."""
    with np.errstate(over="ignore"):
        x = np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + name_hash(name)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def zoo_value(name, shape):
    """The weight `name` ("<layer>/<weight>") of Strata shape `shape`, in Strata's layout."""
    n = int(np.prod(shape))
    u = 2.0 * uniform(name, n) - 1.0
    kind = name.rsplit("/", 1)[1]
    if kind in ("kernel", "depthwise_kernel"):
        fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
        v = np.sqrt(6.0 / fan_in) * u  # He-uniform scale: activations stay O(1) through the depth
    elif kind in ("gamma", "moving_variance"):
        v = 1.0 + 0.2 * u
    else:  # bias, beta, moving_mean
        v = 0.1 * u
    return v.astype(np.float32).reshape(shape)


def fill(model):
    for module_name, module in model.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            module.weight.data = torch.from_numpy(zoo_value(
                module_name + ("/depthwise_kernel" if module.groups > 1 else "/kernel"), list(module.weight.shape)))
            if module.bias is not None:
                module.bias.data = torch.from_numpy(zoo_value(module_name + "/bias", list(module.bias.shape)))
        elif isinstance(module, torch.nn.BatchNorm2d):
            c = [module.num_features]
            module.weight.data = torch.from_numpy(zoo_value(module_name + "/gamma", c))
            module.bias.data = torch.from_numpy(zoo_value(module_name + "/beta", c))
            module.running_mean.data = torch.from_numpy(zoo_value(module_name + "/moving_mean", c))
            module.running_var.data = torch.from_numpy(zoo_value(module_name + "/moving_variance", c))
        elif isinstance(module, torch.nn.Linear):
            kernel = zoo_value(module_name + "/kernel", [module.in_features, module.out_features])
            module.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
            module.bias.data = torch.from_numpy(zoo_value(module_name + "/bias", [module.out_features]))


def main():
    x = torch.from_numpy((2 * uniform("input/image", 3 * 224 * 224) - 1).astype(np.float32).reshape(1, 3, 224, 224))
    cases = []
    for name, make in [("vgg16", torchvision.models.vgg16), ("resnet18", torchvision.models.resnet18),
                       ("resnet50", torchvision.models.resnet50), ("mobilenet_v2", torchvision.models.mobilenet_v2)]:
        model = make(weights=None).eval()
        fill(model)
        with torch.no_grad():
            logits = model(x)[0]
        cases.append({"name": name, "logits": [float(v) for v in logits]})
        print(name, "logits[:3] =", logits[:3].tolist())
    out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "torchvision_zoo_golden.json"
    out.write_text(json.dumps({"torchvision_version": torchvision.__version__, "input": "2 * uniform('input/image') - 1",
                               "cases": cases}) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
