"""The outcome of a scoring run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ._lazy import np


@dataclass
class Result:
    """Per-frame and pooled scores.

    `frames` holds the model's per-frame scores; `features` maps every feature
    name (libvmaf's) to its per-frame values; `pooled` maps each metric,
    the model score included, to min/max/mean/harmonic_mean.
    """

    score: float
    frames: np.ndarray
    features: dict[str, np.ndarray]
    pooled: dict[str, dict[str, float]]
    model: str
    metric: str = "vmaf"
    backend: str = "cpu"
    width: int = 0
    height: int = 0
    bitdepth: int = 8
    fps: float = float("nan")
    frame_numbers: Optional[np.ndarray] = field(default=None)
    interval: Optional[np.ndarray] = field(default=None)

    def metrics(self) -> dict[str, np.ndarray]:
        """Every per-frame metric in libvmaf's log order (see output.py):
        features, then the model score."""
        out = dict(self.features)
        out[self.metric] = self.frames
        return out

    def to_dict(self) -> dict:
        """The structure of libvmaf's JSON log."""
        from .output import result_to_dict

        return result_to_dict(self)

    def write(self, path, format: Optional[str] = None) -> None:  # noqa: A002 - libvmaf's word
        """Write a libvmaf-compatible log: json, xml, csv or sub (default: from the suffix)."""
        from .output import write_result

        write_result(self, path, format)

    def __repr__(self) -> str:
        return (f"Result(model={self.model!r}, score={self.score:.6f}, frames={len(self.frames)}, "
                f"features={sorted(self.features)})")


def make_result(model, columns: list[str], values: np.ndarray, frames: np.ndarray, *, width: int, height: int,
                bitdepth: int, fps: float = float("nan"), frame_numbers: Optional[np.ndarray] = None) -> Result:
    """Pool a (frames, columns) feature matrix and the model's per-frame scores."""
    from . import _core
    from .output import libvmaf_order

    index = {c: i for i, c in enumerate(columns)}
    feats = {c: np.ascontiguousarray(values[:, index[c]]) for c in libvmaf_order(columns)}
    frames = np.asarray(frames, dtype=np.float64)
    pooled = {name: _core.pool(v) for name, v in feats.items()}
    pooled["vmaf"] = _core.pool(frames)
    interval = None
    if model.interval_halfwidth is not None:
        lo, hi = model.output_range
        hw = model.interval_halfwidth
        interval = np.column_stack([np.clip(frames - hw, lo, hi), np.clip(frames + hw, lo, hi)])
    return Result(score=float(pooled["vmaf"]["mean"]), frames=frames, features=feats, pooled=pooled,
                  model=model.name, backend=model.backend, width=width, height=height, bitdepth=bitdepth, fps=fps,
                  interval=interval, frame_numbers=frame_numbers)
