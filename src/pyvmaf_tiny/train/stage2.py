"""Stage 2: fine-tuning a student on mean opinion scores.

MOS is per clip, the student per frame: a clip's prediction is the mean of its
frames' (as VMAF pools). The MOS scale is first mapped onto the VMAF scale by
a monotone mapping fitted on the fine-tuning clips against the teacher's clip
scores, so Stage 2 moves the student only where MOS and the teacher disagree
in rank or shape. The loss is the clip MSE against mapped MOS plus `anchor`
times the frame MSE against the Stage-1 label on the training frames; the
held-out MOS clips (by family) decide when to stop, and the best epoch (the
start included) is kept.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Optional

import numpy as np

from ..errors import InputError
from .dataset import Dataset
from .metrics import agreement
from .mos import Mapping, fit_mapping
from .scaling import input_scale


def mos_clips(ds: Dataset, mos: dict[str, float], origin: str) -> np.ndarray:
    """Per-clip MOS (NaN where a clip has none); every clip the table names must be in the corpus."""
    index = {c["clip"]: i for i, c in enumerate(ds.clips)}
    unknown = [c for c in mos if c not in index]
    if unknown:
        raise InputError(f"MOS table {origin}: {len(unknown)} clip(s) are not in the corpus, e.g. {unknown[:3]}")
    out = np.full(len(ds.clips), np.nan)
    for c, v in mos.items():
        out[index[c]] = v
    return out


def clip_means(pred, clip_of_frame, n_clips):
    """Per-clip mean of per-frame torch values (clip ids 0..n_clips-1)."""
    import torch

    sums = torch.zeros(n_clips, dtype=pred.dtype).index_add(0, clip_of_frame, pred)
    counts = torch.zeros(n_clips, dtype=pred.dtype).index_add(0, clip_of_frame, torch.ones_like(pred))
    return sums / counts


def split_mos_clips(clips: np.ndarray, families: np.ndarray, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(fit clips, held-out clips) by family; with one family, by clip."""
    names = sorted(set(families[clips]))
    rng = np.random.default_rng(seed + 7)
    if len(names) >= 2:
        order = rng.permutation(len(names))
        n_hold = min(max(1, int(round(holdout * len(names)))), len(names) - 1)
        held = {names[i] for i in order[:n_hold]}
        mask = np.array([families[c] in held for c in clips])
    else:
        mask = np.zeros(len(clips), bool)
        mask[rng.permutation(len(clips))[: max(1, int(round(holdout * len(clips))))]] = True
    return clips[~mask], clips[mask]


