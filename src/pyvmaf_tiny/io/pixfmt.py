"""ffmpeg-style pixel format names: bit depth, chroma layout and frame sizes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

_LAYOUTS = {
    # name: (horizontal, vertical) chroma subsampling shift; None = no chroma
    "yuv420p": (1, 1),
    "yuv422p": (1, 0),
    "yuv444p": (0, 0),
    "gray": None,
}
_PATTERN = re.compile(r"^(yuv420p|yuv422p|yuv444p|gray)(?:(9|10|12|14|16)le)?$")


@dataclass(frozen=True)
class PixelFormat:
    name: str
    layout: str  # "yuv420p", "yuv422p", "yuv444p" or "gray"
    bpc: int

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.bpc > 8 else 1

    @property
    def dtype(self) -> str:
        return "<u2" if self.bpc > 8 else "u1"

    def chroma_size(self, width: int, height: int) -> tuple[int, int]:
        sub = _LAYOUTS[self.layout]
        if sub is None:
            return (0, 0)
        sx, sy = sub
        return ((width + (1 << sx) - 1) >> sx, (height + (1 << sy) - 1) >> sy)

    def frame_bytes(self, width: int, height: int) -> int:
        cw, ch = self.chroma_size(width, height)
        return (width * height + 2 * cw * ch) * self.bytes_per_sample


def parse_pix_fmt(name: str) -> PixelFormat:
    """Parse names such as ``yuv420p``, ``yuv422p10le`` or ``gray16le``."""
    text = str(name).strip().lower()
    if text in ("gray8",):
        text = "gray"
    m = _PATTERN.match(text)
    if not m:
        raise InputError(
            f"unsupported pix_fmt {name!r}: use yuv420p, yuv422p, yuv444p or gray, "
            "optionally with 10le/12le/16le (e.g. yuv420p10le)"
        )
    layout, depth = m.group(1), m.group(2)
    return PixelFormat(text, layout, int(depth) if depth else 8)


def pix_fmt_for(layout: str, bpc: int) -> PixelFormat:
    return parse_pix_fmt(layout if bpc == 8 else f"{layout}{bpc}le")
