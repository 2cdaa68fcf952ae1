"""psnr, float_ssim and float_ms_ssim against libvmaf 3.2 (the oracle), every frame.

Covers 8/10/12/16-bit content in all three chroma layouts, odd sizes (ffmpeg
rounds subsampled chroma up), float_ssim's automatic downscaling, flat and
identical frames (PSNR's per-depth maximum), libvmaf's options for these
extractors, and the inputs and sizes libvmaf cannot score.
"""

from __future__ import annotations

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import TOL, assert_matches_oracle
from content import CACHE, Clip, Recipe, _read_raw, _write_raw, make_clip, read_luma, write_pair

ALL = ["psnr", "float_ssim", "float_ms_ssim"]
NO_MS = ["psnr", "float_ssim"]  # frames below 176x176: libvmaf's MS-SSIM refuses them

ENCODED = [
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv422p", codec="libx264", quality=30, frames=4), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv444p", codec="libvpx-vp9", quality=38, frames=4), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=4), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv422p10le", codec="libx265", quality=32, frames=4), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv444p10le", codec="libx264", quality=28, frames=4), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p12le", codec="libx265", quality=34, frames=4), ALL),
    # odd sizes: chroma 91x89 (4:2:0) and 91x177 (4:2:2)
    (Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3), ALL),
    (Recipe("bikes", 181, 177, pix_fmt="yuv422p", codec="libvpx-vp9", quality=40, frames=3), ALL),
    (Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3), NO_MS),
    # float_ssim's automatic downscaling: by 2 (odd sizes) and by 3
    (Recipe("bikes", 769, 401, pix_fmt="yuv444p", codec="libx264", quality=40, frames=2), ALL),
    (Recipe("bigbuckbunny", 1280, 720, codec="libx264", quality=32, frames=2), NO_MS),
    # 16-bit (noise on luma only; chroma identical, so psnr_cb/cr sit at the maximum)
    (Recipe("synthetic:texture", 200, 180, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=3), ALL),
    # flat and identical frames: PSNR clamps to 6 * bpc + 12, SSIM is exactly 1
    (Recipe("synthetic:black", 200, 180, codec="none", frames=2), ALL),
    (Recipe("synthetic:white", 200, 180, codec="noise", quality=3, frames=2), ALL),
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="none", frames=2), ALL),
    (Recipe("bikes", 200, 180, pix_fmt="yuv444p12le", codec="none", frames=2), ALL),
    (Recipe("synthetic:ramp", 48, 32, pix_fmt="yuv422p16le", codec="none", frames=2), NO_MS),
]

# Odd high-bit-depth subsampled layouts no encoder here writes: every plane of
# the reference gets seeded noise (sigma in units of the 8-bit range).
NOISY = [
    (Recipe("bikes", 179, 181, pix_fmt="yuv420p10le", codec="none", frames=3), 3.0),
    (Recipe("bikes", 183, 179, pix_fmt="yuv422p12le", codec="none", frames=3), 2.0),
    (Recipe("bikes", 177, 176, pix_fmt="yuv444p16le", codec="none", frames=2), 4.0),
]


def noisy_clip(recipe: Recipe, sigma: float) -> Clip:
    """The recipe's reference, and a copy with noise on every plane (cached)."""
    from pyvmaf_tiny.io.pixfmt import parse_pix_fmt

    clip = make_clip(recipe)
    dist = CACHE / "clips-extra" / f"{recipe.key()}-noise{sigma}" / "dist.yuv"
    if not dist.exists():
        dist.parent.mkdir(parents=True, exist_ok=True)
        bpc = parse_pix_fmt(recipe.pix_fmt).bpc
        hi = (1 << bpc) - 1
        rng = np.random.default_rng(7)
        frames = []
        for planes in _read_raw(clip.ref, clip.width, clip.height, clip.pix_fmt):
            noise = [rng.normal(0, sigma * (1 << (bpc - 8)), p.shape).round().astype(np.int64) for p in planes]
            frames.append([np.clip(p.astype(np.int64) + n, 0, hi).astype(p.dtype) for p, n in zip(planes, noise)])
        _write_raw(dist, frames)
    return Clip(clip.ref, dist, clip.width, clip.height, clip.pix_fmt)


def oracle_values(expected: dict, name: str) -> np.ndarray:
    # libvmaf writes NaN and infinities as null
    return np.array([np.nan if f["metrics"][name] is None else f["metrics"][name] for f in expected["frames"]])