def fine_tune(student, x: np.ndarray, frame_clip: np.ndarray, n_clips: int, fit_clips: np.ndarray,
              hold_clips: np.ndarray, mos_vmaf: np.ndarray, anchor_x: Optional[np.ndarray],
              anchor_y: Optional[np.ndarray], cfg, log=print) -> tuple[object, dict]:
    """Train `student` (modified in a copy) on mapped MOS; returns the best student and a report.

    `x` and `frame_clip` are every frame's features and clip id; `mos_vmaf` the mapped MOS per clip.
    """
    import torch

    s2 = cfg.stage2
    torch.manual_seed(cfg.optim.seed)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        student = copy.deepcopy(student)
        net = student.net
        want = np.isin(frame_clip, np.concatenate([fit_clips, hold_clips]))
        remap = -np.ones(n_clips, np.int64)
        remap[fit_clips] = np.arange(len(fit_clips))
        remap[hold_clips] = len(fit_clips) + np.arange(len(hold_clips))
        fx = torch.from_numpy(((x[want] - student.x_mean) / student.x_std).astype(np.float32))
        fc = remap[frame_clip[want]]
        n_used = len(fit_clips) + len(hold_clips)
        target = np.concatenate([mos_vmaf[fit_clips], mos_vmaf[hold_clips]])
        yt = torch.from_numpy(((target - student.y_mean) / student.y_std).astype(np.float32))
        frames_of = [np.flatnonzero(fc == k) for k in range(n_used)]
        if anchor_x is not None and s2.anchor > 0:
            ax = torch.from_numpy(((anchor_x - student.x_mean) / student.x_std).astype(np.float32))
            ay = torch.from_numpy(((anchor_y - student.y_mean) / student.y_std).astype(np.float32))
        else:
            ax = ay = None
        opt = torch.optim.Adam(net.parameters(), lr=s2.lr)
        gen = torch.Generator().manual_seed(cfg.optim.seed)
        hold_ids = np.arange(len(fit_clips), n_used)

        def held_rmse() -> float:
            if not len(hold_ids):
                return float("nan")
            net.eval()
            with torch.no_grad():
                idx = np.concatenate([frames_of[k] for k in hold_ids])
                p = torch.clamp(net(fx[idx]) * student.y_std + student.y_mean, 0, 100)
                local = torch.from_numpy(np.searchsorted(hold_ids, fc[idx]))
                m = clip_means(p, local, len(hold_ids)).numpy().astype(np.float64)
            return float(np.sqrt(np.mean((m - target[hold_ids]) ** 2)))

        best, best_state, best_epoch, since = held_rmse(), copy.deepcopy(net.state_dict()), 0, 0
        start = best
        history = [best]
        epoch = 0
        for epoch in range(1, s2.epochs + 1):
            net.train()
            perm = torch.randperm(len(fit_clips), generator=gen).numpy()
            for i in range(0, len(perm), s2.batch_clips):
                ids = perm[i : i + s2.batch_clips]
                idx = np.concatenate([frames_of[k] for k in ids])
                local = torch.from_numpy(np.searchsorted(np.sort(ids), fc[idx]))
                pred = clip_means(net(fx[idx]), local, len(ids))
                loss = torch.mean((pred - yt[np.sort(ids)]) ** 2)
                if ax is not None:
                    a = torch.randint(0, len(ax), (min(1024, len(ax)),), generator=gen)
                    loss = loss + s2.anchor * torch.mean((net(ax[a]) - ay[a]) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
            r = held_rmse()
            history.append(r)
            if not np.isfinite(best) or r < best - 1e-9:
                best, best_state, best_epoch, since = r, copy.deepcopy(net.state_dict()), epoch, 0
            else:
                since += 1
                if since >= s2.patience:
                    break
        net.load_state_dict(best_state)
        net.eval()
        log(f"stage2: held-out MOS RMSE {start:.3f} -> {best:.3f} (VMAF scale), best epoch {best_epoch} of {epoch}")
        return student, {"held_rmse_start": start, "held_rmse_best": best, "best_epoch": best_epoch,
                         "epochs_run": epoch, "fit_clips": int(len(fit_clips)), "held_clips": int(len(hold_clips))}
    finally:
        torch.set_num_threads(threads)


def scratch_student(x: np.ndarray, frame_clip: np.ndarray, mos_vmaf: np.ndarray, fit_clips: np.ndarray, cfg):
    """A fresh student whose standardisation comes from the MOS clips alone (the from-scratch baseline)."""
    import torch

    from .fit import Student
    from .nets import TinyNet

    torch.manual_seed(cfg.optim.seed)
    m = cfg.model
    xs = x[np.isin(frame_clip, fit_clips)]
    y = mos_vmaf[fit_clips]
    net = TinyNet(x.shape[1], m.hidden, m.depth, m.arch, m.activation, m.dropout)
    return Student(net, list(cfg.features), *input_scale(xs), float(y.mean()),
                   float(y.std() + 1e-6))


def run_stage2(student, cfg, ds: Dataset, x: np.ndarray, label: np.ndarray, train: np.ndarray, test: np.ndarray,
               mos: dict[str, float], log=print) -> tuple[object, dict]:
    """Stage 2 as the config says; returns the fine-tuned student and the report for the sidecar."""
    s2 = cfg.stage2
    per_clip = mos_clips(ds, mos, s2.mos_csv or "<mos>")
    fam_of_clip = np.array([c["family"] for c in ds.clips])
    train_clips = np.unique(ds.clip[train])
    test_clips = np.unique(ds.clip[test])
    have = train_clips[np.isfinite(per_clip[train_clips])]
    if len(have) < 8:
        raise InputError(f"stage2: {len(have)} MOS clip(s) in the training families; at least 8 are needed")
    fit_clips, hold_clips = split_mos_clips(have, fam_of_clip, s2.holdout, cfg.split.seed)
    n = len(ds.clips)
    label_clip = np.bincount(ds.clip, weights=np.clip(label, 0, 100), minlength=n) / np.maximum(
        np.bincount(ds.clip, minlength=n), 1)
    mapping: Mapping = fit_mapping(per_clip[fit_clips], label_clip[fit_clips], s2.mapping)
    mos_vmaf = np.full(n, np.nan)
    known = np.isfinite(per_clip)
    mos_vmaf[known] = mapping(per_clip[known])

    def mos_agreement(st, clips) -> Optional[dict]:
        if len(clips) < 3:
            return None
        pred = st.predict(x)
        pc = np.bincount(ds.clip, weights=pred, minlength=n) / np.maximum(np.bincount(ds.clip, minlength=n), 1)
        return agreement(pc[clips], mos_vmaf[clips])

    test_mos = test_clips[np.isfinite(per_clip[test_clips])]
    before = mos_agreement(student, test_mos)
    if s2.init == "scratch":
        start = scratch_student(x, ds.clip, mos_vmaf, fit_clips, cfg)
        anchor_x = anchor_y = None
    else:
        start = student
        anchor_x, anchor_y = x[train], label[train]
    tuned, report = fine_tune(start, x, ds.clip, n, fit_clips, hold_clips, mos_vmaf, anchor_x, anchor_y,
                              cfg if s2.init != "scratch" else _scratch_cfg(cfg), log)
    report.update(mapping=mapping.to_dict(), init=s2.init, anchor=s2.anchor if s2.init != "scratch" else 0.0,
                  lr=s2.lr, mos_csv=s2.mos_csv and __import__("os").path.basename(s2.mos_csv),
                  test_mos_before=before, test_mos_after=mos_agreement(tuned, test_mos),
                  test_mos_clips=int(len(test_mos)))
    return tuned, report


def _scratch_cfg(cfg):
    """From scratch: no teacher anchor, and Stage 1's learning rate (a fine-tuning rate would barely move it)."""
    c = copy.deepcopy(cfg)
    c.stage2 = replace(c.stage2, anchor=0.0, lr=cfg.optim.lr)
    return c
