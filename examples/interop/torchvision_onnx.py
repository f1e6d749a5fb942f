#!/usr/bin/env python3
"""Exports torchvision ResNet-18, MobileNetV2 and VGG-16 to ONNX with Debian's PyTorch, with
one input and PyTorch's output for each, so Strata's importer can be checked against PyTorch
(examples/interop/check_torchvision.sh runs it). No pre-trained weights exist offline, so each
network gets seeded random weights and random batch-norm statistics (eval mode): every weight
and statistic matters for the comparison, as it would with trained ones.

usage: torchvision_onnx.py OUTPUT_DIR [--size 224]
"""
import argparse
import os

import numpy as np
import torch
import torchvision


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 1.5 + 0.25)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
    return model.eval()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--size", type=int, default=224)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    torch.manual_seed(0)
    builders = {
        "resnet18": torchvision.models.resnet18,
        "mobilenet_v2": torchvision.models.mobilenet_v2,
        "vgg16": torchvision.models.vgg16,
    }
    for i, (name, build) in enumerate(builders.items()):
        model = randomize(build(weights=None), seed=100 + i)
        x = torch.randn(2, 3, args.size, args.size, generator=torch.Generator().manual_seed(7))
        with torch.no_grad():
            y = model(x)
        path = os.path.join(args.output, name + ".onnx")
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        np.save(os.path.join(args.output, name + "_input.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(args.output, name + "_output.npy"), y.numpy().astype(np.float32))
        print(f"{name}: wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB), output {tuple(y.shape)}")


if __name__ == "__main__":
    main()
