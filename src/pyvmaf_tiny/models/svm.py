"""libvmaf JSON (nu-SVR) models, evaluated by the native core."""

from __future__ import annotations

import os
from typing import Optional

import numpy as np

from .. import _core
from ..errors import ModelError

_MAX_MODEL_BYTES = 64 << 20


class SvmModel:
    kind = "svm"

    def __init__(self, native: "_core.SvmModel", name: str, path: Optional[str]):
        self._native = native
        self.name = name
        self.path = path

    @classmethod
    def from_file(cls, path: str, *, name: Optional[str] = None, enable_transform: bool = False,
                  disable_clip: bool = False) -> "SvmModel":
        try:
            size = os.path.getsize(path)
            if size > _MAX_MODEL_BYTES:
                raise ModelError(f"model {path}: {size} bytes is larger than the {_MAX_MODEL_BYTES >> 20} MiB cap")
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise ModelError(f"model {path}: no such file") from None
        except OSError as e:
            raise ModelError(f"model {path}: cannot read ({e.strerror})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelError(f"model {path}: not UTF-8 text (is this a libvmaf JSON model?)") from None
        native = _core.SvmModel.from_json(text, path, disable_clip=disable_clip, enable_transform=enable_transform)
        if name is None:
            name = os.path.splitext(os.path.basename(path))[0]
        return cls(native, name, path)

    @property
    def columns(self) -> list[str]:
        """The pipeline feature columns the model reads, in its input order."""
        return self._native.columns

    def extractor_specs(self) -> list[tuple[str, dict]]:
        return self._native.extractor_specs()

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Per-frame scores from a (frames, len(columns)) feature matrix."""
        return self._native.predict(np.ascontiguousarray(features, dtype=np.float64))

    def __repr__(self) -> str:
        return f"SvmModel({self.name!r})"
