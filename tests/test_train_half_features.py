"""The `half` and `half_motion` extractors (fr_micro_v2's features): the integer
VIF/ADM/motion features of the 2x2-box-decimated pair, exactly as the `vif`,
`adm` and `motion` extractors give them on that pair (frames out of order
across threads), the same under every ISA, and refused on frames too small."""

from __future__ import annotations

import numpy as np
import pytest

import pyvmaf_tiny
from pyvmaf_tiny import _core

ORDER = ["scalar", "avx2", "avx512"]
AVAILABLE = ORDER[: ORDER.index(_core.detected_isa()) + 1]
HALF = ["half_integer_vif_scale0", "half_integer_vif_scale2", "half_integer_vif_scale3", "half_integer_adm2",
        "half_integer_adm_scale1", "half_integer_adm_scale3", "half_integer_motion2", "half_integer_motion3",
        "half_VMAF_integer_feature_motion_sad_score"]
FINE = ["half_fine_detail", "half_fine_noise"]


def decimate(a: np.ndarray) -> np.ndarray:
    """2x2 box mean, rounded half up, the last row/column paired with itself for odd sizes."""
    a = a.astype(np.uint32)
    if a.shape[1] % 2:
        a = np.concatenate([a, a[:, -1:]], axis=1)
    if a.shape[2] % 2:
        a = np.concatenate([a, a[:, :, -1:]], axis=2)
    s = a[:, 0::2, 0::2] + a[:, 1::2, 0::2] + a[:, 0::2, 1::2] + a[:, 1::2, 1::2]
    return (s + 2) >> 2


def pair(h: int, w: int, bitdepth: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    y, x = np.mgrid[0:h, 0:w]
    base = (0.5 + 0.3 * np.sin(x / 5.0) * np.cos(y / 7.0))[None] * peak
    ref = np.clip(base + rng.normal(0, peak * 0.05, (3, h, w)), 0, peak)
    dist = np.clip(ref + rng.normal(0, peak * 0.03, ref.shape), 0, peak)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    return ref.astype(dtype), dist.astype(dtype)


@pytest.mark.parametrize("h,w,bitdepth", [(72, 96, 8), (71, 97, 8), (66, 81, 10), (40, 35, 12)])
def test_half_features_are_vif_and_adm_of_the_decimated_pair(h, w, bitdepth):
    ref, dist = pair(h, w, bitdepth)
    ref[1:] = np.roll(ref[1:], 3, axis=2)  # some motion
    got = pyvmaf_tiny.extract_features(ref, dist, HALF, bitdepth=bitdepth, threads=3)
    dtype = ref.dtype
    want = pyvmaf_tiny.extract_features(decimate(ref).astype(dtype), decimate(dist).astype(dtype),
                                        [f[len("half_"):] for f in HALF], bitdepth=bitdepth)
    for f in HALF:
        np.testing.assert_array_equal(got[f], want[f[len("half_"):]], err_msg=f)
    # and they are not the full-resolution values
    full = pyvmaf_tiny.extract_features(ref, dist, ["integer_adm2"], bitdepth=bitdepth)
    assert not np.array_equal(full["integer_adm2"], got["half_integer_adm2"])


@pytest.mark.parametrize("bitdepth", [8, 10, 16])
@pytest.mark.parametrize("isa", AVAILABLE[1:] or ["scalar"])
def test_half_features_identical_on_every_isa(isa, bitdepth, monkeypatch):
    ref, dist = pair(130, 243, bitdepth, seed=3)  # rows of 16 + 9 output samples and an odd column
    ref[1:] = np.roll(ref[1:], 5, axis=1)
    if bitdepth == 16:  # the largest samples: sums that need all 18 bits
        ref[:, :8], dist[:, -8:] = 65535, 65535
    out = {}
    for which in ("scalar", isa):
        monkeypatch.setenv("PYVMAF_TINY_ISA", which)
        assert _core.active_isa() == which
        out[which] = pyvmaf_tiny.extract_features(ref, dist, HALF + FINE, threads=2, bitdepth=bitdepth)
    for f in HALF + FINE:
        np.testing.assert_array_equal(out[isa][f], out["scalar"][f], err_msg=f"{f} with {isa}")


def test_half_refuses_frames_too_small():
    ref, dist = pair(33, 64, 8)
    with pytest.raises(pyvmaf_tiny.InputError, match="34x34"):
        pyvmaf_tiny.extract_features(ref, dist, ["half_integer_adm2"])
    ref, dist = pair(5, 64, 8)
    with pytest.raises(pyvmaf_tiny.InputError, match="6x6"):
        pyvmaf_tiny.extract_features(ref, dist, ["half_integer_motion2"])


def fine_terms(ref: np.ndarray, dist: np.ndarray, bitdepth: int):
    """half_fine_detail / half_fine_noise from their definition, in numpy."""
    def details(a):
        a = a.astype(np.int64)
        if a.shape[1] % 2:
            a = np.concatenate([a, a[:, -1:]], axis=1)
        if a.shape[2] % 2:
            a = np.concatenate([a, a[:, :, -1:]], axis=2)
        p, q, r, s = a[:, 0::2, 0::2], a[:, 0::2, 1::2], a[:, 1::2, 0::2], a[:, 1::2, 1::2]
        return [p + q - r - s, p - q + r - s, p - q - r + s]
    kept = ref_sum = added = 0
    for r, t in zip(details(ref), details(dist)):
        k = np.where((r ^ t) >= 0, np.minimum(np.abs(r), np.abs(t)), 0)
        kept = kept + k.sum(axis=(1, 2))
        ref_sum = ref_sum + np.abs(r).sum(axis=(1, 2))
        added = added + (np.abs(t) - k).sum(axis=(1, 2))
    blocks = ((ref.shape[1] + 1) // 2) * ((ref.shape[2] + 1) // 2) * (1 << (bitdepth - 8))
    return (kept + blocks) / (ref_sum + blocks), (added + blocks) / (ref_sum + blocks)


@pytest.mark.parametrize("h,w,bitdepth", [(72, 96, 8), (71, 97, 8), (66, 81, 10)])
def test_fine_detail_terms(h, w, bitdepth):
    ref, dist = pair(h, w, bitdepth)
    got = pyvmaf_tiny.extract_features(ref, dist, FINE + ["half_integer_adm2"], bitdepth=bitdepth)
    detail, noise = fine_terms(ref, dist, bitdepth)
    np.testing.assert_allclose(got["half_fine_detail"], detail, rtol=1e-15)
    np.testing.assert_allclose(got["half_fine_noise"], noise, rtol=1e-15)
    # the decimated pair is the same whether or not the fine terms are asked for
    alone = pyvmaf_tiny.extract_features(ref, dist, ["half_integer_adm2"], bitdepth=bitdepth)
    np.testing.assert_array_equal(alone["half_integer_adm2"], got["half_integer_adm2"])
    # a blurred copy keeps less detail than a lightly noisy one
    blurred = decimate(ref).repeat(2, axis=1).repeat(2, axis=2)[:, :h, :w].astype(ref.dtype)
    b = pyvmaf_tiny.extract_features(ref, blurred, FINE, bitdepth=bitdepth)
    assert b["half_fine_detail"].max() < got["half_fine_detail"].min()
