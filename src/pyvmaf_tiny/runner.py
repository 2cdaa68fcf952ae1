"""Drives the native pipeline over a pair of frame sources."""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterator, Optional, Sequence

from ._lazy import np, preload

from . import _core, arguments
from .arguments import DNN_MODES
from .errors import InputError
from .io import FrameSource
from .io.pixfmt import CHROMA_LAYOUTS, chroma_refusal
from .roles import warn
from .sync import ALIGN_MODES, need_rate, pts_index_map, pts_pairs, rate_hint, rates_clause

ProgressFn = Callable[[int, Optional[int]], None]


@dataclass(frozen=True)
class Alignment:
    """Which frames of ref and dist are paired, and which are scored.

    skip_ref/skip_dist drop leading frames of either input; `frames` caps the
    number of pairs (and allows inputs of different lengths); `subsample`
    scores every n-th pair, as libvmaf's n_subsample does. `mode` "index"
    pairs the n-th frames; "pts" pairs each reference frame with the
    distorted frame shown at its time (sync.py), the distorted clip's times
    less `dist_shift` seconds.
    """

    frames: Optional[int] = None
    skip_ref: int = 0
    skip_dist: int = 0
    subsample: int = 1
    mode: str = "index"
    dist_shift: Fraction = field(default=Fraction(0))

    def __post_init__(self) -> None:
        if self.frames is not None:
            object.__setattr__(self, "frames", arguments.count(self.frames, "frames", 1))
        for name, lo in (("skip_ref", 0), ("skip_dist", 0), ("subsample", 1)):
            object.__setattr__(self, name, arguments.count(getattr(self, name), name, lo))
        if self.mode not in ALIGN_MODES:
            raise InputError(f"align must be one of {', '.join(ALIGN_MODES)}, got {self.mode!r}")


def check_pair(ref: FrameSource, dist: FrameSource, align: Alignment = Alignment()) -> Optional[int]:
    """Raise InputError unless ref and dist agree; returns the number of pairs if known."""
    if (ref.width, ref.height) != (dist.width, dist.height):
        raise InputError(
            f"size mismatch: reference {ref.name} is {ref.width}x{ref.height} "
            f"but distorted {dist.name} is {dist.width}x{dist.height} (see --scale-dist)"
        )
    if ref.bpc != dist.bpc:
        raise InputError(
            f"bit depth mismatch: reference {ref.name} is {ref.bpc}-bit but distorted {dist.name} is {dist.bpc}-bit"
        )
    if align.mode == "pts":
        need_rate(ref, "--align pts")
        need_rate(dist, "--align pts")
    n_ref, n_dist = ref.frame_count(), dist.frame_count()
    n_ref = None if n_ref is None else n_ref - align.skip_ref
    n_dist = None if n_dist is None else n_dist - align.skip_dist
    for n, src, skip in ((n_ref, ref, align.skip_ref), (n_dist, dist, align.skip_dist)):
        if n is not None and n < (align.frames if align.frames and (align.mode == "index" or src is ref) else 1):
            have = n + skip
            raise InputError(f"{src.name} has {have} frames; skipping {skip} leaves fewer than the "
                             f"{align.frames or 1} needed")
    if align.mode == "pts":
        if n_ref is None or n_dist is None or _has_timestamps(ref) or _has_timestamps(dist):
            return align.frames if n_ref is not None and n_dist is not None else None
        pairs = len(_pts_map(ref, dist, align, n_ref, n_dist))
        return pairs if align.frames is None else min(pairs, align.frames)
    if align.frames is not None:
        return align.frames
    if n_ref is not None and n_dist is not None and n_ref != n_dist:
        raise InputError(
            f"frame count mismatch: reference {ref.name} has {n_ref} frames but distorted {dist.name} has {n_dist}"
            + (" after skipping" if align.skip_ref or align.skip_dist else "")
            + " (use --frames N, --skip-ref or --skip-dist to align them)" + rate_hint(ref, dist)
        )
    return n_ref if n_ref is not None else n_dist


def _has_timestamps(src: FrameSource) -> bool:
    """Whether the source's frame times come from timestamps (read while decoding), not from its rate."""
    return type(src).timed is not FrameSource.timed


def _pts_map(ref: FrameSource, dist: FrameSource, align: Alignment, n_ref: int, n_dist: int) -> list[int]:
    """The distorted frame (counted after skip_dist) paired with each reference frame (after skip_ref)."""
    return pts_index_map(n_ref, need_rate(ref, "--align pts"), n_dist, need_rate(dist, "--align pts"),
                         align.dist_shift)


