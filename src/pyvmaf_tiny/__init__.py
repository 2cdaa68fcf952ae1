"""pyvmaf-tiny: libvmaf-exact VMAF from Python, with a fast native core."""

__version__ = "0.1.0"

from .errors import BackendUnavailable, InputError, ModelError, PyvmafTinyError  # noqa: E402
from . import models  # noqa: E402
from .api import extract_features, release_memory, score  # noqa: E402
from .ladder import score_ladder  # noqa: E402
from .result import Result  # noqa: E402
from .scorer import FrameScore, Scorer  # noqa: E402

__all__ = [
    "__version__",
    "score",
    "score_ladder",
    "extract_features",
    "release_memory",
    "Scorer",
    "FrameScore",
    "Result",
    "models",
    "PyvmafTinyError",
    "InputError",
    "ModelError",
    "BackendUnavailable",
]
