"""numpy, imported on first use.

The scoring path reaches the native pipeline without touching numpy, so the
CLI can start scoring while numpy loads on another thread (`preload`); a
library caller pays nothing extra, since numpy loads at its first use.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType


class _LazyModule(ModuleType):
    def __getattr__(self, attr):
        module = importlib.import_module(self.__name__)
        value = getattr(module, attr)
        setattr(self, attr, value)  # later lookups are plain attribute reads
        return value


np = _LazyModule("numpy")


def preload(name: str = "numpy") -> threading.Thread:
    """Import `name` on a background thread (the caller may join it)."""
    t = threading.Thread(target=importlib.import_module, args=(name,), name=f"preload-{name}")
    t.start()
    return t
