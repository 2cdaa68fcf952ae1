"""The exception hierarchy shared by the Python layer and the native core."""


class PyvmafTinyError(Exception):
    """Base class of every error pyvmaf-tiny raises on purpose."""


class InputError(PyvmafTinyError, ValueError):
    """Bad input: geometry, format, truncation, or a ref/dist mismatch."""


class ModelError(PyvmafTinyError):
    """A bad model file, sidecar, or runtime ABI."""


class BackendUnavailable(PyvmafTinyError):
    """An execution provider or a native library is missing."""


__all__ = ["PyvmafTinyError", "InputError", "ModelError", "BackendUnavailable"]
