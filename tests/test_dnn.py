"""Tiny ONNX models through the native ONNX Runtime path: agreement with Python
onnxruntime, streamed and batched, provider handling, and malformed models."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import pyvmaf_tiny
from clips import small_clip
from content import read_luma
from onnx_models import SIX, mlp, quantize_int8, save
from pyvmaf_tiny import _core
from pyvmaf_tiny.models.onnx import python_session_options

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a runtime dependency")


@pytest.fixture(scope="module")
def clip_features():
    clip = small_clip()
    feats = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), SIX, **clip.geometry)
    return clip, np.column_stack([feats[f] for f in SIX])


def _python_ort(onnx_path, x):
    sess = ort.InferenceSession(str(onnx_path), python_session_options(), providers=["CPUExecutionProvider"])
    y = sess.run(["vmaf"], {"features": x.astype(np.float32)})[0].reshape(-1)
    return np.clip(y.astype(np.float64), 0, 100)


def _normalised_mlp(x, **kw):
    return mlp(x.shape[1], mean=x.mean(axis=0), std=x.std(axis=0) + 1e-3, **kw)


@pytest.mark.parametrize("opset", [17, 19, 21])
@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_native_equals_python_onnxruntime(tmp_path, clip_features, opset, mode):
    clip, x = clip_features
    path = save(tmp_path, f"mlp{opset}", _normalised_mlp(x, opset=opset, out_rank=1 if opset == 21 else 2), SIX)
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, device="cpu", dnn_mode=mode)
    np.testing.assert_allclose(r.frames, _python_ort(path, x), rtol=0, atol=1e-6)
    assert r.backend == "cpu" and r.model == f"mlp{opset}"


def test_int8_qdq_model(tmp_path, clip_features):
    clip, x = clip_features
    fp32 = save(tmp_path, "fp32", _normalised_mlp(x, hidden=32), SIX)
    int8 = tmp_path / "q" / "int8.onnx"
    int8.parent.mkdir()
    quantize_int8(fp32, int8, x)
    import onnx

    ops = {n.op_type for n in onnx.load(str(int8)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    path = save(int8.parent, "int8", int8.read_bytes(), SIX, opset=19, quant="int8")
    for mode in ("stream", "batch"):
        r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, device="cpu", dnn_mode=mode)
        np.testing.assert_allclose(r.frames, _python_ort(path, x), rtol=0, atol=1e-6)


def test_stream_and_batch_are_identical_and_scorer_streams(tmp_path, clip_features):
    clip, x = clip_features
    path = save(tmp_path, "m", _normalised_mlp(x, hidden=24, depth=3), SIX, halfwidth=1.5)
    a = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, dnn_mode="stream")
    b = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, dnn_mode="batch")
    np.testing.assert_array_equal(a.frames, b.frames)
    assert a.interval.shape == (len(a.frames), 2)
    np.testing.assert_allclose(a.interval[:, 1] - a.interval[:, 0], np.minimum(3.0, 100), atol=1e-9)
    s = pyvmaf_tiny.Scorer(str(path), threads=2)
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    got = [f for i in range(len(ref)) for f in s.push(ref[i], dist[i])] + s.close()
    np.testing.assert_array_equal([f.score for f in got], a.frames)


def test_two_feature_model_runs_only_its_extractors(tmp_path, clip_features):
    clip, x = clip_features
    two = ["integer_vif_scale0", "integer_motion2"]
    path = save(tmp_path, "micro", mlp(2, hidden=8, mean=x[:, [2, 1]].mean(0), std=x[:, [2, 1]].std(0) + 1e-3), two)
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, device="cpu")
    assert sorted(r.features) == sorted(two)  # nothing else is extracted or reported
    np.testing.assert_allclose(r.frames, _python_ort(path, x[:, [2, 1]]), atol=1e-6)


def test_registry_lists_and_loads_onnx_models(tmp_path, clip_features):
    _, x = clip_features
    path = save(tmp_path, "reg", _normalised_mlp(x), SIX)
    by_onnx = pyvmaf_tiny.models.load(str(path))
    by_sidecar = pyvmaf_tiny.models.load(str(path.with_suffix(".json")))
    assert by_onnx.kind == by_sidecar.kind == "fr_features"
    assert by_onnx.sidecar["input"]["features"] == SIX
    np.testing.assert_array_equal(by_onnx.predict(x), by_sidecar.predict(x))


def test_backend_is_truthful():
    info = pyvmaf_tiny.models.ort_info()
    assert info["version"] and info["library"]
    providers = info["providers"]
    assert "CPUExecutionProvider" in providers


def test_unavailable_providers(tmp_path, clip_features):
    clip, x = clip_features
    path = save(tmp_path, "p", _normalised_mlp(x), SIX)
    providers = pyvmaf_tiny.models.ort_info()["providers"]
    if "CUDAExecutionProvider" not in providers:
        with pytest.raises(pyvmaf_tiny.BackendUnavailable, match="'cuda' is unavailable"):
            pyvmaf_tiny.models.load(str(path), device="cuda")
    if "OpenVINOExecutionProvider" not in providers:
        with pytest.raises(pyvmaf_tiny.BackendUnavailable, match="'openvino' is unavailable"):
            pyvmaf_tiny.models.load(str(path), device="openvino")
    auto = pyvmaf_tiny.models.load(str(path), device="auto")
    if "CUDAExecutionProvider" not in providers and "OpenVINOExecutionProvider" not in providers:
        assert auto.backend.startswith("cpu (auto:") and "cuda" in auto.backend
    with pytest.raises(pyvmaf_tiny.InputError, match="device 'tpu'"):
        pyvmaf_tiny.models.load(str(path), device="tpu")


def _rewrite_sidecar(path, **changes):
    side = json.loads(path.with_suffix(".json").read_text())
    side.update(changes)
    path.with_suffix(".json").write_text(json.dumps(side))


def _resign(path):
    _rewrite_sidecar(path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def _malformed(tmp_path, x, kind):
    from onnx import helper

    if kind == "truncated":
        p = save(tmp_path, kind, _normalised_mlp(x), SIX)
        p.write_bytes(p.read_bytes()[:-40])
        _resign(p)
        return p, "not a valid ONNX file"
    if kind == "wrong_input_name":
        return save(tmp_path, kind, _normalised_mlp(x, input_name="x"), SIX), "graph input is 'x'"
    if kind == "wrong_feature_count":
        return save(tmp_path, kind, mlp(5), SIX), "has 5 features, the sidecar lists 6"
    if kind == "disallowed_op":
        extra = [helper.make_node("TopK", ["p", "k"], ["top", "idx"])]
        return save(tmp_path, kind, _normalised_mlp(x, extra_nodes=extra), SIX), "'TopK' is not on"
    if kind == "custom_domain":
        extra = [helper.make_node("Evil", ["p"], ["q"], domain="com.example")]
        return save(tmp_path, kind, _normalised_mlp(x, extra_nodes=extra), SIX), "custom domain 'com.example'"
    if kind == "old_opset":
        m = _normalised_mlp(x, opset=16)
        return save(tmp_path, kind, m, SIX, opset=17), "opset 16 is outside"
    if kind == "wrong_sha256":
        p = save(tmp_path, kind, _normalised_mlp(x), SIX)
        _rewrite_sidecar(p, sha256="0" * 64)
        return p, "sha256 differs"
    if kind == "missing_sidecar":  # the sidecar exists nowhere: a broken model, not a missing one
        p = save(tmp_path, kind, _normalised_mlp(x), SIX)
        p.with_suffix(".json").unlink()
        return p, "no sidecar"
    if kind == "bad_schema":
        p = save(tmp_path, kind, _normalised_mlp(x), SIX)
        _rewrite_sidecar(p, schema="pyvmaf-tiny/model/99")
        return p, "schema"
    if kind == "unknown_feature":
        return save(tmp_path, kind, _normalised_mlp(x), SIX[:5] + ["integer_vmaf"]), "integer_vmaf"
    if kind == "not_onnx":
        p = save(tmp_path, kind, _normalised_mlp(x), SIX)
        p.write_bytes(b"\xff" * 300)
        _resign(p)
        return p, "not a valid ONNX file"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    ["truncated", "wrong_input_name", "wrong_feature_count", "disallowed_op", "custom_domain", "old_opset",
     "wrong_sha256", "missing_sidecar", "bad_schema", "unknown_feature", "not_onnx"],
)
def test_malformed_models_raise_model_error(tmp_path, clip_features, kind):
    _, x = clip_features
    path, match = _malformed(tmp_path, x, kind)
    with pytest.raises(pyvmaf_tiny.ModelError, match=match):
        pyvmaf_tiny.models.load(str(path), device="cpu")


def test_every_declared_slot_is_exercised(tmp_path, clip_features):
    """Drives every path of the native runtime, then asks which C-ABI entries were called."""
    clip, x = clip_features
    path = save(tmp_path, "slots", _normalised_mlp(x), SIX)
    m = pyvmaf_tiny.models.load(str(path), device="cpu")
    m.predict(x)
    pyvmaf_tiny.models.load(str(path), device="auto")
    for device in ("cuda", "openvino"):
        try:
            pyvmaf_tiny.models.load(str(path), device=device)
        except pyvmaf_tiny.BackendUnavailable:
            pass
    use = {name: exercised for name, _, _, exercised in _core.ort_slot_use()}
    providers = pyvmaf_tiny.models.ort_info()["providers"]
    # Without a CUDA build these two can only run on a GPU machine (bench/gpu_check.py).
    gpu_only = set() if "CUDAExecutionProvider" in providers else {"AppendExecutionProviderCudaV2",
                                                                    "ReleaseCudaProviderOptions"}
    missing = [name for name, used in use.items() if not used and name not in gpu_only]
    assert not missing, f"declared but never called: {missing}"


@pytest.mark.skipif("CUDAExecutionProvider" not in ort.get_available_providers(),
                    reason="needs onnxruntime-gpu and a CUDA device (see bench/gpu_check.py)")
def test_cuda_matches_cpu(tmp_path, clip_features):
    clip, x = clip_features
    path = save(tmp_path, "gpu", _normalised_mlp(x), SIX)
    cpu = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, device="cpu")
    gpu = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, device="cuda")
    assert gpu.backend == "cuda"
    np.testing.assert_allclose(gpu.frames, cpu.frames, atol=1e-4)
