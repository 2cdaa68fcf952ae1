"""numpy, imported on first use.

The scoring path reaches the native pipeline without touching numpy, so the
CLI can start scoring while numpy loads on another thread (`preload`); a
library caller pays nothing extra, since numpy loads at its first use.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import TYPE_CHECKING


class _LazyModule(ModuleType):
    def __getattr__(self, attr: str) -> object:
        module = importlib.import_module(self.__name__)
        value = getattr(module, attr)
        setattr(self, attr, value)  # later lookups are plain attribute reads
        return value


__all__ = ["np", "preload"]

if TYPE_CHECKING:  # type checkers see numpy itself
    import numpy as np
else:
    np = _LazyModule("numpy")


def preload(name: str = "numpy") -> threading.Thread:
    """Import `name` on a background thread (the caller may join it)."""
    t = threading.Thread(target=importlib.import_module, args=(name,), name=f"preload-{name}")
    t.start()
    return t
