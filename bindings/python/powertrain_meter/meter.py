"""meter.py -- the Meter: epochs and windows over libpowertrain-meter.

    with Meter(interval_ms=100) as m:
        for epoch in range(10):
            train_one_epoch()
            print(m.epoch_end())          # epoch 1: 41.20 J in 2.01 s (counter)
            with m.window("eval"):
                evaluate()
    print(m.summary()["total_energy_j"])
    m.to_json("energy.json")

A meter is used once: the with block (or start() ... close()) is its run. At
its end every figure is read from the library and kept, and the library's
meter is closed, so summary(), to_json() and the results of epochs and
windows stay readable afterwards.
"""
import atexit
import ctypes
import dataclasses
import json
import math
import os
import sys
import threading
import warnings
import weakref
from typing import Optional, Tuple

from . import _lib

__all__ = ["Meter", "MeterError", "MeterWarning", "Window", "WindowResult",
           "ComponentEnergy", "format_energy"]


class MeterError(RuntimeError):
    """A call into libpowertrain-meter failed; the message is pt_meter_last_error()."""


class MeterWarning(UserWarning):
    """A warning from the meter: wrap risk, a failing source, a short window."""


def format_energy(j):
    """Joules as `powertrain measure` prints them: mJ, J, kJ or MJ."""
    if j is None or not math.isfinite(j):
        return "-"
    a = abs(j)
    if a < 1:
        return "%.1f mJ" % (j * 1e3)
    if a < 1e3:
        return "%.2f J" % j
    if a < 1e6:
        return "%.2f kJ" % (j / 1e3)
    return "%.3f MJ" % (j / 1e6)


def _num(x):
    """NaN (no such figure) becomes None."""
    return x if math.isfinite(x) else None


@dataclasses.dataclass(frozen=True)
class ComponentEnergy:
    """One component's energy over one window."""
    name: str          # "gpu-0", "package-0", "dram-0", "psys", "cpu"
    source: str        # "nvml", "amdsmi", "rapl", "estimate", "trace"
    method: str        # the method of energy_j: "counter", "eq1" or "estimated"
    billed: bool       # counted in the window's total (psys never is)
    energy_j: float    # the figure of `method`
    counter_j: Optional[float]  # hardware counter difference; None without a counter
    eq1_j: Optional[float]      # Equation (1): mean sampled power x duration
    mean_w: Optional[float]
    peak_w: Optional[float]
    samples: int       # power samples inside the window
    degraded: bool     # the source failed during the window: figures are partial
    process_j: Optional[float] = None  # with attribute_pid: the process tree's share
    machine_j: Optional[float] = None  # the whole component's energy (every process's)
    job_j: Optional[float] = None      # the job's share; None when unknown (no idle power)
    attribution: str = "whole"         # "whole", "cpu-share", "gpu-share", "unknown"

    @property
    def measured(self):
        """False for a modelled (estimated) figure: that is not a measurement."""
        return self.method != "estimated"

    def as_dict(self):
        d = {"name": self.name, "source": self.source, "method": self.method,
             "billed": self.billed, "energy_j": self.energy_j, "counter_j": self.counter_j,
             "eq1_j": self.eq1_j, "mean_w": self.mean_w, "peak_w": self.peak_w,
             "samples": self.samples, "degraded": self.degraded}
        if self.process_j is not None:
            d["process_j"] = self.process_j
        d["machine_j"] = self.machine_j
        d["job_j"] = self.job_j
        d["attribution"] = self.attribution
        return d


@dataclasses.dataclass(frozen=True)
class WindowResult:
    """One window (an epoch, a named window or the whole run). Times are
    seconds since the run started; an open window's figures run up to the
    latest sample."""
    label: str
    start_s: float
    end_s: float
    energy_j: float    # sum of the billed components' energy_j
    method: str        # weakest method in the sum: estimated > eq1 > counter
    degraded: bool
    short: bool        # shorter than two update periods of a source: uncertain
    open: bool
    components: Tuple[ComponentEnergy, ...]
    process_j: Optional[float] = None
    index: Optional[int] = None   # epoch number, for epochs
    phase: Optional[str] = None   # for epochs: the innermost window open when it ended

    @property
    def duration_s(self):
        return self.end_s - self.start_s

    @property
    def measured(self):
        """False when the total includes an estimated component."""
        return self.method != "estimated"

    def component(self, name):
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def method_text(self):
        if self.method == "estimated":
            return "estimated: not a measurement"
        return self.method

    def __str__(self):
        flags = (" [degraded]" if self.degraded else "") + (" [short]" if self.short else "")
        return "%s: %s in %.2f s (%s)%s" % (self.label, format_energy(self.energy_j),
                                             self.duration_s, self.method_text(), flags)

    def as_dict(self):
        """The window fields of `powertrain measure --json`."""
        return {"start_s": self.start_s, "end_s": self.end_s, "energy_j": self.energy_j,
                "method": self.method, "degraded": self.degraded, "short": self.short,
                "components": [c.as_dict() for c in self.components]}


