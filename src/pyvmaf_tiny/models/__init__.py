"""The model registry: packaged models by name, or a user's model by path."""

from __future__ import annotations

import builtins
import json
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import InputError
from .base import Model
from .onnx import OnnxModel, is_sidecar, ort_info, sidecar_for
from .svm import SvmModel

__all__ = ["Model", "ModelInfo", "OnnxModel", "SvmModel", "list", "load", "ort_info", "DEFAULT_MODEL"]

DEFAULT_MODEL = "vmaf_v0.6.1"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # "svm" for libvmaf JSON models, "fr_features" for tiny ONNX models
    path: str
    sidecar: Optional[dict] = field(default=None)


def _data_dir() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def list() -> builtins.list[ModelInfo]:  # noqa: A001 - the registry's public verb
    """Every packaged model."""
    out = []
    for entry in sorted(os.listdir(_data_dir())):
        if not entry.endswith(".json"):
            continue
        path = os.path.join(_data_dir(), entry)
        if is_sidecar(path):
            with open(path, encoding="utf-8") as f:
                sidecar = json.load(f)
            out.append(ModelInfo(sidecar["name"], sidecar["kind"], path, sidecar))
        else:
            out.append(ModelInfo(entry[: -len(".json")], "svm", path))
    return out


def load(name_or_path: Any, *, device: str = "auto", enable_transform: bool = False,
         disable_clip: bool = False) -> Model:
    """Load a packaged model by name, a libvmaf JSON model, or a tiny ONNX model
    (its .onnx or its sidecar .json) from a path."""
    if isinstance(name_or_path, Model):
        return name_or_path
    text = os.fspath(name_or_path)
    for info in list():
        if info.name == text:
            return _load_path(info.path, info.name, device, enable_transform, disable_clip)
    if os.path.sep in text or text.endswith((".json", ".onnx")) or os.path.exists(text):
        return _load_path(text, None, device, enable_transform, disable_clip)
    known = ", ".join(i.name for i in list())
    raise InputError(f"unknown model {text!r}: use one of {known}, or a path to a model file")


def _load_path(path: str, name: Optional[str], device: str, enable_transform: bool, disable_clip: bool) -> Model:
    # A model that cannot be found is bad input; one that is found but broken is a ModelError.
    if not os.path.exists(path):
        raise InputError(f"model {path}: no such file")
    if path.endswith(".onnx"):
        return OnnxModel.from_sidecar(sidecar_for(path), device=device)
    if is_sidecar(path):
        return OnnxModel.from_sidecar(path, device=device)
    return SvmModel.from_file(path, name=name, enable_transform=enable_transform, disable_clip=disable_clip)
