"""What every loaded model offers the scoring code."""

from __future__ import annotations

from typing import Optional

from .._lazy import np


class Model:
    kind = "model"

    def __init__(self, native, name: str, path: Optional[str], sidecar: Optional[dict] = None):
        self.native = native
        self.name = name
        self.path = path
        self.sidecar = sidecar

    @property
    def columns(self) -> list[str]:
        """The feature columns the model reads, in its input order."""
        return self.native.columns

    @property
    def backend(self) -> str:
        return self.native.backend

    @property
    def interval_halfwidth(self) -> Optional[float]:
        return None

    def extractor_specs(self) -> list[tuple[str, dict]]:
        return self.native.extractor_specs()

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Per-frame scores from a (frames, len(columns)) feature matrix."""
        return self.native.predict(np.ascontiguousarray(features, dtype=np.float64))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, backend={self.backend!r})"
