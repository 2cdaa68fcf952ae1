"""Where the native core finds ONNX Runtime: the onnxruntime wheel's libonnxruntime, found without
importing onnxruntime (outside the models package, so the CLI can start loading it before the rest)."""

from __future__ import annotations

import importlib.util
import os

from . import _core

_hint_set = False


def point_core_at_onnxruntime() -> None:
    """Tell the core where the onnxruntime wheel keeps libonnxruntime (once)."""
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


def preload() -> None:
    """Start loading ONNX Runtime on a native thread while Python goes on; the first tiny model's
    load then finds it loaded (or waits for it, or reports why it could not be loaded)."""
    point_core_at_onnxruntime()
    _core.ort_preload()
