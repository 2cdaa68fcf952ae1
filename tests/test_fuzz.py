"""Fuzzing the parsers: whatever the bytes, only pyvmaf-tiny's own errors come out
(no crash, no hang, no other exception). Bounded and derandomised for CI."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyvmaf_tiny
from pyvmaf_tiny import _core
from pyvmaf_tiny.io import open_source

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
OURS = (pyvmaf_tiny.InputError, pyvmaf_tiny.ModelError)


def _vmaf_model_text() -> str:
    info = {i.name: i for i in pyvmaf_tiny.models.list()}["vmaf_v0.6.1"]
    return open(info.path, encoding="utf-8").read()


def _mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for pos, value, op in edits:
        if not b:
            break
        i = pos % len(b)
        if op == 0:
            b[i] = value
        elif op == 1:
            del b[i : i + 1 + value % 16]
        else:
            b[i:i] = bytes([value]) * (1 + value % 4)
    return bytes(b)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255), st.integers(0, 2)), min_size=1, max_size=8)


@FUZZ
@given(header=st.binary(max_size=80), body=st.binary(max_size=400),
       fields=st.lists(st.sampled_from(["W8", "H6", "W0", "H-1", "C420jpeg", "C444", "C420p10", "Cmono", "Ip", "It",
                                        "F25:1", "W99999", "Cx", "A1:1", "XYSCSS=420"]), max_size=6))
def test_y4m_reader(tmp_path, header, body, fields):
    path = tmp_path / "f.y4m"
    head = b"YUV4MPEG2 " + " ".join(fields).encode() + b"\n" if fields else header
    path.write_bytes(head + body)
    try:
        with open_source(str(path), role="reference") as src:
            for _ in src:
                pass
    except OURS:
        pass


@FUZZ
@given(size=st.integers(0, 5000), width=st.integers(-3, 70), height=st.integers(-3, 70),
       fmt=st.sampled_from(["yuv420p", "yuv422p10le", "gray", "yuv444p16le", "nv12", "yuv420p9le"]))
def test_raw_reader(tmp_path, size, width, height, fmt):
    path = tmp_path / "f.yuv"
    path.write_bytes(np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes())
    try:
        with open_source(str(path), role="reference", width=width, height=height, pix_fmt=fmt) as src:
            for _ in src:
                pass
    except OURS:
        pass


@FUZZ
@given(edits=EDITS)
def test_libvmaf_model_parser(edits):
    text = _mutate(_vmaf_model_text().encode(), edits).decode("utf-8", errors="replace")
    try:
        model = _core.SvmModel.from_json(text, "fuzz")
        model.predict(np.full((2, len(model.columns)), 0.5))
    except OURS:
        pass


SIDECAR = {"schema": "pyvmaf-tiny/model/1", "name": "m", "kind": "fr_features", "onnx": "m.onnx",
           "sha256": "0" * 64, "opset": 19, "quant": "fp32",
           "input": {"name": "features", "features": ["integer_adm2", "integer_motion2"]},
           "output": {"name": "vmaf", "range": [0, 100]},
           "interval": {"method": "split_conformal", "alpha": 0.1, "halfwidth": 1.7}}


@FUZZ
@given(edits=EDITS, replace=st.dictionaries(st.sampled_from(sorted(SIDECAR)),
                                            st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                                      st.lists(st.integers(), max_size=3)), max_size=2))
def test_sidecar_parser(edits, replace):
    text = _mutate(json.dumps({**SIDECAR, **replace}).encode(), edits).decode("utf-8", errors="replace")
    try:
        _core.parse_sidecar(text, "fuzz")
    except OURS:
        pass


@FUZZ
@given(text=st.text(max_size=200))
def test_json_reader_on_arbitrary_text(text):
    try:
        _core.parse_sidecar(text, "fuzz")
    except OURS:
        pass


def _valid_onnx() -> bytes:
    from onnx_models import mlp

    return mlp(2, hidden=4).SerializeToString()


@FUZZ
@given(edits=EDITS)
def test_onnx_checker(edits):
    try:
        _core.check_onnx(_mutate(_valid_onnx(), edits), "fuzz")
    except OURS:
        pass


@FUZZ
@given(data=st.binary(max_size=600))
def test_onnx_checker_on_arbitrary_bytes(data):
    try:
        _core.check_onnx(data, "fuzz")
    except OURS:
        pass
