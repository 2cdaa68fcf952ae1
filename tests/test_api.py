"""The Python API: score(), extract_features(), Scorer, threads and error reporting."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from clips import SMALL_10BIT, small_clip
from compare import assert_matches_oracle
from content import make_clip, read_luma


def test_the_package_imports_its_names_and_submodules_on_first_use():
    # `import pyvmaf_tiny` imports little (a short command's start-up); every public name and every
    # submodule is still an attribute, unknown names raise AttributeError.
    code = ("import sys, pyvmaf_tiny as p\n"
            "assert 'pyvmaf_tiny.api' not in sys.modules and 'numpy' not in sys.modules\n"
            "assert p.io.PathPolicy and p._core.active_isa() and p.result.Result is p.Result\n"
            "assert callable(p.score) and p.models.DEFAULT_MODEL == 'vmaf_v0.6.1'\n"
            "assert set(p.__all__) <= set(dir(p)) and not hasattr(p, 'nope') and not hasattr(p, 'io.policy')\n"
            "from pyvmaf_tiny import *\n"
            "assert Scorer and FrameScore and score_ladder and extract_features\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


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


_BAD = [
    (dict(bitdepth="abc"), "bitdepth must be an integer from 8 to 16, got 'abc'"),
    (dict(bitdepth=8.0), "bitdepth must be an integer from 8 to 16"),
    (dict(bitdepth=17), "bitdepth must be an integer from 8 to 16"),
    (dict(subsample=2**32), "subsample must be <= 2147483647, got 4294967296"),
    (dict(frames=2**70), "frames must be <= 2147483647"),
    (dict(skip_ref=2**63), "skip_ref must be <= 2147483647"),
    (dict(skip_dist=-1), "skip_dist must be >= 0"),
    (dict(threads=2.5), "threads must be an integer, got 2.5"),
    (dict(threads="2"), "threads must be an integer, got '2'"),
    (dict(threads=True), "threads must be an integer, got True"),
    (dict(threads=1025), "threads must be <= 1024"),
    (dict(width=64.0), "width must be an integer, got 64.0"),
    (dict(height="48"), "height must be an integer"),
    (dict(width=0), "width must be >= 1"),
    (dict(pix_fmt=5), "pix_fmt must be a string, got 5"),
    (dict(features=5), "features must be a feature name or a list of them, got 5"),
    (dict(features=[5]), "feature names must be strings, got 5"),
    (dict(features=[b"psnr"]), "feature names must be strings"),
    (dict(features=b"psnr"), "features must be feature names"),
    (dict(scale_dist=5), "scale_dist must be one of bicubic, lanczos, got 5"),
    (dict(progress=5), "progress must be a callable or None, got 5"),
    (dict(policy="strict"), "policy must be a PathPolicy"),
]
_BAD_MODEL = [
    (dict(model=None), "no model and no features: nothing to compute"),  # None asks for no model
    (dict(model="vmaf_v0.6.1:enable_transform=maybe"), "enable_transform must be true or false, got 'maybe'"),
    (dict(model=["vmaf_v0.6.1", "none"]), "model 'none' asks for no model: it cannot be given with others"),
    (dict(model=5), "model must be a packaged model name (e.g. vmaf_v0.6.1), a model file path or a loaded Model, "
                    "got 5"),
    (dict(device="tpu"), "device must be one of auto, cpu, cuda, openvino, got 'tpu'"),
    (dict(dnn_mode=3), "dnn_mode must be one of stream, batch, got 3"),
]


@pytest.mark.parametrize("kwargs,needle", _BAD + _BAD_MODEL, ids=[str(k) for k, _ in _BAD + _BAD_MODEL])
def test_bad_arguments_are_input_errors_naming_the_argument(tmp_path, kwargs, needle):
    from pyvmaf_tiny.api import pooled_score

    clip = small_clip()
    args = dict(ref=str(clip.ref), dist=str(clip.dist), **{**clip.geometry, **kwargs})
    calls = [pyvmaf_tiny.score, pooled_score]
    if (kwargs, needle) in _BAD:
        calls.append(pyvmaf_tiny.extract_features)
    for call in calls:
        with pytest.raises(pyvmaf_tiny.InputError) as e:
            call(**args)
        assert needle in str(e.value), call
        assert type(e.value) is pyvmaf_tiny.InputError


def test_scorer_threads_are_checked_the_same_way():
    with pytest.raises(pyvmaf_tiny.InputError, match="threads must be an integer, got 1.5"):
        pyvmaf_tiny.Scorer(threads=1.5)


def test_score_opens_files_through_the_given_policy(tmp_path):
    from pyvmaf_tiny.io import PathPolicy

    clip = small_clip()
    root = tmp_path / "root"
    root.mkdir()
    (root / "ref.yuv").symlink_to(clip.ref)
    inside = PathPolicy([clip.ref.parent])
    assert pyvmaf_tiny.score("ref.yuv", "dist.yuv", policy=inside, **clip.geometry).frames.shape == (6,)
    for path in ("ref.yuv", str(clip.ref)):  # a link out of the root; a path outside it
        with pytest.raises(pyvmaf_tiny.InputError, match="resolves outside the allowed roots"):
            pyvmaf_tiny.score(path, path, policy=PathPolicy([root]), **clip.geometry)
    os.mkfifo(root / "fifo.y4m")
    os.mkfifo(root / "fifo.mp4")
    for name in ("fifo.y4m", "fifo.mp4"):
        with pytest.raises(pyvmaf_tiny.InputError, match=f"{name}: is a FIFO, not a regular file"):
            pyvmaf_tiny.score(str(root / name), str(root / name))


# -- habits of a Python library ------------------------------------------------------------------------------

def test_result_to_pandas_and_polars_index_by_frame_number():
    import pandas as pd
    import polars as pl

    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, subsample=2, features=["psnr"])
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame) and df.index.name == "frame"
    assert df.index.tolist() == [0, 2, 4]
    assert list(df.columns) == list(r.metrics())
    np.testing.assert_array_equal(df["vmaf"].to_numpy(), r.frames)
    np.testing.assert_array_equal(df["psnr_y"].to_numpy(), r.features["psnr_y"])
    pdf = r.to_polars()
    assert isinstance(pdf, pl.DataFrame) and pdf.columns == ["frame", *r.metrics()]
    assert pdf["frame"].to_list() == [0, 2, 4] and pdf["vmaf"].to_list() == r.frames.tolist()


def test_result_to_pandas_without_pandas_says_how_to_install(monkeypatch):
    import sys

    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    for module, method in (("pandas", r.to_pandas), ("polars", r.to_polars)):
        monkeypatch.setitem(sys.modules, module, None)
        with pytest.raises(ImportError, match=f"needs {module}: pip install {module}"):
            method()


def test_help_of_score_covers_inputs_pairing_progress_and_policy():
    doc = pyvmaf_tiny.score.__doc__
    for needle in ("reference comes first", ".mp4", "container", "progress(done, total)", "policy", "align=\"pts\"",
                   "sync=\"auto\"", "dist_delay"):
        assert needle in doc, needle
    assert "progress" in pyvmaf_tiny.extract_features.__doc__ and "containers" in pyvmaf_tiny.extract_features.__doc__


def test_library_code_logs_and_never_prints():
    import ast
    from pathlib import Path

    package = Path(pyvmaf_tiny.__file__).parent
    commands = {"cli.py", "train/commands.py", "batch/cli.py"}  # command handlers print; the library does not
    offenders = []
    for path in package.rglob("*.py"):
        if str(path.relative_to(package)) in commands:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []
    import logging

    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("pyvmaf_tiny").handlers)
