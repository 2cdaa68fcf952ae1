"""Every SIMD kernel set gives bit-identical features to the scalar reference.

PYVMAF_TINY_ISA forces a kernel set; each available one is compared with
scalar on edge-case and real content (widths that are not multiples of the
vector width, hard 0/max edges, 10/12/16-bit).
"""

from __future__ import annotations

import numpy as np
import pytest

import pyvmaf_tiny
from content import Recipe, make_clip
from pyvmaf_tiny import _core

ORDER = ["scalar", "avx2", "avx512"]
AVAILABLE = ORDER[: ORDER.index(_core.detected_isa()) + 1]

CASES = [
    Recipe("bikes", 640, 272, codec="libx264", quality=40, frames=4),
    Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3),
    Recipe("bigbuckbunny", 321, 179, pix_fmt="yuv444p", codec="noise", quality=6, frames=3),
    Recipe("synthetic:texture", 33, 31, pix_fmt="yuv444p", codec="noise", quality=8, frames=3),
    Recipe("synthetic:texture", 18, 18, pix_fmt="yuv444p", codec="noise", quality=10, frames=3),
    Recipe("synthetic:edges", 97, 65, pix_fmt="yuv444p", codec="noise", quality=30, frames=3),
    Recipe("synthetic:checker", 130, 66, pix_fmt="yuv444p", codec="noise", quality=40, frames=3),
    Recipe("synthetic:white", 48, 32, codec="noise", quality=3, frames=3),
    Recipe("bikes", 322, 136, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=3),
    Recipe("bikes", 161, 69, pix_fmt="yuv444p12le", codec="noise", quality=40, frames=3),
    Recipe("synthetic:texture", 72, 40, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=3),
    Recipe("synthetic:edges", 67, 35, pix_fmt="yuv444p16le", codec="noise", quality=2000, frames=3),
]
FEATURES = ["vif", "adm", "motion", "vif:vif_enhn_gain_limit=1.0", "adm:adm_enhn_gain_limit=1.0",
            # the vmaf_v1.0.16 models' ADM (AIM and adm3 with a blended CSF), and other CSF factors and gain limits
            "adm:adm_csf_mode=2,adm_dlm_weight=0.7,adm_enhn_gain_limit=1,adm_noise_weight=0.02,adm_min_val=0.5,"
            "adm_norm_view_dist=1.5,adm_ref_display_height=2160",
            "adm:adm_csf_mode=3,adm_enhn_gain_limit=1.5,adm_norm_view_dist=5,adm_noise_weight=0",
            "motion:motion_moving_average=true,motion_blend_factor=0.5,motion_blend_offset=3,motion_max_val=18",
            "motion:motion_five_frame_window=true,motion_moving_average=true,motion_max_val=18",
            # row-sampled estimates (fr_micro_v2's), also compared across platforms by test_cross_platform
            "vif_sampled", "adm_sampled", "adm:adm_row_step=3,adm_csf_mode=2", "vif:vif_row_step=4",
            "motion_sampled", "motion:motion_row_step=5,motion_five_frame_window=true"]


def _features(clip, isa, monkeypatch):
    monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
    assert _core.active_isa() == isa
    return pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), FEATURES, **clip.geometry, threads=2)


@pytest.mark.parametrize("isa", AVAILABLE[1:] or ["scalar"])
@pytest.mark.parametrize("recipe", CASES, ids=lambda r: r.id)
def test_simd_bit_identical_to_scalar(recipe, isa, monkeypatch):
    clip = make_clip(recipe)
    reference = _features(clip, "scalar", monkeypatch)
    got = _features(clip, isa, monkeypatch)
    assert list(got) == list(reference)
    for name in reference:
        np.testing.assert_array_equal(got[name], reference[name], err_msg=f"{name} with {isa}")


# ADM without scale 0 (its scalar low-pass DWT feeding the SIMD scales 1..3) or AIM; adm_skip_scale0
# is refused up to 32 rows (see test_conformance.py).
SKIP_FEATURES = ["adm:adm_skip_scale0=true,debug=true", "adm:adm_skip_aim=true",
                 "adm:adm_skip_scale0=true,adm_skip_aim=true,adm_csf_mode=3,adm_enhn_gain_limit=1.5"]


