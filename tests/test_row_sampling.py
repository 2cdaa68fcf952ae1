"""Row-sampled VIF, ADM and motion (vif_row_step / adm_row_step / motion_row_step, and the vif_sampled /
adm_sampled / motion_sampled extractors that fr_micro_v2-style tiny models read): the same bits under every ISA and in ladder mode, pooled over exactly
the rows they name, scaled to the whole picture, and close to the exact features on real content."""

from __future__ import annotations

import numpy as np
import pytest

import pyvmaf_tiny
from content import Recipe, make_clip
from pyvmaf_tiny import _core

ORDER = ["scalar", "avx2", "avx512"]
AVAILABLE = ORDER[: ORDER.index(_core.detected_isa()) + 1]

SAMPLED = ["vif_sampled", "adm_sampled", "vif:vif_row_step=5", "adm:adm_row_step=3",
           "adm:adm_row_step=8,adm_skip_scale0=true", "adm:adm_row_step=64,adm_skip_aim=true",
           # Barten CSF factors take the stage kernels on every ISA
           "adm:adm_row_step=4,adm_csf_mode=1", "vif:vif_sample_rows=20", "adm:adm_sample_rows=10",
           "motion_sampled", "motion:motion_row_step=3", "motion:motion_sample_rows=7,motion_five_frame_window=true"]
CASES = [
    Recipe("bikes", 640, 272, codec="libx264", quality=40, frames=3),
    Recipe("bigbuckbunny", 321, 179, pix_fmt="yuv444p", codec="noise", quality=6, frames=3),
    Recipe("synthetic:texture", 33, 31, pix_fmt="yuv444p", codec="noise", quality=8, frames=3),
    Recipe("bikes", 322, 136, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=3),
    Recipe("synthetic:edges", 67, 45, pix_fmt="yuv444p16le", codec="noise", quality=2000, frames=3),
]


def _features(clip, features, **kw):
    return pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, **kw)


@pytest.mark.parametrize("isa", AVAILABLE[1:] or ["scalar"])
@pytest.mark.parametrize("recipe", CASES, ids=lambda r: r.id)
def test_sampled_features_identical_on_every_isa(recipe, isa, monkeypatch):
    clip = make_clip(recipe)
    # adm_skip_scale0 refuses frames up to 32 rows; the others take their guard-row path there
    features = [f for f in SAMPLED if recipe.height > 32 or "skip_scale0" not in f]
    out = {}
    for which in ("scalar", isa):
        monkeypatch.setenv("PYVMAF_TINY_ISA", which)
        assert _core.active_isa() == which
        out[which] = _features(clip, features, threads=2)
    assert any("_rs_" in f for f in out["scalar"])
    for f, v in out["scalar"].items():
        np.testing.assert_array_equal(out[isa][f], v, err_msg=f"{f} with {isa}")


def test_names_and_a_step_of_one():
    clip = make_clip(CASES[1])
    got = _features(clip, ["vif_sampled", "adm_sampled", "motion_sampled", "vif:vif_row_step=1",
                           "adm:adm_row_step=1", "motion:motion_row_step=1"])
    assert "integer_vif_scale0_sr_32" in got and "integer_adm2_sr_32" in got and "integer_adm_scale3_sr_32" in got
    assert "integer_motion2_sr_32" in got and "VMAF_integer_feature_motion_sad_score_sr_32" in got
    exact = _features(clip, ["vif", "adm", "motion"])
    for f, v in exact.items():  # a step of 1 is the exact feature, under its own name
        np.testing.assert_array_equal(got[f], v, err_msg=f)
    assert not np.array_equal(got["integer_adm2_sr_32"], exact["integer_adm2"])
    assert not np.array_equal(got["integer_motion2_sr_32"], exact["integer_motion2"])


