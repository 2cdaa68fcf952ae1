"""libvmaf JSON (nu-SVR) models and bootstrap model collections, evaluated by the native core."""

from __future__ import annotations

import os
from typing import Optional

from ..errors import ModelError
from ..io.policy import DEFAULT_POLICY, PathPolicy, shown
from .base import Model
from .files import Document, read_document


def _flags(enable_transform: bool, disable_clip: bool) -> dict[str, bool]:
    return {k: True for k, v in (("enable_transform", enable_transform), ("disable_clip", disable_clip)) if v}


class SvmModel(Model):
    kind = "svm"

    @classmethod
    def from_file(cls, path: str, *, name: Optional[str] = None, enable_transform: bool = False,
                  disable_clip: bool = False, policy: PathPolicy = DEFAULT_POLICY) -> "SvmModel":
        return cls.from_document(read_document(path, policy), name=name, enable_transform=enable_transform,
                                 disable_clip=disable_clip)

    @classmethod
    def from_document(cls, doc: Document, *, name: Optional[str] = None, enable_transform: bool = False,
                      disable_clip: bool = False) -> "SvmModel":
        if doc.kind == "fr_features":
            raise ModelError(f"model {shown(doc.path)}: is a tiny model's sidecar, not a libvmaf JSON model")
        if doc.kind == "bootstrap":
            raise ModelError(f"model {shown(doc.path)}: is a libvmaf bootstrap collection (BootstrapModel)")
        native = doc.native.svm_model(disable_clip=disable_clip, enable_transform=enable_transform)
        return cls(native, name or os.path.splitext(os.path.basename(doc.path))[0], doc.path,
                   flags=_flags(enable_transform, disable_clip))


class BootstrapModel(Model):
    """A libvmaf bootstrap collection (vmaf_b_v0.6.3): its score is member 0's, as libvmaf logs it; its
    outputs add each member's score and, over members 1 on, the bagging score, stddev and 95% interval."""

    kind = "bootstrap"

    @property
    def members(self) -> int:
        return self.native.members

    @classmethod
    def from_document(cls, doc: Document, *, name: Optional[str] = None, enable_transform: bool = False,
                      disable_clip: bool = False) -> "BootstrapModel":
        if doc.kind != "bootstrap":
            raise ModelError(f"model {shown(doc.path)}: is not a libvmaf bootstrap collection")
        native = doc.native.bootstrap_model(disable_clip=disable_clip, enable_transform=enable_transform)
        return cls(native, name or os.path.splitext(os.path.basename(doc.path))[0], doc.path,
                   flags=_flags(enable_transform, disable_clip))
