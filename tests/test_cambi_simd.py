"""cambi's SIMD kernels give bit-identical values to the scalar reference.

PYVMAF_TINY_ISA forces a kernel set. The content covers widths that are not
multiples of any vector width at every scale, runs of one value across vector
boundaries, the window reaching past a small scale's corner (224 wide), 8/10/
12/16-bit input with and without anti-dithering, and the options that change
the kernels' tables.
"""

from __future__ import annotations

import numpy as np
import pytest

import pyvmaf_tiny
from content import Recipe, make_clip
from pyvmaf_tiny import _core
from test_conformance_cambi import banding_clip

ORDER = ["scalar", "avx2", "avx512"]
AVAILABLE = ORDER[: ORDER.index(_core.detected_isa()) + 1]

CLIPS = [
    lambda: make_clip(Recipe("bikes", 640, 272, codec="libx264", quality=36, frames=3)),
    lambda: make_clip(Recipe("bikes", 641, 361, codec="libvpx-vp9", quality=40, frames=2)),
    lambda: make_clip(Recipe("bikes", 224, 2560, codec="libx264", quality=30, frames=2)),
    lambda: make_clip(Recipe("bikes", 359, 217, pix_fmt="yuv420p10le", codec="noise", quality=2, frames=2)),
    lambda: make_clip(Recipe("bikes", 400, 240, pix_fmt="yuv444p12le", codec="noise", quality=3, frames=2)),
    lambda: make_clip(Recipe("synthetic:ramp", 300, 220, pix_fmt="yuv420p16le", codec="noise", quality=40, frames=2)),
    lambda: make_clip(Recipe("synthetic:edges", 331, 229, codec="noise", quality=2, frames=2)),
    lambda: banding_clip(433, 251, "yuv420p"),
    lambda: banding_clip(640, 360, "yuv420p10le"),
]
FEATURES = [
    "cambi:full_ref=true",
    "cambi:window_size=33,topk=0.05,tvi_threshold=0.05,max_log_contrast=3,enc_bitdepth=8",
    "cambi:eotf=pq,cambi_vis_lum_threshold=0.1,max_log_contrast=5,enc_bitdepth=10",
    "cambi:enc_width=300,enc_height=200,cambi_vis_lum_threshold=20",
]


def _features(clip, isa, monkeypatch):
    monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
    assert _core.active_isa() == isa
    return pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), FEATURES, **clip.geometry, threads=2)


@pytest.mark.parametrize("isa", AVAILABLE[1:] or ["scalar"])
@pytest.mark.parametrize("clip", range(len(CLIPS)))
def test_cambi_simd_bit_identical_to_scalar(clip, isa, monkeypatch):
    c = CLIPS[clip]()
    reference = _features(c, "scalar", monkeypatch)
    got = _features(c, isa, monkeypatch)
    assert list(got) == list(reference)
    for name in reference:
        np.testing.assert_array_equal(got[name], reference[name], err_msg=f"{name} with {isa}")
