"""Features and teacher labels for every corpus clip, extracted natively in
parallel processes and cached per clip."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from .corpus import read_manifest

TEACHER = "vmaf_v0.6.1"
CANONICAL = ("integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
             "integer_vif_scale3")
CACHE_VERSION = 2
# Besides the teacher's six: ADM's scales (free with adm2), the co-teachers of
# `teacher: ensemble`, psnr_y (for the MOS-like labels of docs/training.md), and
# the features of the 2x decimated pair (fr_micro_v2's earlier candidates), and the row-sampled VIF, ADM and
# motion estimates fr_micro_v2 reads (VIF on about 16 rows) and its earlier recipe's (VIF on about 32).
SAMPLED = tuple(f"integer_vif_scale{s}_sr_{n}" for n in (16, 32) for s in range(4)) + (
    "integer_adm2_sr_32",) + tuple(f"integer_adm_scale{s}_sr_32" for s in range(4)) + ("integer_motion2_sr_32",)
EXTRA = ("integer_adm2", "integer_adm_scale0", "integer_adm_scale1", "integer_adm_scale2", "integer_adm_scale3",
         "float_ssim", "float_ms_ssim", "psnr_y", "half_integer_vif_scale0", "half_integer_vif_scale1",
         "half_integer_vif_scale2", "half_integer_vif_scale3", "half_integer_adm2", "half_integer_adm_scale0",
         "half_integer_adm_scale1", "half_integer_adm_scale2", "half_integer_adm_scale3", "half_integer_motion2",
         "half_fine_detail", "half_fine_noise") + SAMPLED


def _ensemble_features() -> list[str]:
    """The extra features this build can compute."""
    from .. import _core
    from ..errors import InputError

    def known(f: str) -> bool:
        try:
            _core.specs_for_features([f])
        except InputError:
            return False
        return True

    return [f for f in EXTRA if known(f)]


def _extract_clip(args) -> str:
    """The clip's cache file, made or completed: features a cache lacks (added to EXTRA later) are
    extracted on their own and merged in."""
    root, row, extra = args
    import pyvmaf_tiny

    out = Path(root) / "features" / (row["clip"].replace("/", "__") + ".npz")
    ref, dist = os.path.join(root, row["ref"]), os.path.join(root, row["dist"])
    scale = None if row["rung"] == 1.0 else "bicubic"
    if out.exists():
        with np.load(out) as z:
            if int(z["version"]) == CACHE_VERSION:
                missing = [f for f in extra if f"f:{f}" not in z.files]
                if not missing:
                    return str(out)
                arrays = {k: z[k] for k in z.files}
                got = pyvmaf_tiny.extract_features(ref, dist, missing, threads=1, scale_dist=scale)
                arrays.update({f"f:{k}": v for k, v in got.items()})
                _save(out, arrays)
                return str(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    r = pyvmaf_tiny.score(ref, dist, TEACHER, threads=1, features=list(extra) or None, scale_dist=scale)
    arrays = {f"f:{k}": v for k, v in r.features.items()}
    _save(out, dict(arrays, teacher=r.frames, version=CACHE_VERSION))
    return str(out)


def _save(out: Path, arrays: dict) -> None:
    tmp = out.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(out)


@dataclass
class Dataset:
    """Per-frame rows of a corpus: features, teacher scores, and where each frame came from."""

    columns: list[str]
    x: np.ndarray  # (frames, columns)
    teacher: np.ndarray  # (frames,)
    clip: np.ndarray  # clip index per frame
    clips: list[dict]  # manifest rows

    def column(self, name: str) -> np.ndarray:
        return self.x[:, self.columns.index(name)]

    def select(self, features: Sequence[str]) -> np.ndarray:
        return self.x[:, [self.columns.index(f) for f in features]]

    @property
    def family(self) -> np.ndarray:
        fams = np.array([c["family"] for c in self.clips])
        return fams[self.clip]

    def subset(self, frame_mask: np.ndarray) -> "Dataset":
        return Dataset(self.columns, self.x[frame_mask], self.teacher[frame_mask], self.clip[frame_mask], self.clips)


def extract(corpus_dir: str, jobs: int = 0, log=print, limit: Optional[int] = None) -> Dataset:
    """Features and labels of every clip in the corpus (cached under <corpus>/features)."""
    rows = read_manifest(os.path.join(corpus_dir, "manifest.csv"))
    if limit is not None:
        rows = rows[:limit]
    extra = ["integer_adm2"] + _ensemble_features()  # adm2 is there anyway; keeps the list non-empty
    work = [(corpus_dir, r, extra) for r in rows]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        paths = list(map(_extract_clip, work))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            paths = []
            for i, p in enumerate(pool.map(_extract_clip, work, chunksize=4), start=1):
                paths.append(p)
                if i % 200 == 0 or i == len(work):
                    log(f"extract: {i}/{len(work)} clips")
    # The columns every clip's cache has: caches that gained features (another extractor run on
    # some clips) do not decide the columns for the rest.
    columns: Optional[set[str]] = None
    for p in paths:
        with np.load(p) as z:
            cols = {k[2:] for k in z.files if k.startswith("f:")}
        columns = cols if columns is None else columns & cols
    names = sorted(columns or [])
    xs, ys, clip_idx = [], [], []
    for i, p in enumerate(paths):
        with np.load(p) as z:
            xs.append(np.column_stack([z[f"f:{c}"] for c in names]))
            ys.append(z["teacher"])
            clip_idx.append(np.full(len(z["teacher"]), i))
    return Dataset(names, np.concatenate(xs), np.concatenate(ys), np.concatenate(clip_idx), rows)
