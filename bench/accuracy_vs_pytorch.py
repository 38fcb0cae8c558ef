#!/usr/bin/python3
"""accuracy_vs_pytorch.py -- the PyTorch side of accuracy_vs_pytorch.sh, and its summary.

  accuracy_vs_pytorch.py train SEED EPOCHS THREADS [DATA_DIR [INIT]]
      trains powertrain's fmnist_cnn, layer for layer, in PyTorch with PyTorch's
      defaults (init, batch norm momentum 0.1 / eps 1e-5, Adam betas (0.9, 0.999),
      eps 1e-8) the way `powertrain train --dataset fmnist` does: the 60,000
      training images shuffled each epoch, whole batches of 256 only (the short
      last one dropped), x/255 normalised by mean 0.28604 / std 0.35302, Adam lr
      1e-3, mean cross-entropy; validation on the 10,000 t10k images in eval mode
      (running statistics, no dropout). Prints `epoch E: val acc A` per epoch.
      INIT `he` instead of `pytorch` (the default) starts from powertrain's
      initialisation before 2026-12-06: He normal weights (std sqrt(2/fan_in)),
      zero biases -- the cause of the gap this benchmark found.
  accuracy_vs_pytorch.py summary FILE
      FILE holds lines `ENGINE SEED EPOCH ACC` (ENGINE powertrain or pytorch);
      prints per-epoch val accuracy per seed, the means, the seeds' standard
      deviation, and powertrain - PyTorch in points with the standard error of
      the difference of the means.
"""
import gzip
import math
import os
import struct
import sys

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.28604, 0.35302  # src/data/fmnist.h: PT_FMNIST_MEAN / PT_FMNIST_STD


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from(">I", data, 0)
    ndim = magic & 0xFF
    dims = struct.unpack_from(">%dI" % ndim, data, 4)
    return dims, data[4 + 4 * ndim:]


def load(torch, data_dir, prefix):
    dims, pix = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % prefix))
    _, lab = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % prefix))
    x = torch.frombuffer(bytearray(pix), dtype=torch.uint8).reshape(dims[0], 1, dims[1], dims[2])
    x = (x.float() / 255.0 - MEAN) / STD
    y = torch.frombuffer(bytearray(lab), dtype=torch.uint8).long()
    return x, y


def fmnist_cnn(nn):
    """src/models/fmnist.c: conv 3x3 p1 16, bn, relu, pool 2; conv 3x3 p1 32, bn, relu,
    pool 2; flatten 1568, fc 64, relu, dropout 0.25, fc 10 (105,962 parameters)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10))


def he_init(torch, model):
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            torch.nn.init.zeros_(m.bias)


def train(seed, epochs, threads, data_dir, init):
    import torch
    import torch.nn as nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xtr, ytr = load(torch, data_dir, "train")
    xva, yva = load(torch, data_dir, "t10k")
    model = fmnist_cnn(nn)
    assert sum(p.numel() for p in model.parameters()) == 105962
    if init == "he":
        he_init(torch, model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    bs = 256
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr) - bs + 1, bs):
            idx = perm[i:i + bs]
            opt.zero_grad(set_to_none=True)
            lossf(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xva), 1000):
                correct += (model(xva[i:i + 1000]).argmax(1) == yva[i:i + 1000]).sum().item()
        print("epoch %d: val acc %.4f" % (epoch, correct / len(xva)), flush=True)


def sd(v):
    if len(v) < 2:
        return float("nan")
    m = sum(v) / len(v)
    return math.sqrt(sum((a - m) ** 2 for a in v) / (len(v) - 1))


def summary(path):
    acc = {}  # (engine, epoch) -> {seed: acc}
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            acc.setdefault((f[0], int(f[2])), {})[int(f[1])] = float(f[3])
    engines = [g for g in ("powertrain", "pytorch") if any(k[0] == g for k in acc)]
    epochs = sorted({e for (_, e) in acc})
    seeds = sorted({s for d in acc.values() for s in d})
    print("val acc per seed (epochs %s)" % "/".join(map(str, epochs)))
    for eng in engines:
        for s in seeds:
            print("  %-10s seed %d: %s" % (eng, s, " ".join(
                "%.4f" % acc[(eng, e)][s] if s in acc.get((eng, e), {}) else "  -   " for e in epochs)))
    print("%-6s %-22s %-22s %s" % ("epoch", "powertrain mean (sd)", "pytorch mean (sd)", "diff, points (se)"))
    for e in epochs:
        a, b = list(acc.get(("powertrain", e), {}).values()), list(acc.get(("pytorch", e), {}).values())
        col = ["%.4f (%.4f)" % (sum(v) / len(v), sd(v)) if v else "-" for v in (a, b)]
        diff = "-"
        if a and b:
            se = math.sqrt(sd(a) ** 2 / len(a) + sd(b) ** 2 / len(b)) if len(a) > 1 and len(b) > 1 else float("nan")
            diff = "%+.2f (%.2f)" % (100 * (sum(a) / len(a) - sum(b) / len(b)), 100 * se)
        print("%-6d %-22s %-22s %s" % (e, col[0], col[1], diff))

def main(argv):
    if len(argv) >= 4 and argv[0] == "train":
        train(int(argv[1]), int(argv[2]), int(argv[3]), argv[4] if len(argv) > 4 else DATA_DIR,
              argv[5] if len(argv) > 5 else "pytorch")
    elif len(argv) == 2 and argv[0] == "summary":
        summary(argv[1])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