class Window:
    """A labelled window; begun when created, ended by end() or the with block.
    Windows may nest and overlap."""

    def __init__(self, meter, label):
        # The meter keeps only [id, label, open] records, never Window
        # objects: no reference cycle keeps a forgotten meter alive.
        self._meter = meter
        self.label = label
        self.id = meter._begin(label)
        self._rec = [self.id, label, True]
        meter._windows.append(self._rec)

    @property
    def _ended(self):
        return not self._rec[2]

    def end(self):
        """Ends the window and returns its result."""
        m = self._meter
        with m._lock:
            if self._ended and m._handle is None:
                raise MeterError("window %d is not open" % self.id)
            # An ended window: the library says why it cannot end again.
            m._check(m._lib.pt_meter_window_end(m._h(), self.id))
            self._rec[2] = False
        return self.read()

    def read(self):
        """The window's figures now (up to the latest sample while open)."""
        return self._meter._result(self.id)

    @property
    def energy_j(self):
        return self.read().energy_j

    @property
    def method(self):
        return self.read().method

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self._ended and self._meter._running:
            self.end()
        return False

    def __repr__(self):
        return "<powertrain_meter.Window %r id=%d%s>" % (self.label, self.id,
                                                          " ended" if self._ended else "")


_live = weakref.WeakSet()


@atexit.register
def _close_all():
    # Before the interpreter finalizes: no sampler thread may call back into it.
    for m in list(_live):
        try:
            m.close()
        except Exception:
            pass


