"""ciede, psnr_hvs, speed_chroma and speed_temporal against libvmaf 3.2 (the oracle), every frame.

Real x264/x265/VP9 encodes at 8, 10 and 12 bit in 4:2:0, 4:2:2 and 4:4:4,
odd sizes, flat and hard-edged synthetic frames, libvmaf's options for these
extractors (and the feature-name suffixes they add), and the inputs libvmaf
refuses or cannot give a defined value for. libvmaf writes NaN and infinities
as null; ours are then non-finite.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import TOL, assert_matches_oracle
from content import Clip, Recipe, make_clip, read_luma, write_pair
from test_conformance_extra import noisy_clip, oracle_values
from test_native_tool import _run_tool, sanitized_tool  # noqa: F401  (the ASan/UBSan build, a session fixture)

ALL = ["ciede", "psnr_hvs", "speed_chroma", "speed_temporal"]
NO_HVS = ["ciede", "speed_chroma", "speed_temporal"]  # psnr_hvs takes 8 to 12 bits

ENCODED = [
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4), ALL),
    (Recipe("bigbuckbunny", 960, 540, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=3, start=20), ALL),
    (Recipe("bigbuckbunny", 640, 480, pix_fmt="yuv422p", codec="libvpx-vp9", quality=45, frames=3, start=40), ALL),
    (Recipe("bikes", 480, 320, pix_fmt="yuv444p", codec="libx264", quality=40, frames=3), ALL),
    (Recipe("bikes", 640, 360, pix_fmt="yuv420p12le", codec="libx265", quality=34, frames=3), ALL),
    (Recipe("bikes", 480, 272, pix_fmt="yuv422p10le", codec="libx265", quality=32, frames=3), ALL),
    (Recipe("bikes", 320, 272, pix_fmt="yuv444p12le", codec="libx265", quality=28, frames=3), ALL),
    # odd sizes: 4:2:0 with an odd width (its last chroma column is libvmaf's padding), 4:2:2 and 4:4:4 odd
    (Recipe("bikes", 643, 362, codec="libvpx-vp9", quality=40, frames=3), ALL),
    (Recipe("bikes", 643, 361, pix_fmt="yuv422p", codec="libvpx-vp9", quality=40, frames=3), ALL),
    (Recipe("bikes", 333, 185, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3), ALL),
    # a chroma row length that is a multiple of 32 (4:2:2 reads run straight into the next row)
    (Recipe("bikes", 640, 200, pix_fmt="yuv422p", codec="libx264", quality=36, frames=2), ["ciede"]),
    # 16-bit (noise on luma only; psnr_hvs refuses 16 bits)
    (Recipe("synthetic:texture", 400, 320, pix_fmt="yuv444p16le", codec="noise", quality=600, frames=3), NO_HVS),
    # flat and identical frames, hard 0/255 edges
    (Recipe("synthetic:black", 200, 180, codec="none", frames=2), ["ciede", "psnr_hvs"]),
    (Recipe("synthetic:white", 400, 320, pix_fmt="yuv444p", codec="noise", quality=3, frames=3), ALL),
    (Recipe("synthetic:edges", 400, 320, pix_fmt="yuv444p", codec="noise", quality=30, frames=3), ALL),
    (Recipe("synthetic:checker", 330, 170, pix_fmt="yuv422p", codec="noise", quality=40, frames=3), ["ciede", "psnr_hvs"]),
    # planes smaller than one 8x8 block (psnr_hvs refuses those: test_refusals)
    (Recipe("synthetic:texture", 12, 10, codec="noise", quality=20, frames=2), ["ciede"]),
]

# Every plane noisy, in layouts no encoder here writes at odd sizes.
NOISY = [
    (Recipe("bikes", 481, 322, pix_fmt="yuv420p10le", codec="none", frames=3), 3.0),
    (Recipe("bikes", 483, 329, pix_fmt="yuv422p12le", codec="none", frames=3), 2.0),
]


def assert_close(name: str, ours: np.ndarray, theirs: np.ndarray) -> float:
    """Frame by frame within TOL; libvmaf's null (NaN or an infinity) must be non-finite here too."""
    ours = np.asarray(ours, dtype=float)
    assert len(ours) == len(theirs), name
    null = np.isnan(theirs)
    assert np.array_equal(~np.isfinite(ours), null), f"{name}: ours {ours}, oracle {theirs}"
    if null.all():
        return 0.0
    diff = np.abs(ours[~null] - theirs[~null])
    i = int(np.argmax(diff))
    assert diff[i] <= TOL, f"{name}: ours {ours[~null][i]!r}, oracle {theirs[~null][i]!r}"
    return float(diff.max())


