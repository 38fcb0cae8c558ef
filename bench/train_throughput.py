#!/usr/bin/env python3
"""train_throughput.py -- the same architectures as powertrain's models in
PyTorch, trained on random data (forward, loss, backward, Adam step):
samples/s. usage: train_throughput.py MODEL BATCH STEPS THREADS"""
import os
import resource
import sys
import time

import torch
import torch.nn as nn


def pamap2_cnn():
    return nn.Sequential(
        nn.Conv1d(40, 64, 7, padding=3), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(64, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(128, 128, 3, padding=1), nn.BatchNorm1d(128), nn.ReLU(),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(128, 229), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(229, 12)), (40, 128), 12


def fmnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10)), (1, 28, 28), 10


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return torch.relu(y + (self.down(x) if self.down is not None else x))


def resnet18():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for i, c in enumerate([64, 128, 256, 512]):
        for b in range(2):
            layers.append(Block(cin, c, 2 if (i > 0 and b == 0) else 1))
            cin = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers), (3, 64, 64), 512


def cpu_times():
    """(busy, total) jiffies of all CPUs from /proc/stat, as powertrain's meter reads them."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy, busy + v[3] + v[4]


def self_jiffies():
    t = os.times()
    return (t.user + t.system + t.children_user + t.children_system) * os.sysconf("SC_CLK_TCK")


def main():
    name, batch, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net, shape, k = {"pamap2_cnn": pamap2_cnn, "fmnist_cnn": fmnist_cnn, "resnet18": resnet18}[name]()
    params = sum(p.numel() for p in net.parameters())
    x = torch.randn(batch, *shape)
    if len(shape) == 3:  # channels-last, as powertrain keeps activations
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.arange(batch) % k
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    warm = steps // 5 + 2
    for s in range(warm + steps):
        if s == warm:
            t0 = time.perf_counter()
            b0, tot0 = cpu_times()
            s0 = self_jiffies()
        out = net(x)
        loss = lossf(out, y) if name != "resnet18" else out.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    b1, tot1 = cpu_times()
    others = (b1 - b0) - (self_jiffies() - s0)
    share = others / (tot1 - tot0) if tot1 > tot0 and others > 0 else 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"{name} pytorch-{torch.__version__} batch {batch} threads {threads}: {batch * steps / dt:.1f} samples/s "
          f"({steps} steps in {dt:.2f} s, {params} parameters) other_cpu {share:.3f} peak_rss_mb {rss:.1f}")


if __name__ == "__main__":
    main()
