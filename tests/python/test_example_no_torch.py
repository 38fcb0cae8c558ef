"""examples/pytorch_fmnist.py without PyTorch: a clear message, exit 1."""
import os
import subprocess
import sys

from conftest import SOURCE_DIR


def test_says_how_to_install_torch():
    example = SOURCE_DIR / "examples" / "pytorch_fmnist.py"
    hide = ("import runpy, sys; sys.modules['torch'] = None; sys.argv = [%r, '--epochs', '1'];"
            "runpy.run_path(%r, run_name='__main__')" % (str(example), str(example)))
    r = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ))
    assert r.returncode == 1
    assert "PyTorch is not installed" in r.stderr
    assert "apt-get install python3-torch" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_data_dir_is_named(tmp_path):
    try:
        import torch  # noqa: F401
    except ImportError:
        return  # the torch check comes first; covered above
    example = SOURCE_DIR / "examples" / "pytorch_fmnist.py"
    r = subprocess.run([sys.executable, str(example), "--data", str(tmp_path)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1
    assert "train-images-idx3-ubyte.gz not found: install Debian's dataset-fashion-mnist" in r.stderr
