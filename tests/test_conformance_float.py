"""libvmaf's float extractors and the float models against libvmaf 3.2 (the oracle).

float_vif, float_adm, float_motion, float_ansnr and float_psnr, every frame of
every output within 1e-6 on real x264/x265/VP9 encodes at 8, 10, 12 and 16
bits, odd sizes, flat and hard-edged frames, and with each extractor's
non-default options (whose names carry libvmaf's suffixes); the models
libvmaf builds in that read them; the frames and options we refuse; the API
and CLI paths; and every SIMD kernel set bit for bit against scalar.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import TOL, assert_matches_oracle
from content import Recipe, make_clip, write_pair
from pyvmaf_tiny import _core

FLOAT = ["float_vif", "float_adm", "float_motion", "float_ansnr", "float_psnr"]

CONTENT = [
    Recipe("bikes", 320, 180, codec="libx264", quality=30, frames=4),
    Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3),  # odd size
    Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=3),
    Recipe("bikes", 200, 180, pix_fmt="yuv420p12le", codec="libx265", quality=34, frames=3),
    Recipe("synthetic:texture", 200, 180, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=3),
    # flat and identical, flat with noise, hard 0/max edges
    Recipe("synthetic:black", 64, 48, codec="none", frames=2),
    Recipe("synthetic:white", 64, 48, codec="noise", quality=3, frames=2),
    Recipe("synthetic:edges", 97, 65, codec="noise", quality=30, frames=3),
    Recipe("synthetic:checker", 130, 66, pix_fmt="yuv444p10le", codec="noise", quality=40, frames=3),
    # the smallest frame all five extractors score (float_adm's limit)
    Recipe("bikes", 17, 17, codec="noise", quality=5, frames=2),
]


def oracle_values(expected: dict, name: str) -> np.ndarray:
    # libvmaf writes NaN as null
    return np.array([np.nan if f["metrics"][name] is None else f["metrics"][name] for f in expected["frames"]])


def compare(clip, features: list[str], threads: int = 2) -> None:
    """Our outputs are libvmaf's (names included), every frame within TOL."""
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=features)
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, threads=threads)
    assert sorted(ours) == sorted(expected["frames"][0]["metrics"])
    for name, values in ours.items():
        theirs = oracle_values(expected, name)
        assert len(values) == len(theirs)
        diff = np.abs(values - theirs)
        i = int(np.argmax(diff))
        assert diff[i] <= TOL, f"{name} frame {i}: ours {values[i]!r}, oracle {theirs[i]!r}"


@pytest.mark.parametrize("recipe", CONTENT, ids=lambda r: r.id)
def test_float_extractors_match_oracle(recipe):
    compare(make_clip(recipe), FLOAT)


OPTIONS = [
    "float_vif:vif_enhn_gain_limit=1.0",
    "float_vif:vif_kernelscale=0.5,vif_sigma_nsq=0.3",
    "float_vif:vif_kernelscale=2",  # filters wider than libvmaf's AVX2 convolution takes
    "float_vif:vif_kernelscale=1.5,vif_sigma_nsq=1.5,debug=true",
    "float_vif:vif_prescale=2",
    "float_vif:vif_prescale=0.5,vif_prescale_method=bilinear",
    "float_vif:vif_prescale=1.5,vif_prescale_method=bicubic",
    "float_vif:vif_prescale=0.7,vif_prescale_method=lanczos4",
    "float_vif:vif_skip_scale0=true,vif_scale1_min_val=0.9,vif_scale3_min_val=0.95,debug=true",
    "float_adm:debug=true",
    "float_adm:adm_csf_mode=1,adm_csf_scale=2,adm_csf_diag_scale=0.5",
    "float_adm:adm_csf_mode=2,adm_enhn_gain_limit=1.0",
    "float_adm:adm_p_norm=2.5,adm_norm_view_dist=5,adm_ref_display_height=2160",
    "float_adm:adm_enhn_gain_limit=1.2,adm_bypass_cm=1",
    "float_adm:adm_skip_scale0=true,adm_skip_aim_scale=2,adm_adm3_apply_hm=true",
    "float_adm:adm_f1s0=0.5,adm_f2s3=0.1,adm_noise_weight=0.1,adm_dlm_weight=0.3,adm_min_val=0.97",
    "float_motion:debug=false",
    "float_motion:motion_blend_factor=0.5,motion_blend_offset=2",
    "float_motion:motion_add_scale1=true,motion_filter_size=3",
    "float_motion:motion_filter_size=1,motion_fps_weight=2.5,motion_max_val=5",
    "float_motion:motion_force_zero=true",
]


