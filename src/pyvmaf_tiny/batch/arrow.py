"""Arrow arrays built from their buffers.

pyarrow.array() on Python values first asks whether they are pandas objects,
which imports pandas (about a second at the start of a batch, and memory for
the rest of it) though nothing here uses pandas. These build the same arrays
straight from numpy buffers.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np


def _pa():
    import pyarrow as pa

    return pa


def _validity(valid: np.ndarray):
    if valid.all():
        return None, 0
    return _pa().py_buffer(np.packbits(valid, bitorder="little")), int((~valid).sum())


def _numeric(values, arrow_type, dtype, zero) -> "pa.Array":  # noqa: F821
    pa = _pa()
    if isinstance(values, np.ndarray):
        data = np.ascontiguousarray(values, dtype=dtype)
        return pa.Array.from_buffers(arrow_type, len(data), [None, pa.py_buffer(data)])
    valid = np.array([v is not None for v in values], dtype=bool)
    data = np.array([v if v is not None else zero for v in values], dtype=dtype)
    bitmap, nulls = _validity(valid)
    return pa.Array.from_buffers(arrow_type, len(data), [bitmap, pa.py_buffer(data)], null_count=nulls)


def float64(values) -> "pa.Array":  # noqa: F821
    """From a float array, or a list of floats and Nones (null)."""
    return _numeric(values, _pa().float64(), np.float64, 0.0)


def int64(values) -> "pa.Array":  # noqa: F821
    """From an integer array, or a list of ints and Nones (null)."""
    return _numeric(values, _pa().int64(), np.int64, 0)


def string(values: Sequence[Optional[str]]) -> "pa.Array":  # noqa: F821
    """From a list of str and None (null)."""
    pa = _pa()
    encoded = [_utf8(v) if v is not None else b"" for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    if offsets[-1] >= 1 << 31:
        raise ValueError("more than 2 GiB of text in one column")
    valid = np.array([v is not None for v in values], dtype=bool)
    bitmap, nulls = _validity(valid)
    return pa.Array.from_buffers(pa.string(), len(encoded),
                                 [bitmap, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b"".join(encoded))],
                                 null_count=nulls)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "backslashreplace")  # undecodable file-name bytes come out as \x escapes


def repeat(text: str, n: int) -> "pa.Array":  # noqa: F821
    """`text` n times."""
    pa = _pa()
    b = _utf8(text)
    if n * len(b) >= 1 << 31:
        return string([text] * n)
    offsets = np.arange(n + 1, dtype=np.int32) * len(b)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(b * n)])
