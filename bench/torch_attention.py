#!/usr/bin/python3
"""PyTorch's nn.MultiheadAttention on bench/attention_bench.cpp's workload (self-attention,
batch 8, width 256, 4 heads, training mode, no dropout, need_weights=False) for one sequence
length: prints the median forward ms, forward+backward ms, and the peak resident memory a
forward+backward added above the settled process, in MiB."""
import argparse
import resource

import torch

from timing import median_ms

parser = argparse.ArgumentParser()
parser.add_argument("length", type=int)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
T = args.length
mha = torch.nn.MultiheadAttention(256, 4, batch_first=True)
x = torch.randn(8, T, 256, requires_grad=True)
g = torch.randn(8, T, 256)


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def forward():
    with torch.no_grad():
        mha(x, x, x, need_weights=False)


def step():
    y, _ = mha(x, x, x, need_weights=False)
    y.backward(g)
    mha.zero_grad()
    x.grad = None


settled = peak_mib()
step()
peak = peak_mib() - settled
print(f"{median_ms(forward):.3f} {median_ms(step):.3f} {peak:.1f}")
