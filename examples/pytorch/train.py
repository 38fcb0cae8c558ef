#!/usr/bin/env python3
"""train.py -- a complete PyTorch trainer on Fashion-MNIST for powertrain's
studies around your own script (`powertrain regime --exec`, `tune --exec`).

It knows nothing of energy: powertrain meters it, stops it early (SIGTERM to
its process group) and stores every epoch. Per epoch it prints one line

    epoch 3: train loss 0.4123, val loss 0.3876, val acc 0.8612

and, when run under powertrain, reports the same through the marks FIFO with
powertrain_meter.report_epoch (a no-op otherwise), so no regex is needed:

    export PYTHONPATH=$PWD/bindings/python
    build/powertrain regime --batch-sizes 64,256 --lrs 0.01,0.001 --repeats 1 \\
        --exec -- python3 examples/pytorch/train.py --batch-size {batch_size} \\
        --lr {lr} --seed {seed} --epochs {max_epochs}

Reads Debian's Fashion-MNIST (dataset-fashion-mnist: gzip IDX files in
/usr/share/datasets/fashion-mnist); needs Debian's python3-torch. The
validation set is the 10,000 test images (--limit N uses the first N of each).
"""
import argparse
import gzip
import os
import struct
import sys

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def need_torch():
    try:
        import torch
    except ImportError as e:
        sys.exit("train.py: PyTorch is not installed (%s).\n"
                 "Install it from Debian: sudo apt-get install python3-torch" % e)
    return torch


def report_epoch_fn():
    """powertrain_meter.report_epoch, or a no-op when the binding is not on the path."""
    try:
        from powertrain_meter import report_epoch
        return report_epoch
    except ImportError:
        if os.environ.get("POWERTRAIN_MARKS"):
            print("train.py: powertrain_meter is not importable (PYTHONPATH=bindings/python?); "
                  "epochs are reported by the printed lines only", file=sys.stderr)
        return lambda *a, **k: False


def read_idx(path, want_magic):
    """A gzip IDX file: big-endian magic, dimensions, then unsigned bytes."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        sys.exit("train.py: %s not found: install Debian's dataset-fashion-mnist or pass --data DIR" % path)
    magic, = struct.unpack_from(">I", data, 0)
    if magic != want_magic:
        sys.exit("train.py: %s: magic %d, expected %d: not an IDX file of that kind" % (path, magic, want_magic))
    ndim = magic & 0xFF
    dims = struct.unpack_from(">%dI" % ndim, data, 4)
    return dims, data[4 + 4 * ndim:]


def load(torch, data_dir, split, limit):
    prefix = "train" if split == "train" else "t10k"
    dims, pix = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % prefix), 2051)
    _, lab = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % prefix), 2049)
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


def evaluate(torch, model, x, y, loss_fn):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            out = model(x[i:i + 1000])
            loss += loss_fn(out, y[i:i + 1000]).item() * len(out)
            correct += (out.argmax(1) == y[i:i + 1000]).sum().item()
    return loss / len(x), correct / len(x)


def train_epoch(torch, model, opt, loss_fn, x, y, batch_size, device):
    model.train()
    perm = torch.randperm(len(x), device=device)
    total, n = 0.0, 0
    for i in range(0, len(x) - batch_size + 1, batch_size):  # whole batches, as powertrain's own runs
        idx = perm[i:i + batch_size]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
        n += len(idx)
    return total / n if n else float("nan")


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    ap.add_argument("--limit", type=int, default=0, help="first N training and N validation images (0: all)")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    ap.add_argument("--device", default="auto", help="cpu, cuda, or auto")
    ap.add_argument("--data", default=DATA_DIR)
    args = ap.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or not args.lr > 0:
        ap.error("--epochs, --batch-size and --lr must be positive")
    return args


def main(argv=None):
    args = parse(argv)
    torch = need_torch()
    report_epoch = report_epoch_fn()
    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dev = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(dev)
    xtr, ytr = load(torch, args.data, "train", args.limit)
    xva, yva = load(torch, args.data, "test", args.limit)
    if args.batch_size > len(xtr):
        sys.exit("train.py: batch size %d exceeds the %d training images" % (args.batch_size, len(xtr)))
    xtr, ytr, xva, yva = (t.to(device) for t in (xtr, ytr, xva, yva))
    model = make_model(torch).to(device)
    if args.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    print("train.py: %s, %d train / %d val images, batch %d, lr %g, seed %d"
          % (dev, len(xtr), len(xva), args.batch_size, args.lr, args.seed), flush=True)
    for epoch in range(1, args.epochs + 1):
        train_loss = train_epoch(torch, model, opt, loss_fn, xtr, ytr, args.batch_size, device)
        val_loss, val_acc = evaluate(torch, model, xva, yva, loss_fn)
        if device.type == "cuda":
            torch.cuda.synchronize()  # the epoch's GPU work is done before its window ends
        print("epoch %d: train loss %.4f, val loss %.4f, val acc %.4f" % (epoch, train_loss, val_loss, val_acc),
              flush=True)
        report_epoch(epoch, val_acc=val_acc, val_loss=val_loss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
