"""Tiny ONNX models (a .onnx file with a pyvmaf-tiny sidecar), run by the native core through ONNX Runtime."""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Optional

from .. import _core
from ..errors import ModelError
from .base import Model

SIDECAR_SCHEMA = "pyvmaf-tiny/model/1"
_hint_set = False


def _point_native_at_onnxruntime() -> None:
    """Tell the core where the onnxruntime wheel keeps libonnxruntime (without importing it)."""
    global _hint_set
    if _hint_set:
        return
    spec = importlib.util.find_spec("onnxruntime")
    if spec is not None and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            capi = os.path.join(root, "capi")
            if os.path.isdir(capi):
                _core.ort_set_library_hint(capi)
                break
    _hint_set = True


def ort_info() -> dict:
    """ONNX Runtime version, library path and execution providers as the native core sees them."""
    _point_native_at_onnxruntime()
    return _core.ort_info()


class OnnxModel(Model):
    kind = "fr_features"

    @property
    def interval_halfwidth(self) -> Optional[float]:
        return self.native.interval_halfwidth

    @property
    def output_range(self) -> tuple[float, float]:
        return tuple(self.native.output_range)

    @classmethod
    def from_sidecar(cls, sidecar_path: str, *, device: str = "auto") -> "OnnxModel":
        _point_native_at_onnxruntime()
        native = _core.OnnxModel.load(sidecar_path, device)
        with open(sidecar_path, encoding="utf-8") as f:
            sidecar = json.load(f)
        onnx_path = os.path.join(os.path.dirname(sidecar_path), sidecar["onnx"])
        return cls(native, sidecar["name"], onnx_path, sidecar)


def sidecar_for(onnx_path: str) -> str:
    """The sidecar beside a .onnx file: <name>.json."""
    sidecar = os.path.splitext(onnx_path)[0] + ".json"
    if not os.path.exists(sidecar):
        raise ModelError(f"model {onnx_path}: no sidecar {os.path.basename(sidecar)} beside it "
                         f"(pyvmaf-tiny needs the JSON sidecar written by `pyvmaf-tiny train export`)")
    return sidecar


def is_sidecar(path: str) -> bool:
    """True when a .json file is a pyvmaf-tiny sidecar rather than a libvmaf model."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return SIDECAR_SCHEMA.encode() in head
