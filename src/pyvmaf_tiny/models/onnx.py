"""Tiny ONNX models (a .onnx file with a pyvmaf-tiny sidecar), run by the native core through ONNX Runtime."""

from __future__ import annotations

from typing import Optional

from .. import _core
from ..errors import ModelError
from ..io.policy import DEFAULT_POLICY, PathPolicy, shown
from ..ort_library import point_core_at_onnxruntime
from .base import Model
from .files import Document, onnx_model, read_document, sidecar_beside

SIDECAR_SCHEMA = "pyvmaf-tiny/model/1"


def ort_info() -> dict:
    """ONNX Runtime version, library path and execution providers as the native core sees them."""
    point_core_at_onnxruntime()
    return _core.ort_info()


def python_session_options():
    """Python onnxruntime SessionOptions set as the native core sets its sessions: the same graph
    optimisation level (basic: no fusions into com.microsoft operators) and one thread. Comparisons
    of the native runtime with Python's onnxruntime use these, so both run the same graph."""
    import onnxruntime as ort

    level = _core.ort_graph_optimization()
    so = ort.SessionOptions()
    so.graph_optimization_level = {"basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                   "disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL}[level]
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return so


def set_ort_log_level(level: str) -> None:
    """Which of ONNX Runtime's own log lines reach stderr (prefixed "pyvmaf-tiny: onnxruntime"):
    "off" (the default, unless $PYVMAF_TINY_ORT_LOG names a level), "error", "warning", "info" or "verbose".
    Applies to sessions created afterwards."""
    _core.ort_set_log_level(level)


class OnnxModel(Model):
    kind = "fr_features"

    @property
    def interval_halfwidth(self) -> Optional[float]:
        return self.native.interval_halfwidth

    @property
    def output_range(self) -> tuple[float, float]:
        return tuple(self.native.output_range)

    @property
    def interval_coverage(self) -> Optional[float]:
        if not self.native.has_interval:
            return None
        return 1.0 - self.native.interval_alpha  # the sidecar's alpha, checked in (0, 1) at load

    def interval(self, scores, features):
        """Each frame's (lo, hi), computed natively from its feature row: the score -/+ the sidecar's fixed
        half-width (schema 1) or -/+ quantile * the graph's per-frame scale output (schema 2), within the
        output range. `scores` are the model's own scores of those rows."""
        if not self.native.has_interval:
            return None
        from .. import _core
        from .._lazy import np

        return _core.frame_interval(self.native, np.ascontiguousarray(features, dtype=np.float64))

    @classmethod
    def from_sidecar(cls, sidecar_path: str, *, device: str = "auto",
                     policy: PathPolicy = DEFAULT_POLICY) -> "OnnxModel":
        return cls.from_document(read_document(sidecar_path, policy), device=device, policy=policy)

    @classmethod
    def from_onnx(cls, onnx_path: str, *, device: str = "auto", policy: PathPolicy = DEFAULT_POLICY) -> "OnnxModel":
        return cls.from_sidecar(sidecar_beside(onnx_path, policy), device=device, policy=policy)

    @classmethod
    def from_document(cls, doc: Document, *, device: str = "auto", policy: PathPolicy = DEFAULT_POLICY) -> "OnnxModel":
        if doc.kind != "fr_features":
            raise ModelError(f"model {shown(doc.path)}: is a libvmaf JSON model, not a tiny model's sidecar")
        point_core_at_onnxruntime()
        native, onnx_path = onnx_model(doc, policy, device)
        return cls(native, doc.native.name, onnx_path, doc.native.tree())
