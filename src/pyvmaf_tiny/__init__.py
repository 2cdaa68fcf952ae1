"""pyvmaf-tiny: libvmaf-exact VMAF from Python, with a fast native core."""

from __future__ import annotations

import importlib
import logging as _logging
import os as _os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    BackendUnavailable, InputError, InputWarning, ModelError, PyvmafTinyError, PyvmafTinyWarning,
)

if TYPE_CHECKING:
    from . import models
    from .api import extract_features, release_memory, score
    from .ladder import score_ladder
    from .result import Features, Result
    from .scorer import FrameScore, Scorer

__all__ = [
    "__version__",
    "score",
    "score_ladder",
    "extract_features",
    "release_memory",
    "Scorer",
    "FrameScore",
    "Result",
    "Features",
    "models",
    "PyvmafTinyError",
    "InputError",
    "ModelError",
    "BackendUnavailable",
    "PyvmafTinyWarning",
    "InputWarning",
]

# The public names' modules, imported on first use (PEP 562): `pyvmaf-tiny score` imports only what
# its path needs, which is most of a short command's start-up.
_WHERE = {"score": "api", "extract_features": "api", "release_memory": "api", "score_ladder": "ladder",
          "Scorer": "scorer", "FrameScore": "scorer", "Result": "result", "Features": "result", "models": None}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _WHERE[name]
    value = importlib.import_module(f".{module or name}", __name__)
    if module is not None:
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# ONNX Runtime's telemetry (on Linux since 1.32: a database and a device id
# under ~/.cache/Microsoft/DeveloperTools) starts when the library loads,
# whether Python's onnxruntime or the native core loads it first, unless this
# is set by then. A caller's own setting wins.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# A library logs and leaves the handlers to the application (the CLI's --debug sets one up).
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