@pytest.mark.parametrize("feature", OPTIONS)
def test_options_match_oracle(feature):
    compare(make_clip(CONTENT[0]), [feature])


@pytest.mark.parametrize("feature", ["float_vif:vif_enhn_gain_limit=1.0,vif_kernelscale=0.5",
                                     "float_adm:adm_csf_mode=1,adm_enhn_gain_limit=1.0",
                                     "float_motion:motion_add_scale1=true,motion_blend_factor=0.3"])
@pytest.mark.parametrize("recipe", [CONTENT[1], CONTENT[3]], ids=lambda r: r.id)
def test_options_on_odd_and_deep_content_match_oracle(recipe, feature):
    compare(make_clip(recipe), [feature], threads=1)


# motion_add_uv: motion adds each chroma plane's term (it reads chroma, so real 4:2:0/4:2:2/4:4:4 clips).
UV_CONTENT = [
    Recipe("bikes", 640, 272, codec="libx265", quality=36),
    Recipe("bigbuckbunny", 480, 270, pix_fmt="yuv420p10le", codec="libsvtav1", quality=45, start=60),
    Recipe("bikes", 320, 136, pix_fmt="yuv422p10le", codec="libx265", quality=32),
    Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30),
]


@pytest.mark.parametrize("recipe", UV_CONTENT, ids=lambda r: r.id)
def test_motion_add_uv_matches_oracle(recipe):
    clip = make_clip(recipe)
    features = ["float_motion:motion_add_uv=true", "float_motion:motion_add_uv=true,motion_filter_size=3,"
                "motion_blend_factor=0.5,motion_blend_offset=1,debug=false"]
    if recipe.pix_fmt.startswith("yuv444"):
        features.append("float_motion:motion_add_uv=true,motion_add_scale1=true,motion_max_val=2")
    else:  # libvmaf's scale-1 term reads subsampled chroma at the wrong stride, into memory it never wrote
        with pytest.raises(pyvmaf_tiny.InputError, match="needs 4:4:4"):
            pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist),
                                         ["float_motion:motion_add_uv=true,motion_add_scale1=true"], **clip.geometry)
    compare(clip, features)


def test_motion_add_uv_refuses_odd_420_heights_and_gray_input(tmp_path):
    from content import write_pair
    from synthetic import pattern

    y = pattern("texture", 3, 35, 48)
    clip = write_pair(tmp_path, y, y[::-1].copy())  # 4:2:0, 35 rows: libvmaf writes past its chroma buffers
    with pytest.raises(pyvmaf_tiny.InputError, match="even frame height"):
        pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["float_motion:motion_add_uv=true"],
                                     **clip.geometry)
    with pytest.raises(pyvmaf_tiny.InputError, match="chroma"):
        pyvmaf_tiny.extract_features(y, y, ["float_motion:motion_add_uv=true"])


@pytest.mark.parametrize("feature", ["float_vif:debug=true", "float_adm:debug=true", "float_motion",
                                     "float_motion:motion_force_zero=true", "float_ansnr"])