def compare(clip: Clip, features: list[str], threads: int = 2) -> dict[str, float]:
    """Every frame of every feature within TOL of the oracle; returns the worst difference per feature."""
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=features)
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), features, **clip.geometry, threads=threads)
    assert sorted(ours) == sorted(expected["frames"][0]["metrics"])
    worst = {}
    for name, values in ours.items():
        theirs = oracle_values(expected, name)
        assert len(values) == len(theirs)
        both_inf = np.isnan(theirs) & np.isinf(values)
        diff = np.where(both_inf, 0.0, np.abs(values - theirs))
        i = int(np.argmax(diff))
        assert diff[i] <= TOL, f"{name} frame {i}: ours {values[i]!r}, oracle {theirs[i]!r}"
        worst[name] = float(diff.max())
    return worst


@pytest.mark.parametrize("recipe,features", ENCODED, ids=[r.id for r, _ in ENCODED])
def test_matches_oracle(recipe, features):
    compare(make_clip(recipe), features)


@pytest.mark.parametrize("recipe,sigma", NOISY, ids=[r.id for r, _ in NOISY])
def test_odd_high_bit_depth_chroma_matches_oracle(recipe, sigma):
    worst = compare(noisy_clip(recipe, sigma), ALL, threads=1)
    assert set(worst) == {"psnr_y", "psnr_cb", "psnr_cr", "float_ssim", "float_ms_ssim"}


def test_psnr_maximum_per_bit_depth():
    for pix_fmt, peak in [("yuv420p", 60.0), ("yuv420p10le", 72.0), ("yuv444p12le", 84.0), ("yuv422p16le", 108.0)]:
        clip = make_clip(Recipe("synthetic:ramp", 48, 32, pix_fmt=pix_fmt, codec="none", frames=1))
        ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["psnr"], **clip.geometry)
        assert {k: float(v[0]) for k, v in ours.items()} == {"psnr_y": peak, "psnr_cb": peak, "psnr_cr": peak}


OPTIONS = [
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4),
     ["psnr:enable_mse=true", "float_ssim:enable_lcs=true", "float_ms_ssim:enable_lcs=true"]),
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4), ["psnr:enable_chroma=false,enable_mse=true"]),
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4), ["psnr:min_sse=0.5", "float_ssim:scale=2"]),
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4),
     ["float_ssim:enable_db=true,scale=7", "float_ms_ssim:enable_db=true,clip_db=true"]),
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=4),
     ["psnr:reduced_hbd_peak=true", "float_ssim:enable_db=true,clip_db=true"]),
    # explicit downscaling of odd sizes, by odd and even factors
    (Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3), ["float_ssim:scale=3"]),
    (Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3), ["float_ssim:scale=4"]),
    # identical frames: min_sse and clip_db set the maxima
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="none", frames=2),
     ["psnr:reduced_hbd_peak=true,min_sse=1", "float_ssim:enable_db=true,clip_db=true",
      "float_ms_ssim:enable_db=true,clip_db=true"]),
    (Recipe("synthetic:texture", 200, 180, codec="none", frames=2),
     ["psnr:min_sse=3", "float_ssim:enable_db=true", "float_ms_ssim:enable_db=true"]),
]


@pytest.mark.parametrize("recipe,features", OPTIONS, ids=[f"{r.pix_fmt}-{r.codec}-" + "+".join(f) for r, f in OPTIONS])
def test_options_match_oracle(recipe, features):
    compare(make_clip(recipe), features)


def test_single_features_by_name():
    clip = make_clip(OPTIONS[0][0])
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=OPTIONS[0][1])
    wanted = ["mse_cb", "psnr_cr", "float_ssim_c", "float_ms_ssim_s_scale3", "float_ms_ssim"]
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), wanted, **clip.geometry)
    assert sorted(ours) == sorted(wanted)
    for name in wanted:
        np.testing.assert_allclose(ours[name], oracle_values(expected, name), rtol=0, atol=TOL)
    # an option that drops columns still finds the right one
    luma = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["mse_y:enable_chroma=false"], **clip.geometry)
    np.testing.assert_allclose(luma["mse_y"], oracle_values(expected, "mse_y"), rtol=0, atol=TOL)


