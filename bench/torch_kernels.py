#!/usr/bin/python3
"""PyTorch twin of kernels_bench.cpp: the same shapes, forward and forward+backward, on
the given number of threads. Prints one JSON object: {name: seconds per iteration}."""
import json
import sys
import time

import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)


def best_time(fn, min_time=1.0, repeats=3):
    fn()  # warm up (primitive creation, allocator)
    best = float("inf")
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < min_time / repeats:
            fn()
            n += 1
        best = min(best, (time.perf_counter() - start) / n)
    return best


x = torch.randn(64, 32, 14, 14)
w = (torch.randn(64, 32, 3, 3) * 0.1)
b = torch.zeros(64)
gy = torch.randn(64, 64, 14, 14)


def conv_forward():
    with torch.no_grad():
        F.conv2d(x, w, b, padding=1)


xg, wg, bg = x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()


def conv_forward_backward():
    xg.grad = wg.grad = bg.grad = None
    F.conv2d(xg, wg, bg, padding=1).backward(gy)


a = torch.randn(1024, 1024)
m = torch.randn(1024, 1024)
ag, mg = a.clone().requires_grad_(), m.clone().requires_grad_()
g = torch.randn(1024, 1024)


def matmul():
    with torch.no_grad():
        torch.mm(a, m)


def matmul_forward_backward():
    ag.grad = mg.grad = None
    torch.mm(ag, mg).backward(g)


print(json.dumps({
    "torch_version": torch.__version__,
    "threads": torch.get_num_threads(),
    "BM_Conv2dForward": best_time(conv_forward),
    "BM_Conv2dForwardBackward": best_time(conv_forward_backward),
    "BM_Matmul/1024": best_time(matmul),
    "BM_MatmulForwardBackward/1024": best_time(matmul_forward_backward),
}))
