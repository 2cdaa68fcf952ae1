"""The outcome of a scoring run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas
    import polars
else:
    from ._lazy import np


@dataclass(frozen=True)
class PooledScore:
    """A run's pooled model score and what was scored (pooled_score(); Result.summary())."""

    model: str
    backend: str
    frames: int  # frames scored
    pooled: dict[str, float]  # libvmaf's min, max, mean, harmonic_mean of the model score
    ref: Optional[str] = None  # the reference's name (its path as given)
    dist: Optional[str] = None
    align: str = "index"  # how frames were paired: "index" or "pts"
    sync_delay: Optional[int] = None  # the delay sync="auto" found, in distorted frames; None without it
    sync_delay_s: Optional[float] = None  # the same in seconds, when the distorted clip's rate is known
    frame_rate: Optional[float] = None  # the reference's frames per second, when known


@dataclass
class Result:
    """Per-frame and pooled scores.

    `frames` holds the model's per-frame scores; `features` maps every feature
    name (libvmaf's) to its per-frame values; `pooled` maps each metric,
    the model score included, to min/max/mean/harmonic_mean.
    `frame_numbers` are the scored pairs' numbers (counted after any skipped
    frames). `ref`/`dist` name the inputs, as scored: the reference is `ref`.
    `sync_delay` is the distorted clip's delay (in its own frames; > 0: it
    lags) that sync="auto" found and scored with, None without it
    (`sync_delay_s`: in seconds);
    `align` says how frames were paired ("index" or "pts").
    """

    score: float
    frames: npt.NDArray[np.float64]
    features: dict[str, npt.NDArray[np.float64]]
    pooled: dict[str, dict[str, float]]
    model: str
    metric: str = "vmaf"
    backend: str = "cpu"
    width: int = 0
    height: int = 0
    bitdepth: int = 8
    fps: float = float("nan")  # scoring speed, frames per second (libvmaf's log "fps")
    frame_numbers: Optional[npt.NDArray[np.int64]] = field(default=None)
    interval: Optional[npt.NDArray[np.float64]] = field(default=None)  # (frames, 2): lo, hi
    ref: Optional[str] = None
    dist: Optional[str] = None
    align: str = "index"
    sync_delay: Optional[int] = None
    sync_delay_s: Optional[float] = None
    frame_rate: Optional[float] = None  # the reference's frames per second, when known

    def metrics(self) -> dict[str, npt.NDArray[np.float64]]:
        """Every per-frame metric in libvmaf's log order (see output.py):
        features, then the model score."""
        out = dict(self.features)
        out[self.metric] = self.frames
        return out

    def summary(self) -> PooledScore:
        """The pooled model score and what was scored, as pooled_score() returns it."""
        return PooledScore(self.model, self.backend, len(self.frames), dict(self.pooled[self.metric]), ref=self.ref,
                           dist=self.dist, align=self.align, sync_delay=self.sync_delay,
                           sync_delay_s=self.sync_delay_s, frame_rate=self.frame_rate)

    def _columns(self) -> tuple[Any, dict[str, Any]]:
        index = self.frame_numbers if self.frame_numbers is not None else np.arange(len(self.frames))
        columns: dict[str, Any] = dict(self.metrics())
        if self.interval is not None:
            columns[f"{self.metric}_lo"] = self.interval[:, 0]
            columns[f"{self.metric}_hi"] = self.interval[:, 1]
        return index, columns

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame: one row per scored frame, indexed by frame number ("frame"), one column per
        metric (the features, then the model score; with an interval, `<metric>_lo`/`_hi`)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Result.to_pandas() needs pandas: pip install pandas") from None
        index, columns = self._columns()
        return pd.DataFrame(columns, index=pd.Index(index, name="frame"))

    def to_polars(self) -> polars.DataFrame:
        """A polars DataFrame: a "frame" column (the frame numbers; polars has no index) first, then one
        column per metric as to_pandas() has."""
        try:
            import polars as pl
        except ImportError:
            raise ImportError("Result.to_polars() needs polars: pip install polars") from None
        index, columns = self._columns()
        return pl.DataFrame({"frame": index, **columns})

    def to_dict(self) -> dict[str, Any]:
        """The structure of libvmaf's JSON log."""
        from .output import result_to_dict

        return result_to_dict(self)

    def write(self, path: Union[str, os.PathLike[str]], format: Optional[str] = None) -> None:  # noqa: A002
        """Write a libvmaf-compatible log: json, xml, csv or sub (default: from the suffix)."""
        from .output import write_result

        write_result(self, path, format)

    def __repr__(self) -> str:
        return (f"Result(model={self.model!r}, score={self.score:.6f}, frames={len(self.frames)}, "
                f"features={sorted(self.features)})")


def make_result(model: Any, columns: list[str], values: npt.NDArray[np.float64], frames: Any, *, width: int,
                height: int, bitdepth: int, fps: float = float("nan"),
                frame_numbers: Optional[npt.NDArray[np.int64]] = None, **about: Any) -> Result:
    """Pool a (frames, columns) feature matrix and the model's per-frame scores. `about` sets Result's
    descriptive fields (ref, dist, align, sync_delay, frame_rate)."""
    from . import _core
    from .output import libvmaf_order

    index = {c: i for i, c in enumerate(columns)}
    feats = {c: np.ascontiguousarray(values[:, index[c]]) for c in libvmaf_order(columns)}
    scores = np.asarray(frames, dtype=np.float64)
    pooled = {name: _core.pool(v) for name, v in feats.items()}
    pooled["vmaf"] = _core.pool(scores)
    # per-frame (lo, hi), computed natively (a fixed or a per-frame half-width); None without an interval
    interval = _core.frame_interval(model.native, values[:, [index[c] for c in model.columns]]) \
        if model.kind == "fr_features" else None
    return Result(score=float(pooled["vmaf"]["mean"]), frames=scores, features=feats, pooled=pooled,
                  model=model.name, backend=model.backend, width=width, height=height, bitdepth=bitdepth, fps=fps,
                  interval=interval, frame_numbers=frame_numbers, **about)