def test_score_with_extra_features_matches_oracle():
    """The model plus psnr/ssim/ms-ssim in one pass, frames and pooled values."""
    clip = make_clip(Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=4))
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="vmaf_v0.6.1", features=ALL)
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, threads=2, features=ALL)
    assert {"psnr_y", "psnr_cb", "psnr_cr", "float_ssim", "float_ms_ssim"} <= set(result.features)
    assert_matches_oracle(result, expected)


def test_luma_only_input(tmp_path):
    clip = make_clip(Recipe("bikes", 320, 180, codec="libx264", quality=30, frames=3))
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    gray = write_pair(tmp_path, ref, dist, pix_fmt="gray")
    # psnr reads chroma: refused clearly for gray files and numpy arrays alike
    with pytest.raises(pyvmaf_tiny.InputError, match=r"clip_ref\.yuv: gray has no chroma planes"):
        pyvmaf_tiny.extract_features(str(gray.ref), str(gray.dist), ["psnr"], **gray.geometry)
    with pytest.raises(pyvmaf_tiny.InputError, match=r"<reference array>: numpy input is luma only"):
        pyvmaf_tiny.extract_features(ref, dist, ["psnr_y"])
    with pytest.raises(pyvmaf_tiny.InputError, match="chroma"):
        pyvmaf_tiny.score(ref, dist, features=["psnr"])
    with pytest.raises(pyvmaf_tiny.InputError, match=r"'psnr' needs chroma.*enable_chroma=false"):
        pyvmaf_tiny.Scorer(features=["psnr"]).push(ref[0], dist[0])
    # luma-only features work on both and equal libvmaf's on the same luma with chroma (ffmpeg
    # cannot be the oracle for gray itself: it converts gray to limited-range yuv first)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=["psnr", "float_ssim"])
    for r, d, geo in [(str(gray.ref), str(gray.dist), gray.geometry), (ref, dist, {})]:
        ours = pyvmaf_tiny.extract_features(r, d, ["psnr:enable_chroma=false", "float_ssim", "float_ms_ssim"], **geo)
        assert sorted(ours) == ["float_ms_ssim", "float_ssim", "psnr_y"]
        for name in ("psnr_y", "float_ssim"):
            np.testing.assert_allclose(ours[name], oracle_values(expected, name), rtol=0, atol=TOL)


def test_bad_names_and_options():
    clip = make_clip(Recipe("bikes", 320, 180, codec="libx264", quality=30, frames=3))
    for bad in (["psnr_x"], ["float_ssim_db"], ["ms_ssim"], ["float_ssim:scale=11"],
                ["float_ssim:scale=1.5"], ["float_ms_ssim:scale=2"], ["psnr:min_sse=-1"]):
        with pytest.raises(pyvmaf_tiny.InputError):
            pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), bad, **clip.geometry)


def test_sizes_libvmaf_cannot_score_are_refused(tmp_path):
    from synthetic import pattern

    # MS-SSIM needs 11 samples at its fifth scale: 176 along each axis
    clip = make_clip(Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3))
    with pytest.raises(oracle.OracleFailed):
        oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=["float_ms_ssim"])
    for w, h in [(175, 200), (200, 175)]:
        ref = pattern("texture", 1, h, w)
        c = write_pair(tmp_path / f"{w}x{h}", ref, ref[:, ::-1].copy())
        with pytest.raises(pyvmaf_tiny.InputError, match="176x176"):
            pyvmaf_tiny.extract_features(str(c.ref), str(c.dist), ["float_ms_ssim"], **c.geometry)
    # SSIM's 11x11 window must fit: libvmaf writes NaN (null) below that
    ref = pattern("texture", 2, 10, 24)
    small = write_pair(tmp_path / "small", ref, ref[:, ::-1].copy(), pix_fmt="yuv444p")
    expected = oracle.run(small.ref, small.dist, **small.geometry, model="", features=["float_ssim"], cache=False)
    assert np.isnan(oracle_values(expected, "float_ssim")).all()
    with pytest.raises(pyvmaf_tiny.InputError, match="11x11"):
        pyvmaf_tiny.extract_features(str(small.ref), str(small.dist), ["float_ssim"], **small.geometry)
    # ...also after an explicit downscaling (100 / 10 = 10 samples)
    ref = pattern("texture", 2, 120, 100)
    scaled = write_pair(tmp_path / "scaled", ref, ref[:, ::-1].copy(), pix_fmt="yuv444p")
    expected = oracle.run(scaled.ref, scaled.dist, **scaled.geometry, model="", features=["float_ssim:scale=10"],
                          cache=False)
    assert np.isnan(oracle_values(expected, "float_ssim")).all()
    with pytest.raises(pyvmaf_tiny.InputError, match="downscaling by 10"):
        pyvmaf_tiny.extract_features(str(scaled.ref), str(scaled.dist), ["float_ssim:scale=10"], **scaled.geometry)
    # libvmaf's psnr and float conversion know 8, 10, 12 and 16 bits only
    ref9 = pattern("texture", 1, 32, 32, bpc=9)
    c9 = write_pair(tmp_path / "nine", ref9, ref9, pix_fmt="yuv420p9le")
    for feature in ALL:
        with pytest.raises(pyvmaf_tiny.InputError, match="8, 10, 12 and 16-bit"):
            pyvmaf_tiny.extract_features(str(c9.ref), str(c9.dist), [feature], **c9.geometry)


