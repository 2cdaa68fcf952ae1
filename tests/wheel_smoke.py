"""The wheel's smoke test (cibuildwheel's test-command): an installed wheel
scores real content with the default model and, where onnxruntime is
installed, with a tiny ONNX model, and refuses bad input cleanly.

    python tests/wheel_smoke.py
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np

import pyvmaf_tiny


def clip(frames: int = 6, height: int = 72, width: int = 96) -> np.ndarray:
    """Textured content in motion: a smooth pattern with edges, shifted a pixel a frame."""
    y, x = np.mgrid[0:height, 0 : width + frames]
    base = 128 + 60 * np.sin(x / 5.0) * np.cos(y / 7.0) + 40 * ((x // 11 + y // 9) % 2)
    return np.stack([base[:, i : i + width] for i in range(frames)]).clip(0, 255).astype(np.uint8)


def main() -> int:
    ref = clip()
    noise = np.random.default_rng(0).normal(0, 12, ref.shape)
    dist = (ref + noise).clip(0, 255).astype(np.uint8)
    same = pyvmaf_tiny.score(ref, ref)
    worse = pyvmaf_tiny.score(ref, dist)
    print(f"isa {pyvmaf_tiny._core.active_isa()}: vmaf_v0.6.1 identical {same.score:.3f}, noisy {worse.score:.3f}")
    assert 0 <= worse.score < same.score <= 100, (worse.score, same.score)
    try:
        pyvmaf_tiny.score(ref[:, :8, :8], ref[:, :8, :8])
    except pyvmaf_tiny.InputError as e:
        print(f"8x8 refused: {e}")
    else:
        raise AssertionError("an 8x8 frame must be refused")
    if importlib.util.find_spec("onnxruntime") is None:
        print("onnxruntime is not installed here: tiny models not checked")
        return 0
    tiny = pyvmaf_tiny.score(ref, dist, model="fr_tiny_v1", device="cpu")
    print(f"fr_tiny_v1 noisy {tiny.score:.3f} ({tiny.backend})")
    assert abs(tiny.score - worse.score) < 5, (tiny.score, worse.score)
    return 0


if __name__ == "__main__":
    sys.exit(main())