class Meter:
    """Measures the energy of a training run, epoch by epoch.

    interval_ms   sampling interval, 1..60000 ms; 0 = no sampler thread (samples
                  only through sample(), window boundaries and epoch_end())
    sources       None (all), or names among "nvml", "amdsmi", "rapl", "estimate", "trace"
    gpus          None (the GPUs the job can see), "all", or a comma list of NVML
                  indices, GPU-UUIDs or PCI bus ids
    cpu_tdp_w     TDP for the CPU estimate (None: the built-in table or default)
    attribute_pid attribute CPU energy to this process tree (None: off)
    trace_path    replay a CSV power trace "t_seconds,component,watts"
    warn          callable(message) for the meter's warnings; None issues a
                  MeterWarning through the warnings module. All warnings are
                  also kept in .warnings.
    """

    def __init__(self, interval_ms=100, *, sources=None, gpus=None, cpu_tdp_w=None,
                 attribute_pid=None, trace_path=None, warn=None):
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms < 0:
            raise ValueError("interval_ms must be a whole number of milliseconds, 1..60000, "
                             "or 0 for no sampler thread (got %r)" % (interval_ms,))
        lib = _lib.load_library()
        self._lib = lib
        self._handle = None
        self._pid = os.getpid()
        self._lock = threading.RLock()
        self._running = False
        self._done = False
        self.warnings = []
        self._warn_user = warn
        self._quiet_label = None
        me = weakref.ref(self)  # not a bound method: no cycle through the callback

        def on_warn(ctx, message):
            m = me()
            if m is not None:
                m._on_warn(message)
        self._warn_cb = _lib.WARN_FN(on_warn)  # kept alive as long as the meter
        cfg = _lib.Config()
        lib.pt_meter_config_init(ctypes.byref(cfg))
        cfg.interval_ms = min(interval_ms, 0xFFFFFFFF)
        if sources is not None:
            if isinstance(sources, str):
                sources = [s for s in sources.replace(",", " ").split() if s]
            bits = 0
            for s in sources:
                if s not in _lib.SOURCE_BITS:
                    raise ValueError("unknown source %r (expected some of %s)"
                                     % (s, ", ".join(_lib.SOURCE_BITS)))
                bits |= _lib.SOURCE_BITS[s]
            cfg.sources = bits
        if gpus is not None:
            if not isinstance(gpus, str):
                gpus = ",".join(str(g) for g in gpus)
            cfg.gpus = gpus.encode()
        if cpu_tdp_w is not None:
            cfg.cpu_tdp_w = float(cpu_tdp_w)
        if attribute_pid is not None:
            cfg.attribute_pid = int(attribute_pid)
        if trace_path is not None:
            cfg.trace_path = os.fsencode(trace_path)
        cfg.warn = self._warn_cb
        self.interval_ms = interval_ms
        handle = lib.pt_meter_open(ctypes.byref(cfg))
        if not handle:
            raise MeterError(_lib.last_error(lib))
        self._handle = handle
        _live.add(self)
        self._components = [self._component_info(k) for k in range(lib.pt_meter_component_count(handle))]
        self._sources = [self._source_info(i) for i in range(lib.pt_meter_source_count(handle))]
        self._epochs = []        # (window id, index, phase)
        self._windows = []       # [window id, label, open] of window(), in order
        self._total = self._cur = None
        self._tail = None
        self._t0 = 0.0
        self._final = None       # window id -> WindowResult once stopped

    # ---- plumbing ----------------------------------------------------------

    def _on_warn(self, message):
        msg = message.decode("utf-8", "replace") if message else ""
        if self._quiet_label and msg.startswith("window '%s' lasted" % self._quiet_label):
            return  # the epoch in flight at the end: an epoch only if it lasted
        self.warnings.append(msg)
        try:
            if self._warn_user is not None:
                self._warn_user(msg)
            else:
                warnings.warn(msg, MeterWarning, stacklevel=2)
        except Exception as e:  # never raise into the C library
            print("powertrain-meter: warning: %s (%s)" % (msg, e), file=sys.stderr)

    def _h(self):
        if self._handle is None:
            raise MeterError("the meter is closed")
        if os.getpid() != self._pid:
            raise MeterError("this meter belongs to process %d (the parent of this fork); "
                             "open a new Meter in this process" % self._pid)
        return self._handle

    def _check(self, rc):
        if rc < 0:
            raise MeterError(_lib.last_error(self._lib))
        return rc

    def _begin(self, label):
        with self._lock:
            return self._check(self._lib.pt_meter_window_begin(self._h(), label.encode()))

    def _component_info(self, k):
        c = _lib.Component()
        self._check(self._lib.pt_meter_component_info(self._h(), k, ctypes.byref(c)))
        return {"name": c.name.decode(), "source": c.source.decode(),
                "kind": _lib.KIND_NAMES[c.kind], "method": _lib.METHOD_NAMES[c.method],
                "model": c.model.decode("utf-8", "replace"), "id": c.id.decode("utf-8", "replace"),
                "bus_id": c.bus_id.decode(), "has_counter": bool(c.has_counter),
                "billed": bool(c.billed), "power_limit_w": c.power_limit_w, "wrap_j": c.wrap_j,
                "update_period_s": c.update_period_s, "note": c.note.decode("utf-8", "replace")}

    def _source_info(self, i):
        s = _lib.Source()
        self._check(self._lib.pt_meter_source_info(self._h(), i, ctypes.byref(s)))
        return {"name": s.name.decode(), "available": bool(s.available),
                "status": s.status.decode("utf-8", "replace")}

    def _read(self, wid):
        """WindowResult of window wid straight from the library."""
        lib, h = self._lib, self._h()
        w = _lib.Window()
        self._check(lib.pt_meter_window_read(h, wid, ctypes.byref(w)))
        comps = []
        e = _lib.Energy()
        for k, info in enumerate(self._components):
            self._check(lib.pt_meter_window_component(h, wid, k, ctypes.byref(e)))
            comps.append(ComponentEnergy(
                name=info["name"], source=info["source"], method=_lib.METHOD_NAMES[e.method],
                billed=info["billed"], energy_j=e.energy_j, counter_j=_num(e.counter_j),
                eq1_j=_num(e.eq1_j), mean_w=_num(e.mean_w), peak_w=_num(e.peak_w),
                samples=e.samples, degraded=bool(e.degraded), process_j=_num(e.process_j),
                machine_j=_num(e.machine_j), job_j=_num(e.job_j),
                attribution=_lib.ATTRIBUTION_NAMES[e.attribution]))
        return WindowResult(label=w.label.decode("utf-8", "replace"), start_s=w.start_s - self._t0,
                            end_s=w.end_s - self._t0, energy_j=w.energy_j,
                            method=_lib.METHOD_NAMES[w.method], degraded=bool(w.degraded),
                            short=bool(w.short_window), open=bool(w.open), components=tuple(comps),
                            process_j=_num(w.process_j))

    def _result(self, wid, index=None, phase=None):
        with self._lock:
            r = self._final[wid] if self._final is not None else self._read(wid)
        if index is not None or phase is not None:
            r = dataclasses.replace(r, index=index, phase=phase)
        return r

    # ---- the run -----------------------------------------------------------

    def start(self):
        """Starts the clock, the sampler thread, the whole-run window and epoch 1."""
        with self._lock:
            if self._running or self._done:
                raise MeterError("a Meter measures one run: it was already started")
            self._check(self._lib.pt_meter_start(self._h()))
            self._running = True
            self._total = self._begin("total")
            self._cur = self._begin("epoch 1")
            w = _lib.Window()
            self._check(self._lib.pt_meter_window_read(self._h(), self._total, ctypes.byref(w)))
            self._t0 = w.start_s
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    def _need_running(self, what):
        if not self._running:
            raise MeterError("%s: the meter is not running (use `with Meter() as m:` or m.start())"
                             % what)

    def epoch_end(self, index=None):
        """Ends the epoch in flight, starts the next, and returns the ended
        epoch's WindowResult. index: the epoch's number (default: counted)."""
        with self._lock:
            self._need_running("epoch_end")
            n = len(self._epochs) + 1
            # one read ends this epoch and begins the next: epochs tile the run
            nxt = self._check(self._lib.pt_meter_window_cut(self._h(), self._cur, ("epoch %d" % (n + 1)).encode()))
            idx = int(index) if index is not None and int(index) > 0 else n
            inner = [rec[1] for rec in self._windows if rec[2]]
            phase = inner[-1] if inner else None
            self._epochs.append((self._cur, idx, phase))
            self._cur = nxt
            return self._result(self._epochs[-1][0], idx, phase)

    def window(self, label):
        """A named window, begun now: `with m.window("eval") as w: ...`,
        then w.read() (or w.energy_j, w.method). Windows may nest."""
        with self._lock:
            self._need_running("window")
            return Window(self, str(label))

    def mark(self, label=""):
        """A labelled instant (reads every counter); returns its index."""
        with self._lock:
            return self._check(self._lib.pt_meter_mark(self._h(), str(label).encode()))

    def sample(self):
        """Takes one regular sample now (the sampler thread does this every interval)."""
        with self._lock:
            self._need_running("sample")
            return self._check(self._lib.pt_meter_sample(self._h()))

    def now(self):
        """Seconds since the run started."""
        with self._lock:
            return self._lib.pt_meter_now(self._h()) - self._t0

    def attribute(self, pid):
        """Attributes CPU energy to process tree pid from now on (pid <= 0: off)."""
        with self._lock:
            return self._check(self._lib.pt_meter_attribute(self._h(), int(pid)))

    def stop(self):
        """Ends the epoch in flight and every open window, stops the sampler,
        and keeps every figure. The library's meter stays open until close()."""
        with self._lock:
            if not self._running:
                return
            lib, h = self._lib, self._h()
            # Windows still open end first (innermost first), then the epoch
            # in flight, then the whole run: the total spans them all.
            for rec in reversed(self._windows):
                if rec[2]:
                    self._check(lib.pt_meter_window_end(h, rec[0]))
                    rec[2] = False
            self._quiet_label = "epoch %d" % (len(self._epochs) + 1)
            try:
                self._check(lib.pt_meter_window_end(h, self._cur))
            finally:
                self._quiet_label = None
            self._check(lib.pt_meter_window_end(h, self._total))
            self._check(lib.pt_meter_stop(h))
            self._running = False
            self._done = True
            # The window in flight at the end is an epoch only if it was never cut.
            if self._epochs:
                w = _lib.Window()
                self._check(lib.pt_meter_window_read(h, self._cur, ctypes.byref(w)))
                if w.end_s - w.start_s > 0:
                    self._tail = self._cur
            self._components = [self._component_info(k) for k in range(len(self._components))]
            self._final = {wid: self._read(wid) for wid in range(lib.pt_meter_window_count(h))}

    def close(self):
        """stop(), then frees the library's meter. Figures stay readable."""
        with self._lock:
            if self._handle is None:
                return
            if os.getpid() != self._pid:
                # A forked child: the sampler thread and the lock live in the
                # parent; the memory is the parent's copy. Leave it alone.
                self._handle = None
                return
            try:
                self.stop()
            finally:
                self._lib.pt_meter_close(self._handle)
                self._handle = None
                _live.discard(self)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # ---- what was measured -------------------------------------------------

    @property
    def components(self):
        """Every component: name, source, kind, method, model, id, bus_id,
        has_counter, billed, power_limit_w, wrap_j, update_period_s, note."""
        return [dict(c) for c in self._components]

    @property
    def sources(self):
        """Every source: name, available, status ("ok: ..." or "unavailable: why")."""
        return [dict(s) for s in self._sources]

    @property
    def epochs(self):
        """The ended epochs' WindowResults."""
        return [self._result(wid, idx, ph) for wid, idx, ph in self._epochs]

    @property
    def total(self):
        """The whole run so far (or all of it, once stopped)."""
        if self._total is None:
            raise MeterError("the meter was never started")
        return self._result(self._total)

    def summary(self):
        """Everything measured, as a dict in the shape of `powertrain measure
        --json`: interval_ms, duration_s, total_energy_j, method, exit_status
        (None: there is no command), sources, components (each with method,
        energy_j, counter_j, eq1_j, ...), epochs, phases (the windows of
        window(), in the order they began; they may nest) and, when epochs
        were cut and time passed after the last, after_last_epoch."""
        with self._lock:
            tot = self.total
            d = {"interval_ms": self.interval_ms, "duration_s": tot.duration_s,
                 "total_energy_j": tot.energy_j, "method": tot.method, "exit_status": None,
                 "sources": self.sources,
                 "components": [c.as_dict() for c in tot.components], "epochs": []}
            for r in self.epochs:
                e = {"index": r.index}
                if r.phase is not None:
                    e["phase"] = r.phase
                e.update(r.as_dict())
                d["epochs"].append(e)
            d["phases"] = []
            for wid, label, _ in self._windows:
                p = {"name": label}
                p.update(self._result(wid).as_dict())
                d["phases"].append(p)
            if self._tail is not None:
                d["after_last_epoch"] = self._result(self._tail).as_dict()
            return d

    def to_json(self, path):
        """Writes summary() to path atomically (a temporary file beside it,
        then a rename): a killed run never leaves half a file."""
        text = json.dumps(self.summary(), allow_nan=False) + "\n"
        path = os.fspath(path)
        tmp = "%s.tmp.%d" % (path, os.getpid())
        try:
            with open(tmp, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def report(self):
        """A per-epoch and per-component table as text, like `powertrain measure`."""
        lines = []
        for r in self.epochs:
            lines.append("epoch %-4d %8.2f s %12s  %s%s%s" % (
                r.index, r.duration_s, format_energy(r.energy_j), r.method_text(),
                "  degraded" if r.degraded else "", "  short" if r.short else ""))
        tot = self.total
        lines.append("%-11s %-9s %-10s %12s %12s %12s" % ("component", "source", "method",
                                                          "energy", "counter", "eq1"))
        for c in tot.components:
            lines.append("%-11s %-9s %-10s %12s %12s %12s%s%s" % (
                c.name, c.source, c.method, format_energy(c.energy_j),
                format_energy(c.counter_j), format_energy(c.eq1_j),
                "" if c.billed else "  (apart, not in the total)",
                "  degraded" if c.degraded else ""))
        lines.append("total: %s in %.2f s, method %s" % (format_energy(tot.energy_j), tot.duration_s,
                                                         tot.method_text()))
        return "\n".join(lines)

    def __repr__(self):
        state = ("running" if self._running else "done" if self._done else
                 "closed" if self._handle is None else "not started")
        return "<powertrain_meter.Meter %s, %d components>" % (state, len(self._components))
