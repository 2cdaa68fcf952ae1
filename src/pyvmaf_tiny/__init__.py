"""pyvmaf-tiny: libvmaf-exact VMAF from Python, with a fast native core."""

__version__ = "0.1.0"

import logging as _logging

from .errors import (  # noqa: E402
    BackendUnavailable, InputError, InputWarning, ModelError, PyvmafTinyError, PyvmafTinyWarning,
)
from . import models  # noqa: E402
from .api import extract_features, release_memory, score  # noqa: E402
from .ladder import score_ladder  # noqa: E402
from .result import Features, Result  # noqa: E402
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
    "Features",
    "models",
    "PyvmafTinyError",
    "InputError",
    "ModelError",
    "BackendUnavailable",
    "PyvmafTinyWarning",
    "InputWarning",
]

# A library logs and leaves the handlers to the application (the CLI's --debug sets one up).
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
