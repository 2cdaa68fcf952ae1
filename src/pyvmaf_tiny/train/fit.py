"""Training a tiny student on teacher labels, with held-out evaluation and a
conformal prediction interval (cross-conformal over families by default)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .config import TrainConfig
from .dataset import Dataset
from .metrics import report
from .scaling import input_scale


@dataclass
class Student:
    """A trained net plus the standardisation it was trained with (both go into the export)."""

    net: object  # nets.TinyNet
    features: list[str]
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: float
    y_std: float
    tau: Optional[float] = None

    def predict(self, x: np.ndarray) -> np.ndarray:
        import torch

        self.net.eval()
        with torch.no_grad():
            z = torch.from_numpy(((x - self.x_mean) / self.x_std).astype(np.float32))
            y = self.net(z).numpy().astype(np.float64)
        return np.clip(y * self.y_std + self.y_mean, 0.0, 100.0)


@dataclass
class FitResult:
    student: Student
    metrics: dict  # held-out (80/20 by source) agreement
    interval: dict  # conformal half-width and its coverage on the test families
    split: dict = field(default_factory=dict)
    loso: Optional[dict] = None
    label: dict = field(default_factory=lambda: {"teacher": "vmaf_v0.6.1"})  # what the student learned
    difficulty: Optional["Difficulty"] = None  # the interval's scale model (method normalized)
    stage2: Optional[dict] = None  # the MOS fine-tuning report, when it ran


def family_split(families: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame masks (train, calibration, test), split by source family so no picture or clip straddles them."""
    names = sorted(set(families))
    if cfg.method == "hash":
        u = {n: int(hashlib.sha256(f"{cfg.seed}:{n}".encode()).hexdigest()[:8], 16) / 2**32 for n in names}
    else:
        order = np.random.default_rng(cfg.seed).permutation(len(names))
        u = {names[i]: (rank + 0.5) / len(names) for rank, i in enumerate(order)}
    role = {n: "test" if u[n] < cfg.test_fraction else
            "calib" if u[n] < cfg.test_fraction + cfg.calibration_fraction else "train" for n in names}
    roles = np.array([role[f] for f in families])
    return roles == "train", roles == "calib", roles == "test"


def teacher_target(ds: Dataset) -> np.ndarray:
    """vmaf_v0.6.1 before its [0, 100] clip: a smooth function of the six
    features that a small net fits far better than the clipped score. The
    student's output is clipped to [0, 100] at run time (sidecar output.range)."""
    import pyvmaf_tiny

    from .dataset import CANONICAL

    return pyvmaf_tiny.models.load("vmaf_v0.6.1", disable_clip=True).predict(ds.select(CANONICAL))


def ensemble_target(ds: Dataset, train_mask: np.ndarray, describe: Optional[dict] = None) -> np.ndarray:
    """VMAF plus SSIM and MS-SSIM mapped onto the VMAF scale (cubic fits on the training frames).
    `describe`, if given, receives what the label is (weights and the cubic coefficients)."""
    parts = [teacher_target(ds)]
    names, coefs = ["vmaf_v0.6.1"], [None]
    for co in ("float_ssim", "float_ms_ssim"):
        if co in ds.columns:
            v = ds.column(co)
            coef = np.polyfit(v[train_mask], parts[0][train_mask], 3)
            parts.append(np.polyval(coef, v))
            names.append(co)
            coefs.append([float(c) for c in coef])
    weights = [0.6] + [0.4 / (len(parts) - 1)] * (len(parts) - 1) if len(parts) > 1 else [1.0]
    if describe is not None:
        describe.update(teacher="ensemble:" + "+".join(f"{w:g}*{n}" for w, n in zip(weights, names)),
                        parts=[{"name": n, "weight": w, "cubic_to_vmaf": c} for n, w, c in zip(names, weights, coefs)])
    return sum(w * p for w, p in zip(weights, parts))


def learned_target(cfg: TrainConfig, ds: Dataset, train_mask: np.ndarray) -> tuple[np.ndarray, dict]:
    """The label the student learns (before the [0, 100] clip) and its description for the sidecar."""
    if cfg.teacher == "ensemble":
        about: dict = {}
        return ensemble_target(ds, train_mask, about), about
    return teacher_target(ds), {"teacher": "vmaf_v0.6.1"}


