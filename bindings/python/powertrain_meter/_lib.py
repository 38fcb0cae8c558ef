"""_lib.py -- finding and loading libpowertrain-meter, and its C types.

The structures below mirror include/powertrain/meter.h field by field, in the
same order, with the same C types: ctypes then lays them out as the C compiler
does (tests/python/test_layout.py compares every size and offset with a C
program built from the header).
"""
import ctypes
import ctypes.util
import glob
import os

NAME_MAX = 64   # PT_METER_NAME_MAX
TEXT_MAX = 160  # PT_METER_TEXT_MAX

METHOD_NAMES = ("counter", "eq1", "estimated")   # pt_meter_method
KIND_NAMES = ("cpu", "dram", "gpu", "psys", "other")  # pt_meter_kind

SOURCE_BITS = {"nvml": 1, "rapl": 2, "estimate": 4, "trace": 8, "amdsmi": 16}  # PT_SOURCE_*
SOURCE_ALL = 31

c_enum = ctypes.c_int  # both enums hold small non-negative values: int-sized

WARN_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


ATTRIBUTION_NAMES = ("whole", "cpu-share", "gpu-share", "unknown")  # pt_meter_attribution


class Config(ctypes.Structure):
    """pt_meter_config"""
    _fields_ = [
        ("interval_ms", ctypes.c_uint),
        ("sources", ctypes.c_uint),
        ("gpus", ctypes.c_char_p),
        ("cpu_tdp_w", ctypes.c_double),
        ("attribute_pid", ctypes.c_int),
        ("trace_path", ctypes.c_char_p),
        ("warn", WARN_FN),
        ("warn_ctx", ctypes.c_void_p),
        ("quiet_short_windows", ctypes.c_int),
    ]


class Component(ctypes.Structure):
    """pt_meter_component"""
    _fields_ = [
        ("name", ctypes.c_char * NAME_MAX),
        ("source", ctypes.c_char * 16),
        ("model", ctypes.c_char * TEXT_MAX),
        ("id", ctypes.c_char * TEXT_MAX),
        ("bus_id", ctypes.c_char * 32),
        ("kind", c_enum),
        ("method", c_enum),
        ("has_counter", ctypes.c_int),
        ("billed", ctypes.c_int),
        ("power_limit_w", ctypes.c_double),
        ("wrap_j", ctypes.c_double),
        ("update_period_s", ctypes.c_double),
        ("note", ctypes.c_char * TEXT_MAX),
        ("idle_w", ctypes.c_double),
    ]


class Source(ctypes.Structure):
    """pt_meter_source"""
    _fields_ = [
        ("name", ctypes.c_char * 16),
        ("available", ctypes.c_int),
        ("status", ctypes.c_char * (TEXT_MAX * 2)),
    ]


class Energy(ctypes.Structure):
    """pt_meter_energy"""
    _fields_ = [
        ("method", c_enum),
        ("energy_j", ctypes.c_double),
        ("counter_j", ctypes.c_double),
        ("eq1_j", ctypes.c_double),
        ("mean_w", ctypes.c_double),
        ("peak_w", ctypes.c_double),
        ("samples", ctypes.c_long),
        ("process_j", ctypes.c_double),
        ("degraded", ctypes.c_int),
        ("machine_j", ctypes.c_double),
        ("job_j", ctypes.c_double),
        ("attribution", c_enum),
        ("other_cpu_share", ctypes.c_double),
        ("gpu_shared", ctypes.c_int),
    ]


class Window(ctypes.Structure):
    """pt_meter_window"""
    _fields_ = [
        ("label", ctypes.c_char * NAME_MAX),
        ("start_s", ctypes.c_double),
        ("end_s", ctypes.c_double),
        ("open", ctypes.c_int),
        ("short_window", ctypes.c_int),
        ("degraded", ctypes.c_int),
        ("energy_j", ctypes.c_double),
        ("method", c_enum),
        ("process_j", ctypes.c_double),
        ("machine_j", ctypes.c_double),
        ("job_j", ctypes.c_double),
        ("attribution", c_enum),
        ("other_cpu_share", ctypes.c_double),
        ("gpu_shared", ctypes.c_int),
    ]


STRUCTS = {
    "pt_meter_config": Config,
    "pt_meter_component": Component,
    "pt_meter_source": Source,
    "pt_meter_energy": Energy,
    "pt_meter_window": Window,
}


