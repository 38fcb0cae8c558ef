"""m.to_json(path) has the shape of `powertrain measure --json`: the same keys
at every level (exit_status is null: the binding runs no command), on the
same fake machine (a RAPL package counter and an estimated DRAM)."""
import json
import os
import subprocess
import time

from powertrain_meter import Meter

from conftest import need_env

PKG = "intel-rapl:0"


def shape(v):
    """Keys at every level; lists as the union of their elements' shapes."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        merged = {}
        for x in v:
            s = shape(x)
            if isinstance(s, dict):
                merged.update(s)
            else:
                merged["<item>"] = s
        return [merged]
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, str):
        return "string"
    return "number-or-null"  # a figure may be null where it does not exist


def test_same_shape_as_measure(machine, tmp_path, monkeypatch):
    machine.proc()
    machine.zone(PKG, "package-0", 1000000)
    # NVML: the fake library with no control file: "unavailable", as on a
    # machine without GPUs, whatever this machine has.
    monkeypatch.setenv("POWERTRAIN_NVML_LIBRARY", need_env("PT_FAKE_NVML"))
    cli_json = tmp_path / "measure.json"
    script = ('sleep 0.05; echo epoch_end > "$POWERTRAIN_MARKS"; sleep 0.05; '
              'echo epoch_end > "$POWERTRAIN_MARKS"; echo "phase eval" > "$POWERTRAIN_MARKS"; sleep 0.05')
    r = subprocess.run([need_env("PT_POWERTRAIN_BIN"), "measure", "--interval", "10", "--json",
                        str(cli_json), "--", "sh", "-c", script],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    cli = json.loads(cli_json.read_text())

    with Meter(interval_ms=10) as m:
        time.sleep(0.05)
        m.epoch_end()
        time.sleep(0.05)
        m.epoch_end()
        with m.window("eval"):
            time.sleep(0.05)
    py_json = tmp_path / "binding.json"
    m.to_json(py_json)
    py = json.loads(py_json.read_text())

    assert len(cli["epochs"]) == len(py["epochs"]) == 2
    assert len(cli["phases"]) == len(py["phases"]) == 1
    assert "after_last_epoch" in cli and "after_last_epoch" in py
    assert [c["name"] for c in cli["components"]] == [c["name"] for c in py["components"]]
    assert [c["method"] for c in cli["components"]] == [c["method"] for c in py["components"]]
    assert cli["sources"] == py["sources"]
    assert cli["exit_status"] == 0 and py["exit_status"] is None
    assert shape(py) == shape(cli)
    assert list(py) == list(cli)  # and in the same order
    assert list(py["components"][0]) == list(cli["components"][0])
    assert list(py["epochs"][0]) == list(cli["epochs"][0])
    assert os.listdir(tmp_path).count("binding.json") == 1
