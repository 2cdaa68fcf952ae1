"""libvmaf JSON models: loading, prediction and malformed files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from pyvmaf_tiny import InputError, ModelError, models


def _reference_predict(model_json: dict, x: np.ndarray) -> float:
    """A straightforward re-statement of libvmaf's prediction, for cross-checking."""
    md = model_json["model_dict"]
    slopes, intercepts = md["slopes"], md["intercepts"]
    z = [slopes[i + 1] * x[i] + intercepts[i + 1] for i in range(len(x))]
    lines = md["model"].strip().split("\n")
    header = dict(line.split(" ", 1) for line in lines[: lines.index("SV")])
    gamma, rho = float(header["gamma"]), float(header["rho"])
    total = 0.0
    for line in lines[lines.index("SV") + 1 :]:
        parts = line.split()
        coef, sv = float(parts[0]), {int(k): float(v) for k, v in (p.split(":") for p in parts[1:])}
        d2 = sum((z[i] - sv.get(i + 1, 0.0)) ** 2 for i in range(len(z)))
        total += coef * math.exp(-gamma * d2)
    y = ((total - rho) - intercepts[0]) / slopes[0]
    lo, hi = md["score_clip"]
    return min(max(y, lo), hi)


@pytest.mark.parametrize("name", ["vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1"])
def test_packaged_models_predict_like_libvmaf(name):
    info = {i.name: i for i in models.list()}[name]
    data = json.loads(open(info.path).read())
    m = models.load(name)
    rng = np.random.default_rng(7)
    x = np.column_stack([rng.uniform(0.3, 1.0, 64), rng.uniform(0, 20, 64)] + [rng.uniform(0, 1, 64)] * 4)
    ours = m.predict(x)
    ref = np.array([_reference_predict(data, row) for row in x])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    assert ours.min() >= 0 and ours.max() <= 100


def test_model_columns_follow_feature_options():
    assert models.load("vmaf_v0.6.1").columns == [
        "integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
        "integer_vif_scale3"]
    neg = models.load("vmaf_v0.6.1neg")
    assert neg.columns[0] == "integer_adm2_egl_1" and neg.columns[1] == "integer_motion2"
    assert neg.columns[2:] == [f"integer_vif_scale{i}_egl_1" for i in range(4)]
    assert {spec[0] for spec in neg.extractor_specs()} == {"adm", "motion", "vif"}


def test_transform_and_clip_flags():
    x = np.array([[0.99, 4.0, 0.9, 0.99, 0.995, 0.998]])
    plain = models.load("vmaf_v0.6.1").predict(x)[0]
    transformed = models.load("vmaf_v0.6.1", enable_transform=True).predict(x)[0]
    assert transformed >= plain  # the packaged transform is out_gte_in
    unclipped = models.load("vmaf_v0.6.1", disable_clip=True).predict(np.array([[1.0, 40.0, 1, 1, 1, 1]]))[0]
    assert unclipped > 100


def _write(tmp_path, obj_or_text):
    p = tmp_path / "m.json"
    p.write_text(obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text))
    return p


def _base():
    info = {i.name: i for i in models.list()}["vmaf_v0.6.1"]
    return json.loads(open(info.path).read())


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda d: "{not json", "invalid JSON"),
        (lambda d: "[]", "no \"model_dict\""),
        (lambda d: d["model_dict"].pop("feature_names") and d, "has no \"feature_names\""),
        (lambda d: d["model_dict"].update(model_type="LIBSVMEPSSVR") or d, "not supported"),
        (lambda d: d["model_dict"].update(feature_names=["VMAF_feature_no_such_thing_score"] * 6) or d, "not provided"),
        (lambda d: d["model_dict"].update(slopes=[1.0]) or d, "slopes and intercepts"),
        (lambda d: d["model_dict"].update(norm_type="zscore") or d, "norm_type"),
        (lambda d: d["model_dict"].update(model="svm_type nu_svr\nkernel_type linear\nrho 1\nSV\n1 1:0.5\n") or d,
         "rbf"),
        (lambda d: d["model_dict"].update(model="svm_type nu_svr\nkernel_type rbf\ngamma 0.1\nrho 1\nSV\n1 9:0.5\n")
         or d, "bad node index"),
        (lambda d: d["model_dict"].update(model="svm_type nu_svr\nkernel_type rbf\ngamma 0.1\nSV\n1 1:x\n") or d,
         "bad node value"),
        (lambda d: d["model_dict"].update(feature_opts_dicts=[{"adm_enhn_gain_limit": "lots"}]) or d, "not a number"),
        (lambda d: d["model_dict"].update(feature_opts_dicts=[{"bogus": 1}]) or d, "no option 'bogus'"),
        (lambda d: d["model_dict"].update(score_clip=[0]) or d, "score_clip"),
    ],
)
def test_malformed_models_raise_model_error(tmp_path, mutate, match):
    path = _write(tmp_path, mutate(_base()))
    with pytest.raises(ModelError, match=match):
        models.load(str(path))


def test_unknown_model_is_bad_input():
    with pytest.raises(InputError, match="unknown model 'vmaf_v9'"):
        models.load("vmaf_v9")
    with pytest.raises(InputError, match="no such file"):
        models.load("/nonexistent/model.json")


@pytest.mark.parametrize("name, features, budget", [
    ("fr_tiny_v1", ["integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1",
                    "integer_vif_scale2", "integer_vif_scale3"], 4096),
    ("fr_micro_v1", ["integer_adm2", "integer_vif_scale3"], 2048),
    ("fr_micro_v2", [f"integer_vif_scale{s}_sr_16" for s in range(4)] + ["integer_adm2_sr_32"]
     + [f"integer_adm_scale{s}_sr_32" for s in range(4)] + ["integer_motion2_sr_32"], 4096),
])
def test_shipped_tiny_models_track_vmaf_on_real_content(name, features, budget):
    import hashlib
    from pathlib import Path

    import pyvmaf_tiny
    from clips import small_clip

    info = next(m for m in models.list() if m.name == name)
    side = info.sidecar
    onnx_path = Path(info.path).with_name(side["onnx"])
    assert onnx_path.stat().st_size <= budget
    assert hashlib.sha256(onnx_path.read_bytes()).hexdigest() == side["sha256"]
    assert side["input"]["features"] == features and side["interval"]["halfwidth"] > 0
    clip = small_clip()
    tiny = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), model=name, **clip.geometry)
    vmaf = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    assert tiny.model == name and sorted(tiny.features) == sorted(features)  # nothing else was extracted
    # within the model's own 90% interval on most frames of content it never saw
    hw = side["interval"]["halfwidth"]
    assert np.mean(np.abs(tiny.frames - vmaf.frames) <= max(hw, 0.05)) >= 0.5
    assert abs(tiny.score - vmaf.score) <= 3 * max(hw, 0.05)
    assert tiny.interval.shape == (len(tiny.frames), 2)