def train_student(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, features: list[str]) -> Student:
    import torch

    from .nets import TinyNet

    if len(x) == 0:
        from ..errors import InputError

        raise InputError(f"config {cfg.name}: no training frames")
    torch.manual_seed(cfg.optim.seed)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same bytes on every run
    try:
        x_mean, x_std = input_scale(x)
        y_mean, y_std = float(y.mean()), float(y.std() + 1e-6)
        xs = torch.from_numpy(((x - x_mean) / x_std).astype(np.float32))
        ys = torch.from_numpy(((y - y_mean) / y_std).astype(np.float32))
        m = cfg.model
        net = TinyNet(x.shape[1], m.hidden, m.depth, m.arch, m.activation, m.dropout)
        tau_param = None
        params = list(net.parameters())
        if cfg.loss.type == "temperature" and cfg.loss.learnable_tau:
            tau_param = torch.nn.Parameter(torch.tensor(float(np.log(np.expm1(cfg.loss.distillation_temperature)))))
            params.append(tau_param)
        opt = torch.optim.AdamW(params, lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
        steps_per_epoch = max(1, int(np.ceil(len(xs) / cfg.optim.batch_size)))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.optim.lr, total_steps=cfg.optim.epochs *
                                                    steps_per_epoch, pct_start=0.1)
        gen = torch.Generator().manual_seed(cfg.optim.seed)
        for _ in range(cfg.optim.epochs):
            net.train()
            perm = torch.randperm(len(xs), generator=gen)
            for i in range(steps_per_epoch):
                idx = perm[i * cfg.optim.batch_size : (i + 1) * cfg.optim.batch_size]
                pred = net(xs[idx])
                loss = _loss(pred, ys[idx], cfg, tau_param)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        tau = None
        if cfg.loss.type == "temperature":
            tau = float(torch.nn.functional.softplus(tau_param)) if tau_param is not None else \
                cfg.loss.distillation_temperature
        net.eval()
        return Student(net, list(features), x_mean, x_std, y_mean, y_std, tau)
    finally:
        torch.set_num_threads(threads)


def _loss(pred, target, cfg: TrainConfig, tau_param):
    """mse, or the temperature loss: mse(sigmoid(p/tau), sigmoid(t/tau)) on standardised targets,
    scaled by (4 tau)^2 so that it matches plain mse for small errors."""
    import torch

    if cfg.loss.type == "mse":
        return torch.mean((pred - target) ** 2)
    tau = torch.nn.functional.softplus(tau_param) if tau_param is not None else cfg.loss.distillation_temperature
    s = torch.sigmoid
    return (4 * tau) ** 2 * torch.mean((s(pred / tau) - s(target / tau)) ** 2)


def conformal_halfwidth(residuals: np.ndarray, alpha: float) -> float:
    """Split conformal: the ceil((n+1)(1-alpha))-th smallest absolute residual."""
    r = np.sort(np.abs(residuals))
    k = int(np.ceil((len(r) + 1) * (1 - alpha))) - 1
    return float(r[min(max(k, 0), len(r) - 1)])


