"""Training a tiny student on teacher labels, with held-out evaluation and a
split-conformal prediction interval."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .config import TrainConfig
from .dataset import Dataset
from .metrics import report


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


def ensemble_target(ds: Dataset, train_mask: np.ndarray) -> np.ndarray:
    """VMAF plus SSIM and MS-SSIM mapped onto the VMAF scale (cubic fits on the training frames)."""
    parts = [ds.teacher]
    for co in ("float_ssim", "float_ms_ssim"):
        if co in ds.columns:
            v = ds.column(co)
            coef = np.polyfit(v[train_mask], ds.teacher[train_mask], 3)
            parts.append(np.clip(np.polyval(coef, v), 0, 100))
    weights = [0.6] + [0.4 / (len(parts) - 1)] * (len(parts) - 1) if len(parts) > 1 else [1.0]
    return sum(w * p for w, p in zip(weights, parts))


def train_student(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, features: list[str]) -> Student:
    import torch

    from .nets import TinyNet

    torch.manual_seed(cfg.optim.seed)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same bytes on every run
    try:
        x_mean, x_std = x.mean(axis=0), x.std(axis=0) + 1e-6
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
    target = ensemble_target(ds, train) if cfg.teacher == "ensemble" else ds.teacher
    x = ds.select(cfg.features)
    student = train_student(x[train], target[train], cfg, cfg.features)
    pred = student.predict(x)
    metrics = {"test": report(pred[test], ds.teacher[test], ds.clip[test]),
               "train": report(pred[train], ds.teacher[train], ds.clip[train])}
    hw = conformal_halfwidth(pred[calib] - ds.teacher[calib], cfg.interval.alpha) if calib.any() else float("nan")
    covered = float(np.mean(np.abs(pred[test] - ds.teacher[test]) <= hw)) if test.any() else float("nan")
    interval = {"method": "split_conformal", "alpha": cfg.interval.alpha, "halfwidth": hw,
                "coverage_test": covered, "calibration_frames": int(calib.sum())}
    split = {"method": cfg.split.method, "seed": cfg.split.seed,
             "families": {r: sorted(set(fam[m])) for r, m in (("train", train), ("calib", calib), ("test", test))}}
    log(f"fit {cfg.name}: test frame RMSE {metrics['test']['frame']['rmse']:.4f}, "
        f"clip PLCC {metrics['test']['clip'].get('plcc', float('nan')):.6f}, interval +-{hw:.3f} "
        f"covers {covered:.3f}")
    result = FitResult(student, metrics, interval, split)
    if loso:
        result.loso = leave_one_source_out(cfg, ds, target, log)
    return result


def leave_one_source_out(cfg: TrainConfig, ds: Dataset, target: np.ndarray, log=print) -> dict:
    """Train without each family (or each of k groups of families) and score it; pooled over all families."""
    fam = ds.family
    names = sorted(set(fam))
    folds = cfg.split.loso_folds or len(names)
    order = np.random.default_rng(cfg.split.seed).permutation(len(names))
    group = {names[i]: rank % folds for rank, i in enumerate(order)}
    g = np.array([group[f] for f in fam])
    x = ds.select(cfg.features)
    pred = np.empty(len(x))
    for k in range(folds):
        held = g == k
        if not held.any():
            continue
        s = train_student(x[~held], target[~held], cfg, cfg.features)
        pred[held] = s.predict(x[held])
        log(f"loso {k + 1}/{folds}")
    out = report(pred, ds.teacher, ds.clip)
    out["folds"] = folds
    out["families"] = len(names)
    return out
