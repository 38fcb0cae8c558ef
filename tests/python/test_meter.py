"""The binding against fake hardware: exact counter energies per epoch and
window (interval 0: samples only where the test takes them, counters set
between them), wraparound, billing, eq1 and estimated figures, nesting,
errors with the library's text, warnings, the sampler thread, fork safety."""
import json
import math
import os
import signal
import threading
import time

import pytest

import powertrain_meter
from powertrain_meter import Meter, MeterError, MeterWarning, _lib

PKG = "intel-rapl:0"


def rapl_machine(machine, start_uj=1000000, range_uj=262143328850):
    machine.proc()
    machine.zone(PKG, "package-0", start_uj, range_uj)
    return machine


def test_epochs_exact_counter(machine):
    rapl_machine(machine)
    with Meter(interval_ms=0, sources=["rapl"]) as m:
        assert [c["name"] for c in m.components] == ["package-0"]
        machine.energy(PKG, 3500000)
        e1 = m.epoch_end()
        machine.energy(PKG, 4000000)
        m.sample()
        machine.energy(PKG, 6000000)
        m.sample()
        e2 = m.epoch_end()
        machine.energy(PKG, 7000000)
        m.sample()  # a power sample inside the tail
    assert (e1.index, e1.label, e1.method, e1.energy_j) == (1, "epoch 1", "counter", 2.5)
    c = e1.component("package-0")
    assert (c.method, c.counter_j, c.energy_j, c.source, c.billed) == ("counter", 2.5, 2.5, "rapl", True)
    assert c.measured and e1.measured
    assert e2.energy_j == 2.5 and e2.component("package-0").counter_j == 2.5
    assert e2.component("package-0").samples == 2
    # eq1 = mean of the power samples in the window x its duration
    c2 = e2.component("package-0")
    assert c2.eq1_j == pytest.approx(c2.mean_w * e2.duration_s, rel=1e-9)
    # epoch_end is two boundary reads (end, then begin of the next): a few
    # microseconds lie between the epochs, in neither of them
    assert 0 <= e1.start_s < e1.end_s <= e2.start_s < e1.end_s + 0.05
    s = m.summary()
    assert s["total_energy_j"] == 6.0 and s["method"] == "counter"
    assert s["components"][0]["counter_j"] == 6.0
    assert [e["energy_j"] for e in s["epochs"]] == [2.5, 2.5]
    assert s["after_last_epoch"]["energy_j"] == 1.0
    assert s["exit_status"] is None and s["interval_ms"] == 0
    assert [e.energy_j for e in m.epochs] == [2.5, 2.5]
    assert str(e1).startswith("epoch 1: 2.50 J in ") and str(e1).endswith("(counter)")


def test_counter_wraps(machine):
    rapl_machine(machine, start_uj=3000000, range_uj=4000000)  # wraps at 4 J
    with Meter(interval_ms=0, sources="rapl") as m:
        machine.energy(PKG, 1000000)   # 3 J -> 4 J = 0 -> 1 J
        e = m.epoch_end()
    assert e.component("package-0").counter_j == 2.0
    assert m.total.energy_j == 2.0


def test_dram_billed_psys_apart(machine):
    rapl_machine(machine)
    machine.zone(PKG + "/intel-rapl:0:0", "dram", 500000)
    machine.zone("intel-rapl:1", "psys", 0)
    with Meter(interval_ms=0, sources=["rapl"]) as m:
        names = [c["name"] for c in m.components]
        machine.energy(PKG, 2000000)
        machine.energy(PKG + "/intel-rapl:0:0", 750000)
        machine.energy("intel-rapl:1", 9000000)
        e = m.epoch_end()
    assert names == ["package-0", "dram-0", "psys"]
    assert e.component("dram-0").counter_j == 0.25
    assert e.component("psys").counter_j == 9.0 and not e.component("psys").billed
    assert e.energy_j == 1.25  # package + dram; psys never added
    kinds = {c["name"]: c["kind"] for c in m.components}
    assert kinds == {"package-0": "cpu", "dram-0": "dram", "psys": "psys"}