def check_chroma(ref: FrameSource, dist: FrameSource) -> None:
    """Raise InputError unless chroma features can read both inputs' chroma exactly. (Sources without chroma
    word their own refusal when asked for it.)"""
    for src in (ref, dist):
        if src.layout not in (None, "gray") and src.layout not in CHROMA_LAYOUTS:
            raise InputError(chroma_refusal(src.name, src.format_name or src.layout, src.layout))
    if ref.layout in CHROMA_LAYOUTS and dist.layout in CHROMA_LAYOUTS and ref.layout != dist.layout:
        raise InputError(f"chroma layout mismatch: reference {ref.name} is {ref.layout} but distorted {dist.name} "
                         f"is {dist.layout}; chroma features compare planes of the same size")


def make_pipeline(specs, threads, model=None, dnn_mode: str = "batch", subsample: int = 1):
    pipeline = _core.Pipeline(specs, arguments.thread_count(threads))
    pipeline.subsample = subsample
    if model is not None:
        if dnn_mode not in DNN_MODES:
            raise InputError(f"dnn_mode must be one of {', '.join(DNN_MODES)}, got {dnn_mode!r}")
        pipeline.set_model(model.native, dnn_mode)
    return pipeline


@dataclass
class RunOutput:
    columns: list[str]
    values: np.ndarray  # (scored frames, columns)
    scores: Optional[np.ndarray]
    frame_numbers: np.ndarray  # index of each scored pair
    aggregates: dict[str, float] = field(default_factory=dict)  # clip-level outputs (libvmaf's aggregate_metrics)


def run(
    ref: FrameSource,
    dist: FrameSource,
    specs: list[tuple[str, dict]],
    threads: int,
    progress: Optional[ProgressFn] = None,
    model=None,
    dnn_mode: str = "batch",
    align: Alignment = Alignment(),
) -> RunOutput:
    """Extract every paired frame and score it with `model` (if any) inside the
    native pipeline."""
    pipeline = _drive(ref, dist, specs, threads, progress, model, dnn_mode, align, numpy_later=True)
    n = pipeline.final_count
    kept = np.arange(0, n, align.subsample)
    values = pipeline.rows(0, n)[kept]
    scores = pipeline.scores(0, len(kept)) if model is not None else None
    return RunOutput(list(pipeline.columns), values, scores, kept, aggregates_of(pipeline))


def aggregates_of(pipeline, encode: int = 0) -> dict[str, float]:
    """The closed pipeline's clip-level outputs for `encode`, by name."""
    names = list(pipeline.aggregate_columns)
    return dict(zip(names, pipeline.aggregates(encode))) if names else {}


def run_pooled(ref: FrameSource, dist: FrameSource, specs, threads: int, model, progress: Optional[ProgressFn] = None,
               dnn_mode: str = "batch", align: Alignment = Alignment()
               ) -> tuple[int, dict[str, float], Optional[tuple[dict[str, float], dict[str, float]]]]:
    """run() for callers that want only the pooled model score: (frames
    scored, libvmaf's min/max/mean/harmonic_mean, the same of the model's
    interval bounds (lo, hi) or None), computed natively and without numpy."""
    pipeline = _drive(ref, dist, specs, threads, progress, model, dnn_mode, align, numpy_later=False)
    return pipeline.scored_count, pipeline.pooled_scores(), pipeline.pooled_interval()


def _drive(ref, dist, specs, threads, progress, model, dnn_mode, align: Alignment, numpy_later: bool):
    total = check_pair(ref, dist, align)
    pipeline = make_pipeline(specs, threads, model, dnn_mode, align.subsample)
    if pipeline.needs_chroma:
        check_chroma(ref, dist)
    readers = _native_readers(ref, dist, total, pipeline.needs_chroma)
    if readers is not None and align.mode == "pts" and (_has_timestamps(ref) or _has_timestamps(dist)):
        readers = None
    if readers is not None:
        assert total is not None
        dist_frames: Sequence[int] = range(total)
        if align.mode == "pts":
            n_ref, n_dist = ref.frame_count(), dist.frame_count()
            dist_frames = _pts_map(ref, dist, align, n_ref - align.skip_ref, n_dist - align.skip_dist)[:total]
        index = _push_native(pipeline, ref, dist, readers, align, dist_frames, progress, numpy_later)
    else:
        index = _push_frames(pipeline, ref, dist, align, progress, total)
    if index == 0:
        raise InputError("no frames to score")
    pipeline.close()
    if align.mode == "index":
        clause = rates_clause(ref, dist)
        if clause:
            warn(f"{clause} but frames were paired by position ({ref.name} / {dist.name}); --align pts "
                 f"(align='pts') pairs them by time")
    return pipeline


