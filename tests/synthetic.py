"""Deterministic synthetic luma patterns for edge cases."""

from __future__ import annotations

import numpy as np


def pattern(kind: str, frames: int, height: int, width: int, bpc: int = 8) -> np.ndarray:
    """(frames, height, width) luma; kind: texture, black, white, checker, edges, ramp."""
    hi = (1 << bpc) - 1
    dtype = np.uint8 if bpc == 8 else np.uint16
    rng = np.random.default_rng(1234)
    base = rng.random((height + frames, width + frames))
    yy, xx = np.mgrid[0:height, 0:width]
    out = np.empty((frames, height, width), dtype)
    for t in range(frames):
        if kind == "black":
            img = np.zeros((height, width))
        elif kind == "white":
            img = np.full((height, width), hi, float)
        elif kind == "checker":
            img = (((yy // 4) + (xx // 4) + t) % 2) * hi
        elif kind == "edges":
            img = np.where((xx + 2 * t) % 16 < 8, 0, hi) * (yy % 7 != 0)
        elif kind == "ramp":
            img = ((xx + yy + 3 * t) * hi / max(1, width + height)) % (hi + 1)
        elif kind == "texture":
            img = base[t : t + height, t : t + width] * hi * 0.8 + 0.1 * hi * np.sin(xx / 3.0 + t)
        else:
            raise ValueError(kind)
        out[t] = np.clip(np.round(img), 0, hi).astype(dtype)
    return out
