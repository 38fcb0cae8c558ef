#!/usr/bin/env python3
"""gpu_train_bench.py -- PyTorch's side of bench/gpu_train_bench.c: the same
architectures (bench/train_throughput.py's definitions), channels-last, Adam,
fixed random data, on one CUDA GPU; after warm-up, steps for about SECONDS
inside a window of powertrain's own meter (the Python binding, NVML only,
billing that GPU by PCI bus id), so both sides are measured the same way.
Prints the same RESULT line as the C program.

usage: gpu_train_bench.py MODEL BATCH SECONDS [HxWxC] [--tf32] [--benchmark]
  --tf32       allow TF32 in convolutions and matmuls (else both off: fp32)
  --benchmark  torch.backends.cudnn.benchmark = True (time algorithms, as
               powertrain does by default)
Needs PYTHONPATH to hold build/python (the binding) for the energy figures."""
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_throughput as tt  # noqa: E402  (the model definitions)


def build(name, hwc):
    if name == "pamap2_cnn":
        net, shape, k = tt.pamap2_cnn()
    elif name == "fmnist_cnn":
        net, shape, k = tt.fmnist_cnn()
    elif name == "resnet18":
        net, shape, k = tt.resnet18()
    else:
        raise SystemExit("unknown model " + name)
    if hwc:
        h, w, c = hwc
        shape = (c, h, w) if len(shape) == 3 else (c, w)
    return net, shape, k


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    if len(args) < 3:
        raise SystemExit(__doc__)
    name, batch, seconds = args[0], int(args[1]), float(args[2])
    hwc = tuple(int(v) for v in args[3].split("x")) if len(args) > 3 else None
    tf32 = "--tf32" in flags
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = "--benchmark" in flags
    torch.manual_seed(1)
    dev = torch.device("cuda")
    net, shape, k = build(name, hwc)
    net = net.to(dev)
    x = torch.randn(batch, *shape, device=dev)
    if len(shape) == 3:  # channels-last, as powertrain keeps activations
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    y = (torch.arange(batch, device=dev) % k)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()

    def step():
        out = net(x)
        loss = lossf(out, y) if name != "resnet18" else out.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(5):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    per = (time.perf_counter() - t0) / 3
    steps = max(10, int(math.ceil(seconds / max(per, 1e-6))))

    meter = window = None
    try:
        from powertrain_meter import Meter
        props = torch.cuda.get_device_properties(dev)
        bus = "%04x:%02x:%02x.0" % (getattr(props, "pci_domain_id", 0), props.pci_bus_id, props.pci_device_id)
        meter = Meter(interval_ms=20, sources=["nvml"], gpus=bus)
        meter.start()
        window = meter.window("timed")
    except Exception as e:  # throughput still counts
        print("gpu_train_bench.py: meter: %s (throughput only)" % e, file=sys.stderr)
        meter = window = None
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    sps = batch * steps / dt
    jps = jeq = mean_w = float("nan")
    method = "none"
    if window is not None:
        r = window.end()
        if r.components:
            jps = r.energy_j / (batch * steps)
            method = r.method
            c = r.components[0]
            jeq = (c.eq1_j if c.eq1_j is not None else float("nan")) / (batch * steps)
            mean_w = c.mean_w if c.mean_w is not None else float("nan")
        meter.stop()
        meter.close()
    print("%s pytorch-%s batch %d: %.1f samples/s (%d steps in %.2f s)" % (name, torch.__version__, batch, sps, steps, dt))
    print("device: %s, cuDNN %s, TF32 %s, cudnn.benchmark %s" % (torch.cuda.get_device_name(dev),
          torch.backends.cudnn.version(), "on" if tf32 else "off", torch.backends.cudnn.benchmark))
    print("RESULT impl=pytorch model=%s batch=%d tf32=%d samples_per_s=%.2f j_per_sample=%.6g method=%s "
          "eq1_j_per_sample=%.6g mean_w=%.1f seconds=%.2f" % (name, batch, int(tf32), sps, jps, method, jeq, mean_w, dt))


if __name__ == "__main__":
    main()
