"""The training loop end to end on a tiny corpus: build, extract, fit, export,
native scoring and the torch / Python ORT / native round trip; plus determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyvmaf_tiny
from clips import small_clip

import torch  # noqa: E402,F401 - the train extra is part of the test extras

CONFIG = """\
name: e2e_tiny
features: canonical
model: {arch: mlp, hidden: 8, depth: 2, activation: silu}
loss: {type: mse}
split: {method: source_holdout, test_fraction: 0.3, calibration_fraction: 0.2, seed: 0}
optim: {lr: 0.01, epochs: 15, batch_size: 64, seed: 0}
export: {opset: 19}
interval: {folds: 2}
"""


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *map(str, args)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    cli("corpus", "build", d, "--max-sources", 6, "--variants", 3, "--frames", 4, "--seed", 1)
    return d


def test_end_to_end_build_extract_fit_export_score(corpus, tmp_path):
    cfg = tmp_path / "e2e.yaml"
    cfg.write_text(CONFIG)
    out = json.loads(cli("train", "fit", cfg, "--corpus", corpus, "--out", tmp_path / "m").stdout)
    onnx_path = Path(out["model"])
    assert onnx_path.exists() and onnx_path.with_suffix(".json").exists()
    assert all(v <= 1e-5 for k, v in out["round_trip"].items() if k != "fold_float64")
    side = json.loads(onnx_path.with_suffix(".json").read_text())
    assert side["schema"] == "pyvmaf-tiny/model/1" and side["input"]["features"][0] == "integer_adm2"
    assert side["interval"]["halfwidth"] > 0 and "plcc" in side["metrics"]
    # the exported model scores real content natively, with its interval
    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(onnx_path), **clip.geometry)
    assert r.model == "e2e_tiny" and r.frames.shape == (6,) and r.interval.shape == (6, 2)
    assert np.all((r.frames >= 0) & (r.frames <= 100))
    # same config, seed and corpus: the same model bytes
    cli("train", "fit", cfg, "--corpus", corpus, "--out", tmp_path / "again")
    assert (tmp_path / "again" / "e2e_tiny.onnx").read_bytes() == onnx_path.read_bytes()
    # re-export at opset 21, and quantise
    path21 = Path(cli("train", "export", tmp_path / "m" / "e2e_tiny.pt", "--opset", 21).stdout.strip())
    np.testing.assert_array_equal(pyvmaf_tiny.models.load(str(path21)).predict(np.full((3, 6), 0.5)),
                                  pyvmaf_tiny.models.load(str(onnx_path)).predict(np.full((3, 6), 0.5)))
    q = json.loads(cli("train", "quantize", tmp_path / "m" / "e2e_tiny.pt", "--corpus", corpus, "--int4").stdout)
    assert q["int8"]["supported"] and q["int8"]["native"]
    assert "int4" in q  # supported or not, the report says which


def test_eval_reports_agreement(corpus):
    out = json.loads(cli("train", "eval", "vmaf_v0.6.1", "--corpus", corpus).stdout)
    assert out["teacher"]["frame"]["rmse"] < 1e-9  # the teacher agrees with itself


def test_config_validation(tmp_path):
    from pyvmaf_tiny.train.config import load_config

    for bad, msg in [("model: {arch: cnn}", "model.arch"), ("bogus: 1", "unknown key"),
                     ("loss: {type: l1}", "loss.type"), ("export: {opset: 18}", "opset"),
                     ("features: [a, a]", "distinct"), ("[1, 2]", "mapping")]:
        with pytest.raises(pyvmaf_tiny.InputError, match=msg):
            load_config("name: x\n" + bad if not bad.startswith("[") else bad)
    assert load_config("name: x\nfeatures: canonical").features[0] == "integer_adm2"