def test_nvml_counter_and_eq1(machine, nvml):
    machine.proc()
    g0 = nvml.gpu("NVIDIA_A100-SXM4-40GB", 250000, "1000000")
    g1 = nvml.gpu("Tesla_P100", 120000, "none", "limit=250000")
    with Meter(interval_ms=0, sources=["nvml"], gpus="all") as m:
        info = {c["name"]: c for c in m.components}
        nvml.set(g0, energy=1002500)   # +2.5 J
        m.sample()
        e = m.epoch_end()
        nvml.set(g0, energy=1003000, power_mw=300000)
        m.sample()
        w = m.window("eval")
        nvml.set(g0, energy=1003250)
        m.sample()
        r = w.end()
    assert info["gpu-0"]["model"] == "NVIDIA A100-SXM4-40GB" and info["gpu-0"]["has_counter"]
    assert info["gpu-1"]["method"] == "eq1" and not info["gpu-1"]["has_counter"]
    assert info["gpu-1"]["power_limit_w"] == 250.0
    assert info["gpu-0"]["bus_id"] == "00000000:3B:00.0"
    c0, c1 = e.component("gpu-0"), e.component("gpu-1")
    assert (c0.method, c0.counter_j, c0.energy_j) == ("counter", 2.5, 2.5)
    assert c0.mean_w == 250.0 and c0.samples == 1
    assert (c1.method, c1.counter_j, c1.mean_w, c1.peak_w) == ("eq1", None, 120.0, 120.0)
    assert c1.eq1_j == pytest.approx(120.0 * e.duration_s, rel=1e-12)
    assert c1.energy_j == c1.eq1_j
    assert e.method == "eq1"  # the weakest method in the sum
    assert e.energy_j == pytest.approx(2.5 + c1.eq1_j, rel=1e-12)
    assert r.component("gpu-0").counter_j == 0.25 and r.component("gpu-0").mean_w == 300.0


def test_estimated_is_never_a_measurement(machine):
    machine.proc(busy=100, total=400)
    with Meter(interval_ms=0, sources=["estimate"], cpu_tdp_w=100) as m:
        m.sample()
        e = m.epoch_end()
    assert {c["method"] for c in m.components} == {"estimated"}
    assert "TDP 100 W" in m.components[0]["note"]
    assert e.method == "estimated" and not e.measured
    assert all(not c.measured for c in e.components)
    assert "estimated: not a measurement" in str(e)
    assert m.summary()["method"] == "estimated"
    assert "not a measurement" in m.report()


def test_windows_nest_and_overlap(machine):
    rapl_machine(machine, start_uj=0)
    with Meter(interval_ms=0, sources=["rapl"]) as m:
        with m.window("eval") as outer:
            machine.energy(PKG, 1000000)
            with m.window("batch") as inner:
                machine.energy(PKG, 3000000)
                assert inner.read().energy_j == 0.0  # figures run up to the latest read
                m.sample()
                live = inner.read()
                assert live.open and live.energy_j == 2.0
            machine.energy(PKG, 3500000)
            e = m.epoch_end()   # ends inside "eval"
        a = m.window("a")
        machine.energy(PKG, 4000000)
        b = m.window("b")
        machine.energy(PKG, 4500000)
        ra = a.end()
        machine.energy(PKG, 5500000)
        rb = b.end()
    ro, ri = outer.read(), inner.read()
    assert not ro.open and not ri.open
    assert ro.energy_j == 3.5 and ri.energy_j == 2.0
    assert ro.start_s <= ri.start_s <= ri.end_s <= ro.end_s
    assert e.energy_j == 3.5 and e.phase == "eval"
    assert ra.energy_j == 1.0 and rb.energy_j == 1.5
    assert ra.start_s < rb.start_s < ra.end_s < rb.end_s  # overlapping
    assert outer.energy_j == 3.5 and outer.method == "counter"
    s = m.summary()
    assert [(p["name"], p["energy_j"]) for p in s["phases"]] == [
        ("eval", 3.5), ("batch", 2.0), ("a", 1.0), ("b", 1.5)]
    assert s["epochs"][0]["phase"] == "eval"


def test_windows_left_open_end_with_the_run(machine):
    rapl_machine(machine, start_uj=0)
    with Meter(interval_ms=0, sources=["rapl"]) as m:
        w = m.window("left open")
        machine.energy(PKG, 2000000)
    r = w.read()
    assert not r.open and r.energy_j == 2.0 and r.end_s <= m.total.end_s


