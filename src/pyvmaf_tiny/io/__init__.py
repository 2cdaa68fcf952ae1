"""Frame sources: raw YUV, Y4M and numpy input, all yielding luma planes."""

from __future__ import annotations

import os
from typing import Any, Optional

from .._lazy import np

from .. import arguments
from ..errors import InputError
from .arrays import ArraySource, IterableSource
from .container import ContainerSource
from .pixfmt import PixelFormat, parse_pix_fmt
from .policy import DEFAULT_POLICY, PathPolicy, shown
from .raw import RawYuvSource
from .source import FrameSource
from .y4m import Y4mSource

__all__ = ["DEFAULT_POLICY", "FrameSource", "PathPolicy", "PixelFormat", "open_source", "parse_pix_fmt"]

_RAW_EXTENSIONS = (".yuv", ".raw", ".gray", "")


def open_source(
    obj: Any,
    *,
    role: str,
    width: Optional[int] = None,
    height: Optional[int] = None,
    pix_fmt: Optional[str] = None,
    bitdepth: Optional[int] = None,
    policy: PathPolicy = DEFAULT_POLICY,
) -> FrameSource:
    """Open `obj` (a path, an array, an iterable of frames or a FrameSource).

    `role` ("reference" or "distorted") names the input in error messages
    when it has no file name. A path is opened through `policy`.
    """
    if isinstance(obj, FrameSource):
        return obj
    if not isinstance(policy, PathPolicy):
        raise InputError(f"policy must be a PathPolicy, got {type(policy).__name__}")
    if isinstance(obj, (str, os.PathLike)):
        path = os.fspath(obj)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        real = policy.resolve(path, "")  # a regular file inside the roots, or a refusal before anything else
        ext = os.path.splitext(path)[1].lower()
        if ext == ".y4m":
            # Until Y4mSource opens through the policy itself, it gets the checked real path (which it
            # also reads natively, so it keeps it as its name); its refusals name the file as the caller did.
            try:
                return Y4mSource(real)
            except InputError as e:
                raise InputError(str(e).replace(real, shown(path))) from None
        if ext not in _RAW_EXTENSIONS:
            return ContainerSource(path, policy)
        if width is None or height is None or pix_fmt is None:
            raise InputError(
                f"{shown(path)}: a raw {ext} file needs width, height and pix_fmt "
                "(e.g. --width 1920 --height 1080 --pix-fmt yuv420p)"
            )
        w, h = arguments.dimension(width, "width"), arguments.dimension(height, "height")
        fmt = parse_pix_fmt(arguments.text(pix_fmt, "pix_fmt"))
        return RawYuvSource(path, w, h, fmt, policy)
    if isinstance(obj, np.ndarray):
        return ArraySource(obj, arguments.bit_depth(bitdepth), f"<{role} array>")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        raise InputError(f"{role}: pass a path, a numpy array or an iterable of frames, not raw bytes")
    try:
        iter(obj)
    except TypeError:
        raise InputError(f"{role}: cannot read frames from {type(obj).__name__}") from None
    return IterableSource(obj, arguments.bit_depth(bitdepth), f"<{role} frames>")
