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
WIDTHS = (16, 24)


def grid(base: TrainConfig, feature_sets: Optional[Iterable[list]] = None, taus=TAUS, archs=ARCHS, widths=WIDTHS):
    """The MSE baseline plus temperature losses, for every arch x width x feature set."""
    feature_sets = list(feature_sets or [list(base.features)])
    for features, arch, width in itertools.product(feature_sets, archs, widths):
        for loss, tau in [("mse", None)] + [("temperature", t) for t in taus]:
            cfg = copy.deepcopy(base)
            cfg.features, cfg.model.arch, cfg.model.hidden = list(features), arch, width
            cfg.loss.type = loss
            if tau is not None:
                cfg.loss.distillation_temperature = tau
            yield cfg


def run_sweep(configs: Iterable[TrainConfig], ds: Dataset, log=print) -> list[dict]:
    rows = []
    for cfg in configs:
        r = fit(cfg, ds, log=lambda s: None)
        net = TinyNet(len(cfg.features), cfg.model.hidden, cfg.model.depth, cfg.model.arch, cfg.model.activation)
        t = r.metrics["test"]
        row = {"features": "canonical" if list(cfg.features) == list(CANONICAL) else "+".join(cfg.features),
               "arch": cfg.model.arch, "hidden": cfg.model.hidden, "loss": cfg.loss.type,
               "tau": cfg.loss.distillation_temperature if cfg.loss.type == "temperature" else None,
               "params": parameter_count(net), "frame_rmse": t["frame"]["rmse"],
               "clip_plcc": t["clip"].get("plcc"), "clip_srocc": t["clip"].get("srocc"),
               "clip_rmse": t["clip"]["rmse"]}
        rows.append(row)
        log(f"sweep: {row}")
    return rows


def markdown(rows: list[dict]) -> str:
    head = "| features | arch | hidden | loss | tau | params | frame RMSE | clip PLCC | clip SROCC |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: r["frame_rmse"]):
        tau = "" if r["tau"] is None else f"{r['tau']:g}"
        lines.append(f"| {r['features']} | {r['arch']} | {r['hidden']} | {r['loss']} | {tau} | {r['params']} | "
                     f"{r['frame_rmse']:.4f} | {r['clip_plcc']:.6f} | {r['clip_srocc']:.6f} |")
    return "\n".join(lines) + "\n"