class LibraryNotFoundError(ImportError):
    """libpowertrain-meter could not be loaded; the message lists where we looked."""


_P = ctypes.c_void_p   # pt_meter *
_I = ctypes.c_int
_PROTOTYPES = {
    # name: (restype, argtypes)
    "pt_meter_version": (ctypes.c_char_p, []),
    "pt_meter_last_error": (ctypes.c_char_p, []),
    "pt_meter_method_name": (ctypes.c_char_p, [c_enum]),
    "pt_meter_kind_name": (ctypes.c_char_p, [c_enum]),
    "pt_meter_config_init": (None, [ctypes.POINTER(Config)]),
    "pt_meter_open": (_P, [ctypes.POINTER(Config)]),
    "pt_meter_close": (None, [_P]),
    "pt_meter_source_count": (_I, [_P]),
    "pt_meter_source_info": (_I, [_P, _I, ctypes.POINTER(Source)]),
    "pt_meter_component_count": (_I, [_P]),
    "pt_meter_component_info": (_I, [_P, _I, ctypes.POINTER(Component)]),
    "pt_meter_start": (_I, [_P]),
    "pt_meter_stop": (_I, [_P]),
    "pt_meter_now": (ctypes.c_double, [_P]),
    "pt_meter_sample": (_I, [_P]),
    "pt_meter_mark": (_I, [_P, ctypes.c_char_p]),
    "pt_meter_window_begin": (_I, [_P, ctypes.c_char_p]),
    "pt_meter_window_end": (_I, [_P, _I]),
    "pt_meter_window_cut": (_I, [_P, _I, ctypes.c_char_p]),
    "pt_meter_window_count": (_I, [_P]),
    "pt_meter_window_read": (_I, [_P, _I, ctypes.POINTER(Window)]),
    "pt_meter_window_component": (_I, [_P, _I, _I, ctypes.POINTER(Energy)]),
    "pt_meter_attribute": (_I, [_P, _I]),
}

_lib = None
_lib_path = None


def _package_dir():
    return os.path.dirname(os.path.abspath(__file__))


def _candidates():
    """Yields (place, path-or-name, why-it-was-not-used) in lookup order;
    path None means nothing to try at that place."""
    env = os.environ.get("POWERTRAIN_METER_LIB")
    if env:
        yield "POWERTRAIN_METER_LIB", env
        return  # an explicit choice is never silently replaced
    pkg = _package_dir()
    found = sorted(glob.glob(os.path.join(pkg, "libpowertrain-meter.so*")))
    yield "package folder " + pkg, found[0] if found else None
    name = ctypes.util.find_library("powertrain-meter")
    yield "system (ctypes.util.find_library('powertrain-meter'))", name
    yield "system (the dynamic loader's search path)", "libpowertrain-meter.so.0"


def _declare(lib):
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def load_library():
    """Loads libpowertrain-meter once: POWERTRAIN_METER_LIB (a file path),
    else a libpowertrain-meter.so* in this package's folder, else the system's.
    Raises LibraryNotFoundError listing every place tried and why it failed."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for place, path in _candidates():
        if path is None:
            tried.append("%s: no libpowertrain-meter found" % place)
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s: %s" % (place, e))
            continue
        missing = [n for n in _PROTOTYPES if not hasattr(lib, n)]
        if missing:
            tried.append("%s: %s lacks %s (not libpowertrain-meter, or too old)"
                         % (place, path, ", ".join(missing)))
            continue
        _declare(lib)
        _lib = lib
        _lib_path = getattr(lib, "_name", path)
        return lib
    raise LibraryNotFoundError(
        "powertrain_meter: cannot load libpowertrain-meter. Looked in:\n  - "
        + "\n  - ".join(tried)
        + "\nBuild it with `make` in the powertrain repository and set "
        "POWERTRAIN_METER_LIB=/path/to/build/libpowertrain-meter.so, copy the "
        "library into the package folder, or install it (cmake --install build; ldconfig).")


def library_path():
    """The path or name the library was loaded from (loads it if needed)."""
    load_library()
    return _lib_path


def last_error(lib):
    msg = lib.pt_meter_last_error()
    return msg.decode("utf-8", "replace") if msg else "unknown error"
