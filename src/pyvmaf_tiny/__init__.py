"""pyvmaf-tiny: libvmaf-exact VMAF from Python, with a fast native core."""

import importlib as _importlib
import importlib.util as _importlib_util
import logging as _logging
import os as _os
import typing as _typing

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    BackendUnavailable, InputError, InputWarning, ModelError, PyvmafTinyError, PyvmafTinyWarning,
)

if _typing.TYPE_CHECKING:
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
# its path needs, which is most of a short command's start-up. Submodules (pyvmaf_tiny.io, ...) are
# imported on first use too.
_WHERE = {"score": "api", "extract_features": "api", "release_memory": "api", "score_ladder": "ladder",
          "Scorer": "scorer", "FrameScore": "scorer", "Result": "result", "Features": "result"}


def __getattr__(name: str) -> _typing.Any:
    if name in _WHERE:
        value = getattr(_importlib.import_module(f".{_WHERE[name]}", __name__), name)
    elif name.isidentifier() and not name.startswith("__") and _importlib_util.find_spec(f"{__name__}.{name}"):
        value = _importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
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
