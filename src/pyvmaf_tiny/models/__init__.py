"""The model registry: packaged models by name, or a user's model by path.

Every model file is read through a path policy and parsed once, by the native
reader (see files.py); nothing here parses JSON.
"""

from __future__ import annotations

import builtins
import copy
import functools
import os
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ..errors import InputError
from ..io.policy import DEFAULT_POLICY, PathPolicy
from .base import Model
from .files import read_document, sidecar_beside
from .onnx import OnnxModel, ort_info, set_ort_log_level
from .svm import SvmModel

__all__ = ["Model", "ModelInfo", "OnnxModel", "SvmModel", "list", "load", "ort_info", "set_ort_log_level",
           "DEFAULT_MODEL"]

DEFAULT_MODEL = "vmaf_v0.6.1"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # "svm" for libvmaf JSON models, "fr_features" for tiny ONNX models
    path: str
    sidecar: Optional[dict] = field(default=None)


def _data_dir() -> str:
    return os.path.join(os.path.dirname(os.path.realpath(__file__)), "data")


@functools.lru_cache(maxsize=1)
def _package_policy() -> PathPolicy:
    """The packaged models are read through a policy of their own: only the package's data folder."""
    return PathPolicy([_data_dir()])


@functools.lru_cache(maxsize=1)
def _packaged() -> tuple[ModelInfo, ...]:
    out = []
    for entry in sorted(os.listdir(_data_dir())):
        if not entry.endswith(".json"):
            continue
        path = os.path.join(_data_dir(), entry)
        doc = read_document(path, _package_policy())
        if doc.kind == "fr_features":
            out.append(ModelInfo(doc.native.name, doc.kind, path, doc.native.tree()))
        else:
            out.append(ModelInfo(entry[: -len(".json")], "svm", path))
    return tuple(out)


def list() -> builtins.list[ModelInfo]:  # noqa: A001 - the registry's public verb
    """Every packaged model."""
    return [replace(i, sidecar=copy.deepcopy(i.sidecar)) if i.sidecar is not None else i for i in _packaged()]


def load(name_or_path: Any, *, device: str = "auto", enable_transform: bool = False,
         disable_clip: bool = False, policy: PathPolicy = DEFAULT_POLICY) -> Model:
    """Load a packaged model by name, a libvmaf JSON model, or a tiny ONNX model
    (its .onnx or its sidecar .json) from a path. Files are read through `policy`
    (the sidecar's .onnx too); packaged models through the package's own."""
    if isinstance(name_or_path, Model):
        return name_or_path
    if not isinstance(name_or_path, (str, bytes, os.PathLike)):
        raise InputError(f"model: expected a model name, a path or a loaded model, got {type(name_or_path).__name__}")
    text = os.fsdecode(os.fspath(name_or_path))
    for info in _packaged():
        if info.name == text:
            return _load_path(info.path, info.name, device, enable_transform, disable_clip, _package_policy())
    if _looks_like_path(text) or _resolves(text, policy):
        return _load_path(text, None, device, enable_transform, disable_clip, policy)
    known = ", ".join(i.name for i in _packaged())
    raise InputError(f"unknown model {text!r}: use one of {known}, or a path to a model file")


def _looks_like_path(text: str) -> bool:
    return any(s in text for s in (os.sep, os.altsep) if s) or text.endswith((".json", ".onnx"))


def _resolves(text: str, policy: PathPolicy) -> bool:
    """Whether a bare name is a file the policy would let us read."""
    try:
        policy.resolve(text, "model", InputError)
    except InputError:
        return False
    return True


def _load_path(path: str, name: Optional[str], device: str, enable_transform: bool, disable_clip: bool,
               policy: PathPolicy) -> Model:
    # A model that cannot be found is bad input; one that is found but broken is a ModelError.
    if path.endswith(".onnx"):
        return OnnxModel.from_onnx(path, device=device, policy=policy)
    doc = read_document(path, policy)
    if doc.kind == "fr_features":
        return OnnxModel.from_document(doc, device=device, policy=policy)
    return SvmModel.from_document(doc, name=name, enable_transform=enable_transform, disable_clip=disable_clip)