def fit(cfg: TrainConfig, ds: Dataset, loso: bool = False, log=print) -> FitResult:
    missing = [f for f in cfg.features if f not in ds.columns]
    if missing:
        from ..errors import InputError

        raise InputError(f"config {cfg.name}: the corpus has no feature(s) {missing}")
    fam = ds.family
    train, calib, test = family_split(fam, cfg.split)
    target, about = learned_target(cfg, ds, train)
    label = np.clip(target, 0.0, 100.0)  # what users see: metrics and intervals are against the clipped label
    x = ds.select(cfg.features)
    folds = cfg.interval.folds
    if folds:  # cross-conformal: calibration comes from out-of-fold residuals, so train on every non-test family
        train, calib = train | calib, np.zeros_like(calib)
    student = train_student(x[train], target[train], cfg, cfg.features)
    stage2 = None
    if cfg.stage2_enabled:
        from .mos import read_mos_csv
        from .stage2 import run_stage2

        student, stage2 = run_stage2(student, cfg, ds, x, target, train, test, read_mos_csv(cfg.stage2.mos_csv), log)
    pred = student.predict(x)
    metrics = {"test": report(pred[test], label[test], ds.clip[test]),
               "train": report(pred[train], label[train], ds.clip[train])}
    # each held-out family's frame RMSE and mean signed error (a per-source bias shows here, not in the total)
    err = pred[test] - label[test]
    metrics["test_per_family"] = {
        f: {"frames": int(np.sum(k)), "rmse": float(np.sqrt(np.mean(err[k] ** 2))), "bias": float(np.mean(err[k]))}
        for f in sorted(set(fam[test])) for k in [fam[test] == f]}
    if cfg.teacher != "vmaf":  # for reference: the ensemble student against plain VMAF
        metrics["test_vs_vmaf"] = report(pred[test], ds.teacher[test], ds.clip[test])
    difficulty = None
    if stage2 is not None:
        # MOS is per clip: there is no per-frame label of the fine-tuned model to calibrate against.
        interval = {"method": None, "alpha": cfg.interval.alpha,
                    "note": "no interval: a Stage-2 (MOS) model has no per-frame label to calibrate it on"}
    else:
        interval, difficulty = _interval(cfg, x, target, label, pred, fam, train, calib, test, folds)
    split = {"method": cfg.split.method, "seed": cfg.split.seed,
             "families": {r: sorted(set(fam[m])) for r, m in (("train", train), ("calib", calib), ("test", test))}}
    log(f"fit {cfg.name}: test frame RMSE {metrics['test']['frame']['rmse']:.4f}, "
        f"clip PLCC {metrics['test']['clip'].get('plcc', float('nan')):.6f}, interval "
        f"{interval.get('method')} mean half-width {interval.get('mean_halfwidth_test', float('nan')):.3f} covers "
        f"{interval.get('coverage_test', float('nan')):.3f}")
    result = FitResult(student, metrics, interval, split, label=about, difficulty=difficulty, stage2=stage2)
    if loso:
        result.loso = leave_one_source_out(cfg, ds, target, log)
    return result


def _interval(cfg: TrainConfig, x, target, label, pred, fam, train, calib, test, folds) -> tuple[dict, object]:
    """The conformal interval (constant or normalised) and its coverage on the test families, per family too."""
    from .interval import (conformal_quantile, coverage_by_family, ensemble_conformal, family_robust_quantile,
                           normalized_conformal)

    alpha = cfg.interval.alpha
    if folds:
        oof = _out_of_fold(cfg, x, target, fam, train, folds)
        mask, residuals, kind = train, oof[train] - label[train], "cross_conformal"
    else:
        mask, residuals, kind = calib, pred[calib] - label[calib], "split_conformal"
    out: dict = {"alpha": alpha, "folds": folds, "calibration_frames": int(len(residuals))}
    if not len(residuals):
        out.update(method=kind, halfwidth=float("nan"))
        return out, None
    hw = conformal_quantile(residuals, alpha)
    out["marginal_halfwidth"] = hw  # the plain (cross-)conformal half-width, for comparison
    ic = cfg.interval
    if ic.family_beta > 0:
        hw = max(hw, family_robust_quantile(np.abs(residuals), fam[mask], ic.family_beta, ic.family_level))
        out.update(family_beta=ic.family_beta, family_level=ic.family_level)
    err_test = np.abs(pred[test] - label[test])
    constant = coverage_by_family(err_test <= hw, fam[test]) if test.any() else None
    out["constant"] = {"halfwidth": hw, "coverage_test": constant}
    if cfg.interval.method == "constant":
        calib_cov = coverage_by_family(np.abs(residuals) <= hw, fam[mask])
        out.update(method=kind + ("_family_robust" if ic.family_beta > 0 else ""), halfwidth=hw,
                   mean_halfwidth_test=hw,
                   per_family_calibration={k: v for k, v in calib_cov.items() if k != "per_family"},
                   coverage_test=constant["overall"] if constant else float("nan"), per_family_test=constant)
        return out, None
    if ic.method == "ensemble":
        import copy

        from .export import folded_layers

        def member(xk: np.ndarray, yk: np.ndarray, k: int):
            c2 = copy.deepcopy(cfg)
            c2.optim.seed = cfg.optim.seed + 1 + k
            s = train_student(xk, yk, c2, cfg.features)
            return folded_layers(s), float(s.y_std), float(s.y_mean)

        difficulty, q, scores = ensemble_conformal(x[mask], target[mask], np.abs(residuals), fam[mask], alpha, member,
                                                   ic.members, ic.member_fraction, ic.spread_offset,
                                                   seed=cfg.split.seed)
        prefix = "ensemble_"
        out.update(members=ic.members, member_fraction=ic.member_fraction, spread_offset=ic.spread_offset)
    else:
        difficulty, q, scores = normalized_conformal(x[mask], np.abs(residuals), fam[mask], alpha,
                                                     cfg.interval.difficulty_hidden, folds=max(folds, 5),
                                                     seed=cfg.split.seed)
        prefix = "normalized_"
    if ic.family_beta > 0:
        q = max(q, family_robust_quantile(scores, fam[mask], ic.family_beta, ic.family_level))
    calib_cov = coverage_by_family(scores <= q, fam[mask])
    half = q * difficulty.predict(x[test]) if test.any() else np.zeros(0)
    cov = coverage_by_family(err_test <= half, fam[test]) if test.any() else None
    out.update(method=prefix + kind + ("_family_robust" if ic.family_beta > 0 else ""), quantile=q,
               scale_output="vmaf_scale",
               mean_halfwidth_test=float(np.mean(half)) if len(half) else float("nan"),
               coverage_test=cov["overall"] if cov else float("nan"), per_family_test=cov,
               per_family_calibration={k: v for k, v in calib_cov.items() if k != "per_family"})
    return out, difficulty


