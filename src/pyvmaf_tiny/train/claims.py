"""`pyvmaf-tiny train claims`: the distillation digest's claims, measured on
MOS-like labels at several corpus sizes.

There is no public MOS set among this project's package sources, so the
labels are synthetic and say so: a per-clip "perceptual" score the students
never see as input or teacher label, built from MS-SSIM, PSNR-Y and the
harmonic mean of the frames' VMAF (worst frames weigh more, as viewers'
memories do), bent through a logistic onto 1..5 and voted on by 24 simulated
raters (a bias each, noisy integer ACR votes). It behaves like MOS (bounded,
saturating, noisy, not a function of the six VMAF features), but it is not
human opinion: conclusions about real MOS need real MOS.

For each corpus size N (clips with MOS, drawn from the training families) and
each seed, every variant trains a student on the six VMAF features and is
scored on the MOS-like labels of the held-out families (clip PLCC, SROCC,
and RMSE in MOS units after a logistic fitted on the N training clips), on a
source kind no run trains on (texture), and (Stage-1 students) on frame RMSE
against the teacher.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Optional

import numpy as np

from .config import TrainConfig
from .dataset import CANONICAL, Dataset
from .fit import ensemble_target, family_split, teacher_target, train_student
from .metrics import agreement
from .mos import fit_mapping
from .stage2 import fine_tune, scratch_student, split_mos_clips

HELD_KIND = "texture"  # a source kind no run trains on: robustness
RATERS = 24


def mos_like(ds: Dataset, vmaf: np.ndarray) -> np.ndarray:
    """The synthetic per-clip MOS (1..5) described in the module docstring."""
    n = len(ds.clips)
    count = np.bincount(ds.clip, minlength=n)

    def mean(v):
        return np.bincount(ds.clip, weights=v, minlength=n) / count

    ms = mean(ds.column("float_ms_ssim"))
    psnr = mean(ds.column("psnr_y"))
    harm = count / np.bincount(ds.clip, weights=1.0 / (np.clip(vmaf, 0, 100) + 1.0), minlength=n) - 1.0
    u1 = np.clip(-np.log10(np.clip(1 - ms, 1e-4, 1)) / 3, 0, 1)
    u2 = np.clip((psnr - 20) / 30, 0, 1)
    u3 = np.clip(harm / 100, 0, 1)
    s = 0.4 * u1 + 0.3 * u2 + 0.3 * u3
    true = 1 + 4 / (1 + np.exp(-(s - 0.6) / 0.08))
    out = np.empty(n)
    for i, c in enumerate(ds.clips):
        rng = np.random.default_rng(int(hashlib.sha256(c["clip"].encode()).hexdigest()[:12], 16))
        bias = rng.normal(0, 0.3, RATERS)
        votes = np.clip(np.round(true[i] + bias + rng.normal(0, 0.6, RATERS)), 1, 5)
        out[i] = votes.mean()
    return out


def base_config(**over) -> TrainConfig:
    cfg = TrainConfig(name="claims", features=list(CANONICAL))
    cfg.model.hidden, cfg.model.depth = 16, 2
    cfg.optim.batch_size, cfg.optim.lr, cfg.optim.weight_decay = 256, 3e-3, 0.0
    cfg.stage2.epochs, cfg.stage2.patience, cfg.stage2.lr, cfg.stage2.anchor = 150, 15, 3e-4, 0.1
    cfg.stage2.batch_clips, cfg.stage2.holdout = 32, 0.25
    for k, v in over.items():
        obj = cfg
        *path, last = k.split(".")
        for p in path:
            obj = getattr(obj, p)
        setattr(obj, last, v)
    return cfg


# name: (stage-1 data, stage-2, config overrides)
VARIANTS = {
    "scratch (MOS only)": ("none", "scratch", {}),
    "distill, no MOS": ("N", "none", {}),
    "distill + stage 2": ("N", "stage1", {}),
    "distill on all clips + stage 2": ("pool", "stage1", {}),
    "temperature 0.5": ("N", "stage1", {"loss.type": "temperature", "loss.distillation_temperature": 0.5}),
    "temperature 1": ("N", "stage1", {"loss.type": "temperature", "loss.distillation_temperature": 1.0}),
    "temperature 2": ("N", "stage1", {"loss.type": "temperature", "loss.distillation_temperature": 2.0}),
    "temperature learnable": ("N", "stage1", {"loss.type": "temperature", "loss.learnable_tau": True}),
    "ensemble teacher": ("N", "stage1", {"teacher": "ensemble"}),
    "wide-shallow 1x64": ("N", "stage1", {"model.depth": 1, "model.hidden": 64}),
    "narrow-deep 4x16": ("N", "stage1", {"model.depth": 4, "model.hidden": 16}),
    "mlp 2x32": ("N", "stage1", {"model.hidden": 32}),
    "mlp 2x64": ("N", "stage1", {"model.hidden": 64}),
    "mlp_bn 2x32": ("N", "stage1", {"model.arch": "mlp_bn", "model.hidden": 32}),
    "mlp_bn 2x64": ("N", "stage1", {"model.arch": "mlp_bn", "model.hidden": 64}),
    "reweight_mlp 2x16 (option E)": ("N", "stage1", {"model.arch": "reweight_mlp"}),
}


def _clip_pred(student, x, clip, n):
    p = student.predict(x)
    return np.bincount(clip, weights=p, minlength=n) / np.maximum(np.bincount(clip, minlength=n), 1), p


def run_one(ds: Dataset, mos: np.ndarray, size: int, seed: int, variant: str, steps: int = 1200,
            log=print) -> dict:
    kind, s2, over = VARIANTS[variant]
    cfg = base_config(**over)
    cfg.optim.seed = seed
    n = len(ds.clips)
    fam = ds.family
    kinds = np.array([c["kind"] for c in ds.clips])
    fam_of_clip = np.array([c["family"] for c in ds.clips])
    _, _, test = family_split(fam, cfg.split)  # the same held-out families for every run
    test_clips = np.unique(ds.clip[test])
    held_kind = np.flatnonzero(kinds == HELD_KIND)
    pool = np.setdiff1d(np.arange(n), np.concatenate([test_clips, held_kind]))
    rng = np.random.default_rng(1000 + seed)
    chosen = np.sort(rng.choice(pool, size=min(size, len(pool)), replace=False))
    x = ds.select(cfg.features)
    t0 = time.perf_counter()
    in_chosen = np.isin(ds.clip, chosen)
    in_pool = np.isin(ds.clip, pool)
    stage1_mask = in_chosen if kind == "N" else in_pool
    if cfg.teacher == "ensemble":
        target = ensemble_target(ds, stage1_mask)
    else:
        target = teacher_target(ds)
    result: dict = {"variant": variant, "size": int(len(chosen)), "seed": seed}
    if kind != "none":
        per_epoch = max(1, int(np.ceil(stage1_mask.sum() / cfg.optim.batch_size)))
        cfg.optim.epochs = max(1, int(np.ceil(steps / per_epoch)))
        student = train_student(x[stage1_mask], target[stage1_mask], cfg, cfg.features)
        test_frames = np.isin(ds.clip, test_clips)
        result["teacher_frame_rmse"] = float(np.sqrt(np.mean((student.predict(x[test_frames]) -
                                                              ds.teacher[test_frames]) ** 2)))
    fit_clips, hold_clips = split_mos_clips(chosen, fam_of_clip, cfg.stage2.holdout, seed)
    label_clip = np.bincount(ds.clip, weights=np.clip(target, 0, 100), minlength=n) / np.bincount(ds.clip,
                                                                                                  minlength=n)
    if s2 == "scratch":
        c2 = copy.deepcopy(cfg)
        c2.stage2.lr, c2.stage2.anchor, c2.stage2.epochs, c2.stage2.patience = cfg.optim.lr, 0.0, 400, 40
        student = scratch_student(x, ds.clip, mos, fit_clips, c2)
        student, rep = fine_tune(student, x, ds.clip, n, fit_clips, hold_clips, mos, None, None, c2, log=lambda m: None)
        result["stage2"] = rep
    elif s2 == "stage1":
        mapping = fit_mapping(mos[fit_clips], label_clip[fit_clips], cfg.stage2.mapping)
        mapped = mapping(mos)
        anchor = stage1_mask
        student, rep = fine_tune(student, x, ds.clip, n, fit_clips, hold_clips, mapped, x[anchor], target[anchor],
                                 cfg, log=lambda m: None)
        result["stage2"] = rep
    pc, _ = _clip_pred(student, x, ds.clip, n)
    g = fit_mapping(pc[chosen], mos[chosen], "logistic")  # model scale -> MOS, fitted on the N training clips

    def score(clips):
        clips = clips[np.isfinite(mos[clips])]  # a clip whose label could not be formed (a NaN feature) is left out
        if len(clips) < 3:
            return {}
        a = agreement(pc[clips], mos[clips])
        a["rmse_mos"] = float(np.sqrt(np.mean((g(pc[clips]) - mos[clips]) ** 2)))
        a.pop("rmse", None)
        return a

    result["test"] = score(test_clips)
    result["held_kind"] = score(held_kind)
    result["seconds"] = time.perf_counter() - t0
    log(f"claims: N={result['size']} seed={seed} {variant}: PLCC {result['test'].get('plcc', float('nan')):.4f} "
        f"SROCC {result['test'].get('srocc', float('nan')):.4f} RMSE {result['test']['rmse_mos']:.3f} "
        f"({result['seconds']:.0f} s)")
    return result


def run(ds: Dataset, sizes, seeds, variants, out: Path, steps: int = 1200, log=print) -> list[dict]:
    """Every (size, seed, variant) not already in `out` (JSON lines), appended as it finishes."""
    done = set()
    rows = []
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            rows.append(r)
            done.add((r["size_asked"], r["seed"], r["variant"]))
    vmaf = ds.teacher
    mos = mos_like(ds, vmaf)
    for size in sizes:
        for seed in seeds:
            for v in variants:
                if (size, seed, v) in done:
                    continue
                r = run_one(ds, mos, size, seed, v, steps, log)
                r["size_asked"] = size
                rows.append(r)
                with open(out, "a") as f:
                    f.write(json.dumps(r) + "\n")
    return rows


def table(rows: list[dict], metric: str = "plcc", where: str = "test") -> str:
    """Variant x size: mean (and spread over seeds) of `where`'s `metric`."""
    sizes = sorted({r["size_asked"] for r in rows})
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in rows)]
    head = f"| variant | " + " | ".join(f"N={s}" for s in sizes) + " |"
    lines = [head, "|---|" + "---|" * len(sizes)]
    for v in variants:
        cells = []
        for s in sizes:
            vals = [r[where].get(metric) for r in rows if r["variant"] == v and r["size_asked"] == s]
            vals = [x for x in vals if x is not None]
            if not vals:
                cells.append("")
            elif len(vals) == 1:
                cells.append(f"{vals[0]:.4f}")
            else:
                cells.append(f"{np.mean(vals):.4f} ±{np.std(vals):.4f}")
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def frame_table(rows: list[dict]) -> str:
    """Stage-1 students' frame RMSE against the teacher on the held-out families (before Stage 2 changed them,
    these are the distillation losses' own figure): only variants without Stage 2 keep it meaningful."""
    sub = [dict(r, test={"plcc": r.get("teacher_frame_rmse")}) for r in rows if "teacher_frame_rmse" in r]
    return table(sub, "plcc")


def report(rows: list[dict], labels: Optional[dict] = None) -> str:
    parts = ["### Clip PLCC with the MOS-like labels, held-out families\n", table(rows, "plcc"),
             "\n### Clip SROCC, held-out families\n", table(rows, "srocc"),
             "\n### RMSE in MOS units (1-5) after a logistic fitted on the N training clips, held-out families\n",
             table(rows, "rmse_mos"),
             f"\n### Clip PLCC on the held-out source kind ({HELD_KIND}: no run trains on it)\n",
             table(rows, "plcc", "held_kind"),
             "\n### Frame RMSE against vmaf_v0.6.1 (held-out families) of the Stage-1 student, before Stage 2\n",
             frame_table(rows)]
    return "".join(parts)