def test_no_epoch_cut_means_no_epochs(machine):
    rapl_machine(machine, start_uj=0)
    with Meter(interval_ms=0, sources=["rapl"]) as m:
        machine.energy(PKG, 2000000)
    s = m.summary()
    assert s["epochs"] == [] and "after_last_epoch" not in s and s["total_energy_j"] == 2.0


def test_errors_carry_the_library_text(machine, nvml, tmp_path):
    machine.proc()
    nvml.gpu()
    with pytest.raises(MeterError, match=r"^sampling interval 70000 ms is out of range \(1\.\.60000 ms\)$"):
        Meter(interval_ms=70000)
    with pytest.raises(MeterError, match="^CPU TDP must be a positive number of watts$"):
        Meter(cpu_tdp_w=-5)
    with pytest.raises(MeterError, match="^--gpus: no GPU matches '7'$"):
        Meter(gpus="7")
    missing = tmp_path / "no-such-trace.csv"
    with pytest.raises(MeterError, match="^cannot open trace file %s: No such file or directory$" % missing):
        Meter(trace_path=missing)
    with pytest.raises(ValueError, match="interval_ms"):
        Meter(interval_ms=-1)
    with pytest.raises(ValueError, match="unknown source 'tpu'"):
        Meter(sources=["tpu"])
    m = Meter(interval_ms=0, sources=["nvml"], gpus="0")
    with pytest.raises(MeterError, match="not running"):
        m.epoch_end()
    with m:
        w = m.window("x")
        w.end()
        with pytest.raises(MeterError, match=r"^window %d is not open$" % w.id):
            w.end()
    with pytest.raises(MeterError, match="not running"):
        m.epoch_end()
    with pytest.raises(MeterError, match="already started"):
        m.start()
    assert issubclass(MeterError, RuntimeError)


def test_warnings_and_degraded(machine):
    rapl_machine(machine)
    seen = []
    with Meter(interval_ms=0, sources=["rapl"], warn=seen.append) as m:
        machine.break_energy(PKG)
        m.sample()
        machine.energy(PKG, 2000000)
        e = m.epoch_end()
        machine.energy(PKG, 2500000)
        e2 = m.epoch_end()
    assert e.degraded and e.component("package-0").degraded
    assert e.energy_j == 1.0  # a failed read loses nothing once the counter reads again
    assert not e2.degraded and e2.energy_j == 0.5
    assert len(seen) == 1 and "package-0 (rapl): read failed" in seen[0]
    assert m.warnings == seen
    # by default a warning goes through the warnings module
    rapl_machine(machine)
    with pytest.warns(MeterWarning, match="read failed"):
        with Meter(interval_ms=0, sources=["rapl"]) as m2:
            machine.break_energy(PKG)
            m2.sample()


def test_sampler_thread_with_a_ramping_gpu(machine, nvml):
    machine.proc()
    nvml.gpu("NVIDIA_H100", 300000, "ramp")
    with Meter(interval_ms=10, sources=["nvml"], gpus="all") as m:
        time.sleep(0.3)
        e = m.epoch_end()
        time.sleep(0.1)
    c = e.component("gpu-0")
    assert c.method == "counter" and c.samples >= 5
    # the fake counter rises at 300 W in real time
    assert c.counter_j == pytest.approx(300.0 * e.duration_s, rel=0.05)
    assert c.mean_w == pytest.approx(300.0, rel=1e-9)
    assert m.total.energy_j == pytest.approx(300.0 * m.total.duration_s, rel=0.05)
    assert m.components[0]["update_period_s"] > 0


def test_summary_is_json_and_to_json_is_atomic(machine, tmp_path):
    rapl_machine(machine)
    with Meter(interval_ms=0, sources=["rapl"]) as m:
        machine.energy(PKG, 2000000)
        m.epoch_end()
    out = tmp_path / "energy.json"
    m.to_json(out)
    assert json.loads(out.read_text()) == json.loads(json.dumps(m.summary()))
    assert sorted(os.listdir(tmp_path)) == ["energy.json", "root"]  # no temporary left
    text = out.read_text()
    assert "NaN" not in text and '"counter_j": 1.0' in text
    with pytest.raises(OSError):
        m.to_json(tmp_path / "no-such-dir" / "e.json")
    assert not (tmp_path / "no-such-dir").exists()