def compare(clip: Clip, features: list[str], threads: int = 2) -> dict[str, float]:
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=features)
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, threads=threads)
    assert sorted(ours) == sorted(expected["frames"][0]["metrics"])
    return {name: assert_close(name, values, oracle_values(expected, name)) for name, values in ours.items()}


@pytest.mark.parametrize("recipe,features", ENCODED, ids=[r.id for r, _ in ENCODED])
def test_matches_oracle(recipe, features):
    compare(make_clip(recipe), features)


@pytest.mark.parametrize("recipe,sigma", NOISY, ids=[r.id for r, _ in NOISY])
def test_noisy_chroma_at_odd_sizes_matches_oracle(recipe, sigma):
    worst = compare(noisy_clip(recipe, sigma), ALL, threads=1)
    assert len(worst) == 9


def test_speed_scores_are_not_degenerate():
    # The real content above must exercise SpEED's whole model, not only the fallback for singular
    # covariances (small or flat planes score 0).
    for recipe, _ in ENCODED[1:10]:
        clip = make_clip(recipe)
        ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["speed_chroma", "speed_temporal"],
                                            **clip.geometry)
        assert (ours["speed_chroma_uv"] > 1).all() and (ours["speed_temporal"][1:] > 1).all(), recipe.id


SPEED_OPTIONS = [
    "speed_chroma:speed_kernelscale=1.5",
    "speed_chroma:speed_kernelscale=0.5,speed_weight_var_mode=3",
    "speed_chroma:speed_weight_var_mode=1",
    "speed_chroma:speed_weight_var_mode=2,speed_sigma_nn=0.5",
    "speed_chroma:speed_weight_var_mode=4,speed_nn_floor=0.3",
    "speed_chroma:speed_weight_var_mode=5",
    "speed_chroma:speed_weight_var_mode=6,speed_kernelscale=2",
    "speed_chroma:speed_prescale=0.7",
    "speed_chroma:speed_prescale=1.5,speed_prescale_method=bilinear",
    "speed_chroma:speed_prescale=2,speed_prescale_method=bicubic",
    "speed_chroma:speed_prescale=1.25,speed_prescale_method=lanczos4",
    "speed_chroma:speed_max_val=12,speed_sigma_nn=0.5",
    "speed_chroma:speed_prescale=1.0009",
    "speed_temporal:speed_use_ref_diff=true,speed_kernelscale=2",
    "speed_temporal:speed_prescale=0.75,speed_prescale_method=bicubic,speed_sigma_nn=1",
    "speed_temporal:speed_prescale=0.5,speed_prescale_method=lanczos4,speed_max_val=1",
    "speed_temporal:speed_prescale=0.6,speed_prescale_method=bilinear,speed_kernelscale=0.711111",
    "speed_temporal:speed_prescale=0.9996,speed_nn_floor=1",
    # the option sets of the vmaf_v1.0.16 models
    "speed_chroma:speed_kernelscale=1.0,speed_nn_floor=0.1,speed_sigma_nn=0.19,speed_weight_var_mode=5,"
    "speed_max_val=45.0",
    "speed_chroma:speed_prescale=0.5,speed_prescale_method=bilinear,speed_nn_floor=0.1,speed_sigma_nn=0.19,"
    "speed_weight_var_mode=5,speed_max_val=45.0",
    "speed_chroma:speed_prescale=0.6,speed_prescale_method=bilinear,speed_nn_floor=0.1,speed_sigma_nn=0.19,"
    "speed_weight_var_mode=5,speed_max_val=45.0",
]


@pytest.mark.parametrize("feature", SPEED_OPTIONS)
def test_speed_options_match_oracle(feature):
    compare(make_clip(Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=32, frames=3)), [feature])


def test_speed_options_on_high_bit_depth_4_2_2():
    clip = make_clip(ENCODED[5][0])
    compare(clip, ["speed_chroma:speed_prescale=2.5,speed_prescale_method=bilinear,speed_weight_var_mode=4",
                   "speed_temporal:speed_prescale=0.8,speed_prescale_method=nearest"])


def test_single_outputs_and_names():
    clip = make_clip(ENCODED[0][0])
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=ALL)
    wanted = ["psnr_hvs_cr", "speed_chroma_v", "ciede2000", "psnr_hvs_y"]
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), wanted, **clip.geometry)
    assert sorted(ours) == sorted(wanted)
    for name in wanted:
        assert_close(name, ours[name], oracle_values(expected, name))
    # "psnr_hvs" names the extractor as well as its combined score: all four, as libvmaf's feature=name=psnr_hvs
    assert sorted(pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["psnr_hvs"], **clip.geometry)) == \
        ["psnr_hvs", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs_y"]


def test_score_with_these_features_matches_oracle():
    """vmaf_v0.6.1 plus all four extractors in one pass: frames and pooled values."""
    clip = make_clip(ENCODED[1][0])
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="vmaf_v0.6.1", features=ALL)
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, threads=2, features=ALL)
    assert {"ciede2000", "psnr_hvs", "speed_chroma_uv", "speed_temporal"} <= set(result.features)
    assert_matches_oracle(result, expected)


