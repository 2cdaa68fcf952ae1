"""Netflix's vmaf_v1.0.16 models (CAMBI, SpEED-chroma with libvmaf's chroma-from-luma
correction, ADM3 and motion3 with their options) against the oracle, every frame.

The models come from the ffmpeg-quality-metrics wheel on PyPI (a test extra), as
the oracle comes from imageio-ffmpeg; the package ships the ones it scores.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from content import Recipe, make_clip

TOL = 1e-6
# The hfr models' motion3 uses libvmaf's five-frame window (motion_five_frame_window).
HFR = ["vmaf_v1.0.16_hfr_3d0h", "vmaf_v1.0.16_hfr_5d0h", "vmaf_v1.0.16_hfr_3d0h_2160", "vmaf_v1.0.16_hfr_1d5h_2160"]
SHIPPED = ["vmaf_v1.0.16_3d0h", "vmaf_v1.0.16_5d0h", "vmaf_v1.0.16_3d0h_2160", "vmaf_v1.0.16_1d5h_2160"] + HFR
CONTENT = [
    Recipe("bigbuckbunny", 1920, 1080, codec="libx264", quality=34, frames=3, start=30),
    Recipe("bikes", 640, 272, codec="libx264", quality=36, frames=4),  # flat chroma: the correction applies
    Recipe("bikes", 480, 272, pix_fmt="yuv422p10le", codec="libx265", quality=32, frames=3),
]


def wheel_model(name: str) -> Path:
    for f in importlib.metadata.distribution("ffmpeg-quality-metrics").files:
        if f.name == f"{name}.json":
            return Path(f.locate())
    raise FileNotFoundError(name)


def packaged(name: str) -> Path:
    return Path({m.name: m for m in pyvmaf_tiny.models.list()}[name].path)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_are_the_wheel_files(name):
    assert packaged(name).read_bytes() == wheel_model(name).read_bytes()


def _oracle(clip, model_path: Path) -> dict:
    return oracle.run(clip.ref, clip.dist, **clip.geometry, model_path=str(model_path))


@pytest.mark.parametrize("recipe", CONTENT, ids=lambda r: r.id)
@pytest.mark.parametrize("name", SHIPPED)
def test_v1016_models_match_oracle(recipe, name):
    clip = make_clip(recipe)
    try:
        expected = _oracle(clip, wheel_model(name))
    except oracle.OracleFailed:  # libvmaf refuses (or crashes on) this geometry: so do we, cleanly
        with pytest.raises(pyvmaf_tiny.InputError, match="too small"):
            pyvmaf_tiny.score(str(clip.ref), str(clip.dist), name, **clip.geometry, threads=2)
        return
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), name, **clip.geometry, threads=2)
    theirs = np.array([f["metrics"]["vmaf"] for f in expected["frames"]])
    np.testing.assert_allclose(result.frames, theirs, rtol=0, atol=TOL)
    assert abs(result.score - expected["pooled_metrics"]["vmaf"]["mean"]) <= TOL
    for name_, values in result.features.items():
        theirs_f = np.array([f["metrics"][name_] for f in expected["frames"]], dtype=float)
        np.testing.assert_allclose(values, theirs_f, rtol=0, atol=TOL, err_msg=name_)
    assert list(result.metrics()) == list(expected["frames"][0]["metrics"])


def test_the_correction_is_what_moves_the_score():
    # bikes' chroma is flat: speed_chroma_uv is 0, so libvmaf replaces it with c * (1 - adm3).
    clip = make_clip(CONTENT[1])
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "vmaf_v1.0.16_3d0h", **clip.geometry)
    uv = next(v for k, v in r.features.items() if k.startswith("speed_chroma_uv"))
    assert (uv == 0).all()
    doc = json.loads(packaged("vmaf_v1.0.16_3d0h").read_text())
    doc["model_dict"].pop("chroma_correction_parameter")
    from pyvmaf_tiny import _core

    uncorrected = _core.SvmModel.from_json(json.dumps(doc), "no-correction")
    cols = uncorrected.columns
    x = np.column_stack([r.features[c] for c in cols])
    assert np.max(np.abs(uncorrected.predict(x) - r.frames)) > 1  # without it, libvmaf's score is not reached


# Eight frames: the five-frame window's motion2 of the middle frames (min of frames i - 1 and i + 1).
# SpEED at the 2160 models' scale needs a larger frame than bikes gives.
HFR_CONTENT = {False: Recipe("bikes", 640, 272, codec="libx264", quality=36, frames=8),
               True: Recipe("bigbuckbunny", 960, 540, codec="libx265", quality=34, frames=8, start=40)}


@pytest.mark.parametrize("name", HFR)
def test_hfr_models_match_oracle_on_a_longer_clip(name):
    clip = make_clip(HFR_CONTENT[name.endswith("_2160")])
    expected = _oracle(clip, wheel_model(name))
    for threads in (1, 3):
        result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), name, **clip.geometry, threads=threads)
        theirs = np.array([f["metrics"]["vmaf"] for f in expected["frames"]])
        assert len(theirs) == 8
        np.testing.assert_allclose(result.frames, theirs, rtol=0, atol=TOL)
        for feature, values in result.features.items():
            np.testing.assert_allclose(values, [f["metrics"][feature] for f in expected["frames"]], rtol=0, atol=TOL,
                                       err_msg=feature)