# psnr's enable_apsnr: clip-level PSNR from the summed SSE of every frame, in
# libvmaf's aggregate_metrics (-inf, which libvmaf's JSON writes as null, for
# the planes enable_chroma=false leaves out; the cap on identical frames).
APSNR = [
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4), "psnr:enable_apsnr=true", 1),
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=4),
     "psnr:enable_apsnr=true", 2),
    (Recipe("bikes", 320, 180, pix_fmt="yuv444p", codec="libvpx-vp9", quality=38, frames=4),
     "psnr:enable_apsnr=true,enable_mse=true", 2),
    (Recipe("bikes", 320, 180, pix_fmt="yuv444p10le", codec="libx264", quality=28, frames=4),
     "psnr:enable_apsnr=true,reduced_hbd_peak=true", 3),
    (Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3), "psnr:enable_apsnr=true", 2),
    (Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=4), "psnr:enable_apsnr=true,enable_chroma=false", 2),
    (Recipe("bikes", 320, 180, pix_fmt="yuv420p10le", codec="none", frames=2), "psnr:enable_apsnr=true", 2),
]


@pytest.mark.parametrize("recipe,feature,threads", APSNR, ids=[f"{r.id}-{f}" for r, f, _ in APSNR])
def test_apsnr_matches_oracle(recipe, feature, threads):
    clip = make_clip(recipe)
    compare(clip, [feature], threads=threads)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=[feature])["aggregate_metrics"]
    ours = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "none", features=[feature], **clip.geometry,
                             threads=threads)
    assert list(ours.aggregates) == list(expected) == ["apsnr_y", "apsnr_cb", "apsnr_cr"]
    for name, v in ours.aggregates.items():
        if expected[name] is None:
            assert v == -np.inf, name
        else:
            assert abs(v - expected[name]) <= TOL, (name, v, expected[name])
    assert ours.to_dict()["aggregate_metrics"] == ours.aggregates
    # extract_features() carries them too, beside its plain dict of per-frame arrays
    features = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [feature], **clip.geometry,
                                            threads=threads)
    assert isinstance(features, dict) and features.aggregates == ours.aggregates
    assert sorted(features) == sorted(ours.features)


def test_apsnr_is_the_same_streamed_and_in_a_ladder():
    clip = make_clip(APSNR[1][0])
    feature = ["psnr:enable_apsnr=true"]
    single = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "none", features=feature, **clip.geometry)
    ladder = pyvmaf_tiny.score(str(clip.ref), [str(clip.dist), str(clip.ref)], "none", features=feature,
                               **clip.geometry)
    assert ladder[0].aggregates == single.aggregates
    same = pyvmaf_tiny.score(str(clip.ref), str(clip.ref), "none", features=feature, **clip.geometry)
    assert ladder[1].aggregates == same.aggregates != single.aggregates
    # Scorer takes luma alone
    clip = make_clip(APSNR[0][0])
    luma_only = ["psnr:enable_apsnr=true,enable_chroma=false"]
    whole = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "none", features=luma_only, **clip.geometry)
    scorer = pyvmaf_tiny.Scorer("none", features=luma_only)
    refs = _read_raw(clip.ref, clip.width, clip.height, clip.pix_fmt)
    dists = _read_raw(clip.dist, clip.width, clip.height, clip.pix_fmt)
    for r, d in zip(refs, dists):
        scorer.push(r[0], d[0])
    scorer.close()
    assert scorer.result.aggregates == whole.aggregates
    assert whole.aggregates["apsnr_cb"] == -np.inf