def test_sample_rows_pick_the_step_from_the_size():
    """vif_sample_rows R is vif_row_step height // R; adm_sample_rows R is adm_row_step (the pooled rows of
    scale 0's band) // R: about R rows at any size, every row of a small picture. Not both at once."""
    ref = _textured(150, 64, frames=2)
    dist = _distort(ref, slice(0, 150))
    got = pyvmaf_tiny.extract_features(ref, dist, ["vif:vif_sample_rows=20", "adm:adm_sample_rows=10",
                                                   "vif:vif_row_step=7", "adm:adm_row_step=6"])
    # band of 75 rows, pooled 7..67: 61 rows, // 10 = 6
    for f in ("integer_vif_scale0", "integer_vif_scale2"):
        np.testing.assert_array_equal(got[f + "_sr_20"], got[f + "_rs_7"])
    for f in ("integer_adm2", "integer_adm_scale0", "integer_adm_scale1"):
        np.testing.assert_array_equal(got[f + "_sr_10"], got[f + "_rs_6"])
    small = pyvmaf_tiny.extract_features(ref, dist, ["vif:vif_sample_rows=200", "integer_vif_scale0"])
    np.testing.assert_array_equal(small["integer_vif_scale0_sr_200"], small["integer_vif_scale0"])
    with pytest.raises(pyvmaf_tiny.InputError, match="alternatives"):
        pyvmaf_tiny.extract_features(ref, dist, ["vif:vif_sample_rows=20,vif_row_step=3"])
    # motion_sample_rows R is motion_row_step height // R (150 // 20 = 7)
    ref3 = _textured(150, 64, frames=3)
    moving = pyvmaf_tiny.extract_features(ref3, ref3[::-1].copy(), ["motion:motion_sample_rows=20",
                                                                     "motion:motion_row_step=7"])
    for f in ("VMAF_integer_feature_motion_sad_score", "integer_motion2"):
        np.testing.assert_array_equal(moving[f + "_sr_20"], moving[f + "_rs_7"])
        assert moving[f + "_sr_20"].max() > 0
    with pytest.raises(pyvmaf_tiny.InputError, match="alternatives"):
        pyvmaf_tiny.extract_features(ref3, ref3, ["motion:motion_sample_rows=20,motion_row_step=3"])
    for bad in ("motion:motion_row_step=0", "motion:motion_row_step=257", "motion:motion_sample_rows=-1",
                "motion:motion_sample_rows=x"):
        with pytest.raises(pyvmaf_tiny.InputError):
            pyvmaf_tiny.extract_features(ref3, ref3, [bad])


def test_models_and_features_name_them():
    # a feature name with the suffix finds the sampled extractor, next to the exact one
    assert _core.extractor_for_feature("integer_vif_scale0_sr_32") == "vif_sampled"
    assert _core.extractor_for_feature("integer_adm_scale0_sr_32") == "adm_sampled"
    assert _core.extractor_for_feature("integer_vif_scale0") == "vif"
    assert _core.extractor_for_feature("integer_motion2_sr_32") == "motion_sampled"
    assert _core.extractor_for_feature("integer_motion2") == "motion"


def test_feature_names_carry_the_sampling_option():
    """A model or a caller may name a sampled feature with any row count or step ("_sr_16", "_rs_3"): it
    resolves to the extractor with that option, next to the exact feature and the catalog's _sr_32 names,
    and a malformed count is an unknown feature or an out-of-range option, never another feature."""
    ref = _textured(150, 64, frames=3)
    dist = ref[::-1].copy()
    named = pyvmaf_tiny.extract_features(ref, dist, [
        "integer_vif_scale0_sr_16", "integer_vif_scale0", "integer_vif_scale2_sr_16", "integer_adm2_rs_3",
        "integer_motion2_sr_10", "integer_motion2", "integer_vif_scale1_sr_32"])
    specs = pyvmaf_tiny.extract_features(ref, dist, [
        "vif:vif_sample_rows=16", "vif", "adm:adm_row_step=3", "motion:motion_sample_rows=10", "motion",
        "vif_sampled"])
    assert len(named) == 7
    for f, v in named.items():
        np.testing.assert_array_equal(v, specs[f], err_msg=f)
    assert [s[:2] for s in _core.specs_for_features(["integer_vif_scale0_sr_16", "integer_vif_scale1"])] == [
        ("vif", {"vif_sample_rows": "16"}), ("vif", {})]
    for bad in ("integer_vif_scale0_sr_0", "integer_vif_scale0_sr_016", "integer_vif_scale0_sr_x",
                "integer_vif_scale0_sr_", "integer_vif_scale0_sr_1234567", "integer_vif_scale0_sr_16_sr_16",
                "psnr_y_sr_3"):
        with pytest.raises(pyvmaf_tiny.InputError, match="unknown feature"):
            pyvmaf_tiny.extract_features(ref, dist, [bad])
    for bad in ("integer_vif_scale0_sr_70000", "integer_adm2_rs_300"):
        with pytest.raises(pyvmaf_tiny.InputError, match="outside"):
            pyvmaf_tiny.extract_features(ref, dist, [bad])
    for bad in ("integer_motion2_rs_1", "integer_vif_scale0_rs_1"):  # step 1 is the exact feature
        with pytest.raises(pyvmaf_tiny.InputError, match="computes the exact"):
            pyvmaf_tiny.extract_features(ref, dist, [bad])
    # a name option and the same option under its alias must agree
    with pytest.raises(pyvmaf_tiny.InputError, match="same option"):
        pyvmaf_tiny.extract_features(ref, dist, ["integer_motion2_sr_10:sr=4"])
    agreed = pyvmaf_tiny.extract_features(ref, dist, ["integer_motion2_sr_10:sr=10"])
    np.testing.assert_array_equal(agreed["integer_motion2_sr_10"], named["integer_motion2_sr_10"])


