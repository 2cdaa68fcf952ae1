"""Frame sources: raw YUV, Y4M and numpy input, all yielding luma planes."""

from __future__ import annotations

import os
from typing import Any, Optional

from .._lazy import np

from ..errors import InputError
from .arrays import ArraySource, IterableSource
from .container import ContainerSource
from .pixfmt import PixelFormat, parse_pix_fmt
from .raw import RawYuvSource
from .source import FrameSource
from .y4m import Y4mSource

__all__ = ["FrameSource", "PixelFormat", "open_source", "parse_pix_fmt"]

_RAW_EXTENSIONS = (".yuv", ".raw", ".gray", "")


def open_source(
    obj: Any,
    *,
    role: str,
    width: Optional[int] = None,
    height: Optional[int] = None,
    pix_fmt: Optional[str] = None,
    bitdepth: Optional[int] = None,
) -> FrameSource:
    """Open `obj` (a path, an array, an iterable of frames or a FrameSource).

    `role` ("reference" or "distorted") names the input in error messages
    when it has no file name.
    """
    if isinstance(obj, FrameSource):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        path = os.fspath(obj)
        ext = os.path.splitext(path)[1].lower()
        if ext == ".y4m":
            return Y4mSource(path)
        if ext not in _RAW_EXTENSIONS:
            return ContainerSource(path)
        if width is None or height is None or pix_fmt is None:
            raise InputError(
                f"{path}: a raw {ext} file needs width, height and pix_fmt "
                "(e.g. --width 1920 --height 1080 --pix-fmt yuv420p)"
            )
        return RawYuvSource(path, _positive(width, "width", path), _positive(height, "height", path), parse_pix_fmt(pix_fmt))
    if isinstance(obj, np.ndarray):
        return ArraySource(obj, bitdepth, f"<{role} array>")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        raise InputError(f"{role}: pass a path, a numpy array or an iterable of frames, not raw bytes")
    try:
        iter(obj)
    except TypeError:
        raise InputError(f"{role}: cannot read frames from {type(obj).__name__}") from None
    return IterableSource(obj, bitdepth, f"<{role} frames>")


def _positive(value: Any, what: str, path: str) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{path}: {what} must be an integer, got {value!r}") from None
    if v <= 0 or v > 1 << 15:
        raise InputError(f"{path}: {what} must be between 1 and 32768, got {v}")
    return v
