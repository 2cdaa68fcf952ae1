"""The Python API: score(), extract_features(), Scorer, threads and error reporting."""

from __future__ import annotations

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from clips import SMALL_10BIT, small_clip
from compare import assert_matches_oracle
from content import make_clip, read_luma


def test_score_result_shape():
    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    assert r.model == "vmaf_v0.6.1" and r.metric == "vmaf"
    assert r.frames.shape == (6,) and r.frames.dtype == np.float64
    assert set(pyvmaf_tiny.models.load("vmaf_v0.6.1").columns) <= set(r.features)
    assert r.score == pytest.approx(r.frames.mean(), abs=1e-12)
    assert set(r.pooled["vmaf"]) == {"min", "max", "mean", "harmonic_mean"}
    assert r.pooled["vmaf"]["harmonic_mean"] <= r.score
    d = r.to_dict()
    assert [f["frameNum"] for f in d["frames"]] == list(range(6))
    assert d["pooled_metrics"]["vmaf"]["mean"] == pytest.approx(r.score)


def test_numpy_input_equals_file_input():
    clip = small_clip()
    from_files = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    from_arrays = pyvmaf_tiny.score(read_luma(clip, "ref"), read_luma(clip, "dist"))
    np.testing.assert_array_equal(from_files.frames, from_arrays.frames)
    # an iterable of frames works too, and non-contiguous views are accepted
    ref = read_luma(clip, "ref")
    padded = np.zeros((6, clip.height, clip.width + 7), np.uint8)
    padded[:, :, 3 : 3 + clip.width] = read_luma(clip, "dist")
    it = pyvmaf_tiny.score(iter(list(ref)), padded[:, :, 3 : 3 + clip.width])
    np.testing.assert_array_equal(from_files.frames, it.frames)


def test_uint16_arrays_need_and_use_bitdepth():
    clip = make_clip(SMALL_10BIT)
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    with pytest.raises(pyvmaf_tiny.InputError, match="bitdepth"):
        pyvmaf_tiny.score(ref, dist)
    r = pyvmaf_tiny.score(ref, dist, bitdepth=10, features=["integer_motion"])
    assert_matches_oracle(r, oracle.run(clip.ref, clip.dist, **clip.geometry))


@pytest.mark.parametrize("threads", [1, 2, 3, 0])
def test_threads_do_not_change_results(threads):
    clip = small_clip()
    base = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, threads=1)
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, threads=threads)
    np.testing.assert_array_equal(base.frames, r.frames)
    for k in base.features:
        np.testing.assert_array_equal(base.features[k], r.features[k])


def test_extract_features_by_name_and_extractor():
    clip = small_clip()
    f = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["integer_vif_scale0", "integer_motion2"],
                                     **clip.geometry)
    assert list(f) == ["integer_vif_scale0", "integer_motion2"]
    full = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    np.testing.assert_array_equal(f["integer_vif_scale0"], full.features["integer_vif_scale0"])
    np.testing.assert_array_equal(f["integer_motion2"], full.features["integer_motion2"])
    adm = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["adm:adm_enhn_gain_limit=1.0"], **clip.geometry)
    assert list(adm) == ["integer_adm2_egl_1", "integer_aim_egl_1", "integer_adm3_egl_1"] + [
        f"integer_adm_scale{i}_egl_1" for i in range(4)]


def test_streaming_scorer_equals_batch():
    clip = small_clip()
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    batch = pyvmaf_tiny.score(ref, dist)
    s = pyvmaf_tiny.Scorer(threads=2)
    seen = []
    for i in range(len(ref)):
        got = s.push(ref[i], dist[i])
        # motion2 needs the next frame, so a frame is final one push later (threads may delay it further)
        assert all(f.index < i for f in got)
        seen += got
    seen += s.close()
    assert [f.index for f in seen] == list(range(len(ref)))
    np.testing.assert_array_equal([f.score for f in seen], batch.frames)
    assert s.result.score == batch.score


def test_geometry_errors_name_files(tmp_path):
    clip = small_clip()
    with pytest.raises(pyvmaf_tiny.InputError, match=r"ref\.yuv: truncated: frame \d+"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), width=clip.width + 2, height=clip.height,
                          pix_fmt="yuv420p")
    short = tmp_path / "short.yuv"
    short.write_bytes(clip.dist.read_bytes()[: clip.width * clip.height * 3 // 2 * 4])
    with pytest.raises(pyvmaf_tiny.InputError, match=r"frame count mismatch: .*ref\.yuv has 6 frames .*short\.yuv has 4"):
        pyvmaf_tiny.score(str(clip.ref), str(short), **clip.geometry)
    small = np.zeros((6, 64, 64), np.uint8)
    with pytest.raises(pyvmaf_tiny.InputError, match=r"size mismatch: reference .* is 320x136 .* is 64x64"):
        pyvmaf_tiny.score(str(clip.ref), small, **clip.geometry)
    with pytest.raises(pyvmaf_tiny.InputError, match="frame count mismatch"):
        pyvmaf_tiny.score(read_luma(clip), iter(read_luma(clip, "dist")[:5]))


def test_bad_arguments():
    clip = small_clip()
    with pytest.raises(pyvmaf_tiny.InputError, match="unknown feature 'integer_vmaf'"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, features=["integer_vmaf"])
    with pytest.raises(pyvmaf_tiny.InputError, match="threads"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, threads=-1)
    with pytest.raises(pyvmaf_tiny.InputError, match="unknown model"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "nope", **clip.geometry)
    with pytest.raises(pyvmaf_tiny.InputError, match="no option 'bogus'"):
        pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["vif:bogus=1"], **clip.geometry)