def test_outputs_come_in_libvmafs_order(feature):
    # One extractor alone: libvmaf's log lists its outputs in the order it writes them.
    clip = make_clip(CONTENT[0])
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=[feature])
    name, _, options = feature.partition(":")
    opts = dict(kv.split("=") for kv in options.split(",") if kv)
    assert list(_core.extractor_provides(name, opts)) == list(expected["frames"][0]["metrics"])


def test_single_outputs_by_name():
    clip = make_clip(CONTENT[0])
    wanted = ["adm3", "vif_scale2", "motion3", "float_anpsnr", "aim", "vif_den_scale1"]
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), wanted, **clip.geometry)
    assert list(ours) == wanted
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="",
                          features=["float_adm", "float_vif:debug=true", "float_motion", "float_ansnr"])
    for name in wanted:
        np.testing.assert_allclose(ours[name], oracle_values(expected, name), rtol=0, atol=TOL)


# The float models libvmaf builds in, and vmaf_4k_v0.6.1neg.
MODELS = [
    ("vmaf_float_v0.6.1", Recipe("bikes", 320, 180, codec="libx264", quality=36, frames=4)),
    ("vmaf_float_v0.6.1neg", Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="libx265", quality=34, frames=3)),
    ("vmaf_float_4k_v0.6.1", Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3)),
    ("vmaf_4k_v0.6.1neg", Recipe("bikes", 320, 180, codec="libx264", quality=36, frames=4)),
]


def packaged_model(name: str, tmp_path) -> str:
    """The packaged model, by name: its VMAF_feature_* names map to the float extractors."""
    return name


@pytest.mark.parametrize("name,recipe", MODELS, ids=[m for m, _ in MODELS])
def test_models_match_oracle(name, recipe, tmp_path):
    clip = make_clip(recipe)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model=name)
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), packaged_model(name, tmp_path), **clip.geometry,
                               threads=2)
    assert "vmaf" in result.metrics() and len(result.metrics()) > 6
    assert_matches_oracle(result, expected)


def test_score_and_cli_carry_float_features(tmp_path):
    from test_cli import cli

    clip = make_clip(CONTENT[2])
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=["float_psnr", "float_ansnr"])
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, features=["float_psnr", "motion2"])
    assert {"float_psnr", "motion2"} <= set(result.features)
    np.testing.assert_allclose(result.features["float_psnr"], oracle_values(expected, "float_psnr"), rtol=0, atol=TOL)
    log = tmp_path / "log.json"
    cli("score", clip.ref, clip.dist, "--width", clip.width, "--height", clip.height, "--pix-fmt", clip.pix_fmt,
        "--feature", "float_ansnr", "--output", log, "--format", "json", "-q", check_rc=0)
    frames = json.loads(log.read_text())["frames"]
    ours = np.array([f["metrics"]["float_ansnr"] for f in frames])
    np.testing.assert_allclose(ours, oracle_values(expected, "float_ansnr"), rtol=0, atol=TOL)


@pytest.mark.parametrize("feature,size", [
    ("float_vif", (15, 15)),   # scale 3 too small for its filter: libvmaf reads outside its planes
    ("float_vif:vif_kernelscale=2", (24, 24)),
    ("float_adm", (16, 16)),   # 1x1 bands at scale 3: libvmaf's masking reads outside them
    ("float_motion", (2, 2)),
    ("float_ansnr", (2, 2)),
])
def test_frames_libvmaf_reads_outside_are_refused(tmp_path, feature, size):
    from synthetic import pattern

    w, h = size
    ref = pattern("texture", 2, h, w)
    clip = write_pair(tmp_path, ref, ref[::-1].copy(), pix_fmt="yuv444p")
    with pytest.raises(pyvmaf_tiny.InputError, match="at least|too small"):
        pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [feature], **clip.geometry)


