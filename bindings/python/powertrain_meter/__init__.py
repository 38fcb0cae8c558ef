"""powertrain_meter -- the energy meter of powertrain for Python trainers.

A pure-Python binding (ctypes) over libpowertrain-meter: NVIDIA GPUs through
NVML, CPU packages and DRAM through RAPL, a CPU/DRAM estimate where no counter
can be read. Every figure states its method: counter (hardware energy
counter), eq1 (mean sampled power x duration) or estimated (a model, not a
measurement).

    from powertrain_meter import Meter
    with Meter(interval_ms=100) as m:
        for epoch in range(epochs):
            train_one_epoch()
            print(m.epoch_end())
            with m.window("eval"):
                evaluate()
    m.to_json("energy.json")

A trainer run by `powertrain regime --exec` (or `measure`) reports its epochs
with one call, a no-op outside powertrain (no library needed):

    from powertrain_meter import report_epoch
    report_epoch(epoch, val_acc=0.83, val_loss=0.41)

The library is found through POWERTRAIN_METER_LIB (a file path), else a
libpowertrain-meter.so* in this package's folder, else the system's.
"""
from ._lib import LibraryNotFoundError, library_path, load_library
from .marks import report_epoch
from .meter import (ComponentEnergy, Meter, MeterError, MeterWarning, Window, WindowResult,
                    format_energy)

__version__ = "0.1.0"

__all__ = ["Meter", "MeterError", "MeterWarning", "LibraryNotFoundError", "Window",
           "WindowResult", "ComponentEnergy", "format_energy", "load_library",
           "library_path", "library_version", "report_epoch", "__version__"]


def library_version():
    """pt_meter_version() of the loaded library."""
    return load_library().pt_meter_version().decode()