@pytest.mark.parametrize("isa", AVAILABLE[1:] or ["scalar"])
@pytest.mark.parametrize("recipe", [r for r in CASES if r.height > 32], ids=lambda r: r.id)
def test_adm_skip_options_bit_identical_to_scalar(recipe, isa, monkeypatch):
    clip = make_clip(recipe)
    runs = {}
    for each in ("scalar", isa):
        monkeypatch.setenv("PYVMAF_TINY_ISA", each)
        runs[each] = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), SKIP_FEATURES, **clip.geometry,
                                                  threads=2)
    assert list(runs[isa]) == list(runs["scalar"])
    for name, values in runs["scalar"].items():
        np.testing.assert_array_equal(runs[isa][name], values, err_msg=f"{name} with {isa}")


def test_forcing_an_unsupported_or_unknown_isa_is_refused(monkeypatch):
    monkeypatch.setenv("PYVMAF_TINY_ISA", "sse9")
    with pytest.raises(pyvmaf_tiny.InputError, match="PYVMAF_TINY_ISA"):
        _core.active_isa()
    if _core.detected_isa() != "avx512":
        monkeypatch.setenv("PYVMAF_TINY_ISA", "avx512")
        with pytest.raises(pyvmaf_tiny.BackendUnavailable):
            _core.active_isa()


SUBSETS = [
    ["integer_vif_scale0"],
    ["integer_vif_scale2", "integer_adm_scale1"],
    ["integer_adm_scale0", "integer_motion2"],
    ["integer_adm_scale3"],
    ["integer_adm2"],
    ["integer_aim"],
    ["integer_adm3", "integer_adm_scale2"],
    ["integer_adm_scale1", "integer_motion3"],
]


@pytest.mark.parametrize("isa", AVAILABLE)
def test_feature_subsets_skip_work_but_keep_values(isa, monkeypatch):
    # Extractors skip the scales nobody asked for; what they return must not change.
    clip = make_clip(CASES[0])
    monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
    full = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["vif", "adm", "motion"], **clip.geometry)
    for subset in SUBSETS:
        got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), subset, **clip.geometry)
        assert list(got) == subset
        for name in subset:
            np.testing.assert_array_equal(got[name], full[name], err_msg=f"{name} of {subset} with {isa}")


@pytest.mark.parametrize("recipe", CASES[:3] + CASES[8:10], ids=lambda r: r.id)
def test_kernels_without_vnni_match_scalar(recipe, monkeypatch):
    # PYVMAF_TINY_VNNI=0 selects the plain multiply-add variants (VIF and ADM) on VNNI CPUs.
    clip = make_clip(recipe)
    reference = _features(clip, "scalar", monkeypatch)
    monkeypatch.setenv("PYVMAF_TINY_VNNI", "0")
    got = _features(clip, AVAILABLE[-1], monkeypatch)
    for name in reference:
        np.testing.assert_array_equal(got[name], reference[name], err_msg=f"{name} without VNNI")


@pytest.mark.parametrize("width", [59, 60, 91, 120, 190])
def test_adm_lanes_past_a_band_row_stay_harmless(width, tmp_path):
    # ADM's vector loops run past a band row's end into scratch that other
    # scales filled; scale 0's reciprocal gather must stay inside its table
    # for those lanes. Independent noise at these widths put such values
    # there (the process crashed before the fix), so each ISA runs in its own
    # process and must agree with scalar.
    import json
    import os
    import subprocess
    import sys

    rng = np.random.default_rng(width)
    size = 3 * (width * 34 + 2 * ((width + 1) // 2) * 17)  # three yuv420p frames
    ref, dist = tmp_path / "ref.yuv", tmp_path / "dist.yuv"
    ref.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    dist.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    script = ("import json, sys, pyvmaf_tiny; "
              "r = pyvmaf_tiny.extract_features(sys.argv[1], sys.argv[2], ['adm'], width=int(sys.argv[3]), "
              "height=34, pix_fmt='yuv420p'); print(json.dumps({k: [float(x) for x in v] for k, v in r.items()}))")
    got = {}
    for isa in AVAILABLE:
        proc = subprocess.run([sys.executable, "-c", script, str(ref), str(dist), str(width)],
                              env=dict(os.environ, PYVMAF_TINY_ISA=isa), capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, (isa, proc.returncode, proc.stderr[-2000:])
        got[isa] = json.loads(proc.stdout)
    for isa in AVAILABLE[1:]:
        assert got[isa] == got["scalar"], isa
