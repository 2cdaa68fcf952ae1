"""The ONNX Runtime version matrix: the shipped tiny models, a model trained and exported by the
project's own trainer, and the DNN validation/provider tests, against ONNX Runtime builds from PyPI
(tests/ort_builds.py), each loaded by the native core through PYVMAF_TINY_ORT_LIBRARY.

A plain `pytest` runs the default slice: the floor (pyproject.toml's onnxruntime>=1.19.0), the newest
release and onnxruntime-openvino. The whole matrix:

    PYVMAF_TINY_ORT_MATRIX=full pytest tests/test_ort_matrix.py

Wheels are downloaded once into ~/.cache/pyvmaf-tiny-tests/ort/. A failed download fails the test;
only off CI, when pip cannot reach PyPI at all, is the build skipped (and says so).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ort_builds
import pyvmaf_tiny
from clips import small_clip
from onnx_models import SIX, save

TESTS = Path(__file__).parent
SHIPPED = ["fr_tiny_v1", "fr_micro_v1", "fr_micro_v2"]
# The rows' columns: the six VMAF features, then any other feature a shipped model reads.
COLUMNS = SIX + sorted({c for m in pyvmaf_tiny.models.list() if m.name in SHIPPED for c in m.sidecar["input"]["features"]}
                       - set(SIX))
# The OpenVINO provider computes in float32 (the graph's float32 twin, FP32 pinned); the CPU provider
# in float64. Measured on the test rows: at most ~5e-5 VMAF apart (see the README's table).
OPENVINO_TOLERANCE = 1e-3


@pytest.fixture(scope="module")
def clip_and_rows(tmp_path_factory):
    """The small real clip, and 256 feature rows: its own frames and jittered copies of them."""
    clip = small_clip()
    f = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), COLUMNS, **clip.geometry)
    real = np.column_stack([f[c] for c in COLUMNS])
    rng = np.random.default_rng(7)
    picks = real[rng.integers(0, len(real), 250)]
    jitter = picks * (1 + 0.05 * rng.standard_normal(picks.shape))
    rows = np.vstack([real, np.clip(jitter, 0, None)])[:256]
    path = tmp_path_factory.mktemp("matrix") / "rows.npy"
    np.save(path, rows)
    return clip, rows, path


@pytest.fixture(scope="module")
def user_model(clip_and_rows, tmp_path_factory):
    """A silu student (the activation ORT 1.19-1.28 fused into QuickGelu), trained for a few epochs
    on the rows with vmaf_v0.6.1 as teacher, exported by pyvmaf_tiny.train.export."""
    from pyvmaf_tiny.train.config import TrainConfig
    from pyvmaf_tiny.train.export import to_onnx, write_sidecar
    from pyvmaf_tiny.train.fit import train_student

    _, rows, _ = clip_and_rows
    rows = rows[:, :len(SIX)]
    y = pyvmaf_tiny.models.load("vmaf_v0.6.1").predict(rows)
    cfg = TrainConfig(name="matrix_user", features=list(SIX))
    cfg.model.hidden, cfg.optim.epochs, cfg.optim.batch_size = 12, 20, 64
    student = train_student(rows, y, cfg.validate(), list(SIX))
    out = tmp_path_factory.mktemp("user")
    path = out / "matrix_user.onnx"
    path.write_bytes(to_onnx(student, 19).SerializeToString())
    write_sidecar(path, "matrix_user", list(SIX), 19, "fp32")
    return path


@pytest.fixture(scope="module")
def refused_model(tmp_path_factory):
    """A float64 graph with a float64 weight: no float32 twin exists, so OpenVINO cannot take it."""
    from onnx import TensorProto, helper, numpy_helper

    w = np.linspace(0.5, 2.0, 6).reshape(6, 1)
    nodes = [helper.make_node("Cast", ["features"], ["x"], to=TensorProto.DOUBLE),
             helper.make_node("MatMul", ["x", "w"], ["y"]),
             helper.make_node("Cast", ["y"], ["vmaf"], to=TensorProto.FLOAT)]
    graph = helper.make_graph(nodes, "f64", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])],
                              [numpy_helper.from_array(w.astype(np.float64), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    return save(tmp_path_factory.mktemp("refused"), "float64_weight", model, SIX)


@pytest.fixture(scope="module")
def baseline(clip_and_rows, user_model):
    """Scores with the default ONNX Runtime (the installed onnxruntime package), in this process."""
    clip, rows, _ = clip_and_rows
    out = {}
    for label, model in _models(user_model).items():
        m = pyvmaf_tiny.models.load(model, device="cpu")
        r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), model, **clip.geometry, device="cpu")
        out[label] = {"native": m.predict(rows[:, [COLUMNS.index(c) for c in m.columns]]), "score": r.frames}
    out["version"] = pyvmaf_tiny.models.ort_info()["version"]
    return out


def _models(user_model) -> dict:
    return {**{name: name for name in SHIPPED}, "user": str(user_model)}


def _environment(build: ort_builds.Build) -> dict:
    env = dict(os.environ)
    env["PYVMAF_TINY_ORT_LIBRARY"] = str(build.library)
    env["PYTHONPATH"] = os.pathsep.join([str(build.site), str(TESTS)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


BUILDS = ort_builds.selected()


@pytest.mark.parametrize("build", BUILDS, ids=[b.name for b in BUILDS])
def test_models_on_build(build, clip_and_rows, user_model, refused_model, baseline, tmp_path):
    build = ort_builds.fetch(build)
    clip, rows, rows_path = clip_and_rows
    spec = {"inputs": str(rows_path), "columns": COLUMNS, "models": _models(user_model), "refused": str(refused_model),
            "clip": {"ref": str(clip.ref), "dist": str(clip.dist), "geometry": clip.geometry}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    proc = subprocess.run([sys.executable, str(TESTS / "ort_matrix_check.py"), str(tmp_path / "spec.json"),
                           str(tmp_path / "out.json")], env=_environment(build), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = json.loads((tmp_path / "out.json").read_text())

    # The build asked for is the one that ran, natively and in Python.
    assert got["native_version"] == build.version and got["python_version"] == build.version
    assert Path(got["library"]).resolve() == build.library.resolve()
    assert Path(got["python_file"]).resolve().is_relative_to(build.site.resolve())

    openvino = "OpenVINOExecutionProvider" in got["providers"]
    assert openvino == (build.role == "openvino")
    for label, m in got["models"].items():
        assert m["backend"] == "cpu"
        # Native == Python onnxruntime on the same build with the same session options.
        np.testing.assert_array_equal(m["native"], m["python"], err_msg=label)
        # The same scores as the default ONNX Runtime, to 1e-6 VMAF (float64 graphs).
        np.testing.assert_allclose(m["native"], baseline[label]["native"], rtol=0, atol=1e-6, err_msg=label)
        np.testing.assert_allclose(m["score_stream"], baseline[label]["score"], rtol=0, atol=1e-6, err_msg=label)
        np.testing.assert_array_equal(m["score_stream"], m["score_batch"], err_msg=label)
        if openvino:
            # The OpenVINO provider really ran the whole graph.
            assert m["openvino_backend"] == m["openvino_score_backend"] == m["auto_backend"] == "openvino"
            far = float(np.abs(np.subtract(m["openvino"], m["native"])).max())
            print(f"{build.dist} {build.version} {label}: OpenVINO vs CPU max |diff| {far:.3g} VMAF over "
                  f"{len(rows)} rows, score() {np.abs(np.subtract(m['openvino_score'], m['score_stream'])).max():.3g}")
            assert 0 < far <= OPENVINO_TOLERANCE, (label, far)
            np.testing.assert_allclose(m["openvino_score"], m["score_stream"], rtol=0, atol=OPENVINO_TOLERANCE)
        else:
            assert "'openvino' is unavailable" in m["openvino_error"]
    refused = got["refused"]
    if openvino:
        # A graph OpenVINO cannot take runs on the CPU provider, and Result.backend says why.
        assert refused["backend"].startswith("cpu (openvino refused the graph: "), refused["backend"]
        np.testing.assert_array_equal(refused["scores"], refused["cpu"])


@pytest.mark.parametrize("build", BUILDS, ids=[b.name for b in BUILDS])
def test_dnn_suite_on_build(build):
    """tests/test_dnn.py (agreement with Python onnxruntime, providers, malformed models, every declared
    C-ABI slot called) with the build's library and its Python package."""
    build = ort_builds.fetch(build)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TESTS / "test_dnn.py")],
                          env=_environment(build), capture_output=True, text=True, timeout=600, cwd=TESTS.parent)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout
