"""Resizing the distorted clip to the reference size (--scale-dist), through PyAV's swscale.

This changes what is measured: the score then includes the scaler. It only
happens when the user asks for it.
"""

from __future__ import annotations

from typing import Iterator

from .._lazy import np

from ..errors import InputError
from .container import _av
from .source import FrameSource

METHODS = {"bicubic": "BICUBIC", "lanczos": "LANCZOS"}


def _shift(full: int, sub: int) -> int:
    shift = 0
    while (full + (1 << shift) - 1) >> shift > sub:
        shift += 1
    return shift


class ScaledSource(FrameSource):
    def __init__(self, inner: FrameSource, width: int, height: int, method: str):
        if method not in METHODS:
            raise InputError(f"scale-dist must be one of {', '.join(METHODS)}, got {method!r}")
        _av()  # fail early when PyAV is missing
        self._inner, self._method = inner, METHODS[method]
        self.name = f"{inner.name} (scaled {inner.width}x{inner.height}->{width}x{height}, {method})"
        self.width, self.height, self.bpc = width, height, inner.bpc

    @property
    def has_chroma(self) -> bool:
        return self._inner.has_chroma

    @property
    def layout(self):
        return self._inner.layout

    @property
    def format_name(self):
        return self._inner.format_name

    def frame_count(self):
        return self._inner.frame_count()

    def _scale(self, plane: np.ndarray, width: int, height: int) -> np.ndarray:
        av = _av()
        if plane.shape == (height, width):
            return plane
        fmt = "gray" if plane.dtype == np.uint8 else "gray16le"
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(plane), format=fmt)
        out = frame.reformat(width=width, height=height, interpolation=self._method).to_ndarray()
        if plane.dtype != np.uint8 and self.bpc < 16:
            out = np.minimum(out, (1 << self.bpc) - 1)
        return out.astype(plane.dtype, copy=False)

    def pictures(self, chroma: bool) -> Iterator:
        for pic in self._inner.pictures(chroma):
            yield self._picture(pic, chroma)

    def _picture(self, pic, chroma: bool):
        if not chroma:
            return self._scale(pic, self.width, self.height)
        y, u, v = pic
        sx, sy = _shift(y.shape[1], u.shape[1]), _shift(y.shape[0], u.shape[0])
        cw, ch = (self.width + (1 << sx) - 1) >> sx, (self.height + (1 << sy) - 1) >> sy
        return self._scale(y, self.width, self.height), self._scale(u, cw, ch), self._scale(v, cw, ch)

    # Time and compression are the inner clip's.
    @property
    def rate(self):
        return self._inner.rate

    def timed(self, chroma: bool) -> Iterator:
        for t, pic in self._inner.timed(chroma):
            yield t, self._picture(pic, chroma)

    @property
    def compression(self):
        from ..roles import compression_of

        return compression_of(self._inner)

    @property
    def bit_rate(self):
        return self._inner.bit_rate

    @property
    def codec(self):
        return getattr(self._inner, "codec", "")

    def close(self) -> None:
        self._inner.close()
