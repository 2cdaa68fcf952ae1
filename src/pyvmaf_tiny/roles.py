"""Which input is the reference? Cheap evidence that a caller swapped them.

ffmpeg's libvmaf filter and ffmpeg-quality-metrics take the distorted clip first; pyvmaf-tiny takes the
reference first. Swapped inputs score, only wrongly (VMAF is not symmetric), so the evidence that a caller
swapped them is worth a warning:

- the reference is a lossy encode at a delivery bit rate (under LOW_BPP bits per pixel, or of unknown bit
  rate) while the distorted clip is uncompressed (raw, Y4M) or in a lossless codec;
- both are lossy encodes and the reference has under half the distorted clip's bit rate.

Masters and mezzanines (ProRes, high-rate H.264) score against decoded encodes without a warning: their
bit rates are far above LOW_BPP.
"""

from __future__ import annotations

import os
import warnings
from types import FrameType
from typing import Optional

from .errors import InputWarning
from .io.raw import RawYuvSource
from .io.source import FrameSource
from .io.y4m import Y4mSource

LOW_BPP = 0.3  # bits per pixel: 1080p30 at 19 Mb/s; delivery encodes sit far below, sources above
BITRATE_RATIO = 0.5  # a reference under half the distorted clip's bit rate


def compression_of(src: FrameSource) -> Optional[str]:
    if isinstance(src, (RawYuvSource, Y4mSource)):
        return "uncompressed"
    return src.compression


def bits_per_pixel(src: FrameSource) -> Optional[float]:
    rate, bits = src.rate, src.bit_rate
    if rate is None or not bits or src.width <= 0 or src.height <= 0:
        return None
    return bits / (src.width * src.height * float(rate))


def swap_evidence(ref: FrameSource, dist: FrameSource) -> Optional[str]:
    """Why `ref` and `dist` look swapped, or None."""
    r, d = compression_of(ref), compression_of(dist)
    if r == "lossy" and d in ("uncompressed", "lossless"):
        bpp = bits_per_pixel(ref)
        if bpp is None or bpp < LOW_BPP:
            at = f" at {bpp:.3f} bits per pixel" if bpp is not None else ""
            kind = "uncompressed" if d == "uncompressed" else f"lossless ({_codec(dist)})"
            return (f"the reference {ref.name} is a lossy {_codec(ref)} encode{at} but the distorted clip "
                    f"{dist.name} is {kind}")
    if r == "lossy" and d == "lossy":
        rb, db = ref.bit_rate, dist.bit_rate
        if rb and db and rb < BITRATE_RATIO * db:
            return (f"the reference {ref.name} has {_kbps(rb)} but the distorted clip {dist.name} has "
                    f"{_kbps(db)}")
    return None


def warn_if_swapped(ref: FrameSource, dist: FrameSource) -> None:
    why = swap_evidence(ref, dist)
    if why is not None:
        warn(f"reference and distorted clip may be swapped: {why}. The reference comes first here (ffmpeg's "
             f"libvmaf takes the distorted clip first); name them with --ref/--dist (ref=/dist=) to be sure")


def warn(message: str) -> None:
    """An InputWarning attributed to the first caller outside this package."""
    warnings.warn(message, InputWarning, stacklevel=_outside_stacklevel())


def _codec(src: FrameSource) -> str:
    return str(getattr(src, "codec", "") or "compressed")


def _kbps(bits: float) -> str:
    return f"{bits / 1000:.0f} kb/s"


def _outside_stacklevel() -> int:
    import sys

    package = os.path.dirname(os.path.abspath(__file__))
    frame: Optional[FrameType] = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level
