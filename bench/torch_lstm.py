#!/usr/bin/python3
"""PyTorch's nn.LSTM on bench/lstm_bench.cpp's shapes; prints forward and forward+backward ms."""
import argparse

import torch

from timing import median_ms

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
x = torch.randn(64, 100, 256, requires_grad=True)
lstm = torch.nn.LSTM(256, 256, batch_first=True)
g = torch.randn(64, 100, 256)


def forward():
    with torch.no_grad():
        lstm(x)


def forward_backward():
    y, _ = lstm(x)
    y.backward(g)
    lstm.zero_grad()
    x.grad = None


print(f"{median_ms(forward):.2f} {median_ms(forward_backward):.2f}")