def _native_readers(ref: FrameSource, dist: FrameSource, total: Optional[int], chroma: bool):
    """Native readers for both inputs when the core can read their files itself
    (else the frames go through Python, which also words the errors)."""
    if total is None or (chroma and not (ref.has_chroma and dist.has_chroma)):
        return None
    r = ref.native_reader()
    d = dist.native_reader() if r is not None else None
    return None if d is None else (r, d)


def _push_native(pipeline, ref, dist, readers, align: Alignment, dist_frames, progress, numpy_later: bool) -> int:
    # The core reads each frame straight into its buffers, without the GIL.
    r, d = readers
    total = len(dist_frames)
    # Frames in flight after the last push are finished by the workers: that
    # tail is where the main thread has time to import numpy.
    preload_at = max(1, total - pipeline.threads)
    for index, dist_index in enumerate(dist_frames):
        try:
            pipeline.push_read(r, align.skip_ref + index, d, align.skip_dist + dist_index)
        except InputError as e:
            if ref.name in str(e) or dist.name in str(e):
                raise
            raise _at_frame(ref, dist, index, e) from None
        if numpy_later and index + 1 == preload_at and "numpy" not in sys.modules:
            preload("numpy")  # the results need it: load it while the core finishes
        if progress is not None:
            progress(index + 1, total)
    return total


def paired_pictures(ref: FrameSource, dist: FrameSource, align: Alignment, chroma: bool) -> Iterator[tuple[Any, Any]]:
    """The (reference, distorted) pictures to score, in order: after the skips, paired by index or by
    time, at most align.frames of them. Pictures are valid until the next pair (stream()). A frame-count
    mismatch under index pairing raises InputError when the shorter clip ends."""
    if align.mode == "pts":
        pairs = pts_pairs(_since_first(ref.timed(chroma), align.skip_ref),
                          _since_first(dist.timed(chroma), align.skip_dist),
                          need_rate(ref, "--align pts"), dist.rate, align.dist_shift)
        yield from itertools.islice(pairs, align.frames)
        return
    refs = itertools.islice(ref.stream(chroma), align.skip_ref, None)
    dists = itertools.islice(dist.stream(chroma), align.skip_dist, None)
    if align.frames is not None:
        refs, dists = itertools.islice(refs, align.frames), itertools.islice(dists, align.frames)
    index = 0
    sentinel = object()
    for r, d in itertools.zip_longest(refs, dists, fillvalue=sentinel):
        if r is sentinel or d is sentinel:
            short, long_ = (ref, dist) if r is sentinel else (dist, ref)
            raise InputError(
                f"frame count mismatch: {short.name} ended after {index} frames but {long_.name} has more"
                + rate_hint(ref, dist)
                if align.frames is None else f"{short.name} ended after {index} frames; --frames asked for "
                f"{align.frames}"
            )
        yield r, d
        index += 1


def _since_first(timed: Iterator[tuple[Fraction, Any]], skip: int) -> Iterator[tuple[Fraction, Any]]:
    """Times since the first frame kept after `skip`."""
    first: Optional[Fraction] = None
    for t, picture in itertools.islice(timed, skip, None):
        if first is None:
            first = t
        yield t - first, picture


def _at_frame(ref, dist, index: int, error: InputError) -> InputError:
    """The core's refusal of pair `index`, naming the inputs (and the frame,
    unless the core's message already names one)."""
    text = str(error)
    where = "" if re.search(r"\bframe \d+\b", text) else f"frame {index}: "
    return InputError(f"{ref.name} / {dist.name}: {where}{text}")


def _push_frames(pipeline, ref, dist, align: Alignment, progress, total: Optional[int]) -> int:
    # push() copies each frame, so readers may reuse their buffers (stream()).
    index = 0
    for r, d in paired_pictures(ref, dist, align, pipeline.needs_chroma):
        try:
            pipeline.push(r, d, ref.bpc)
        except InputError as e:
            raise _at_frame(ref, dist, index, e) from None
        index += 1
        if progress is not None:
            progress(index, total)
    return index
