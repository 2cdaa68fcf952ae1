"""Streaming scoring: push frame pairs one at a time, get each frame's score once final."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ._lazy import np

from . import featureset, models
from .errors import InputError
from .io.policy import DEFAULT_POLICY, PathPolicy
from .io.arrays import _bpc_for, check_sides, native_frame
from .output import log_specs
from .result import Result, make_result
from .runner import aggregates_of, make_pipeline


@dataclass(frozen=True)
class FrameScore:
    """One final frame: `score` is the first model's (NaN without a model), `scores` every model output
    (as Result.scores names them), `features` the feature values."""

    index: int
    score: float
    features: dict[str, float]
    scores: dict[str, float] = field(default_factory=dict)


class Scorer:
    """Incremental VMAF.

    >>> with Scorer() as s:
    ...     for ref, dist in pairs:          # 2-D uint8/uint16 luma planes
    ...         for f in s.push(ref, dist):  # frames that just became final
    ...             print(f.index, f.score)
    >>> s.result                             # the pooled Result, once closed

    motion needs the next frame, so frame i is final once frame i+1 arrives
    (i+2 with motion_five_frame_window, as the vmaf_v1.0.16_hfr models use it);
    close() (or leaving the `with` block) settles the last frame, returns the
    frames it made final, and sets `result`. A model given by path is opened
    through `policy`. `model` takes what score() takes, several models
    included: the first scores each frame in the pipeline, the others from
    the same frame's features as it becomes final.
    """

    def __init__(self, model: Any = models.DEFAULT_MODEL, *, threads: int = 0,
                 features: Optional[Iterable[Any]] = None, bitdepth: Optional[int] = None, device: str = "auto",
                 policy: Optional[PathPolicy] = None):
        from .api import load_models

        self._models = load_models(model, device, policy or DEFAULT_POLICY)
        extra, _ = featureset.resolve(features)
        if not self._models and not extra:
            raise InputError("no model and no features: nothing to compute (add features, or a model)")
        specs = featureset.merge(self._models.extractor_specs(), log_specs(self._models), extra)
        self._models.check_columns(c for spec in specs for c in featureset.columns_of(spec))
        featureset.check_writes(specs)
        self._pipeline = make_pipeline(specs, threads, self._models.first, "stream")
        self._columns = list(self._pipeline.columns)
        self._bitdepth = bitdepth
        self._bpc: Optional[int] = None
        self._shape: Optional[tuple] = None
        self._emitted = 0
        self._rows: list[np.ndarray] = []
        self._scores: list[float] = []
        self._closed = False
        self.result: Optional[Result] = None

    def push(self, ref: np.ndarray, dist: np.ndarray) -> list[FrameScore]:
        if self._closed:
            raise InputError("push() after close()")
        ref, dist = np.asarray(ref), np.asarray(dist)
        index = self._pipeline.pushed
        for a, role in ((ref, "reference"), (dist, "distorted")):
            if a.ndim != 2:
                raise InputError(f"{role} frame {index} must be 2-D (height, width), got shape {a.shape}")
            check_sides(a.shape, f"{role} frame {index}")
        bpc = _bpc_for(ref.dtype, self._bitdepth, f"reference frame {index}")
        if dist.dtype.kind != ref.dtype.kind or dist.dtype.itemsize != ref.dtype.itemsize:
            raise InputError(f"frame {index}: reference is {ref.dtype} but distorted is {dist.dtype}")
        if ref.shape != dist.shape:
            raise InputError(f"frame {index}: reference is {ref.shape[1]}x{ref.shape[0]} "
                             f"but distorted is {dist.shape[1]}x{dist.shape[0]}")
        if self._shape is not None and (ref.shape, bpc) != (self._shape, self._bpc):
            raise InputError(f"frame {index} is {ref.shape[1]}x{ref.shape[0]} {bpc}-bit, "
                             f"frame 0 was {self._shape[1]}x{self._shape[0]} {self._bpc}-bit")
        # The core refuses what it cannot take (geometry, sample range) without
        # changing anything; only a frame it took fixes the shape.
        self._pipeline.push(native_frame(ref), native_frame(dist), bpc)
        self._shape, self._bpc = ref.shape, bpc
        return self._drain()

    def _drain(self) -> list[FrameScore]:
        final = self._pipeline.scored_count
        if final == self._emitted:
            return []
        rows = self._pipeline.rows(self._emitted, final)
        scores = self._pipeline.scores(self._emitted, final) if self._models else None
        outputs = self._models.outputs(self._columns, rows, scores)
        out = []
        for k in range(rows.shape[0]):
            i = self._emitted + k
            out.append(FrameScore(i, float(scores[k]) if scores is not None else float("nan"),
                                  dict(zip(self._columns, map(float, rows[k]))),
                                  {name: float(v[k]) for name, v in outputs.items()}))
        self._rows.append(rows)
        if scores is not None:
            self._scores.extend(float(s) for s in scores)
        self._emitted = final
        return out

    def __enter__(self) -> "Scorer":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:  # the block failed: stop the workers, keep its exception
            self._closed = True
            try:
                self._pipeline.close()
            except Exception:  # noqa: BLE001 - the block's own error is the one to see
                pass

    def close(self) -> list[FrameScore]:
        """Settle the last frame and return the frames it made final; the
        pooled Result is then in `.result`."""
        if self._closed:
            return []
        self._pipeline.close()
        self._closed = True
        last = self._drain()
        if not self._rows:
            raise InputError("no frames were pushed")
        values = np.concatenate(self._rows, axis=0)
        self.result = make_result(self._models, self._columns, values,
                                  np.asarray(self._scores) if self._models else None,
                                  width=self._shape[1], height=self._shape[0], bitdepth=self._bpc,
                                  aggregates=aggregates_of(self._pipeline))
        return last
