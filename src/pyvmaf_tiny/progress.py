"""A progress line on stderr for long runs (only on a terminal)."""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


class Progress:
    """Callable as runner's ProgressFn: progress(done, total)."""

    def __init__(self, label: str = "scoring", stream: Optional[TextIO] = None, min_interval: float = 0.2):
        self._stream = stream if stream is not None else sys.stderr
        self._label, self._min = label, min_interval
        self._start = self._last = time.perf_counter()
        self._shown = False

    @staticmethod
    def wanted(quiet: bool, stream: Optional[TextIO] = None) -> bool:
        s = stream if stream is not None else sys.stderr
        return not quiet and hasattr(s, "isatty") and s.isatty()

    def __call__(self, done: int, total: Optional[int]) -> None:
        now = time.perf_counter()
        if now - self._last < self._min and done != total:
            return
        self._last = now
        fps = done / (now - self._start) if now > self._start else 0.0
        if total:
            width = 30
            filled = int(width * done / total)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        else:
            bar = f"{done} frames"
        self._stream.write(f"\r{self._label} {bar} {fps:.1f} fps ")
        self._stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
