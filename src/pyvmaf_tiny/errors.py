"""The exception hierarchy shared by the Python layer and the native core."""


class PyvmafTinyError(Exception):
    """Base class of every error pyvmaf-tiny raises on purpose."""


class InputError(PyvmafTinyError, ValueError):
    """Bad input: geometry, format, truncation, or a ref/dist mismatch."""


class ModelError(PyvmafTinyError):
    """A bad model file, sidecar, or runtime ABI."""


class BackendUnavailable(PyvmafTinyError):
    """An execution provider or a native library is missing."""


class PyvmafTinyWarning(UserWarning):
    """Base class of the warnings pyvmaf-tiny gives (through the warnings module)."""


class InputWarning(PyvmafTinyWarning):
    """Inputs that score, but probably not as meant: reference and distorted swapped, frame rates that differ."""


__all__ = ["PyvmafTinyError", "InputError", "ModelError", "BackendUnavailable", "PyvmafTinyWarning",
           "InputWarning"]