def test_cli_feature(tmp_path):
    clip = make_clip(ENCODED[0][0])
    out = tmp_path / "log.json"
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", str(clip.ref), str(clip.dist),
                           "--width", str(clip.width), "--height", str(clip.height), "--pix-fmt", clip.pix_fmt,
                           "--feature", "ciede", "--feature", "speed_temporal:speed_kernelscale=2",
                           "--feature", "psnr_hvs_y", "--output", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(out.read_text())
    features = ["ciede", "speed_temporal:speed_kernelscale=2", "psnr_hvs"]
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, features=features)
    for name in ("ciede2000", "speed_temporal_ks_2", "psnr_hvs_y"):
        assert_close(name, [f["metrics"][name] for f in log["frames"]], oracle_values(expected, name))


def test_speed_temporal_streams_from_the_previous_frames():
    """Frames pushed one at a time, threads racing ahead: the values of one batch call."""
    clip = make_clip(ENCODED[0][0])
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    batch = pyvmaf_tiny.extract_features(ref, dist, ["speed_temporal"])
    s = pyvmaf_tiny.Scorer(features=["speed_temporal"], threads=3)
    got = []
    for i in range(len(ref)):
        got += s.push(ref[i], dist[i])
    got += s.close()
    np.testing.assert_array_equal([f.features["speed_temporal"] for f in got], batch["speed_temporal"])
    assert batch["speed_temporal"][0] == 0 and (batch["speed_temporal"][1:] > 0).all()


def test_isas_give_identical_values(monkeypatch):
    from pyvmaf_tiny import _core

    order = ["scalar", "avx2", "avx512"]
    available = order[: order.index(_core.detected_isa()) + 1]
    for clip in (make_clip(ENCODED[2][0]), noisy_clip(*NOISY[1])):
        results = []
        for isa in available:
            monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
            results.append(pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ALL, **clip.geometry))
        for isa, got in zip(available[1:], results[1:]):
            for name in results[0]:
                np.testing.assert_array_equal(got[name], results[0][name], err_msg=f"{name} with {isa}")


def test_refusals(tmp_path):
    """Inputs libvmaf refuses, or for which it has no defined value, are InputErrors."""
    from synthetic import pattern

    def refused(clip, features, needle):
        with pytest.raises(pyvmaf_tiny.InputError, match=needle):
            pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry)

    # psnr_hvs: at most 12 bits (libvmaf refuses 16)
    c16 = make_clip(ENCODED[11][0])
    with pytest.raises(oracle.OracleFailed):
        oracle.run(c16.ref, c16.dist, **c16.geometry, model="", features=["psnr_hvs"])
    refused(c16, ["psnr_hvs"], "8, 10 and 12-bit")
    # psnr_hvs of a plane without a whole 8x8 block: libvmaf writes 0/0 (null), we refuse
    tiny = make_clip(Recipe("synthetic:texture", 12, 10, codec="noise", quality=20, frames=2))
    assert all(f["metrics"]["psnr_hvs_cb"] is None
               for f in oracle.run(tiny.ref, tiny.dist, **tiny.geometry, model="", features=["psnr_hvs"])["frames"])
    refused(tiny, ["psnr_hvs"], "at least 8x8")
    refused(tiny, ["psnr_hvs_cb"], "at least 8x8")
    # ciede on 4:2:0 with an odd height: libvmaf reads past its picture (its values change run to run)
    refused(make_clip(Recipe("bikes", 182, 177, codec="libvpx-vp9", quality=40, frames=2)), ["ciede"],
            "past the end of its picture")
    # SpEED: too small (libvmaf crashes), kernel scales and resamplers it does not know, prescale past its buffers
    small = make_clip(Recipe("synthetic:texture", 70, 64, pix_fmt="yuv444p", codec="noise", quality=20, frames=2))
    for feature in ("speed_chroma", "speed_temporal"):
        with pytest.raises(oracle.OracleFailed):
            oracle.run(small.ref, small.dist, **small.geometry, model="", features=[feature])
        refused(small, [feature], "too small")
    big = make_clip(Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=32, frames=3))
    for feature, needle in [("speed_chroma:speed_kernelscale=0.9", "kernel scales"),
                            ("speed_chroma:speed_prescale_method=area", "nearest, bilinear"),
                            ("speed_temporal:speed_prescale=1.5", "past its frame buffers"),
                            ("speed_temporal:speed_kernelscale=3.7113402,speed_prescale=1.0008", "never wrote"),
                            ("speed_chroma:speed_weight_var_mode=7", "outside"),
                            ("speed_chroma:speed_use_ref_diff=true", "no option"),
                            ("ciede:foo=1", "no option")]:
        refused(big, [feature], needle)
    for feature in ("speed_chroma:speed_kernelscale=0.9", "speed_temporal:speed_prescale=1.5"):
        with pytest.raises(oracle.OracleFailed):
            oracle.run(big.ref, big.dist, **big.geometry, model="", features=[feature])
    # luma-only input for the chroma readers; 9-bit input
    gray = write_pair(tmp_path / "gray", read_luma(big, "ref")[:1], read_luma(big, "dist")[:1], pix_fmt="gray")
    for feature in ("ciede", "psnr_hvs", "speed_chroma"):
        refused(gray, [feature], "chroma")
    ref9 = pattern("texture", 2, 96, 96, bpc=9)
    c9 = write_pair(tmp_path / "nine", ref9, ref9[:, ::-1].copy(), pix_fmt="yuv444p9le")
    for feature in ALL:
        refused(c9, [feature], "-bit")


