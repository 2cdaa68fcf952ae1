"""Agreement with the teacher: PLCC, SROCC, KROCC, RMSE at frame and clip level."""

from __future__ import annotations

import numpy as np


def agreement(pred: np.ndarray, target: np.ndarray) -> dict:
    from scipy import stats

    pred, target = np.asarray(pred, float), np.asarray(target, float)
    out = {"n": int(len(pred)), "rmse": float(np.sqrt(np.mean((pred - target) ** 2)))}
    if len(pred) > 2 and np.ptp(pred) > 0 and np.ptp(target) > 0:
        out["plcc"] = float(stats.pearsonr(pred, target)[0])
        out["srocc"] = float(stats.spearmanr(pred, target)[0])
        out["krocc"] = float(stats.kendalltau(pred, target)[0])
    return out


def clip_means(values: np.ndarray, clip: np.ndarray) -> np.ndarray:
    ids, inverse = np.unique(clip, return_inverse=True)
    sums = np.bincount(inverse, weights=values)
    return sums / np.bincount(inverse)


def report(pred: np.ndarray, target: np.ndarray, clip: np.ndarray) -> dict:
    """Frame-level and clip-level (per-clip mean, as VMAF pools) agreement."""
    return {"frame": agreement(pred, target), "clip": agreement(clip_means(pred, clip), clip_means(target, clip))}