@pytest.mark.parametrize("extractor", FLOAT)
def test_depths_libvmafs_float_code_cannot_read_are_refused(extractor):
    # libvmaf's float conversion reads 9, 11, 13-15-bit samples as bytes
    frames = np.full((2, 32, 32), 300, np.uint16)
    with pytest.raises(pyvmaf_tiny.InputError, match="8, 10, 12 and 16-bit"):
        pyvmaf_tiny.extract_features(frames, frames, [extractor], bitdepth=9)


@pytest.mark.parametrize("feature,match", [
    ("float_vif:vif_kernelscale=0.9", "vif_kernelscale"),
    ("float_vif:vif_prescale_method=area", "prescale method"),
    ("float_adm:adm_csf_mode=10", "outside"),
    ("float_psnr:enable_chroma=true", "no option"),
])
def test_bad_options_are_refused(feature, match):
    clip = make_clip(CONTENT[0])
    with pytest.raises(pyvmaf_tiny.InputError, match=match):
        pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [feature], **clip.geometry)
    if feature.startswith("float_vif"):  # libvmaf refuses these too
        with pytest.raises(oracle.OracleFailed):
            oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=[feature], cache=False)


# Every SIMD kernel set against scalar, bit for bit: widths that are not
# multiples of the vector width, 10/12/16-bit, hard edges, odd prescales.
ISA_ORDER = ["scalar", "avx2", "avx512"]
ISAS = ISA_ORDER[: ISA_ORDER.index(_core.detected_isa()) + 1]
SIMD_CASES = [
    Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3),
    Recipe("synthetic:edges", 97, 65, codec="noise", quality=30, frames=3),
    Recipe("synthetic:checker", 130, 66, pix_fmt="yuv444p10le", codec="noise", quality=40, frames=3),
    Recipe("bikes", 161, 69, pix_fmt="yuv444p12le", codec="noise", quality=40, frames=3),
    Recipe("synthetic:texture", 72, 40, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=3),
    Recipe("bikes", 17, 17, codec="noise", quality=5, frames=2),
]
SIMD_FEATURES = ["float_vif:debug=true", "float_vif:vif_kernelscale=0.5,vif_sigma_nsq=0.3,vif_prescale=1.3",
                 "float_adm:debug=true", "float_adm:adm_p_norm=2.5,adm_csf_mode=2,adm_enhn_gain_limit=1.0",
                 "float_motion:motion_add_scale1=true", "float_ansnr", "float_psnr"]


@pytest.mark.parametrize("isa", ISAS[1:] or ["scalar"])
@pytest.mark.parametrize("recipe", [r for r in SIMD_CASES if r.height % 2 == 0 or "444" in r.pix_fmt],
                         ids=lambda r: r.id)
def test_motion_add_uv_simd_bit_identical_to_scalar(recipe, isa, monkeypatch):
    clip = make_clip(recipe)
    feature = ["float_motion:motion_add_uv=true,motion_filter_size=3"]
    runs = {}
    for each in ("scalar", isa):
        monkeypatch.setenv("PYVMAF_TINY_ISA", each)
        runs[each] = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), feature, **clip.geometry, threads=2)
    for name, values in runs["scalar"].items():
        np.testing.assert_array_equal(runs[isa][name], values, err_msg=f"{name} with {isa}")


def _features_with(isa, clip, monkeypatch):
    monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
    assert _core.active_isa() == isa
    return pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), SIMD_FEATURES, **clip.geometry, threads=2)


@pytest.mark.parametrize("isa", ISAS[1:] or ["scalar"])
@pytest.mark.parametrize("recipe", SIMD_CASES, ids=lambda r: r.id)
def test_simd_bit_identical_to_scalar(recipe, isa, monkeypatch):
    clip = make_clip(recipe)
    reference = _features_with("scalar", clip, monkeypatch)
    got = _features_with(isa, clip, monkeypatch)
    assert list(got) == list(reference)
    for name in reference:
        np.testing.assert_array_equal(got[name], reference[name], err_msg=f"{name} with {isa}")
