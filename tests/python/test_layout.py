"""The ctypes mirrors of the public structs have the C compiler's layout:
every size and field offset, and the constants, against tests/python/layout.c
built from include/powertrain/meter.h."""
import ctypes
import json
import subprocess

import pytest

from powertrain_meter import _lib

from conftest import need_env


@pytest.fixture(scope="module")
def c_layout():
    out = subprocess.run([need_env("PT_PY_LAYOUT")], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("cname", sorted(_lib.STRUCTS))
def test_struct_layout(c_layout, cname):
    py = _lib.STRUCTS[cname]
    c = c_layout[cname]
    assert [f[0] for f in py._fields_] == list(c["fields"]), "field order differs from meter.h"
    for name, off in c["fields"].items():
        assert getattr(py, name).offset == off, "%s.%s" % (cname, name)
    assert ctypes.sizeof(py) == c["sizeof"], cname


def test_constants(c_layout):
    e = c_layout["enums"]
    assert e["sizeof_method"] == e["sizeof_kind"] == ctypes.sizeof(_lib.c_enum)
    assert (e["PT_METER_NAME_MAX"], e["PT_METER_TEXT_MAX"]) == (_lib.NAME_MAX, _lib.TEXT_MAX)
    assert {k: e["PT_SOURCE_" + k.upper()] for k in _lib.SOURCE_BITS} == _lib.SOURCE_BITS
    assert e["PT_SOURCE_ALL"] == _lib.SOURCE_ALL
    assert [e["PT_METHOD_" + m.upper()] for m in _lib.METHOD_NAMES] == [0, 1, 2]
    assert [e["PT_KIND_" + k.upper()] for k in _lib.KIND_NAMES] == [0, 1, 2, 3, 4]


def test_names_match_the_library():
    lib = _lib.load_library()
    for i, name in enumerate(_lib.METHOD_NAMES):
        assert lib.pt_meter_method_name(i).decode() == name
    for i, name in enumerate(_lib.KIND_NAMES):
        assert lib.pt_meter_kind_name(i).decode() == name


def test_config_init_defaults():
    lib = _lib.load_library()
    cfg = _lib.Config()
    ctypes.memset(ctypes.byref(cfg), 0xAB, ctypes.sizeof(cfg))
    lib.pt_meter_config_init(ctypes.byref(cfg))
    assert (cfg.interval_ms, cfg.sources, cfg.gpus, cfg.cpu_tdp_w, cfg.attribute_pid,
            cfg.trace_path, cfg.warn_ctx) == (100, _lib.SOURCE_ALL, None, 0.0, 0, None, None)
    assert not cfg.warn
