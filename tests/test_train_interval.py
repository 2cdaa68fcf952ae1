"""The locally adaptive interval: the normalised conformal recipe on data whose
noise varies with the input (coverage per group where a fixed half-width fails
one group), and its export: the difficulty model as a second graph output that
the native runtime turns into a per-frame interval (sidecar schema 2), while
schema-1 sidecars with a fixed half-width load as before."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvmaf_tiny
from pyvmaf_tiny import _core

torch = pytest.importorskip("torch")  # the train extra is part of the test extras


def heteroscedastic(n_families=24, per=150, seed=0):
    """y = 50 + 30 x0 + noise whose size grows tenfold with x1; x1 is constant within a family."""
    rng = np.random.default_rng(seed)
    fam = np.repeat(np.arange(n_families), per)
    x1 = np.repeat(rng.uniform(0, 1, n_families), per)
    x0 = rng.uniform(-1, 1, len(fam))
    y = 50 + 30 * x0 + rng.normal(0, 0.5 + 5 * x1, len(fam))
    return np.column_stack([x0, x1]), y, 50 + 30 * x0, np.array([f"f{k}" for k in fam])


def test_normalized_conformal_covers_every_group_where_a_constant_width_does_not():
    from pyvmaf_tiny.train.interval import conformal_quantile, normalized_conformal

    x, y, pred, fam = heteroscedastic()
    res = np.abs(y - pred)
    cal = np.isin(fam, [f"f{k}" for k in range(16)])
    difficulty, q, _ = normalized_conformal(x[cal], res[cal], fam[cal], alpha=0.1, hidden=8)
    hw = conformal_quantile(res[cal], 0.1)
    test = ~cal
    noisy = test & (x[:, 1] > 0.6)
    quiet = test & (x[:, 1] < 0.3)
    assert noisy.any() and quiet.any()
    adaptive = q * difficulty.predict(x)
    covered = res <= adaptive
    # the fixed half-width over-covers quiet families and under-covers noisy ones; the adaptive one neither
    assert np.mean(res[noisy] <= hw) < 0.85 or np.mean(res[quiet] <= hw) > 0.99
    assert np.mean(covered[noisy]) >= 0.85 and np.mean(covered[quiet]) >= 0.85
    assert np.mean(adaptive[quiet]) < hw < np.mean(adaptive[noisy])


def export_pair(tmp_path, difficulty, q):
    """A student fitted to the synthetic data, exported with `difficulty` as its second output."""
    from pyvmaf_tiny.train.config import load_config
    from pyvmaf_tiny.train.export import to_onnx, write_sidecar
    from pyvmaf_tiny.train.fit import train_student

    x, y, _, _ = heteroscedastic()
    cfg = load_config("name: s\nfeatures: [integer_adm2, integer_vif_scale3]\nmodel: {hidden: 4}\n"
                      "optim: {epochs: 3, batch_size: 512}")
    student = train_student(x, y, cfg, cfg.features)
    path = tmp_path / "s.onnx"
    path.write_bytes(to_onnx(student, 19, difficulty=difficulty).SerializeToString())
    interval = {"method": "normalized_cross_conformal", "alpha": 0.1, "scale_output": "vmaf_scale", "quantile": q}
    write_sidecar(path, "s", cfg.features, 19, "fp32", interval=interval)
    return path, x


def test_per_frame_interval_runs_natively(tmp_path):
    from pyvmaf_tiny.train.interval import train_difficulty

    x, y, pred, _ = heteroscedastic()
    difficulty = train_difficulty(x, np.abs(y - pred), hidden=8)
    path, x = export_pair(tmp_path, difficulty, 1.7)
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["schema"] == "pyvmaf-tiny/model/2" and side["interval"]["scale_output"] == "vmaf_scale"
    model = pyvmaf_tiny.models.load(str(path), device="cpu")
    assert _core.check_onnx(path.read_bytes())["row_outputs"] == ["vmaf", "vmaf_scale"]
    got = _core.frame_interval(model.native, x[:300])
    score = model.predict(x[:300])
    want = 1.7 * difficulty.predict(x[:300])
    np.testing.assert_allclose(got[:, 1] - score, np.minimum(want, 100 - score), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(score - got[:, 0], np.minimum(want, score), rtol=1e-4, atol=1e-4)
    assert np.ptp(got[:, 1] - got[:, 0]) > 1.0  # the width follows the input
    # the same interval reaches Result.interval through make_result
    from pyvmaf_tiny.result import make_result

    r = make_result(model, list(model.columns), x[:300], score, width=64, height=64, bitdepth=8)
    np.testing.assert_array_equal(r.interval, got)
    # and the logs' bounds, named as libvmaf names its bootstrap interval
    np.testing.assert_array_equal(r.scores["vmaf_ci_p90_lo"], got[:, 0])
    np.testing.assert_array_equal(r.scores["vmaf_ci_p90_hi"], got[:, 1])


def test_sidecar_schema_2_rules(tmp_path):
    from pyvmaf_tiny.train.interval import train_difficulty

    x, y, pred, _ = heteroscedastic()
    path, _ = export_pair(tmp_path, train_difficulty(x, np.abs(y - pred), hidden=4, steps=20), 2.0)
    side = json.loads(path.with_suffix(".json").read_text())

    def load(edit):
        s = json.loads(json.dumps(side))
        edit(s)
        path.with_suffix(".json").write_text(json.dumps(s))
        return pyvmaf_tiny.models.load(str(path), device="cpu")

    with pytest.raises(pyvmaf_tiny.ModelError, match="needs schema pyvmaf-tiny/model/2"):
        load(lambda s: s.update(schema="pyvmaf-tiny/model/1"))
    with pytest.raises(pyvmaf_tiny.ModelError, match="needs \"quantile\""):
        load(lambda s: s["interval"].pop("quantile"))
    with pytest.raises(pyvmaf_tiny.ModelError, match="no output 'nope'"):
        load(lambda s: s["interval"].update(scale_output="nope"))
    with pytest.raises(pyvmaf_tiny.ModelError, match="other than the score"):
        load(lambda s: s["interval"].update(scale_output="vmaf"))
    with pytest.raises(pyvmaf_tiny.ModelError, match="quantile"):
        load(lambda s: s["interval"].update(quantile=-1))
    for alpha in (0, 1, 1.0, -0.5, 2, "0.1", None):  # the level the bounds are named by: 0 < alpha < 1
        with pytest.raises(pyvmaf_tiny.ModelError, match="interval.alpha"):
            load(lambda s: s["interval"].update(alpha=alpha))
    assert load(lambda s: s["interval"].update(alpha=0.125)).interval_coverage == 0.875
    assert load(lambda s: s["interval"].pop("alpha")).interval_coverage == 0.9
    # schema 2 with a fixed half-width, and a model without an interval
    m = load(lambda s: s.update(interval={"method": "cross_conformal", "alpha": 0.1, "halfwidth": 3.0}))
    got = _core.frame_interval(m.native, x[:5])
    np.testing.assert_allclose(got[:, 1] - got[:, 0], 6.0, atol=1e-9)
    assert _core.frame_interval(load(lambda s: s.pop("interval")).native, x[:5]) is None


def test_schema_1_fixed_halfwidth_still_loads():
    model = pyvmaf_tiny.models.load("fr_micro_v1", device="cpu")
    x = np.array([[0.9, 0.8], [0.7, 0.5], [0.99, 0.95]])
    got = _core.frame_interval(model.native, x)
    score = model.predict(x)
    hw = model.interval_halfwidth
    np.testing.assert_allclose(got, np.column_stack([np.clip(score - hw, 0, 100), np.clip(score + hw, 0, 100)]))


def test_family_robust_quantile_covers_families_with_their_own_bias():
    """Errors with a per-family offset: the marginal quantile leaves the most biased families under 85%;
    the family-robust one covers all but about beta of new families."""
    from pyvmaf_tiny.train.interval import conformal_quantile, family_robust_quantile

    rng = np.random.default_rng(1)
    n_fam, per = 80, 100
    fam = np.repeat(np.arange(n_fam), per)
    err = np.abs(np.repeat(rng.normal(0, 2.0, n_fam), per) + rng.normal(0, 1.0, n_fam * per))
    cal, new = fam < 60, fam >= 60
    q_marginal = conformal_quantile(err[cal], 0.1)
    q_family = family_robust_quantile(err[cal], fam[cal], beta=0.1, level=0.85)
    per_family = lambda q: np.array([np.mean(err[fam == f] <= q) for f in range(60, n_fam)])  # noqa: E731
    assert np.mean(per_family(q_marginal) < 0.85) > 0.1
    assert q_family > q_marginal and np.mean(per_family(q_family) < 0.85) <= 0.15
