"""Drives the native pipeline over a pair of frame sources."""

from __future__ import annotations

import itertools
from typing import Callable, Optional

import numpy as np

from . import _core
from .errors import InputError
from .io import FrameSource

ProgressFn = Callable[[int, Optional[int]], None]


def check_pair(ref: FrameSource, dist: FrameSource) -> Optional[int]:
    """Raise InputError unless ref and dist agree; returns the frame count if known."""
    if (ref.width, ref.height) != (dist.width, dist.height):
        raise InputError(
            f"size mismatch: reference {ref.name} is {ref.width}x{ref.height} "
            f"but distorted {dist.name} is {dist.width}x{dist.height}"
        )
    if ref.bpc != dist.bpc:
        raise InputError(
            f"bit depth mismatch: reference {ref.name} is {ref.bpc}-bit but distorted {dist.name} is {dist.bpc}-bit"
        )
    n_ref, n_dist = ref.frame_count(), dist.frame_count()
    if n_ref is not None and n_dist is not None and n_ref != n_dist:
        raise InputError(
            f"frame count mismatch: reference {ref.name} has {n_ref} frames but distorted {dist.name} has {n_dist}"
        )
    return n_ref if n_ref is not None else n_dist


def check_threads(threads) -> int:
    try:
        t = int(threads)
    except (TypeError, ValueError):
        raise InputError(f"threads must be an integer >= 0, got {threads!r}") from None
    if t < 0 or t > 1024:
        raise InputError(f"threads must be between 0 (all cores) and 1024, got {t}")
    return t


DNN_MODES = ("stream", "batch")


def make_pipeline(specs, threads, model=None, dnn_mode: str = "batch"):
    pipeline = _core.Pipeline(specs, check_threads(threads))
    if model is not None:
        if dnn_mode not in DNN_MODES:
            raise InputError(f"dnn_mode must be one of {', '.join(DNN_MODES)}, got {dnn_mode!r}")
        pipeline.set_model(model.native, dnn_mode)
    return pipeline


def run(
    ref: FrameSource,
    dist: FrameSource,
    specs: list[tuple[str, dict]],
    threads: int,
    progress: Optional[ProgressFn] = None,
    model=None,
    dnn_mode: str = "batch",
) -> tuple[list[str], np.ndarray, Optional[np.ndarray]]:
    """Extract every frame and score it with `model` (if any) inside the native
    pipeline; returns (columns, values[frames, columns], scores[frames] or None)."""
    total = check_pair(ref, dist)
    pipeline = make_pipeline(specs, threads, model, dnn_mode)
    index = 0
    sentinel = object()
    chroma = pipeline.needs_chroma
    if chroma:
        for src in (ref, dist):
            if not src.has_chroma:
                hint = "; psnr:enable_chroma=false gives psnr_y alone" if pipeline.chroma_user == "psnr" else ""
                raise InputError(
                    f"feature extractor '{pipeline.chroma_user}' reads the chroma (Cb, Cr) planes, but {src.name} "
                    f"has only luma (gray or numpy input); give .yuv, .y4m or container input with chroma{hint}"
                )
    for r, d in itertools.zip_longest(ref.pictures(chroma), dist.pictures(chroma), fillvalue=sentinel):
        if r is sentinel or d is sentinel:
            short, long_ = (ref, dist) if r is sentinel else (dist, ref)
            raise InputError(
                f"frame count mismatch: {short.name} ended after {index} frames but {long_.name} has more"
            )
        try:
            pipeline.push(r, d, ref.bpc)
        except InputError as e:
            raise InputError(f"{ref.name} / {dist.name}: frame {index}: {e}") from None
        index += 1
        if progress is not None:
            progress(index, total)
    pipeline.close()
    n = pipeline.final_count
    scores = pipeline.scores(0, n) if model is not None else None
    return list(pipeline.columns), pipeline.rows(0, n), scores
