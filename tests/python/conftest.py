"""Fixtures for the Python binding's tests: fake powercap trees and /proc files
(POWERTRAIN_SYSFS_ROOT, POWERTRAIN_PROC_ROOT) and the scripted fake NVML
library (POWERTRAIN_NVML_LIBRARY=$PT_FAKE_NVML, FAKE_NVML_CONTROL; the control
format is documented in tests/fake_nvml.c).

ctest sets: POWERTRAIN_METER_LIB (the built library), PT_FAKE_NVML,
PT_POWERTRAIN_BIN, PT_PY_LAYOUT, PT_PY_STAGE, PT_SOURCE_DIR, PYTHONPATH."""
import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("PT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))

# Variables of the real machine or job that would change what the meter sees.
_AMBIENT = ("CUDA_VISIBLE_DEVICES", "SLURM_STEP_GPUS", "SLURM_JOB_GPUS", "POWERTRAIN_NVML_LIBRARY",
            "FAKE_NVML_CONTROL", "POWERTRAIN_SYSFS_ROOT", "POWERTRAIN_PROC_ROOT")


def need_env(name):
    v = os.environ.get(name)
    if not v:
        pytest.fail("%s is not set: run these tests through ctest (it sets it)" % name)
    return v


def write_atomic(path, text):
    """Writes path through a temporary file and rename(), as a changing sysfs
    file or the fake NVML control file must be written."""
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text)
    os.replace(tmp, path)


class FakeMachine:
    """A fake powercap tree and /proc under one root."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        (self.root / "proc").mkdir(parents=True, exist_ok=True)
        self.powercap = self.root / "sys/class/powercap"

    def zone(self, rel, name, uj, range_uj=262143328850):
        d = self.powercap / rel
        d.mkdir(parents=True, exist_ok=True)
        write_atomic(d / "name", name + "\n")
        write_atomic(d / "energy_uj", "%d\n" % uj)
        write_atomic(d / "max_energy_range_uj", "%d\n" % range_uj)

    def energy(self, rel, uj):
        p = self.powercap / rel / "energy_uj"
        if p.is_dir():
            p.rmdir()
        write_atomic(p, "%d\n" % uj)

    def break_energy(self, rel):
        """energy_uj becomes a directory: unreadable even for root."""
        p = self.powercap / rel / "energy_uj"
        p.unlink()
        p.mkdir()

    def proc(self, busy=100, total=400, ncpu=2, model="Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
             mem_kb=31250000):
        stat = "cpu  %d 0 0 %d 0 0 0 0 0 0\n" % (busy, total - busy)
        stat += "".join("cpu%d 1 0 0 1 0 0 0 0 0 0\n" % i for i in range(ncpu))
        stat += "intr 0\nctxt 0\n"
        write_atomic(self.root / "proc/stat", stat)
        write_atomic(self.root / "proc/cpuinfo", "".join(
            "processor\t: %d\nmodel name\t: %s\nphysical id\t: 0\n\n" % (i, model) for i in range(ncpu)))
        write_atomic(self.root / "proc/meminfo", "MemTotal:       %d kB\nMemFree:        1 kB\n" % mem_kb)


class FakeNvml:
    """The fake NVML's control file: one `gpu ...` line per GPU."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.gpus = []

    def gpu(self, name="NVIDIA_A100-SXM4-40GB", power_mw=250000, energy="1000000", options=""):
        i = len(self.gpus)
        self.gpus.append([name, "GPU-%08d-2222-3333-4444-555555555555" % i,
                          "00000000:%02X:00.0" % (0x3B + i), power_mw, energy, options])
        self.write()
        return i

    def set(self, i, power_mw=None, energy=None):
        if power_mw is not None:
            self.gpus[i][3] = power_mw
        if energy is not None:
            self.gpus[i][4] = str(energy)
        self.write()

    def write(self):
        write_atomic(self.path, "".join("gpu %s %s %s %d %s %s\n" % tuple(g) for g in self.gpus))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for v in _AMBIENT:
        monkeypatch.delenv(v, raising=False)


@pytest.fixture
def machine(tmp_path, monkeypatch):
    m = FakeMachine(tmp_path / "root")
    monkeypatch.setenv("POWERTRAIN_SYSFS_ROOT", str(m.root))
    monkeypatch.setenv("POWERTRAIN_PROC_ROOT", str(m.root))
    return m


@pytest.fixture
def nvml(tmp_path, monkeypatch):
    lib = need_env("PT_FAKE_NVML")
    n = FakeNvml(tmp_path / "nvml-control")
    n.write()
    monkeypatch.setenv("POWERTRAIN_NVML_LIBRARY", lib)
    monkeypatch.setenv("FAKE_NVML_CONTROL", str(n.path))
    return n
