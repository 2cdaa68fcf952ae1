"""libvmaf JSON (nu-SVR) models, evaluated by the native core."""

from __future__ import annotations

import os
from typing import Optional

from ..errors import ModelError
from ..io.policy import DEFAULT_POLICY, PathPolicy, shown
from .base import Model
from .files import Document, read_document


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
        if doc.kind != "svm":
            raise ModelError(f"model {shown(doc.path)}: is a tiny model's sidecar, not a libvmaf JSON model")
        native = doc.native.svm_model(disable_clip=disable_clip, enable_transform=enable_transform)
        return cls(native, name or os.path.splitext(os.path.basename(doc.path))[0], doc.path)
