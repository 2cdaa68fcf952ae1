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
    metric: Optional[str] = None  # the model's log name ("vmaf" unless name= gave another)
    # The model's interval, when it gives one: its bounds by log name ("vmaf_ci_p90_lo", "vmaf_ci_p90_hi"),
    # each pooled like `pooled`; `interval_coverage` its level (0.9 for 90%).
    interval: Optional[dict[str, dict[str, float]]] = None
    interval_coverage: Optional[float] = None


class Features(dict[str, "npt.NDArray[np.float64]"]):
    """What extract_features() returns: per-frame values by feature name (libvmaf's), a plain dict of
    arrays, with `aggregates`: each clip-level output (libvmaf's aggregate_metrics, e.g. psnr's
    ``apsnr_y`` with ``psnr:enable_apsnr=true``) by name, empty when none was computed."""

    def __init__(self, values: Any = (), aggregates: Optional[dict[str, float]] = None) -> None:
        super().__init__(values)
        self.aggregates: dict[str, float] = dict(aggregates or {})

    def __repr__(self) -> str:
        return f"Features({dict.__repr__(self)}, aggregates={self.aggregates!r})"


@dataclass
class Result:
    """Per-frame and pooled scores.

    `scores` maps every per-frame output of the models, in log order, to its
    values: each model's score under the name it is logged as (libvmaf's
    ``name=``, "vmaf" by default), a bootstrap collection's members and
    statistics after it (``vmaf_0001``, ..., ``vmaf_bagging``,
    ``vmaf_stddev``, ``vmaf_ci_p95_lo``/``_hi``), a model's interval bounds
    after it (``vmaf_ci_p90_lo``/``_hi``). `models` maps each model's log
    name to what was used, options included
    ("vmaf_v0.6.1:enable_transform=true"). The first model is the run's
    main one: `metric` is its log name, `model` what it is, `frames` its
    per-frame scores, `score` their mean, `interval` its (frames, 2)
    interval if it gives one (`interval_coverage`: 0.9 for 90%). Without a
    model (model="none": features only) `metric` is None, `frames` empty
    and `score` NaN.

    `features` maps every feature name (libvmaf's) to its per-frame values;
    `pooled` maps each metric (features and model outputs) to
    min/max/mean/harmonic_mean; `aggregates` maps each clip-level output
    (libvmaf's aggregate_metrics, e.g. psnr's ``apsnr_y``) to its value.
    `frame_numbers` are the scored pairs'
    numbers (counted after any skipped frames). `ref`/`dist` name the
    inputs, as scored: the reference is `ref`. `sync_delay` is the
    distorted clip's delay (in its own frames; > 0: it lags) that
    sync="auto" found and scored with, None without it (`sync_delay_s`: in
    seconds); `align` says how frames were paired ("index" or "pts").
    """

    score: float
    frames: npt.NDArray[np.float64]
    features: dict[str, npt.NDArray[np.float64]]
    pooled: dict[str, dict[str, float]]
    model: str
    metric: Optional[str] = "vmaf"
    backend: str = "cpu"
    width: int = 0
    height: int = 0
    bitdepth: int = 8
    fps: float = float("nan")  # scoring speed, frames per second (libvmaf's log "fps")
    frame_numbers: Optional[npt.NDArray[np.int64]] = field(default=None)
    interval: Optional[npt.NDArray[np.float64]] = field(default=None)  # (frames, 2): lo, hi of the first model
    ref: Optional[str] = None
    dist: Optional[str] = None
    align: str = "index"
    sync_delay: Optional[int] = None
    sync_delay_s: Optional[float] = None
    frame_rate: Optional[float] = None  # the reference's frames per second, when known
    scores: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    interval_coverage: Optional[float] = None
    # clip-level outputs, libvmaf's aggregate_metrics (psnr:enable_apsnr=true: apsnr_y, apsnr_cb, apsnr_cr)
    aggregates: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.scores and self.metric is not None:
            self.scores = {self.metric: self.frames}
            self.models = self.models or {self.metric: self.model}

    @property
    def frame_count(self) -> int:
        """Frames scored."""
        if self.frame_numbers is not None:
            return len(self.frame_numbers)
        return len(next(iter(self.metrics().values()), ()))

    def metrics(self) -> dict[str, npt.NDArray[np.float64]]:
        """Every per-frame metric in libvmaf's log order (see output.py): features, then the models'
        outputs. The first model's interval bounds are what `interval` holds."""
        out = dict(self.features)
        out.update(self.scores)
        if self.interval is not None and self.metric is not None:
            from .models.modelset import interval_names

            lo, hi = interval_names(self.metric, self._coverage())
            out[lo], out[hi] = self.interval[:, 0], self.interval[:, 1]
        return out

    def summary(self) -> PooledScore:
        """The pooled model score and what was scored, as pooled_score() returns it."""
        pooled = dict(self.pooled[self.metric]) if self.metric is not None else {p: float("nan") for p in _POOLS}
        interval = None
        if self.interval is not None and self.metric is not None:
            from .models.modelset import interval_names

            interval = {n: dict(self.pooled[n]) for n in interval_names(self.metric, self._coverage())}
        return PooledScore(self.model, self.backend, self.frame_count, pooled, ref=self.ref,
                           dist=self.dist, align=self.align, sync_delay=self.sync_delay,
                           sync_delay_s=self.sync_delay_s, frame_rate=self.frame_rate, metric=self.metric,
                           interval=interval, interval_coverage=self._coverage() if interval else None)

    def _coverage(self) -> float:
        """The interval's level (0.9 for 90%), as its bounds are named."""
        return 0.9 if self.interval_coverage is None else self.interval_coverage

    def _columns(self) -> tuple[Any, dict[str, Any]]:
        index = self.frame_numbers if self.frame_numbers is not None else np.arange(self.frame_count)
        return index, dict(self.metrics())

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame: one row per scored frame, indexed by frame number ("frame"), one column per
        metric (the features, then the models' outputs, interval bounds included)."""
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
        models = "" if len(self.models) < 2 else f", models={list(self.models)}"
        return (f"Result(model={self.model!r}, score={self.score:.6f}, frames={self.frame_count}{models}, "
                f"features={sorted(self.features)})")


_POOLS = ("min", "max", "mean", "harmonic_mean")


def make_result(models: Any, columns: list[str], values: npt.NDArray[np.float64], frames: Any, *, width: int,
                height: int, bitdepth: int, fps: float = float("nan"),
                frame_numbers: Optional[npt.NDArray[np.int64]] = None, **about: Any) -> Result:
    """Pool a (frames, columns) feature matrix and the models' outputs. `models` is a ModelSet (or one
    Model); `frames` are the first model's per-frame scores as the pipeline gave them (None without a
    model); the other models predict from `values`. `about` sets Result's descriptive fields (ref, dist,
    align, sync_delay, frame_rate)."""
    from . import _core
    from .models import ModelSet
    from .models.modelset import interval_names
    from .output import libvmaf_order

    models = models if isinstance(models, ModelSet) else ModelSet.of(models)
    index = {c: i for i, c in enumerate(columns)}
    feats = {c: np.ascontiguousarray(values[:, index[c]]) for c in libvmaf_order(columns)}
    scores = models.outputs(columns, values, None if frames is None else np.asarray(frames, dtype=np.float64))
    pooled = {name: _core.pool(v) for name, v in feats.items()}
    pooled.update({name: _core.pool(v) for name, v in scores.items()})
    metric, interval, coverage = models.metric, None, None
    if metric is not None:
        coverage = models.first.interval_coverage
        if coverage is not None:
            lo, hi = interval_names(metric, coverage)
            if lo in scores:
                interval = np.column_stack([scores[lo], scores[hi]])
    main = scores[metric] if metric is not None else np.zeros(0)
    return Result(score=float(pooled[metric]["mean"]) if metric is not None else float("nan"), frames=main,
                  features=feats, pooled=pooled, model=models.name, metric=metric, backend=models.backend,
                  width=width, height=height, bitdepth=bitdepth, fps=fps, interval=interval,
                  frame_numbers=frame_numbers, scores=scores, models=models.descriptions(),
                  interval_coverage=coverage, **about)
