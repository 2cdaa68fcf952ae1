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
from .modelset import ModelSet
from .onnx import OnnxModel, ort_info, set_ort_log_level
from .request import ModelRequest, parse, requests
from .svm import BootstrapModel, SvmModel

__all__ = ["BootstrapModel", "Model", "ModelInfo", "ModelRequest", "ModelSet", "OnnxModel", "SvmModel", "features_of",
           "list", "load", "load_set", "ort_info", "set_ort_log_level", "DEFAULT_MODEL"]

DEFAULT_MODEL = "vmaf_v0.6.1"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # "svm" for libvmaf JSON models, "bootstrap" for libvmaf bootstrap collections, "fr_features" for tiny ONNX models
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
    for entry in sorted(_packaged_files()):
        path = os.path.join(_data_dir(), entry)
        doc = read_document(path, _package_policy())
        if doc.kind == "fr_features":
            out.append(ModelInfo(doc.native.name, doc.kind, path, doc.native.tree()))
        else:
            out.append(ModelInfo(entry[: -len(".json")], doc.kind, path))
    return tuple(out)


def _packaged_path(name: str) -> Optional[str]:
    """The file of the packaged model `name`, found without reading any model: a packaged model is
    named as its file, NAME.json (tests/test_model_files.py holds every one to that), and the name is
    matched exactly, also where the file system ignores case."""
    return os.path.join(_data_dir(), name + ".json") if name + ".json" in _packaged_files() else None


@functools.lru_cache(maxsize=1)
def _packaged_files() -> frozenset[str]:
    return frozenset(e for e in os.listdir(_data_dir()) if e.endswith(".json"))


def list() -> builtins.list[ModelInfo]:  # noqa: A001 - the registry's public verb
    """Every packaged model."""
    return [replace(i, sidecar=copy.deepcopy(i.sidecar)) if i.sidecar is not None else i for i in _packaged()]


def load(name_or_path: Any, *, device: str = "auto", enable_transform: bool = False,
         disable_clip: bool = False, policy: PathPolicy = DEFAULT_POLICY) -> Model:
    """Load a packaged model by name, a libvmaf JSON model or bootstrap collection, or a tiny ONNX model
    (its .onnx or its sidecar .json) from a path. Files are read through `policy` (the sidecar's .onnx
    too); packaged models through the package's own.

    `name_or_path` may also be in libvmaf's syntax (models/request.py):
    "version=vmaf_v0.6.1:enable_transform=true:name=phone", "vmaf_v0.6.1:disable_clip=true",
    "path=my.json:name=mine"; its name= is kept as the model's `log_name`."""
    if isinstance(name_or_path, Model):
        return name_or_path
    if isinstance(name_or_path, bytes):
        name_or_path = os.fsdecode(name_or_path)
    if isinstance(name_or_path, str):
        request = parse(name_or_path)
        if request is None:
            raise InputError("model 'none' loads no model")
    elif isinstance(name_or_path, os.PathLike):
        request = ModelRequest(os.fsdecode(os.fspath(name_or_path)), "path")
    elif isinstance(name_or_path, (ModelRequest, dict)):
        (request,) = requests(name_or_path)
    else:
        raise InputError(f"model: expected a model name, a path or a loaded model, got {type(name_or_path).__name__}")
    return load_request(request, device=device, policy=policy, enable_transform=enable_transform,
                        disable_clip=disable_clip)


def load_request(request: ModelRequest, *, device: str = "auto", policy: PathPolicy = DEFAULT_POLICY,
                 enable_transform: bool = False, disable_clip: bool = False) -> Model:
    """The model `request` names, with its flags (or those given here) and its name= as log_name."""
    if request.by == "object":
        return request.ref
    flags = dict(enable_transform=enable_transform or request.enable_transform,
                 disable_clip=disable_clip or request.disable_clip)
    text = request.ref
    model = None
    if request.by in ("auto", "version"):
        path = _packaged_path(text)
        if path is not None:
            model = _load_path(path, text, device, policy=_package_policy(), **flags)
        if model is None and request.by == "version":
            known = ", ".join(i.name for i in _packaged())
            raise InputError(f"unknown model version {text!r}: use one of {known} (path= for a model file)")
    if model is None:
        if request.by == "auto" and not (_looks_like_path(text) or _resolves(text, policy)):
            known = ", ".join(i.name for i in _packaged())
            raise InputError(f"unknown model {text!r}: use one of {known}, or a path to a model file")
        model = _load_path(text, None, device, policy=policy, **flags)
    if request.name is not None:
        model.log_name = request.name
    return model


def load_set(model: Any, *, device: str = "auto", policy: PathPolicy = DEFAULT_POLICY) -> ModelSet:
    """Every model `model` asks for (one, a list, or none: see request.requests()), loaded and named
    for the logs (ModelSet)."""
    if isinstance(model, ModelSet):
        return model
    loaded = [(r, load_request(r, device=device, policy=policy)) for r in requests(model)]
    return ModelSet.named(loaded)


def features_of(info: ModelInfo) -> builtins.list[str]:
    """The feature columns a packaged model reads, in its input order (a sidecar's list, without ONNX Runtime)."""
    if info.kind == "fr_features":
        return builtins.list((info.sidecar or {}).get("input", {}).get("features", []))
    return builtins.list(load(info.name, device="cpu").columns)


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
        _no_flags(path, enable_transform, disable_clip)
        return OnnxModel.from_onnx(path, device=device, policy=policy)
    doc = read_document(path, policy)
    if doc.kind == "fr_features":
        _no_flags(path, enable_transform, disable_clip)
        return OnnxModel.from_document(doc, device=device, policy=policy)
    cls = BootstrapModel if doc.kind == "bootstrap" else SvmModel
    return cls.from_document(doc, name=name, enable_transform=enable_transform, disable_clip=disable_clip)


def _no_flags(path: str, enable_transform: bool, disable_clip: bool) -> None:
    if enable_transform or disable_clip:
        from ..io.policy import shown

        raise InputError(f"model {shown(path)}: enable_transform and disable_clip are libvmaf model options; a tiny "
                         f"model has neither")