# The same extractors in the core built with AddressSanitizer and UBSan (tests/test_native_tool.py builds
# it): libvmaf's chroma addressing past row ends, odd and tiny planes, 16-bit, every resampler.
SANITIZED = [
    (Recipe("bikes", 643, 361, pix_fmt="yuv422p", codec="libvpx-vp9", quality=40, frames=2), ALL),
    (Recipe("bikes", 643, 362, codec="libvpx-vp9", quality=40, frames=2), ["ciede", "psnr_hvs"]),
    (Recipe("bikes", 333, 185, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3),
     ALL + ["speed_chroma:speed_prescale=2,speed_prescale_method=lanczos4,speed_weight_var_mode=5",
            "speed_temporal:speed_prescale=0.5,speed_prescale_method=bicubic,speed_use_ref_diff=true"]),
    (Recipe("bikes", 480, 272, pix_fmt="yuv422p10le", codec="libx265", quality=32, frames=2),
     ["speed_chroma:speed_prescale=1.5,speed_prescale_method=bilinear,speed_kernelscale=3"]),
    (Recipe("synthetic:texture", 400, 320, pix_fmt="yuv444p16le", codec="noise", quality=600, frames=2), NO_HVS),
    # (psnr_hvs is NaN here, which pvt-features cannot print as JSON)
    (Recipe("synthetic:texture", 12, 10, codec="noise", quality=20, frames=2), ["ciede"]),
    # integer ADM with Barten's CSF: its out-of-range fixed point and wrapping arithmetic (NaN scores too)
    (Recipe("bikes", 331, 187, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3),
     ["adm:adm_csf_mode=1,adm_csf_scale=0.05,adm_csf_diag_scale=0.3,debug=true", "adm:adm_csf_mode=1",
      "psnr:enable_apsnr=true"]),
    (Recipe("synthetic:edges", 96, 64, codec="libx264", quality=40),
     ["adm:adm_csf_mode=1,adm_csf_scale=0.05,debug=true", "adm:adm_csf_mode=1,adm_csf_scale=0.3"]),
    # row-sampled VIF, ADM and motion (fr_micro_v2's), and ADM's guard-row sizes with them
    (Recipe("bikes", 335, 187, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3),
     ["vif_sampled", "adm_sampled", "vif:vif_row_step=5", "adm:adm_row_step=3,adm_skip_scale0=true",
      "adm:adm_sample_rows=7,adm_csf_mode=1", "motion_sampled", "motion:motion_row_step=256"]),
    (Recipe("synthetic:texture", 33, 31, pix_fmt="yuv444p", codec="noise", quality=8, frames=3),
     ["vif_sampled", "adm_sampled", "adm:adm_row_step=2,adm_skip_aim=true", "motion:motion_row_step=2"]),
]


@pytest.mark.parametrize("isa", ["scalar", "native"])
@pytest.mark.parametrize("recipe,extractors", SANITIZED, ids=[r.id for r, _ in SANITIZED])
def test_sanitized_core_is_clean_and_agrees(sanitized_tool, recipe, extractors, isa, monkeypatch):
    clip = make_clip(recipe)
    if isa == "scalar":
        monkeypatch.setenv("PYVMAF_TINY_ISA", "scalar")
    proc = _run_tool(sanitized_tool, clip, "--threads", "2", *[a for e in extractors for a in ("--extractor", e)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runtime error" not in proc.stderr and "Sanitizer" not in proc.stderr
    native = json.loads(proc.stdout)
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), extractors, **clip.geometry)
    assert sorted(native["columns"]) == sorted(ours)
    values = np.array(native["frames"], dtype=float)
    for i, name in enumerate(native["columns"]):
        np.testing.assert_array_equal(values[:, i], ours[name], err_msg=name)
