#!/usr/bin/env python3
"""pytorch_fmnist.py -- a PyTorch training loop on Fashion-MNIST whose every
epoch is measured by powertrain's meter (the Python binding).

    export PYTHONPATH=$PWD/build/python           # after `make` (see README.md)
    python3 examples/pytorch_fmnist.py --epochs 3
    python3 examples/pytorch_fmnist.py --epochs 1 --limit 2048 --json energy.json

Reads Debian's Fashion-MNIST (package dataset-fashion-mnist: gzip IDX files in
/usr/share/datasets/fashion-mnist) with gzip and struct; needs PyTorch
(Debian: python3-torch). Prints, per epoch, its energy and how it was obtained
(counter, eq1, or estimated: not a measurement), the eval window's energy
inside it, then a per-component table.
"""
import argparse
import gzip
import os
import struct
import sys

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def need_torch():
    try:
        import torch  # noqa: F401
    except ImportError as e:
        sys.exit("pytorch_fmnist.py: PyTorch is not installed (%s).\n"
                 "Install it from Debian: sudo apt-get install python3-torch\n"
                 "(the meter itself does not need it: see examples/meter_in_c.c)" % e)
    return torch


def need_meter():
    try:
        import powertrain_meter
    except ImportError as e:
        sys.exit("pytorch_fmnist.py: cannot import powertrain_meter (%s).\n"
                 "After `make`, run with PYTHONPATH=build/python (see README.md, "
                 "\"The meter from Python\")" % e)
    return powertrain_meter


def read_idx(path, want_magic):
    """A gzip IDX file: big-endian magic, dimensions, then unsigned bytes."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        sys.exit("pytorch_fmnist.py: %s not found: install Debian's dataset-fashion-mnist "
                 "or pass --data DIR" % path)
    magic, = struct.unpack_from(">I", data, 0)
    if magic != want_magic:
        sys.exit("pytorch_fmnist.py: %s: magic %d, expected %d: not an IDX file of that kind"
                 % (path, magic, want_magic))
    ndim = magic & 0xFF
    dims = struct.unpack_from(">%dI" % ndim, data, 4)
    off = 4 + 4 * ndim
    n = 1
    for d in dims:
        n *= d
    if len(data) - off != n:
        sys.exit("pytorch_fmnist.py: %s: %d bytes of data, the header says %d"
                 % (path, len(data) - off, n))
    return dims, data[off:]


def load(torch, data_dir, split, limit):
    prefix = "train" if split == "train" else "t10k"
    dims, pix = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % prefix), 2051)
    ldims, lab = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % prefix), 2049)
    if dims[0] != ldims[0]:
        sys.exit("pytorch_fmnist.py: %s: %d images but %d labels" % (split, dims[0], ldims[0]))
    n = dims[0] if not limit else min(limit, dims[0])
    x = torch.frombuffer(bytearray(pix), dtype=torch.uint8)[: n * dims[1] * dims[2]]
    x = x.reshape(n, 1, dims[1], dims[2]).float().div_(255.0).sub_(0.2860).div_(0.3530)
    y = torch.frombuffer(bytearray(lab), dtype=torch.uint8)[:n].long()
    return x, y


def make_model(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--limit", type=int, default=0,
                    help="use only the first N training and N test images (0: all)")
    ap.add_argument("--interval-ms", type=int, default=100, help="meter sampling interval")
    ap.add_argument("--device", default="auto", help="cpu, cuda, or auto")
    ap.add_argument("--data", default=DATA_DIR)
    ap.add_argument("--json", help="write the meter's summary (the shape of `powertrain measure --json`)")
    args = ap.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1:
        ap.error("--epochs and --batch-size must be positive")

    torch = need_torch()
    pm = need_meter()
    torch.manual_seed(0)
    dev = args.device
    if dev == "auto":
        dev = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(dev)

    xtr, ytr = load(torch, args.data, "train", args.limit)
    xte, yte = load(torch, args.data, "test", args.limit)
    xtr, ytr, xte, yte = (t.to(device) for t in (xtr, ytr, xte, yte))
    model = make_model(torch).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def sync():
        # CUDA runs asynchronously: wait for the GPU before cutting a window,
        # or its work would be billed to the next one.
        if device.type == "cuda":
            torch.cuda.synchronize()

    print("training on %s: %d train / %d test images, batch %d, meter library %s"
          % (dev, len(xtr), len(xte), args.batch_size, pm.library_path()), flush=True)
    with pm.Meter(interval_ms=args.interval_ms) as m:
        for s in m.sources:
            print("  source %-8s %s" % (s["name"], s["status"]))
        for epoch in range(1, args.epochs + 1):
            model.train()
            perm = torch.randperm(len(xtr), device=device)
            total_loss = 0.0
            for i in range(0, len(xtr), args.batch_size):
                idx = perm[i:i + args.batch_size]
                opt.zero_grad()
                loss = loss_fn(model(xtr[idx]), ytr[idx])
                loss.backward()
                opt.step()
                total_loss += loss.item() * len(idx)
            with m.window("eval") as ev:
                model.eval()
                correct = 0
                with torch.no_grad():
                    for i in range(0, len(xte), 1000):
                        correct += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
                sync()
            sync()
            r = m.epoch_end()
            e = ev.read()
            print("epoch %d: %s in %.2f s (%s)%s; eval %s (%s); loss %.4f, test accuracy %.2f%%"
                  % (epoch, pm.format_energy(r.energy_j), r.duration_s, r.method_text(),
                     " [short: under two update periods of a source]" if r.short else "",
                     pm.format_energy(e.energy_j), e.method_text(), total_loss / len(xtr),
                     100.0 * correct / len(xte)), flush=True)
    print(m.report())
    if args.json:
        m.to_json(args.json)
        print("wrote %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
