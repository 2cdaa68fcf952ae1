"""numpy input: a (frames, height, width) array, or an iterable of 2-D frames."""

from __future__ import annotations

from typing import Iterable, Iterator, Optional

from .._lazy import np

from ..errors import InputError
from .source import FrameSource

# Frames are at most this many pixels a side (the core's kMaxSide, as raw input).
MAX_SIDE = 32768


def _bpc_for(dtype: np.dtype, bitdepth: Optional[int], name: str) -> int:
    # Either byte order: frames are converted to native order on the way in.
    if dtype.kind == "u" and dtype.itemsize == 1:
        if bitdepth not in (None, 8):
            raise InputError(f"{name}: uint8 frames are 8-bit, not {bitdepth}-bit")
        return 8
    if dtype.kind == "u" and dtype.itemsize == 2:
        if bitdepth is None:
            raise InputError(f"{name}: uint16 frames need bitdepth= (9..16)")
        if not 9 <= int(bitdepth) <= 16:
            raise InputError(f"{name}: bitdepth must be 9..16 for uint16 frames, got {bitdepth}")
        return int(bitdepth)
    raise InputError(f"{name}: frames must be uint8 or uint16, got {dtype}")


def check_sides(shape: tuple, name: str) -> None:
    """Refuse frames wider or taller than MAX_SIDE before anything reads them."""
    h, w = shape[-2:]
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
        raise InputError(f"{name}: frames are {w}x{h}; they must be 1 to {MAX_SIDE} pixels a side")


def native_frame(frame: np.ndarray) -> np.ndarray:
    """A 2-D frame as the core reads it: native byte order, each row's samples
    contiguous. The core reads rows at any distance and in either direction
    (padded, row-reversed), so only other byte orders and views whose columns
    are reversed or strided are copied."""
    if not frame.dtype.isnative:
        return np.ascontiguousarray(frame, dtype=frame.dtype.newbyteorder("="))
    if frame.strides[1] != frame.itemsize:
        return np.ascontiguousarray(frame)
    return frame


class ArraySource(FrameSource):
    def __init__(self, frames: np.ndarray, bitdepth: Optional[int], name: str):
        self.name = name
        a = np.asarray(frames)
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3:
            raise InputError(f"{name}: expected a (frames, height, width) array, got shape {a.shape}")
        if a.shape[0] == 0:
            raise InputError(f"{name}: no frames")
        check_sides(a.shape, name)
        self.bpc = _bpc_for(a.dtype, bitdepth, name)
        self._a = a
        self.height, self.width = int(a.shape[1]), int(a.shape[2])

    def frame_count(self) -> Optional[int]:
        return int(self._a.shape[0])

    def pictures(self, chroma: bool) -> Iterator[np.ndarray]:
        if chroma:
            raise InputError(f"{self.name}: numpy input is luma only; chroma features need .yuv, .y4m or a container")
        # The core checks the sample range as it copies each frame.
        for frame in self._a:
            yield native_frame(frame)


class IterableSource(FrameSource):
    """Frames from any iterable; geometry is taken from the first frame."""

    def __init__(self, frames: Iterable, bitdepth: Optional[int], name: str):
        self.name = name
        self._it = iter(frames)
        self._bitdepth = bitdepth
        try:
            first = next(self._it)
        except StopIteration:
            raise InputError(f"{name}: no frames") from None
        self._first = self._check(np.asarray(first), 0)
        self.bpc = _bpc_for(self._first.dtype, bitdepth, name)
        self.height, self.width = self._first.shape

    def _check(self, frame: np.ndarray, index: int) -> np.ndarray:
        if frame.ndim != 2:
            raise InputError(f"{self.name}: frame {index} must be 2-D (height, width), got shape {frame.shape}")
        check_sides(frame.shape, f"{self.name}: frame {index}")
        return frame

    def pictures(self, chroma: bool) -> Iterator[np.ndarray]:
        if chroma:
            raise InputError(f"{self.name}: numpy input is luma only; chroma features need .yuv, .y4m or a container")
        index = 0
        frame = self._first
        while True:
            # Either byte order (each frame is converted as it goes).
            same_type = (frame.dtype.kind, frame.dtype.itemsize) == (self._first.dtype.kind, self._first.dtype.itemsize)
            if not same_type or frame.shape != self._first.shape:
                raise InputError(
                    f"{self.name}: frame {index} is {frame.shape[1]}x{frame.shape[0]} {frame.dtype}, "
                    f"frame 0 was {self.width}x{self.height} {self._first.dtype}"
                )
            yield native_frame(frame)
            try:
                frame = self._check(np.asarray(next(self._it)), index + 1)
            except StopIteration:
                return
            index += 1
