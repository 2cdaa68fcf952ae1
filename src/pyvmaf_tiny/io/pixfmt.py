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
    "yuv440p": (0, 1),
    "yuv411p": (2, 0),
    "yuv410p": (2, 2),
    "gray": None,
}
# The layouts whose chroma the extractors model (psnr on chroma): others are read for luma only.
CHROMA_LAYOUTS = ("yuv420p", "yuv422p", "yuv444p")
_RATIOS = {"yuv420p": "4:2:0", "yuv422p": "4:2:2", "yuv444p": "4:4:4", "yuv440p": "4:4:0", "yuv411p": "4:1:1",
           "yuv410p": "4:1:0"}


def chroma_refusal(name: str, pix_fmt: str, layout: str) -> str:
    """Why chroma features cannot read `name`, and what to do about it."""
    return (f"{name}: its pixel format {pix_fmt} has {_RATIOS.get(layout, layout)} chroma, which chroma features "
            f"(psnr_cb, psnr_cr) do not model: they read 4:2:0, 4:2:2 and 4:4:4 (planar or semi-planar, any range, "
            f"alpha ignored); convert it first (e.g. ffmpeg -i IN -pix_fmt yuv444p -c:v ffv1 OUT.mkv) or score "
            f"luma only (e.g. psnr:enable_chroma=false); luma features read it as it is")
_PATTERN = re.compile(r"^(yuv420p|yuv422p|yuv444p|gray)(?:(9|10|12|14|16)le)?$")


@dataclass(frozen=True)
class PixelFormat:
    name: str
    layout: str  # "yuv420p", "yuv422p", "yuv444p" or "gray" (decoded formats: also yuv440p, yuv411p, yuv410p)
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


@dataclass(frozen=True)
class DecodedFormat:
    """How a decoder's frame of one FFmpeg pix_fmt holds its planes."""

    name: str
    layout: str  # a key of _LAYOUTS: the chroma geometry
    bpc: int
    semi_planar: bool = False  # chroma in one plane of interleaved pairs (nv12, p010, ...)
    cr_first: bool = False  # ... with Cr before Cb (nv21, nv42)
    msb: bool = False  # samples in the top bits of 16 (p010 & co.)
    big_endian: bool = False

    @property
    def chroma_modelled(self) -> bool:
        return self.layout in CHROMA_LAYOUTS


def _decoded_formats() -> dict[str, DecodedFormat]:
    out: dict[str, DecodedFormat] = {}

    def add(name, layout, bpc, **kw):
        out[name] = DecodedFormat(name, layout, bpc, **kw)
        if bpc > 8 and name.endswith("le"):
            be = name[:-2] + "be"
            out[be] = DecodedFormat(be, layout, bpc, **{**kw, "big_endian": True})

    high = {"yuv420p": (9, 10, 12, 14, 16), "yuv422p": (9, 10, 12, 14, 16), "yuv444p": (9, 10, 12, 14, 16),
            "yuv440p": (10, 12), "gray": (9, 10, 12, 14, 16)}
    for layout in _LAYOUTS:
        add(layout, layout, 8)
        for bits in high.get(layout, ()):
            add(f"{layout}{bits}le", layout, bits)
    for layout in ("yuv420p", "yuv422p", "yuv444p", "yuv440p", "yuv411p"):  # full-range tags of the same
        add("yuvj" + layout[3:], layout, 8)
    alpha = {"yuv420p": (9, 10, 16), "yuv422p": (9, 10, 12, 16), "yuv444p": (9, 10, 12, 16)}
    for layout, depths in alpha.items():  # alpha is a fourth plane, not read
        add("yuva" + layout[3:], layout, 8)
        for bits in depths:
            add(f"yuva{layout[3:]}{bits}le", layout, bits)
    for name, layout, cr_first in (("nv12", "yuv420p", False), ("nv21", "yuv420p", True),
                                   ("nv16", "yuv422p", False), ("nv24", "yuv444p", False),
                                   ("nv42", "yuv444p", True)):
        add(name, layout, 8, semi_planar=True, cr_first=cr_first)
    add("nv20le", "yuv422p", 10, semi_planar=True)
    for bits in (10, 12):
        add(f"yuv444p{bits}msble", "yuv444p", bits, msb=True)
    for prefix, layout in (("p0", "yuv420p"), ("p2", "yuv422p"), ("p4", "yuv444p")):
        for bits in (10, 12, 16):
            add(f"{prefix}{bits}le", layout, bits, semi_planar=True, msb=bits < 16)
    return out


DECODED_FORMATS = _decoded_formats()
