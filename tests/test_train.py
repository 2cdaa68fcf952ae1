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


def cli(*args, rc=0):
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *map(str, args)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == rc, proc.stderr[-3000:]
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
    assert all(v <= 1e-5 for k, v in out["round_trip"].items() if k not in ("fold_float64", "interval_native_vs_python"))
    assert out["round_trip"]["interval_native_vs_python"] <= 1e-3  # sigma: float32 in torch, float64 in the graph
    side = json.loads(onnx_path.with_suffix(".json").read_text())
    assert side["schema"] == "pyvmaf-tiny/model/2" and side["input"]["features"][0] == "integer_adm2"
    assert side["interval"]["scale_output"] == "vmaf_scale" and side["interval"]["quantile"] > 0
    assert "plcc" in side["metrics"] and side["teacher"] == "vmaf_v0.6.1"
    # the exported model scores real content natively, with its per-frame interval
    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(onnx_path), **clip.geometry)
    assert r.model == "e2e_tiny" and r.frames.shape == (6,) and r.interval.shape == (6, 2)
    assert np.all((r.frames >= 0) & (r.frames <= 100))
    assert np.all(r.interval[:, 0] <= r.frames) and np.all(r.frames <= r.interval[:, 1])
    assert np.all((r.interval >= 0) & (r.interval <= 100))  # (per-frame widths: tests/test_train_interval.py)
    # same config, seed and corpus: the same model bytes
    cli("train", "fit", cfg, "--corpus", corpus, "--out", tmp_path / "again")
    assert (tmp_path / "again" / "e2e_tiny.onnx").read_bytes() == onnx_path.read_bytes()
    # re-export at opset 21, and quantise
    path21 = Path(cli("train", "export", tmp_path / "m" / "e2e_tiny.pt", "--opset", 21).stdout.strip())
    np.testing.assert_array_equal(pyvmaf_tiny.models.load(str(path21)).predict(np.full((3, 6), 0.5)),
                                  pyvmaf_tiny.models.load(str(onnx_path)).predict(np.full((3, 6), 0.5)))
    q = json.loads(cli("train", "quantize", tmp_path / "m" / "e2e_tiny.pt", "--corpus", corpus, "--int4").stdout)
    for kind in ("int8", "int4"):
        entry = q[kind]
        written = tmp_path / "m" / f"e2e_tiny_{kind}.onnx"
        assert entry["written"] == (entry["rmse_vs_fp32"] <= 0.5) == written.exists(), entry
        if entry["written"]:
            assert entry["native_vs_ort"] <= 1e-5
    assert q["int8"]["written"]  # per-channel int8 of the trained weights is well within 0.5 VMAF
    # a bound nothing meets: nothing is written, and the report says why
    q = json.loads(cli("train", "quantize", tmp_path / "m" / "e2e_tiny.pt", "--corpus", corpus,
                       "--max-rmse", "1e-9", "--out", tmp_path / "strict").stdout)
    assert not q["int8"]["written"] and "not written" in q["int8"]["reason"]
    assert not list((tmp_path / "strict").glob("*.onnx"))


def test_eval_reports_agreement(corpus):
    out = json.loads(cli("train", "eval", "vmaf_v0.6.1", "--corpus", corpus).stdout)
    assert out["teacher"]["frame"]["rmse"] < 1e-9  # the teacher agrees with itself


