"""`train sweep`: a grid over loss temperature, architecture, width and feature subset."""

from __future__ import annotations

import copy
import itertools
from typing import Iterable, Optional

from .config import TrainConfig
from .dataset import CANONICAL, Dataset
from .fit import fit
from .nets import TinyNet, parameter_count

TAUS = (0.5, 1.0, 2.0)
ARCHS = ("mlp", "mlp_bn", "reweight_mlp")
WIDTHS = (16, 32, 64)
DEPTHS = (2, 4)


def grid(base: TrainConfig, feature_sets: Optional[Iterable[list]] = None, taus=TAUS, archs=ARCHS, widths=WIDTHS,
         depths=DEPTHS, learnable_tau: bool = True):
    """The MSE baseline plus temperature losses (fixed taus, and a learnable tau starting at 1), for every
    arch x width x depth x feature set."""
    feature_sets = list(feature_sets or [list(base.features)])
    losses = [("mse", None, False)] + [("temperature", t, False) for t in taus]
    if learnable_tau:
        losses.append(("temperature", 1.0, True))
    for features, arch, width, depth in itertools.product(feature_sets, archs, widths, depths):
        for loss, tau, learn in losses:
            cfg = copy.deepcopy(base)
            cfg.features, cfg.model.arch, cfg.model.hidden, cfg.model.depth = list(features), arch, width, depth
            cfg.loss.type, cfg.loss.learnable_tau = loss, learn
            if tau is not None:
                cfg.loss.distillation_temperature = tau
            yield cfg


def synthetic_1080p(frames: int = 12, seed: int = 0):
    """A panning textured reference and a noisy, blurred distorted copy, 1080p 8-bit."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (1080 // 8 + 8, 1920 // 8 + 8 + frames)).astype(np.float32)
    big = np.kron(base, np.ones((8, 8), np.float32))
    ref = np.stack([big[:1080, 8 * i // 4 : 8 * i // 4 + 1920] for i in range(frames)])
    ref = (0.5 * ref + 0.25 * np.roll(ref, 1, axis=2) + 0.25 * np.roll(ref, 1, axis=1)).astype(np.uint8)
    dist = np.clip(ref + rng.normal(0, 6, ref.shape), 0, 255).astype(np.uint8)
    return ref, dist


def extraction_cost(feature_sets: Iterable[list], repeat: int = 5, threads: int = 1) -> dict:
    """Native extraction time of each feature set, in ms per 1080p frame (median of `repeat` interleaved runs,
    one thread)."""
    import statistics
    import time

    import pyvmaf_tiny

    ref, dist = synthetic_1080p()
    sets = [list(f) for f in feature_sets]
    runs = {"+".join(f): [] for f in sets}
    for _ in range(repeat):
        for features in sets:
            t = time.perf_counter()
            pyvmaf_tiny.extract_features(ref, dist, features, bitdepth=8, threads=threads)
            runs["+".join(features)].append((time.perf_counter() - t) * 1000 / len(ref))
    return {k: statistics.median(v) for k, v in runs.items()}


def _sweep_one(cfg: TrainConfig, ds: Dataset) -> dict:
    cfg.interval.folds, cfg.split.calibration_fraction = 0, 0.0  # a sweep compares accuracy only
    cfg.interval.method = "constant"
    r = fit(cfg, ds, log=lambda s: None)
    net = TinyNet(len(cfg.features), cfg.model.hidden, cfg.model.depth, cfg.model.arch, cfg.model.activation)
    t = r.metrics["test"]
    tau = None
    if cfg.loss.type == "temperature":
        tau = r.student.tau if cfg.loss.learnable_tau else cfg.loss.distillation_temperature
    return {"features": "canonical" if list(cfg.features) == list(CANONICAL) else "+".join(cfg.features),
            "arch": cfg.model.arch, "hidden": cfg.model.hidden, "depth": cfg.model.depth, "loss": cfg.loss.type,
            "tau": tau, "learnable_tau": bool(cfg.loss.learnable_tau),
            "params": parameter_count(net), "frame_rmse": t["frame"]["rmse"],
            "clip_plcc": t["clip"].get("plcc"), "clip_srocc": t["clip"].get("srocc"), "clip_rmse": t["clip"]["rmse"]}


_DS = None


def _init(ds):
    global _DS
    _DS = ds


def _sweep_task(cfg):
    return _sweep_one(cfg, _DS)


def run_sweep(configs: Iterable[TrainConfig], ds: Dataset, log=print, jobs: int = 0) -> list[dict]:
    """Fits every config (one process per core, one thread each: results do not depend on the job count)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    configs = list(configs)
    rows = []
    ctx = multiprocessing.get_context("spawn")  # see fit._run_folds
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1, initializer=_init, initargs=(ds,),
                             mp_context=ctx) as pool:
        for k, row in enumerate(pool.map(_sweep_task, configs)):
            rows.append(row)
            log(f"sweep {k + 1}/{len(configs)}: {row}")
    return rows


def markdown(rows: list[dict], cost: Optional[dict] = None) -> str:
    """The results table, best frame RMSE first; with `cost`, each feature set's 1080p extraction time."""
    full = cost.get("+".join(CANONICAL)) if cost else None
    head = "| features | arch | hidden | depth | loss | tau | params | frame RMSE | clip PLCC | clip SROCC |"
    rule = "|---|---|---|---|---|---|---|---|---|---|"
    if cost:
        head += " extraction ms/frame (1080p) | cheaper than vmaf |"
        rule += "---|---|"
    lines = [head, rule]
    for r in sorted(rows, key=lambda r: r["frame_rmse"]):
        tau = "" if r["tau"] is None else f"{r['tau']:.3g}" + (" (learnt)" if r.get("learnable_tau") else "")
        line = (f"| {r['features']} | {r['arch']} | {r['hidden']} | {r.get('depth', 2)} | {r['loss']} | {tau} | "
                f"{r['params']} | "
                f"{r['frame_rmse']:.4f} | {r['clip_plcc']:.6f} | {r['clip_srocc']:.6f} |")
        if cost:
            ms = cost["+".join(CANONICAL) if r["features"] == "canonical" else r["features"]]
            line += f" {ms:.1f} | {full / ms:.1f}x |"
        lines.append(line)
    return "\n".join(lines) + "\n"
