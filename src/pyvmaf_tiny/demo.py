"""`pyvmaf-tiny demo`: make a clip, encode it with a real encoder, score it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import BackendUnavailable, InputError
from .result import Result

WIDTH, HEIGHT, FPS = 352, 288, 24


def synth_clip(frames: int, seed: int = 0) -> np.ndarray:
    """A textured, moving scene: panning band-limited noise, gratings and a moving disc (YUV 4:2:0 luma)."""
    rng = np.random.default_rng(seed)
    big_h, big_w = HEIGHT + 4 * frames, WIDTH + 4 * frames
    noise = rng.standard_normal((big_h, big_w))
    # band-limit by a separable box blur, then stretch to 8 bit
    k = np.ones(5) / 5
    tex = np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), 1, noise)
    tex = np.apply_along_axis(lambda c: np.convolve(c, k, mode="same"), 0, tex)
    tex = (tex - tex.min()) / (np.ptp(tex) + 1e-9)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    out = np.empty((frames, HEIGHT, WIDTH), np.uint8)
    for t in range(frames):
        pan = tex[2 * t : 2 * t + HEIGHT, 3 * t : 3 * t + WIDTH]
        grating = 0.5 + 0.5 * np.sin(2 * np.pi * (xx * 0.03 + yy * 0.01 - 0.05 * t))
        cx, cy = 60 + 8 * t, 144 + 40 * np.sin(t / 5)
        disc = ((xx - cx) ** 2 + (yy - cy) ** 2) < 40**2
        img = 40 + 120 * pan + 60 * grating * (xx > WIDTH // 2)
        img[disc] = 230
        out[t] = np.clip(img, 16, 235).astype(np.uint8)
    return out


def encode_decode(luma: np.ndarray, crf: int, codec: str = "libx264") -> np.ndarray:
    """Encode 8-bit luma (grey chroma) with PyAV, decode it back; returns the decoded luma."""
    try:
        import av  # noqa: F401  (checked here for a clear message; .io.encode uses it)
    except ImportError:
        raise BackendUnavailable("the demo needs PyAV: pip install 'pyvmaf-tiny[video]'") from None
    from .io.encode import decode, encode

    frames, h, w = luma.shape
    chroma = np.full((h // 2, w // 2), 128, np.uint8)
    data = encode([[luma[t], chroma, chroma] for t in range(frames)], codec, "yuv420p",
                  {"crf": str(crf), "preset": "medium"}, rate=FPS, threads=None)
    decoded = [planes[0] for _, planes in decode(data)]
    if len(decoded) != frames:
        raise InputError(f"demo: encoder returned {len(decoded)} frames, expected {frames}")
    return np.stack(decoded)


@dataclass(frozen=True)
class DemoRun:
    result: Result
    lines: list[str]  # what `pyvmaf-tiny demo` prints


def run_demo(crf: int = 30, frames: int = 24) -> DemoRun:
    from .api import score

    if not 0 <= crf <= 51:
        raise InputError(f"--crf must be 0..51, got {crf}")
    if not 2 <= frames <= 600:
        raise InputError(f"--frames must be 2..600, got {frames}")
    ref = synth_clip(frames)
    dist = encode_decode(ref, crf)
    result = score(ref, dist)
    pooled = result.pooled["vmaf"]
    return DemoRun(result, [
        f"demo: {frames} frames of {WIDTH}x{HEIGHT}, encoded with x264 at CRF {crf}",
        f"per-frame VMAF: min {pooled['min']:.3f}  max {pooled['max']:.3f}  "
        f"harmonic mean {pooled['harmonic_mean']:.3f}",
        f"VMAF score ({result.model}): {result.score:.6f}",
    ])