def _textured(h, w, frames=2, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = 128 + 60 * np.sin(x / 3.0) * np.cos(y / 4.0)
    ref = np.clip(base[None] + rng.normal(0, 12, (frames, h, w)), 0, 255).astype(np.uint8)
    return ref


def sampled_rows(begin: int, end: int, step: int) -> list[int]:
    """The rows a step pools (core/src/feature/row_sample.hpp): one per run of `step`, at offsets walking
    the golden-ratio sequence."""
    rows = [begin + k * step + ((((k * 40503 + 20252) & 0xFFFF) * step) >> 16)
            for k in range((end - begin + step - 1) // step)]
    return [r for r in rows if r < end] or [begin]


def _runs(flags: np.ndarray) -> list[slice]:
    """The runs of True in `flags`, longest first."""
    runs, start = [], None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append(slice(start, i))
            start = None
    return sorted(runs, key=lambda r: r.start - r.stop)


def _distort(ref: np.ndarray, rows: slice) -> np.ndarray:
    dist = ref.copy()
    part = dist[:, rows].astype(int)
    part[:, :, ::2] = part[:, :, ::2] // 2 + 40
    dist[:, rows] = np.clip(part + np.random.default_rng(1).normal(0, 20, part.shape), 0, 255).astype(np.uint8)
    return dist


def test_vif_pools_exactly_the_rows_it_names():
    """Scale 0 with a step of 32 pools the rows sampled_rows() names, and each one's 17-tap window reaches
    8 rows either way: distortion outside every window is invisible to it (the pair scores exactly as an
    undistorted one), and on a pooled row it is not."""
    h, step = 160, 32
    ref = _textured(h, 96)
    spec = ["vif:vif_row_step=32"]
    pooled = sampled_rows(0, h, step)
    assert len(pooled) == 5 and pooled != [16, 48, 80, 112, 144]  # not a fixed phase
    seen_rows = np.zeros(h, bool)
    for r in pooled:
        seen_rows[max(r - 8, 0):r + 9] = True
    blind = _runs(~seen_rows)[0]
    assert blind.stop - blind.start >= 4
    clean = pyvmaf_tiny.extract_features(ref, ref.copy(), spec)["integer_vif_scale0_rs_32"]
    for rows, seen in ((blind, False), (slice(pooled[2] - 1, pooled[2] + 2), True)):
        dist = _distort(ref, rows)
        got = pyvmaf_tiny.extract_features(ref, dist, spec)["integer_vif_scale0_rs_32"]
        exact = pyvmaf_tiny.extract_features(ref, dist, ["integer_vif_scale0"])["integer_vif_scale0"]
        assert np.all(exact < clean - 1e-4)  # the exact feature sees it
        assert np.array_equal(got, clean) != seen, rows


def test_adm_pools_exactly_the_rows_it_names():
    """ADM scale 0 of a 160-row picture: an 80-row band whose pooled rectangle leaves 10% borders (rows
    7..72); a step of 16 pools the band rows sampled_rows() names, whose masking windows (band rows
    b - 1 .. b + 1) read picture rows 2b - 3 .. 2b + 4."""
    h, step = 160, 16
    ref = _textured(h, 96)
    spec = ["adm:adm_row_step=16"]
    band = h // 2
    top = int(band * 0.1 - 0.5)
    pooled = sampled_rows(top, band - top, step)
    seen_rows = np.zeros(h, bool)
    for b in pooled:
        seen_rows[max(2 * b - 3, 0):2 * b + 5] = True
    blind = _runs(~seen_rows)[0]
    assert blind.stop - blind.start >= 4
    clean = pyvmaf_tiny.extract_features(ref, ref.copy(), spec)["integer_adm_scale0_rs_16"]
    for rows, seen in ((blind, False), (slice(2 * pooled[1], 2 * pooled[1] + 2), True)):
        dist = _distort(ref, rows)
        got = pyvmaf_tiny.extract_features(ref, dist, spec)["integer_adm_scale0_rs_16"]
        exact = pyvmaf_tiny.extract_features(ref, dist, ["integer_adm_scale0"])["integer_adm_scale0"]
        assert np.all(exact < clean - 1e-4)
        assert np.array_equal(got, clean) != seen, rows


def test_motion_pools_exactly_the_rows_it_names():
    """Motion compares consecutive reference frames; with a step of 32 it pools the rows sampled_rows()
    names, each one's 5-tap window reaching 2 rows either way: a change outside every window is
    invisible to it, and on a pooled row it is not."""
    h, step = 160, 32
    first = _textured(h, 96, frames=1)
    pooled = sampled_rows(0, h, step)
    seen_rows = np.zeros(h, bool)
    for r in pooled:
        seen_rows[max(r - 2, 0):r + 3] = True
    blind = _runs(~seen_rows)[0]
    spec = ["motion:motion_row_step=32"]
    for rows, seen in ((blind, False), (slice(pooled[2], pooled[2] + 1), True)):
        ref = np.concatenate([first, _distort(first, rows)])
        got = pyvmaf_tiny.extract_features(ref, ref.copy(), spec)["VMAF_integer_feature_motion_sad_score_rs_32"]
        exact = pyvmaf_tiny.extract_features(ref, ref.copy(), ["motion"])["VMAF_integer_feature_motion_sad_score"]
        assert exact[1] > 0  # the exact feature sees it
        assert (got[1] > 0) == seen, rows


def test_rows_alike_give_the_exact_value():
    """On a picture whose rows are all the same every row's statistics are too, so the sampled sums scaled
    to the whole rectangle are the exact ones (up to the rounding of that scaling)."""
    row = _textured(1, 200, frames=2)[:, :1]
    ref = np.repeat(row, 160, axis=1)
    dist = np.clip(ref.astype(int) + np.random.default_rng(2).normal(0, 8, (2, 1, 200)), 0, 255).astype(np.uint8)
    dist = np.repeat(dist[:, :1], 160, axis=1)
    got = pyvmaf_tiny.extract_features(ref, dist, ["vif:vif_row_step=16", "adm:adm_row_step=8"])
    exact = pyvmaf_tiny.extract_features(ref, dist, ["vif", "adm"])
    for f, v in exact.items():
        name = (f + "_rs_16") if f.startswith("integer_vif") else (f + "_rs_8")
        np.testing.assert_allclose(got[name], v, rtol=2e-6, atol=1e-7, err_msg=f)
    # motion: the mean over the pooled rows is the mean over all of them
    moving = np.concatenate([ref[:1], dist[:1]])
    got = pyvmaf_tiny.extract_features(moving, moving.copy(), ["motion:motion_row_step=16"])
    exact = pyvmaf_tiny.extract_features(moving, moving.copy(), ["motion"])
    assert exact["VMAF_integer_feature_motion_sad_score"][1] > 0
    for f, v in exact.items():
        np.testing.assert_allclose(got[f + "_rs_16"], v, rtol=1e-12, err_msg=f)


# On real 720p content the sampled extractors' estimates (about 32 rows) stay within these bounds of the
# exact features, frame by frame (measured maxima on this clip: VIF 0.0009-0.0029, adm2 0.0012, ADM's
# scales up to 0.0075). ADM's cubed, masked sums are dominated by few large coefficients, so its scales
# sample worse than VIF's; adm2 pools all four and samples better.
BOUNDS = {"integer_vif_scale0": 0.006, "integer_vif_scale1": 0.006, "integer_vif_scale2": 0.006,
          "integer_vif_scale3": 0.006, "integer_adm2": 0.004, "integer_adm_scale0": 0.015,
          "integer_adm_scale1": 0.015, "integer_adm_scale2": 0.015, "integer_adm_scale3": 0.015}
# Motion2 (a mean absolute difference) relative to the exact value: measured 0.061 at most on this clip.
MOTION_BOUND = 0.1


def test_sampled_estimates_stay_close_on_real_content():
    clip = make_clip(Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=38, frames=4))
    got = _features(clip, ["vif_sampled", "adm_sampled", "motion_sampled"], threads=2)
    exact = _features(clip, list(BOUNDS) + ["integer_motion2"], threads=2)
    for f, bound in BOUNDS.items():
        err = np.abs(got[f + "_sr_32"] - exact[f]).max()
        assert err <= bound, (f, err)
    motion = exact["integer_motion2"]
    assert motion[1:-1].min() > 0.5
    rel = np.abs(got["integer_motion2_sr_32"] - motion)[1:] / motion[1:]
    assert rel.max() <= MOTION_BOUND, rel
    for f in ("integer_vif_scale0", "integer_adm_scale0", "integer_adm2", "integer_motion2"):
        assert np.abs(got[f + "_sr_32"] - exact[f]).max() > 0, f  # an estimate, not the exact value
