"""examples/pytorch_fmnist.py runs one short epoch on Debian's Fashion-MNIST
and prints its energy with its method (only where python3-torch is installed)."""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR

try:
    import torch  # noqa: F401
except ImportError:
    pytest.skip("python3-torch is not installed: the PyTorch example is not run "
                "(apt-get install python3-torch to run it)", allow_module_level=True)

DATA = "/usr/share/datasets/fashion-mnist"


def test_one_short_epoch(tmp_path):
    if not os.path.exists(os.path.join(DATA, "train-images-idx3-ubyte.gz")):
        pytest.fail("%s is missing: scripts/deps.sh installs dataset-fashion-mnist" % DATA)
    out = tmp_path / "energy.json"
    r = subprocess.run([sys.executable, str(SOURCE_DIR / "examples" / "pytorch_fmnist.py"),
                        "--epochs", "1", "--limit", "512", "--interval-ms", "20",
                        "--device", "cpu", "--json", str(out)],
                       capture_output=True, text=True, timeout=240)
    print(r.stdout)
    print(r.stderr, file=sys.stderr)
    assert r.returncode == 0
    m = re.search(r"^epoch 1: ([0-9.]+) (mJ|J|kJ|MJ) in [0-9.]+ s "
                  r"\((counter|eq1|estimated: not a measurement)\)", r.stdout, re.M)
    assert m, r.stdout
    s = json.loads(out.read_text())
    assert len(s["epochs"]) == 1 and s["epochs"][0]["energy_j"] > 0
    assert s["epochs"][0]["method"] in ("counter", "eq1", "estimated")
    assert [p["name"] for p in s["phases"]] == ["eval"]
    assert "total:" in r.stdout and "component" in r.stdout