def test_config_validation(tmp_path):
    from pyvmaf_tiny.train.config import load_config

    for bad, msg in [("model: {arch: cnn}", "model.arch"), ("bogus: 1", "unknown key"),
                     ("loss: {type: l1}", "loss.type"), ("export: {opset: 18}", "opset"),
                     ("features: [a, a]", "distinct"), ("[1, 2]", "mapping"),
                     ("stage2: {mos_csv: nowhere.csv}", "no such file"),
                     ("stage2: {epochs: 5}", "needs mos_csv"),
                     ("stage2: {mos_csv: x.csv, bogus: 1}", "unknown key.*stage2"),
                     ("interval: {width: 2}", "unknown key.*interval"),
                     ("optim: {epochs: many}", "optim.epochs must be int"),
                     ("stage2: {mapping: linear}", "stage2.mapping")]:
        with pytest.raises(pyvmaf_tiny.InputError, match=msg):
            load_config("name: x\n" + bad if not bad.startswith("[") else bad)
    assert load_config("name: x\nfeatures: canonical").features[0] == "integer_adm2"
    # a config file's mos_csv is found beside it
    (tmp_path / "m.csv").write_text("clip,mos\n")
    (tmp_path / "c.yaml").write_text("name: x\nstage2: {mos_csv: m.csv, epochs: 3}\n")
    cfg = load_config(str(tmp_path / "c.yaml"))
    assert cfg.stage2.mos_csv == str(tmp_path / "m.csv") and cfg.stage2_enabled


def mos_like(corpus, path, clips=None):
    """A 1-5 MOS per clip from psnr_y, which the students do not read: a label that ranks and bends
    differently from the teacher."""
    from pyvmaf_tiny.train.dataset import extract

    ds = extract(str(corpus), jobs=1, log=lambda m: None)
    psnr = np.bincount(ds.clip, weights=ds.column("psnr_y")) / np.bincount(ds.clip)
    rows = [(c["clip"], 1 + 4 / (1 + np.exp(-(p - 36) / 3))) for c, p in zip(ds.clips, psnr)]
    path.write_text("clip,mos\n" + "".join(f"{c},{m:.4f}\n" for c, m in rows[:clips]))
    return path


def test_ensemble_interval_exports_its_members_and_round_trips(corpus, tmp_path):
    """interval.method ensemble: students trained on different shares of the families, their spread (plus an
    offset) normalising the residuals; the members go into the graph, whose second output the native runtime
    turns into per-frame intervals equal to the trained ones."""
    from pyvmaf_tiny.train.interval import EnsembleSpread, family_bags

    bags = family_bags(9, 6, 0.6, seed=0)
    assert bags.shape == (6, 9) and set((~bags).sum(axis=0)) == {2}  # each family left out of 2 members
    layers = [(np.ones((3, 2)), np.zeros(3), "silu"), (np.ones((1, 3)), np.zeros(1), None)]
    same = EnsembleSpread([(layers, 2.0, 50.0)] * 3, 0.25)
    np.testing.assert_allclose(same.predict(np.ones((4, 2))), 0.25)  # members that agree: the offset alone

    cfg = tmp_path / "ens.yaml"
    cfg.write_text(CONFIG.replace("interval: {folds: 2}", "interval: {folds: 2, method: ensemble, members: 4}"))
    out = json.loads(cli("train", "fit", cfg, "--corpus", corpus, "--out", tmp_path / "m").stdout)
    assert out["interval"]["method"] == "ensemble_cross_conformal" and out["interval"]["members"] == 4
    assert out["round_trip"]["interval_native_vs_python"] <= 1e-4
    side = json.loads(Path(out["model"]).with_suffix(".json").read_text())
    assert side["interval"]["scale_output"] == "vmaf_scale" and side["interval"]["quantile"] > 0
    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), out["model"], **clip.geometry)
    width = r.interval[:, 1] - r.interval[:, 0]
    assert np.all(width > 0) and np.ptp(width) > 0  # per frame, not one constant
    with pytest.raises(pyvmaf_tiny.InputError, match="members"):
        from pyvmaf_tiny.train.config import load_config, packaged_config

        load_config(packaged_config("fr_micro_v2"), ["interval.method=ensemble", "interval.members=2"])


def test_ensemble_bags_give_every_member_families_or_refuse():
    from pyvmaf_tiny.train.interval import family_bags

    for families, members in ((3, 3), (4, 12), (2, 12), (5, 4), (68, 12)):
        bags = family_bags(families, members, 0.6, seed=0)
        assert bags.sum(axis=1).min() >= 1  # every member trains on a family
        left = (~bags).sum(axis=1)
        assert left.max() - left.min() <= 1 and len(set((~bags).sum(axis=0))) == 1
    with pytest.raises(pyvmaf_tiny.InputError, match="too few"):
        family_bags(2, 3, 0.6, seed=0)
    with pytest.raises(pyvmaf_tiny.InputError, match="too few"):
        family_bags(1, 12, 0.6, seed=0)


