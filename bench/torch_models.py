#!/usr/bin/python3
"""PyTorch twins of bench/models_bench.cpp's workloads (same shapes, data, optimizers, batch
sizes); prints one JSON line like the C++ program.
   /usr/bin/python3 bench/torch_models.py WORKLOAD [--threads 2] [--tiny]"""
import argparse
import gzip
import json
import resource
import time

import numpy as np
import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("workload")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--tiny", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
DIR = "/usr/share/datasets/fashion-mnist"


def fashion(n):
    with gzip.open(f"{DIR}/train-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n].astype(np.float32) / 255
    with gzip.open(f"{DIR}/train-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def epoch(model, opt, batch, n, log_softmax_output):
    x, y = fashion(n)
    start = time.perf_counter()
    perm = torch.randperm(n)
    model.train()
    for b in range(0, n, batch):
        idx = perm[b:b + batch]
        opt.zero_grad()
        out = model(x[idx])
        loss = torch.nn.functional.nll_loss(torch.log(out.clamp_min(1e-7)), y[idx]) if log_softmax_output else \
            torch.nn.functional.cross_entropy(out, y[idx])
        loss.backward()
        opt.step()
    return n / (time.perf_counter() - start)


def median_ms(fn, runs):
    fn()
    t = []
    for _ in range(runs):
        s = time.perf_counter()
        fn()
        t.append((time.perf_counter() - s) * 1000)
    return sorted(t)[len(t) // 2]


w = args.workload
nn = torch.nn
if w == "small_cnn_epoch":
    m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
                      nn.Softmax(dim=1))
    value, unit = epoch(m, torch.optim.Adam(m.parameters(), 1e-3, eps=1e-7), 64, 256 if args.tiny else 60000, True), "images/s"
elif w == "mlp_epoch":
    m = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10),
                      nn.Softmax(dim=1))
    value, unit = epoch(m, torch.optim.SGD(m.parameters(), 0.01, momentum=0.9), 128, 512 if args.tiny else 60000, True), "images/s"
elif w == "resnet18_train_step":
    m = torchvision.models.resnet18(num_classes=10).train()
    opt = torch.optim.SGD(m.parameters(), 0.01, momentum=0.9)
    x = torch.randn(4 if args.tiny else 64, 3, 32, 32)
    y = torch.arange(x.shape[0]) % 10

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
    value, unit = x.shape[0] / (median_ms(step, 1 if args.tiny else 10) / 1000), "images/s"
elif w.startswith("latency_") or w == "throughput_resnet18_b16":
    name = "resnet18" if w == "throughput_resnet18_b16" else w[len("latency_"):]
    batch = (2 if args.tiny else 16) if w == "throughput_resnet18_b16" else 1
    size = 64 if args.tiny else 224
    m = getattr(torchvision.models, name)().eval()
    x = torch.randn(batch, 3, size, size)

    def run():
        with torch.no_grad():
            m(x)
    ms = median_ms(run, 1 if args.tiny else 20)
    value, unit = (ms, "ms") if batch == 1 else (batch / (ms / 1000), "images/s")
else:
    raise SystemExit(f"unknown workload {w}")
print(json.dumps({"workload": w, "value": round(value, 3), "unit": unit,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
