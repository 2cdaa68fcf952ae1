"""libvmaf JSON (nu-SVR) models, evaluated by the native core."""

from __future__ import annotations

import os
from typing import Optional

from .. import _core
from ..errors import ModelError
from .base import Model

_MAX_MODEL_BYTES = 64 << 20


class SvmModel(Model):
    kind = "svm"

    @classmethod
    def from_file(cls, path: str, *, name: Optional[str] = None, enable_transform: bool = False,
                  disable_clip: bool = False) -> "SvmModel":
        raw = _read(path, _MAX_MODEL_BYTES)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelError(f"model {path}: not UTF-8 text (is this a libvmaf JSON model?)") from None
        native = _core.SvmModel.from_json(text, path, disable_clip=disable_clip, enable_transform=enable_transform)
        return cls(native, name or os.path.splitext(os.path.basename(path))[0], path)


def _read(path: str, cap: int) -> bytes:
    try:
        size = os.path.getsize(path)
        if size > cap:
            raise ModelError(f"model {path}: {size} bytes is larger than the {cap >> 20} MiB cap")
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ModelError(f"model {path}: no such file") from None
    except IsADirectoryError:
        raise ModelError(f"model {path}: is a directory") from None
    except OSError as e:
        raise ModelError(f"model {path}: cannot read ({e.strerror})") from None
