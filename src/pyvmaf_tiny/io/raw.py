"""Raw planar YUV files (``.yuv``): geometry and pix_fmt come from the caller."""

from __future__ import annotations

import os
from typing import Iterator, Optional

from .._lazy import np

from ..errors import InputError
from .pixfmt import PixelFormat
from .policy import DEFAULT_POLICY, PathPolicy, native_path, shown
from .source import FrameSource


class RawYuvSource(FrameSource):
    def __init__(self, path, width: int, height: int, pix_fmt: PixelFormat, policy: PathPolicy = DEFAULT_POLICY):
        self.name = shown(path)
        self.width, self.height, self.pix_fmt = int(width), int(height), pix_fmt
        self.bpc = pix_fmt.bpc
        if self.width <= 0 or self.height <= 0:
            raise InputError(f"{self.name}: width and height must be positive, got {width}x{height}")
        self.frame_bytes = pix_fmt.frame_bytes(self.width, self.height)
        self._policy = policy
        self.path = policy.resolve(path, "")  # a regular file, inside the roots
        with policy.open(self.path, "") as f:
            size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise InputError(f"{self.name}: file is empty")
        full, rest = divmod(size, self.frame_bytes)
        if rest:
            raise InputError(
                f"{self.name}: truncated: frame {full} has {rest} of {self.frame_bytes} bytes "
                f"({self.width}x{self.height} {pix_fmt.name}); check the geometry and pix_fmt"
            )
        self._count = full

    def frame_count(self) -> Optional[int]:
        return self._count

    @property
    def has_chroma(self) -> bool:
        return self.pix_fmt.layout != "gray"

    def native_reader(self):
        return native_reader(self.path, self)

    def pictures(self, chroma: bool) -> Iterator:
        # Frames of their own: stream() reuses one buffer.
        for pic in self.stream(chroma):
            yield tuple(p.copy() for p in pic) if chroma else pic.copy()

    def stream(self, chroma: bool) -> Iterator:
        # One buffer, refilled per frame: no page faults and no fresh
        # allocation per frame, and the data is cache-hot for the core's copy.
        bps = self.pix_fmt.bytes_per_sample
        wanted = self.frame_bytes if chroma else self.width * self.height * bps
        buf = np.empty(wanted // bps, dtype=self.pix_fmt.dtype)
        raw = memoryview(buf).cast("B")
        with self._policy.open(self.path, "", buffering=0) as f:
            for index in range(self._count):
                f.seek(index * self.frame_bytes)
                got = f.readinto(raw)
                while got and got < wanted:
                    more = f.readinto(raw[got:])
                    if not more:
                        break
                    got += more
                if got != wanted:
                    raise InputError(f"{self.name}: truncated while reading frame {index}")
                yield split_planes(buf, self, index, chroma)


def native_reader(path, src, header: int = 0, frame_marker: bytes = b""):
    from .. import _core

    cw, ch = src.pix_fmt.chroma_size(src.width, src.height)
    return _core.RawReader(native_path(path), src.width, src.height, src.bpc, cw, ch, header, frame_marker)


def split_planes(buf: np.ndarray, src, index: int, chroma: bool):
    """Luma (or luma, cb, cr) views of one planar frame read into `buf`."""
    w, h, pf = src.width, src.height, src.pix_fmt
    luma = w * h
    planes = [buf[:luma].reshape(h, w)]
    if chroma:
        if pf.layout == "gray":
            raise InputError(f"{src.name}: {pf.name} has no chroma planes")
        cw, ch = pf.chroma_size(w, h)
        planes.append(buf[luma : luma + cw * ch].reshape(ch, cw))
        planes.append(buf[luma + cw * ch : luma + 2 * cw * ch].reshape(ch, cw))
    if src.bpc > 8:
        planes = [p.astype(np.uint16, copy=False) for p in planes]
        for p in planes:
            _check_range(p, src.bpc, src.name, index)
    return tuple(planes) if chroma else planes[0]


def _check_range(plane: np.ndarray, bpc: int, name: str, index: int) -> None:
    if bpc < 16 and int(plane.max(initial=0)) >> bpc:
        raise InputError(
            f"{name}: frame {index} has samples above {(1 << bpc) - 1}, "
            f"which is not {bpc}-bit data (wrong pix_fmt?)"
        )