def _group_folds(names: list, folds: int, seed: int) -> dict:
    order = np.random.default_rng(seed).permutation(len(names))
    return {names[i]: rank % folds for rank, i in enumerate(order)}


def _run_folds(cfg: TrainConfig, x: np.ndarray, target: np.ndarray, masks: list, jobs: int = 0, log=None):
    """Train on each (fit, held) pair of masks, in parallel processes; predictions for each held mask."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    work = [(cfg, x, target, fit_mask, held) for fit_mask, held in masks]
    # Spawned, not forked: a fork of a process that has run torch can deadlock in its thread pool.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1, mp_context=ctx) as pool:
        for k, p in enumerate(pool.map(_fold, work)):
            if log:
                log(f"fold {k + 1}/{len(work)}")
            yield work[k][4], p


def _out_of_fold(cfg: TrainConfig, x: np.ndarray, target: np.ndarray, fam: np.ndarray, within: np.ndarray,
                 folds: int) -> np.ndarray:
    """Predictions for the frames in `within`, each by a student that never saw its family."""
    names = sorted(set(fam[within]))
    group = _group_folds(names, min(folds, len(names)), cfg.split.seed + 1)
    g = np.array([group.get(f, -1) for f in fam])
    pred = np.full(len(x), np.nan)
    masks = [(within & (g != k), g == k) for k in range(min(folds, len(names)))]
    for held, p in _run_folds(cfg, x, target, masks):
        pred[held] = p
    return pred


def _fold(args) -> np.ndarray:
    cfg, x, target, fit_mask, held = args
    return train_student(x[fit_mask], target[fit_mask], cfg, cfg.features).predict(x[held])


def leave_one_source_out(cfg: TrainConfig, ds: Dataset, target: np.ndarray, log=print, jobs: int = 0) -> dict:
    """Hold out each family (or each of loso_folds groups of families), train on
    the rest and score it; the pooled out-of-fold predictions are evaluated."""
    fam = ds.family
    names = sorted(set(fam))
    folds = min(cfg.split.loso_folds or len(names), len(names))
    group = _group_folds(names, folds, cfg.split.seed)
    g = np.array([group[f] for f in fam])
    x = ds.select(cfg.features)
    pred = np.empty(len(x))
    masks = [(g != k, g == k) for k in range(folds)]
    for held, p in _run_folds(cfg, x, target, masks, jobs, log=lambda m: log("loso " + m)):
        pred[held] = p
    out = report(pred, ds.teacher, ds.clip)
    out.update(folds=folds, families=len(names))
    return out