def test_a_feature_constant_in_training_does_not_blow_up_later():
    """A feature with no spread over the training frames (motion on stills) is scaled by 1, not by its
    zero spread: another value of it later moves the prediction by a bounded amount."""
    from pyvmaf_tiny.train.config import load_config, packaged_config
    from pyvmaf_tiny.train.fit import train_student

    cfg = load_config(packaged_config("fr_micro_v2"), ["optim.epochs=20"])
    rng = np.random.default_rng(0)
    x = rng.random((400, len(cfg.features)))
    x[:, -1] = 0.0  # motion2 constant
    y = 50 + 40 * x[:, 0]
    student = train_student(x, y, cfg, cfg.features)
    moved = x[:20].copy()
    moved[:, -1] = 3.0
    assert np.all(np.abs(student.predict(moved) - student.predict(x[:20])) < 100)
    assert np.all(student.x_std[-1] == 1.0)


def test_caches_that_gained_features_do_not_decide_the_columns(corpus, tmp_path):
    """A corpus whose first clips' caches gained a feature (an extractor run over some clips only) loads
    with the columns every clip has, as before."""
    import shutil

    from pyvmaf_tiny.train.dataset import extract

    before = extract(str(corpus), jobs=1, log=lambda m: None)
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    clip = (copy / "manifest.csv").read_text().splitlines()[1].split(",")[0]
    first = copy / "features" / (clip.replace("/", "__") + ".npz")
    with np.load(first) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["f:gained_feature"] = arrays["teacher"] * 0
    np.savez(first, **arrays)
    after = extract(str(copy), jobs=1, log=lambda m: None)
    assert after.columns == before.columns and "gained_feature" not in after.columns
    np.testing.assert_array_equal(after.x, before.x)


STAGE2 = CONFIG.replace("interval: {folds: 2}", "interval: {folds: 2}\nstage2: {mos_csv: mos.csv, epochs: 40, "
                        "lr: 0.003, patience: 40, holdout: 0.3, anchor: 0.05}")


def test_stage2_fine_tunes_on_mos(corpus, tmp_path):
    mos_like(corpus, tmp_path / "mos.csv")
    (tmp_path / "s1.yaml").write_text(CONFIG)
    (tmp_path / "s2.yaml").write_text(STAGE2)
    cli("train", "fit", tmp_path / "s1.yaml", "--corpus", corpus, "--out", tmp_path / "one")
    out = json.loads(cli("train", "fit", tmp_path / "s2.yaml", "--corpus", corpus, "--out", tmp_path / "two").stdout)
    s2 = out["stage2"]
    # Stage 2 ran from the Stage-1 weights and moved the model toward the (mapped) MOS of clips it never trained on
    assert s2["init"] == "stage1" and s2["best_epoch"] > 0
    assert s2["held_rmse_best"] < s2["held_rmse_start"]
    assert (tmp_path / "two" / "e2e_tiny.onnx").read_bytes() != (tmp_path / "one" / "e2e_tiny.onnx").read_bytes()
    side = json.loads((tmp_path / "two" / "e2e_tiny.json").read_text())
    assert side["training"]["stage2"]["mapping"]["type"] == "logistic" and "interval" not in side
    # the baseline: the same MOS, from scratch
    (tmp_path / "s3.yaml").write_text(STAGE2.replace("anchor: 0.05}", "anchor: 0.05, init: scratch}"))
    out = json.loads(cli("train", "fit", tmp_path / "s3.yaml", "--corpus", corpus, "--out", tmp_path / "three").stdout)
    assert out["stage2"]["init"] == "scratch" and out["stage2"]["anchor"] == 0.0


