"""The model registry: packaged models by name, or a user's model by path."""

from __future__ import annotations

import builtins
import os
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Optional

from ..errors import ModelError
from .svm import SvmModel

__all__ = ["ModelInfo", "SvmModel", "list", "load", "DEFAULT_MODEL"]

DEFAULT_MODEL = "vmaf_v0.6.1"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # "svm" for libvmaf JSON models
    path: str
    sidecar: Optional[dict] = field(default=None)


def _data_dir():
    return resources.files(__name__) / "data"


def list() -> builtins.list[ModelInfo]:  # noqa: A001 - the registry's public verb
    """Every packaged model."""
    out = []
    for entry in sorted(_data_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json") and entry.name.startswith("vmaf_"):
            out.append(ModelInfo(entry.name[: -len(".json")], "svm", str(entry)))
    return out


def load(name_or_path: Any, *, enable_transform: bool = False, disable_clip: bool = False) -> SvmModel:
    """Load a packaged model by name, or a libvmaf JSON model from a path."""
    if isinstance(name_or_path, SvmModel):
        return name_or_path
    text = os.fspath(name_or_path)
    for info in list():
        if info.name == text:
            return SvmModel.from_file(info.path, name=info.name, enable_transform=enable_transform, disable_clip=disable_clip)
    if os.path.sep in text or text.endswith(".json") or os.path.exists(text):
        return SvmModel.from_file(text, enable_transform=enable_transform, disable_clip=disable_clip)
    known = ", ".join(i.name for i in list())
    raise ModelError(f"unknown model {text!r}: use one of {known}, or a path to a libvmaf JSON model")
