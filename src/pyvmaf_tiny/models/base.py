"""What every loaded model offers the scoring code."""

from __future__ import annotations

from typing import Optional

from .._lazy import np
from .request import describe


class Model:
    kind = "model"

    def __init__(self, native, name: str, path: Optional[str], sidecar: Optional[dict] = None,
                 flags: Optional[dict[str, bool]] = None, log_name: Optional[str] = None):
        self.native = native
        self.name = name  # what it is: a packaged model's name, or a model file's stem
        self.path = path
        self.sidecar = sidecar
        self.flags = dict(flags or {})  # libvmaf's model flags it was loaded with: enable_transform, disable_clip
        self.log_name = log_name  # the name logs list its score under, when one was asked for (name=)

    @property
    def description(self) -> str:
        """What was used, options included: "vmaf_v0.6.1:enable_transform=true"."""
        return describe(self.name, self.flags)

    @property
    def columns(self) -> list[str]:
        """The feature columns the model reads, in its input order."""
        return self.native.columns

    @property
    def backend(self) -> str:
        return self.native.backend

    @property
    def output_suffixes(self) -> list[str]:
        """Its per-frame outputs, as suffixes of the name it is logged under ("" is its score)."""
        return list(self.native.output_suffixes)

    @property
    def interval_halfwidth(self) -> Optional[float]:
        return None

    @property
    def interval_coverage(self) -> Optional[float]:
        """The nominal coverage of interval() (0.9 for a 90% interval), None without one."""
        return None

    def interval(self, scores: np.ndarray, features: np.ndarray) -> Optional[np.ndarray]:
        """The per-frame (lo, hi) interval around `scores` ((frames, 2)), None if the model gives none.
        `features` are the rows scored ((frames, len(columns)))."""
        return None

    def extractor_specs(self) -> list[tuple[str, dict]]:
        return self.native.extractor_specs()

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Per-frame scores from a (frames, len(columns)) feature matrix."""
        return self.native.predict(np.ascontiguousarray(features, dtype=np.float64))

    def predict_outputs(self, features: np.ndarray) -> np.ndarray:
        """Every per-frame output ((frames, len(output_suffixes))) from a (frames, len(columns)) matrix."""
        return self.native.predict_outputs(np.ascontiguousarray(features, dtype=np.float64))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r}, backend={self.backend!r})"
