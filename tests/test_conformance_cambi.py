"""cambi against libvmaf 3.2 (the oracle), every frame.

Real x264/x265/VP9 encodes at 8 and 10 bit, 1080p and 2160p (with and without
cambi_high_res_speedup), odd sizes, aspect ratios extreme enough that the
window reaches past the smallest scale's corner, synthetic banding, flat and
hard-edged frames, 12- and 16-bit input, every option libvmaf has (its
non-default values change the output's name as libvmaf names it), the
full-reference outputs, and what libvmaf refuses.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import TOL
from content import CACHE, Clip, Recipe, make_clip, write_pair
from pyvmaf_tiny import _core
from test_native_tool import _assert_clean_and_equal, sanitized_tool  # noqa: F401  (the ASan/UBSan tool)

AVAILABLE_ISAS = ["scalar", "avx2", "avx512"][: ["scalar", "avx2", "avx512"].index(_core.detected_isa()) + 1]

OPTIONS_A = "cambi:window_size=33,topk=0.3,tvi_threshold=0.05,max_log_contrast=3"
OPTIONS_B = "cambi:eotf=pq,cambi_vis_lum_threshold=0.1,cambi_max_val=5,cambi_topk=0.9"
OPTIONS_C = "cambi:cambi_eotf=pq,max_log_contrast=0,enc_bitdepth=10"
OPTIONS_D = "cambi:max_log_contrast=5,cambi_vis_lum_threshold=20,tvi_threshold=0.0001"

ENCODED = [
    (Recipe("bikes", 640, 272, codec="libx264", quality=36, frames=3),
     ["cambi", "cambi:full_ref=true", OPTIONS_A, OPTIONS_B, OPTIONS_C, OPTIONS_D,
      "cambi:enc_width=320,enc_height=180,window_size=127",
      "cambi:full_ref=true,src_width=320,src_height=200,topk=1.0,tvi_threshold=1.0",
      "cambi:topk=0.0001,window_size=15,cambi_high_res_speedup=1080"]),
    (Recipe("bigbuckbunny", 1920, 1080, codec="libx264", quality=35, frames=3),
     ["cambi", "cambi:cambi_high_res_speedup=1080,full_ref=true"]),
    (Recipe("bigbuckbunny", 1920, 1080, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=2),
     ["cambi", "cambi:full_ref=true,enc_bitdepth=8", "cambi:cambi_high_res_speedup=1080,eotf=pq"]),
    (Recipe("bigbuckbunny", 3840, 2160, pix_fmt="yuv420p10le", codec="libx265", quality=34, frames=2),
     ["cambi", "cambi:cambi_high_res_speedup=2160",
      "cambi:full_ref=true,enc_width=1920,enc_height=1080,src_width=2560,src_height=1440,cambi_high_res_speedup=1440"]),
    # odd sizes (the decimated scales round up)
    (Recipe("bikes", 641, 361, codec="libvpx-vp9", quality=40, frames=2), ["cambi", OPTIONS_A]),
    (Recipe("bikes", 359, 217, pix_fmt="yuv420p10le", codec="noise", quality=2, frames=2), ["cambi", OPTIONS_D]),
    # the window is wider than the smallest scales: libvmaf counts what the
    # larger scales left past their corner
    (Recipe("bikes", 224, 2560, codec="libx264", quality=30, frames=2), ["cambi", "cambi:full_ref=true"]),
    # 12- and 16-bit input is rounded to 10 bits (the top code becomes 1024)
    (Recipe("bikes", 400, 240, pix_fmt="yuv444p12le", codec="noise", quality=3, frames=2), ["cambi", OPTIONS_B]),
    (Recipe("synthetic:ramp", 300, 220, pix_fmt="yuv420p16le", codec="noise", quality=40, frames=2), ["cambi"]),
    # flat and hard-edged frames
    (Recipe("synthetic:black", 320, 240, codec="none", frames=2), ["cambi", "cambi:full_ref=true"]),
    (Recipe("synthetic:white", 320, 240, pix_fmt="yuv420p10le", codec="none", frames=2), ["cambi"]),
    (Recipe("synthetic:edges", 331, 229, codec="noise", quality=2, frames=2), ["cambi", OPTIONS_A]),
    (Recipe("synthetic:ramp", 480, 270, codec="none", frames=2), ["cambi", OPTIONS_D]),
]


def banding(width: int, height: int, bpc: int, frames: int = 2) -> np.ndarray:
    """Dark gradients quantised into bands one 8-bit code apart (two codes at
    10 bits), a flat block and a hard 0/max edge: what CAMBI looks for, and
    what it must ignore."""
    hi = (1 << bpc) - 1
    step = 1 if bpc == 8 else 2 << (bpc - 10)
    yy, xx = np.mgrid[0:height, 0:width]
    out = []
    for t in range(frames):
        img = (0.12 * hi + ((xx + yy // 3 + 5 * t) // 24) * step).astype(np.int64)
        img[height // 3 : height // 2, width // 4 : width // 2] = int(0.4 * hi)
        img[:, (width * 3) // 4 :] = np.where((xx[:, (width * 3) // 4 :] // 16) % 2, hi, 0)
        out.append(np.clip(img, 0, hi).astype(np.uint8 if bpc == 8 else np.uint16))
    return np.stack(out)


def banding_clip(width: int, height: int, pix_fmt: str) -> Clip:
    bpc = 8 if pix_fmt == "yuv420p" else int(pix_fmt[len("yuv420p"):-2])
    ref = banding(width, height, bpc)
    rng = np.random.default_rng(5)
    # the distorted copy: the reference with one frame's steps dithered away
    dist = ref.copy()
    noise = rng.integers(0, 2, ref.shape[1:]).astype(ref.dtype)
    dist[1] = np.minimum(ref[1] + noise, (1 << bpc) - 1)
    # keyed by the content: the oracle's cache sits beside the clip
    key = hashlib.sha256(ref.tobytes() + dist.tobytes()).hexdigest()[:16]
    return write_pair(CACHE / "cambi" / f"banding-{width}x{height}-{pix_fmt}-{key}", ref, dist, pix_fmt)


SYNTHETIC = [
    ((433, 251, "yuv420p"), ["cambi", "cambi:full_ref=true", OPTIONS_C]),
    ((640, 360, "yuv420p10le"), ["cambi", OPTIONS_A, OPTIONS_D]),
]


def ours(clip: Clip, feature: str, threads: int = 2) -> dict[str, np.ndarray]:
    return pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [feature], **clip.geometry, threads=threads)


def check(clip: Clip, feature: str, threads: int = 2) -> None:
    expected = oracle.run(clip.ref, clip.dist, clip.width, clip.height, clip.pix_fmt, model="", features=[feature])
    got = ours(clip, feature, threads)
    frames = expected["frames"]
    assert sorted(got) == sorted(frames[0]["metrics"]), f"ours {sorted(got)}, libvmaf {sorted(frames[0]['metrics'])}"
    for name, values in got.items():
        theirs = np.array([f["metrics"][name] for f in frames])
        assert len(values) == len(theirs)
        diff = np.abs(values - theirs)
        worst = int(np.argmax(diff))
        assert diff[worst] <= TOL, f"{name} frame {worst}: ours {values[worst]:.9f} libvmaf {theirs[worst]:.6f}"


@pytest.mark.parametrize(("recipe", "features"), ENCODED, ids=[r.id for r, _ in ENCODED])
def test_cambi_matches_libvmaf(recipe, features):
    clip = make_clip(recipe)
    for feature in features:
        check(clip, feature)


@pytest.mark.parametrize(("geometry", "features"), SYNTHETIC, ids=lambda g: "x".join(map(str, g)) if isinstance(g, tuple) else None)
def test_cambi_on_synthetic_banding_matches_libvmaf(geometry, features):
    clip = banding_clip(*geometry)
    for feature in features:
        check(clip, feature)


def test_banding_is_seen_and_dither_hides_it():
    # The content above does what it is for, independently of the oracle.
    clip = banding_clip(640, 360, "yuv420p10le")
    ref = ours(clip, "cambi:full_ref=true")
    assert ref["cambi_source"][0] > 1.0
    assert ref["cambi"][1] < ref["cambi_source"][1] / 2


def test_one_thread_and_many_agree():
    clip = make_clip(ENCODED[0][0])
    for feature in ("cambi", "cambi:full_ref=true"):
        a, b = ours(clip, feature, threads=1), ours(clip, feature, threads=3)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])


def test_full_reference_outputs_alone():
    # Asking for one full-reference output gives the values of the full run.
    clip = make_clip(ENCODED[0][0])
    full = ours(clip, "cambi:full_ref=true")
    for name in ("cambi_source", "cambi_full_reference"):
        got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [name], **clip.geometry)
        assert list(got) == [name]
        np.testing.assert_array_equal(got[name], full[name])


def _refused_by_oracle(clip: Clip, feature: str, frames: int) -> None:
    # libvmaf fails the run, or (a frame its extract refuses) stops logging there
    try:
        logged = oracle.run(clip.ref, clip.dist, clip.width, clip.height, clip.pix_fmt, model="",
                            features=[feature], cache=False)
    except oracle.OracleFailed:
        return
    assert len(logged["frames"]) < frames, "libvmaf scored every frame"


@pytest.mark.parametrize("feature, match", [
    ("cambi:window_size=127", "window"),  # a 127-pixel window at 4K: past libvmaf's table
    ("cambi:enc_width=100", "enc_width"),  # below libvmaf's option minimum
    ("cambi:eotf=srgb", "eotf"),
])
def test_options_libvmaf_refuses_are_refused(feature, match):
    clip = make_clip(ENCODED[3][0])  # 2160p
    _refused_by_oracle(clip, feature, 2)
    with pytest.raises(pyvmaf_tiny.InputError, match=match):
        ours(clip, feature)


def test_a_dark_cut_off_above_every_visible_step_scores_zero():
    # libvmaf's band size wraps below zero here: it crashes, or scores 0.
    clip = make_clip(ENCODED[0][0])
    feature = "cambi:cambi_vis_lum_threshold=250"
    try:
        logged = oracle.run(clip.ref, clip.dist, clip.width, clip.height, clip.pix_fmt, model="", features=[feature])
        assert all(f["metrics"]["cambi_vlt_250"] == 0 for f in logged["frames"])
    except oracle.OracleFailed:
        pass
    np.testing.assert_array_equal(ours(clip, feature)["cambi_vlt_250"], 0.0)
    assert ours(clip, "cambi:cambi_vis_lum_threshold=20")["cambi_vlt_20"].max() > 0


@pytest.mark.parametrize("geometry", [(214, 200), (2560, 224)])
def test_frames_libvmaf_cannot_score_are_refused(geometry):
    # Below 216 pixels both ways libvmaf refuses; so wide that the smallest
    # scale has fewer rows than half the window, it writes outside its buffers.
    clip = make_clip(Recipe("bikes", *geometry, codec="libx264", quality=36, frames=1))
    _refused_by_oracle(clip, "cambi", 1)
    with pytest.raises(pyvmaf_tiny.InputError, match="216|too wide"):
        ours(clip, "cambi")


def test_smallest_frames_libvmaf_scores():
    check(make_clip(Recipe("bikes", 216, 120, codec="libx264", quality=36, frames=1)), "cambi")


def test_samples_above_the_bit_depth_are_refused(tmp_path):
    # libvmaf's cambi refuses them (and stops); here every reader does, for
    # cambi as for the rest.
    ref = np.full((2, 240, 320), 500, np.uint16)
    dist = ref.copy()
    dist[1, 100, 7] = 1024
    clip = write_pair(tmp_path, ref, dist, "yuv420p10le")
    _refused_by_oracle(clip, "cambi", 2)
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 1.*1023"):
        ours(clip, "cambi")
    scorer = pyvmaf_tiny.Scorer(features=["cambi"], bitdepth=10)
    scorer.push(ref[0], dist[0])
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 1.*1023"):
        scorer.push(ref[1], dist[1])
        scorer.close()


def test_score_and_the_command_line_carry_cambi(tmp_path):
    # Beside the VMAF model, as ffmpeg's libvmaf filter runs it with feature=name=cambi.
    clip = make_clip(ENCODED[0][0])
    expected = oracle.run(clip.ref, clip.dist, clip.width, clip.height, clip.pix_fmt, features=["cambi:full_ref=true"])
    theirs = {n: np.array([f["metrics"][n] for f in expected["frames"]]) for n in ("cambi", "cambi_full_reference")}
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, features=["cambi:full_ref=true"])
    for name, values in theirs.items():
        assert np.abs(r.features[name] - values).max() <= TOL
        assert abs(r.pooled[name]["mean"] - expected["pooled_metrics"][name]["mean"]) <= TOL
    log = tmp_path / "log.json"
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", str(clip.ref), str(clip.dist), "--width",
                           str(clip.width), "--height", str(clip.height), "--pix-fmt", clip.pix_fmt, "--feature",
                           "cambi", "--output", str(log)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    frames = json.loads(log.read_text())["frames"]
    np.testing.assert_allclose([f["metrics"]["cambi"] for f in frames], theirs["cambi"], rtol=0, atol=TOL)


def test_sanitized_cambi_is_clean_and_agrees(sanitized_tool):
    # Every kernel set under AddressSanitizer and UBSan, on the cases that read
    # past a scale's corner, resize, convert 16-bit input and use odd options.
    cases = [
        (make_clip(Recipe("bikes", 224, 2560, codec="libx264", quality=30, frames=2)), ["cambi:full_ref=true"]),
        (make_clip(Recipe("bikes", 359, 217, pix_fmt="yuv420p10le", codec="noise", quality=2, frames=2)),
         [OPTIONS_D, "cambi:enc_width=300,enc_height=200,full_ref=true,src_width=330,src_height=200"]),
        (make_clip(Recipe("synthetic:ramp", 300, 220, pix_fmt="yuv420p16le", codec="noise", quality=40, frames=2)),
         ["cambi:enc_bitdepth=8"]),
        (banding_clip(433, 251, "yuv420p"), ["cambi:full_ref=true", "cambi:window_size=15,topk=0.01"]),
    ]
    for clip, features in cases:
        expected = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry)
        for isa in AVAILABLE_ISAS:
            _assert_clean_and_equal(sanitized_tool, clip, features, expected, f" with {isa}", PYVMAF_TINY_ISA=isa)
