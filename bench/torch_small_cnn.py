#!/usr/bin/python3
"""PyTorch twin of the main job (`strata train`): the same small CNN, data, split, optimizer,
batch size, epochs and initialization (Glorot-uniform kernels, zero biases, as Keras and
Strata), on the given number of threads. Prints per-epoch lines and one JSON line at the end:
{"test_accuracy": ..., "fit_seconds": ..., "train_images_per_second": ...}.

usage: bench/torch_small_cnn.py [--epochs 8] [--threads 2] [--limit 0]
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split, limit):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(f"{DATA}/{prefix}-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255.0
    y = read_idx(f"{DATA}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    if limit:
        n = limit if split == "train" else max(1, limit // 6)
        x, y = x[:n], y[:n]
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.dense1 = nn.Linear(64 * 7 * 7, 128)
        self.dense2 = nn.Linear(128, 10)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.dropout(F.relu(self.dense1(x.flatten(1))), 0.5, self.training)
        return self.dense2(x)


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        correct, loss = 0, 0.0
        for i in range(0, len(x), 256):
            out = model(x[i:i + 256])
            loss += F.cross_entropy(out, y[i:i + 256], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + 256]).sum().item()
    return loss / len(x), correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load("train", a.limit)
    x_test, y_test = load("test", a.limit)
    n_val = int(len(x) * 0.1)  # Keras' validation_split: the last 10%
    x_train, y_train, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    model = SmallCnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    start = time.perf_counter()
    for epoch in range(a.epochs):
        model.train()
        t0 = time.perf_counter()
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        val_loss, val_acc = evaluate(model, x_val, y_val)
        print(f"epoch {epoch + 1}/{a.epochs} - {time.perf_counter() - t0:.1f}s - val_loss {val_loss:.4f} - val_accuracy {val_acc:.4f}",
              flush=True)
    fit_seconds = time.perf_counter() - start
    test_loss, test_acc = evaluate(model, x_test, y_test)
    print(json.dumps({"framework": "pytorch " + torch.__version__, "test_loss": test_loss, "test_accuracy": test_acc,
                      "fit_seconds": fit_seconds, "train_images_per_second": a.epochs * len(x_train) / fit_seconds}))


if __name__ == "__main__":
    main()
