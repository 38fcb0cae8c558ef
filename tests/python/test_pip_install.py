"""pyproject.toml: `pip install --no-build-isolation` builds and installs the
package with Debian's setuptools and no network; a library copied into the
package folder first is installed with it and found there."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR, need_env


def pip_install(src, target):
    for mod in ("pip", "setuptools"):
        if importlib.util.find_spec(mod) is None:
            pytest.fail("no %s module: scripts/deps.sh installs python3-pip and python3-setuptools" % mod)
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
                        "--no-index", "--target", str(target), str(src)],
                       env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr


def run_installed(target, code, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "POWERTRAIN_METER_LIB")}
    env.update(PYTHONPATH=str(target), **extra_env)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd="/", capture_output=True,
                          text=True, timeout=60)


def test_install_with_the_library_bundled(tmp_path):
    src = tmp_path / "src"   # a copy: pip builds in place and must not write into the repository
    shutil.copytree(SOURCE_DIR / "bindings" / "python", src,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "*.so*"))
    shutil.copy(need_env("POWERTRAIN_METER_LIB"), src / "powertrain_meter" / "libpowertrain-meter.so.0")
    target = tmp_path / "site"
    pip_install(src, target)
    assert (target / "powertrain_meter" / "libpowertrain-meter.so.0").is_file()
    assert list(target.glob("powertrain_meter-0.1.0.dist-info"))
    r = run_installed(target, "import powertrain_meter as p\n"
                              "with p.Meter(interval_ms=0, sources=['estimate']) as m: m.epoch_end()\n"
                              "print(p.library_path()); print(p.__file__)")
    assert r.returncode == 0, r.stderr
    lib, init = r.stdout.split()
    assert lib == str(target / "powertrain_meter" / "libpowertrain-meter.so.0")
    assert init == str(target / "powertrain_meter" / "__init__.py")


def test_install_pure_python_uses_the_variable(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SOURCE_DIR / "bindings" / "python", src,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "*.so*"))
    target = tmp_path / "site"
    pip_install(src, target)
    assert not list((target / "powertrain_meter").glob("*.so*"))
    lib = need_env("POWERTRAIN_METER_LIB")
    r = run_installed(target, "from powertrain_meter import Meter, library_path\n"
                              "Meter(interval_ms=0).close(); print(library_path())",
                      POWERTRAIN_METER_LIB=lib)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == lib
