"""Reading model files: through a path policy, parsed once by the native reader.

A model file is read whole (within its byte budget) through the caller's
:class:`~pyvmaf_tiny.io.policy.PathPolicy` and handed to the native JSON
reader, which says what it is (a libvmaf model or a tiny model's sidecar) and
which further file it would open (the sidecar's ``.onnx``). That exact path
then passes the same policy before it is read, and only then is the model
built, from memory. No JSON is parsed in Python, and no error message carries
anything read from a path the policy refused.
"""

from __future__ import annotations

import os
from .. import _core
from ..errors import InputError, ModelError
from ..io.policy import OutsideRoots, PathPolicy, shown


class Document:
    """A model file the native reader has parsed: `native` is its ModelDocument."""

    def __init__(self, path: str, native):
        self.path, self.native = path, native

    @property
    def kind(self) -> str:
        return self.native.kind  # "svm" or "fr_features"


def read_document(path, policy: PathPolicy) -> Document:
    """`path` (a libvmaf model or a sidecar) resolved, read and parsed; a file that
    cannot be found or is not allowed is bad input, one that is found but broken a ModelError."""
    real = policy.resolve(path, "model", InputError)
    data = policy.read_bytes(path, "model", policy.budgets.model_json, ModelError)
    native = _core.ModelDocument(data, shown(path), os.fsencode(os.path.dirname(real)))
    if native.kind == "fr_features" and len(data) > policy.budgets.sidecar:
        raise ModelError(f"sidecar {shown(path)}: larger than the {policy.budgets.sidecar >> 20} MiB cap for sidecars")
    return Document(os.fsdecode(os.fspath(path)), native)


def sidecar_beside(onnx_path, policy: PathPolicy) -> str:
    """The sidecar `<name>.json` beside a `.onnx` file, once the policy accepts it."""
    policy.resolve(onnx_path, "model", InputError)
    sidecar = os.path.splitext(os.fsdecode(os.fspath(onnx_path)))[0] + ".json"
    try:
        policy.resolve(sidecar, "model sidecar", ModelError)
    except OutsideRoots:
        raise
    except ModelError as e:
        if str(e).endswith(": no such file"):
            raise ModelError(f"model {shown(onnx_path)}: no sidecar {shown(os.path.basename(sidecar))} beside it "
                             f"(pyvmaf-tiny needs the JSON sidecar written by `pyvmaf-tiny train export`)") from None
        raise
    return sidecar


def onnx_model(doc: Document, policy: PathPolicy, device: str):
    """The native tiny model of a sidecar document: its .onnx passes the policy, is read, then checked and loaded."""
    (reference,) = doc.native.references
    onnx_path = os.fsdecode(reference)
    data = policy.read_bytes(onnx_path, "the sidecar's onnx file", policy.budgets.onnx, ModelError)
    return doc.native.onnx_model(data, shown(onnx_path), device), onnx_path
