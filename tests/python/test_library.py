"""Finding libpowertrain-meter: POWERTRAIN_METER_LIB, then the package folder,
then the system; a clear message listing every place when none has it. Each
case runs in a fresh interpreter (a process loads the library once)."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR, need_env

PKG_SRC = SOURCE_DIR / "bindings" / "python" / "powertrain_meter"

PROBE = ("import powertrain_meter as p\n"
         "try:\n"
         "    m = p.Meter(interval_ms=0)\n"
         "except p.LibraryNotFoundError as e:\n"
         "    print('NOTFOUND'); print(e); raise SystemExit(3)\n"
         "m.close(); print('LOADED', p.library_path())\n")


def run_probe(pythonpath, env_lib=None, cwd=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("POWERTRAIN_METER_LIB", "LD_LIBRARY_PATH", "PYTHONPATH")}
    env["PYTHONPATH"] = str(pythonpath)
    if env_lib is not None:
        env["POWERTRAIN_METER_LIB"] = str(env_lib)
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd or pythonpath,
                          capture_output=True, text=True, timeout=60)


def copy_package(dst, with_lib):
    pkg = pathlib.Path(dst) / "powertrain_meter"
    shutil.copytree(PKG_SRC, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    if with_lib:
        shutil.copy(need_env("POWERTRAIN_METER_LIB"), pkg / "libpowertrain-meter.so.0")
    return pkg


def test_env_variable_wins(tmp_path):
    copy_package(tmp_path, with_lib=True)
    lib = need_env("POWERTRAIN_METER_LIB")
    r = run_probe(tmp_path, env_lib=lib)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "LOADED " + lib


def test_env_variable_names_a_missing_file(tmp_path):
    copy_package(tmp_path, with_lib=True)  # not used: an explicit choice is not replaced
    r = run_probe(tmp_path, env_lib=tmp_path / "nowhere" / "libpowertrain-meter.so")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "cannot load libpowertrain-meter. Looked in:" in r.stdout
    assert "POWERTRAIN_METER_LIB: %s" % (tmp_path / "nowhere" / "libpowertrain-meter.so") in r.stdout
    assert "cannot open shared object file" in r.stdout
    assert "  - package folder" not in r.stdout


def test_env_variable_names_another_library(tmp_path):
    copy_package(tmp_path, with_lib=False)
    r = run_probe(tmp_path, env_lib=need_env("PT_FAKE_NVML"))
    assert r.returncode == 3
    assert "lacks pt_meter_version" in r.stdout and "not libpowertrain-meter" in r.stdout


def test_package_folder(tmp_path):
    pkg = copy_package(tmp_path, with_lib=True)
    r = run_probe(tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "LOADED " + str(pkg / "libpowertrain-meter.so.0")


def test_staged_build_package():
    stage = need_env("PT_PY_STAGE")
    if not os.path.isdir(stage):
        pytest.fail("%s missing: the build stages the package there (bindings/python/python.cmake)" % stage)
    r = run_probe(stage, cwd="/")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "LOADED " + os.path.join(stage, "powertrain_meter", "libpowertrain-meter.so.0")


def test_not_found_anywhere_lists_every_place(tmp_path):
    pkg = copy_package(tmp_path, with_lib=False)
    r = run_probe(tmp_path)
    if r.returncode == 0:
        pytest.skip("libpowertrain-meter is installed on this system: %s" % r.stdout.strip())
    assert r.returncode == 3, r.stderr
    msg = r.stdout
    assert "cannot load libpowertrain-meter. Looked in:" in msg
    assert "package folder %s: no libpowertrain-meter found" % pkg in msg
    assert "system (ctypes.util.find_library('powertrain-meter')): no libpowertrain-meter found" in msg
    assert "system (the dynamic loader's search path): libpowertrain-meter.so.0" in msg
    assert "POWERTRAIN_METER_LIB=" in msg  # says how to fix it


def test_import_needs_no_library(tmp_path):
    copy_package(tmp_path, with_lib=False)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), POWERTRAIN_METER_LIB="/nonexistent.so")
    r = subprocess.run([sys.executable, "-c", "from powertrain_meter import Meter; print('ok')"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stderr
    # and the error is an ImportError subclass, so `except ImportError` catches it
    import powertrain_meter
    assert issubclass(powertrain_meter.LibraryNotFoundError, ImportError)