def test_figures_survive_close(machine):
    rapl_machine(machine)
    m = Meter(interval_ms=0, sources=["rapl"])
    m.start()
    w = m.window("w")
    machine.energy(PKG, 2000000)
    m.epoch_end()
    m.close()
    assert repr(m).startswith("<powertrain_meter.Meter done")
    assert w.read().energy_j == 1.0 and m.epochs[0].energy_j == 1.0
    assert m.summary()["total_energy_j"] == 1.0
    with pytest.raises(MeterError, match="closed"):
        m.mark("late")
    m.close()  # twice is fine


def test_threads_share_a_meter(machine):
    rapl_machine(machine, start_uj=0)
    with Meter(interval_ms=1, sources=["rapl"]) as m:
        results, errors = [], []

        def worker(i):
            try:
                for _ in range(20):
                    with m.window("t%d" % i) as w:
                        pass
                    results.append(w.read())
            except Exception as e:  # pragma: no cover
                errors.append(e)

        ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert errors == [] and len(results) == 80
    assert len(m.summary()["phases"]) == 80


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_forked_child_leaves_the_parents_meter_alone(machine):
    rapl_machine(machine)
    with Meter(interval_ms=5, sources=["rapl"]) as m:
        pid = os.fork()
        if pid == 0:  # the child, as a DataLoader worker would be
            code = 0
            try:
                m.epoch_end()
                code = 3
            except MeterError as e:
                code = 0 if "belongs to process" in str(e) else 4
            m.close()       # must neither join the parent's thread nor free its memory
            del m
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        machine.energy(PKG, 2000000)
        e = m.epoch_end()
    assert e.energy_j == 1.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_the_library_meter_is_inert_in_a_forked_child(machine):
    """Below the binding's own pid check: the C meter a child inherits answers
    every call with -1 and "inherited across fork", and never hangs on the
    mutex the parent's 1 ms sampler may hold at the fork (alarm catches a hang)."""
    rapl_machine(machine)
    with Meter(interval_ms=1, sources=["rapl"]) as m:
        lib, h = m._lib, m._handle
        for _ in range(50):
            pid = os.fork()
            if pid == 0:
                code = 9  # killed by SIGALRM if a call hangs
                try:
                    signal.alarm(5)
                    rcs = [lib.pt_meter_window_count(h), lib.pt_meter_mark(h, b"child"),
                           lib.pt_meter_sample(h), lib.pt_meter_window_end(h, 0)]
                    inert = "inherited across fork" in _lib.last_error(lib)
                    lib.pt_meter_close(h)  # a no-op in the child
                    code = 0 if rcs == [-1] * 4 and inert and math.isnan(lib.pt_meter_now(h)) else 3
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        machine.energy(PKG, 2000000)
        e = m.epoch_end()
    assert e.energy_j == 1.0


def test_package_api():
    assert powertrain_meter.library_version() == "0.1.0"
    assert os.path.samefile(powertrain_meter.library_path(), os.environ["POWERTRAIN_METER_LIB"])
    assert powertrain_meter.format_energy(0.5) == "500.0 mJ"
    assert powertrain_meter.format_energy(12345.0) == "12.35 kJ"
    assert powertrain_meter.format_energy(None) == "-"
    assert math.isfinite(1.0)


def test_a_forgotten_meter_is_freed_at_once(machine):
    """No reference cycle (callback, windows) keeps a meter and its sampler
    thread alive until a garbage collection."""
    import gc
    import weakref
    rapl_machine(machine)
    tasks = lambda: len(os.listdir("/proc/self/task"))  # noqa: E731
    before = tasks()
    gc.disable()
    try:
        m = Meter(interval_ms=5, sources=["rapl"], warn=lambda msg: None)
        m.start()
        w = m.window("x")
        m.epoch_end()
        assert tasks() == before + 1  # the sampler thread
        ref = weakref.ref(m)
        del w, m
        assert ref() is None
        assert tasks() == before
    finally:
        gc.enable()
