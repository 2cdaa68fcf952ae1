"""The one place that checks the public calls' arguments.

A wrong type or an out-of-range value becomes an InputError naming the
argument, before anything is opened or handed to the native core (whose
bindings would otherwise answer with a TypeError listing C++ signatures).
"""

from __future__ import annotations

import numbers
import os
from typing import Any, Optional, Sequence

from .errors import InputError

MAX_COUNT = 2**31 - 1  # frames, skips and subsample: what the core's frame counters hold
MAX_DIM = 1 << 15  # a frame's width or height
MAX_THREADS = 1024
BITDEPTHS = (8, 9, 10, 11, 12, 13, 14, 15, 16)
DEVICES = ("auto", "cpu", "cuda", "openvino")
DNN_MODES = ("stream", "batch")


def integer(value: Any, name: str, lo: int, hi: int) -> int:
    """`value` as an int in lo..hi; numpy integers are integers, bools and floats are not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an integer, got {_show(value)}")
    v = int(value)
    if v < lo:
        raise InputError(f"{name} must be >= {lo}, got {v}")
    if v > hi:
        raise InputError(f"{name} must be <= {hi}, got {v}")
    return v


def optional_integer(value: Any, name: str, lo: int, hi: int) -> Optional[int]:
    return None if value is None else integer(value, name, lo, hi)


def count(value: Any, name: str, lo: int = 0) -> int:
    """A number of frames (to skip, to score, between scored ones)."""
    return integer(value, name, lo, MAX_COUNT)


def dimension(value: Any, name: str) -> Optional[int]:
    return optional_integer(value, name, 1, MAX_DIM)


def thread_count(value: Any) -> int:
    """Worker threads: 0 is every core."""
    return integer(value, "threads", 0, MAX_THREADS)


def bit_depth(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) not in BITDEPTHS:
        raise InputError(f"bitdepth must be an integer from 8 to 16, got {_show(value)}")
    return int(value)


def text(value: Any, name: str, optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string, got {_show(value)}")
    return value


def choice(value: Any, name: str, options: Sequence[str], optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str) or value not in options:
        raise InputError(f"{name} must be one of {', '.join(options)}, got {_show(value)}")
    return value


def model_ref(value: Any) -> Any:
    """A packaged model's name, a model file's path, or a loaded Model."""
    from .models import Model

    if isinstance(value, (str, os.PathLike, Model)):
        return value
    raise InputError(f"model must be a packaged model name (e.g. vmaf_v0.6.1), a model file path or a loaded "
                     f"Model, got {_show(value)}")


def feature_list(value: Any) -> Optional[list]:
    """None, one feature (a name or a {"name": ...} dict), or an iterable of them; the names themselves are
    checked where they are resolved (featureset)."""
    if value is None or isinstance(value, (str, dict)):
        return value
    if isinstance(value, (bytes, bytearray)):
        raise InputError(f"features must be feature names (strings), got {_show(value)}")
    try:
        items = list(value)
    except TypeError:
        raise InputError(f"features must be a feature name or a list of them, got {_show(value)}") from None
    for item in items:
        if not isinstance(item, (str, dict)):
            raise InputError(f"feature names must be strings, got {_show(item)}")
    return items


def callback(value: Any, name: str) -> Any:
    if value is not None and not callable(value):
        raise InputError(f"{name} must be a callable or None, got {_show(value)}")
    return value


def seconds(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not lo <= float(value) <= hi:
        raise InputError(f"{name} must be a number of seconds from {lo:g} to {hi:g}, got {_show(value)}")
    return float(value)


def call(*, width=None, height=None, pix_fmt=None, bitdepth=None, threads=0, features=None, frames=None,
         skip_ref=0, skip_dist=0, subsample=1, scale_dist=None, progress=None, device="auto",
         dnn_mode="batch", dist_delay=0, align="index", sync=None, sync_window=2.0) -> dict:
    """score()/pooled_score()/extract_features()'s shared arguments, checked."""
    from .io.scaled import METHODS
    from .sync import ALIGN_MODES, SYNC_MODES

    return dict(
        dist_delay=integer(dist_delay, "dist_delay", -MAX_COUNT, MAX_COUNT),
        align=choice(align, "align", ALIGN_MODES), sync=choice(sync, "sync", SYNC_MODES, optional=True),
        sync_window=seconds(sync_window, "sync_window", 0.0, 60.0),
        width=dimension(width, "width"), height=dimension(height, "height"),
        pix_fmt=text(pix_fmt, "pix_fmt", optional=True), bitdepth=bit_depth(bitdepth),
        threads=thread_count(threads), features=feature_list(features),
        frames=None if frames is None else count(frames, "frames", 1), skip_ref=count(skip_ref, "skip_ref"),
        skip_dist=count(skip_dist, "skip_dist"), subsample=count(subsample, "subsample", 1),
        scale_dist=choice(scale_dist, "scale_dist", tuple(METHODS), optional=True),
        progress=callback(progress, "progress"), device=choice(device, "device", DEVICES),
        dnn_mode=choice(dnn_mode, "dnn_mode", DNN_MODES),
    )


def _show(value: Any) -> str:
    text_ = repr(value)
    return text_ if len(text_) <= 60 else text_[:57] + "..."

