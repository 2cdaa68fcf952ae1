"""The batch's progress line: encodes done and failed, frames per second, ETA."""

from __future__ import annotations

import logging
import sys
import time
from typing import Optional, TextIO


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


class BatchProgress:
    """Counts, and with `draw` a bar redrawn in place when `stream` is a terminal; `note()` writes whole
    lines (the dashboard link, retries) above it."""

    def __init__(self, stream: Optional[TextIO] = None, draw: bool = False, min_interval: float = 0.2):
        self.total, self.ok, self.failed, self.frames = 0, 0, 0, 0
        self._stream = stream if stream is not None else sys.stderr
        self._bar = draw and hasattr(self._stream, "isatty") and self._stream.isatty()
        self._min = min_interval
        self._start = self._last = time.perf_counter()
        self._shown = False

    def start(self, total: int) -> None:
        self.total = total
        self._start = self._last = time.perf_counter()

    def note(self, text: str) -> None:
        self._clear()
        self._stream.write(text + "\n")
        self._stream.flush()
        self.draw(force=True)

    def update(self, ok: int = 0, failed: int = 0, frames: int = 0) -> None:
        self.ok += ok
        self.failed += failed
        self.frames += frames
        self.draw()

    def line(self) -> str:
        elapsed = time.perf_counter() - self._start
        done = self.ok + self.failed
        fps = self.frames / elapsed if elapsed > 0 else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        eta = _clock(elapsed / done * (self.total - done)) if done else "?"
        return (f"batch [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                f"({self.ok} ok, {self.failed} failed) {fps:.0f} fps ETA {eta} ")

    def draw(self, force: bool = False) -> None:
        if not self._bar:
            return
        now = time.perf_counter()
        if not force and now - self._last < self._min and self.ok + self.failed != self.total:
            return
        self._last = now
        self._stream.write("\r" + self.line())
        self._stream.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._shown = False

    def finish(self) -> None:
        if self._shown:
            self.draw(force=True)
            self._stream.write("\n")
            self._stream.flush()
            self._shown = False


class NoteHandler(logging.Handler):
    """The batch's log records, written as lines above its progress bar."""

    def __init__(self, progress: BatchProgress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.progress.note(record.getMessage())
        except (OSError, ValueError):  # a closed stream: notes are not worth failing for
            pass