def test_stage2_refuses_clips_not_in_the_corpus(corpus, tmp_path):
    (tmp_path / "mos.csv").write_text("clip,mos\nnot/a-clip.mkv,3.0\n")
    (tmp_path / "s2.yaml").write_text(STAGE2)
    proc = cli("train", "fit", tmp_path / "s2.yaml", "--corpus", corpus, "--out", tmp_path / "m", rc=2)
    assert "not in the corpus" in proc.stderr


def test_eval_mos_maps_scales_and_writes_no_nan(corpus, tmp_path):
    mos_like(corpus, tmp_path / "mos.csv")
    out = json.loads(cli("train", "eval", "vmaf_v0.6.1", "--corpus", corpus, "--mos", tmp_path / "mos.csv").stdout)
    m = out["mos"]
    assert m["clips"] > 4 and m["mapping"]["type"] == "logistic" and "rmse" not in m["raw"]
    assert m["mapped"]["rmse"] < 1.0  # in MOS units (1-5), after the logistic; unmapped it would be ~60
    # no clip matches: a clear error, not NaN
    (tmp_path / "none.csv").write_text("clip,mos\nelsewhere.mkv,4\n")
    proc = cli("train", "eval", "vmaf_v0.6.1", "--corpus", corpus, "--mos", tmp_path / "none.csv", rc=2)
    assert "none of its 1 clips" in proc.stderr
    # two matching clips: PLCC is undefined and is left out; the JSON stays valid (no NaN)
    mos_like(corpus, tmp_path / "two.csv", clips=2)
    text = cli("train", "eval", "vmaf_v0.6.1", "--corpus", corpus, "--mos", tmp_path / "two.csv").stdout
    assert "NaN" not in text and json.loads(text)["mos"]["mapped"] is None


def test_fr_micro_v2_recipe_trains_on_the_sampled_features(corpus, tmp_path):
    """The packaged fr_micro_v2 recipe (a bounded slice of its corpus-scale command in docs/training.md): it
    trains on the row-sampled VIF, ADM and motion estimates, records its family-robust interval, and a score
    with it extracts just those (no exact VIF, ADM or motion)."""
    from pyvmaf_tiny.train.config import load_config, packaged_config

    features = load_config(packaged_config("fr_micro_v2")).features
    out = json.loads(cli("train", "fit", "fr_micro_v2", "--corpus", corpus, "--out", tmp_path / "m").stdout)
    side = json.loads(Path(out["model"]).with_suffix(".json").read_text())
    assert side["input"]["features"] == features
    assert all(f.endswith(("_sr_16", "_sr_32")) for f in features) and len(features) == 10
    assert side["interval"]["method"] == "cross_conformal_family_robust"
    assert out["interval"]["halfwidth"] >= out["interval"]["marginal_halfwidth"]
    rep = json.loads(Path(out["model"]).with_suffix(".report.json").read_text())
    per = rep["metrics"]["test_per_family"]
    assert sum(v["frames"] for v in per.values()) == rep["metrics"]["test"]["frame"]["n"]
    clip = small_clip()
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), out["model"], **clip.geometry)
    assert r.interval.shape == (len(r.frames), 2) and set(r.features) == set(features)


def test_config_overrides_are_validated_like_the_file():
    """`train fit --set KEY=VALUE`: the commands in docs/training.md that vary a packaged recipe."""
    from pyvmaf_tiny.train.config import load_config, packaged_config

    cfg = load_config(packaged_config("fr_micro_v2"), ["interval.method=normalized", "interval.family_beta=0",
                                                       "optim.epochs=5"])
    assert (cfg.interval.method, cfg.interval.family_beta, cfg.optim.epochs) == ("normalized", 0, 5)
    for bad, msg in [("interval.nope=1", "unknown key.*nope"), ("optim.epochs=many", "optim.epochs must be int"),
                     ("name.x=1", "name is not a section"), ("epochs", "expected KEY=VALUE"),
                     ("interval.method=wide", "interval.method must be one of")]:
        with pytest.raises(pyvmaf_tiny.InputError, match=msg):
            load_config(packaged_config("fr_micro_v2"), [bad])
