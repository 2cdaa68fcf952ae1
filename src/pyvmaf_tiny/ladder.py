"""Ladder mode: one reference scored against several encodes in one pass.

The native pipeline reads each reference frame once and the extractors that
split their work (VIF, ADM, motion) compute what depends on the reference
alone once per frame for every encode. Every per-frame value equals what
score(ref, dist) gives for that encode alone.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any, Optional, Sequence, Union

from ._lazy import np

from . import _core, arguments, models
from .errors import InputError, PyvmafTinyError
from .io import FrameSource, open_source
from .io.policy import DEFAULT_POLICY, PathPolicy
from .io.scaled import METHODS, ScaledSource
from .result import Result, make_result
from .roles import warn_if_swapped
from .runner import Alignment, ProgressFn, _at_frame, aggregates_of, check_chroma, check_pair
from .sync import rate_hint

#: One value for every encode, or a sequence of one value per encode.
PerEncode = Union[Any, Sequence[Any]]


def is_ladder(dist: Any) -> bool:
    """Whether score()'s `dist` names several encodes: a list or tuple of paths, FrameSources or
    (frames, height, width) arrays. (A list of 2-D arrays stays one clip's frames.)"""
    if not isinstance(dist, (list, tuple)) or not dist:
        return False
    return all(isinstance(d, (str, os.PathLike, FrameSource)) or (isinstance(d, np.ndarray) and d.ndim == 3)
               for d in dist)


def score_list(given: dict[str, Any]) -> list[Result]:
    """score() with several encodes (`given` is its locals()): their Results in order, or the first
    failed encode's error raised."""
    if given.get("dist_delay") or given.get("align", "index") != "index" or given.get("sync") is not None:
        raise InputError("dist_delay, align and sync pair one distorted clip with the reference; with several "
                         "encodes give each its skip_dist (score_ladder)")
    names = ("width", "height", "pix_fmt", "bitdepth", "threads", "features", "device", "dnn_mode", "frames",
             "skip_ref", "skip_dist", "subsample", "scale_dist", "progress", "policy")
    results = score_ladder(given["ref"], given["dist"], given["model"], **{k: given[k] for k in names})
    for k, r in enumerate(results):
        if isinstance(r, Exception):
            r.add_note(f"(encode {k} of {len(results)}; pyvmaf_tiny.score_ladder() keeps the others' results)")
            raise r
    return results  # type: ignore[return-value]


def score_ladder(
    ref: Any,
    dists: Sequence[Any],
    model: Any = models.DEFAULT_MODEL,
    *,
    width: Optional[int] = None,
    height: Optional[int] = None,
    pix_fmt: Optional[str] = None,
    bitdepth: Optional[int] = None,
    threads: int = 0,
    features: Optional[Any] = None,
    device: str = "auto",
    dnn_mode: str = "batch",
    frames: Optional[int] = None,
    skip_ref: int = 0,
    skip_dist: PerEncode = 0,
    subsample: int = 1,
    scale_dist: PerEncode = None,
    progress: Optional[ProgressFn] = None,
    policy: PathPolicy = DEFAULT_POLICY,
) -> list[Union[Result, Exception]]:
    """Score every encode in `dists` against `ref` in one pass; one entry per encode, in order.

    An entry is the encode's Result, exactly what score(ref, dist, ...) returns for it, or the
    exception that call would raise: one failing encode (missing, truncated, another size or bit
    depth, a bad frame) fails its own entry only. A problem of the reference or of the shared
    arguments (the model, features, threads) is every entry's exception. Nothing is raised for
    bad input; a `scale_dist` or `skip_dist` sequence of the wrong length raises InputError.

    The arguments are score()'s. `scale_dist` and `skip_dist` are one value for every encode or a
    sequence with one per encode, so encodes may differ in size (each scaled to the reference) and
    alignment; `width`/`height`/`pix_fmt` describe raw .yuv inputs, reference and encodes alike.
    Each Result's `fps` is the ladder's frames per second. The reference is read once per frame and
    memory holds at most threads + 2 frames of the reference and of each encode.
    """
    try:
        dists = list(dists)
    except TypeError:
        raise InputError(f"dists must be a sequence of encodes, got {type(dists).__name__}") from None
    n = len(dists)
    if n == 0:
        raise InputError("score_ladder(): no encodes to score")
    scales, skips = _each(scale_dist, n, "scale_dist"), _each(skip_dist, n, "skip_dist")
    out: list[Union[Result, Exception, None]] = [None] * n
    try:
        from .api import _plan

        a = arguments.call(width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth, threads=threads,
                           features=features, frames=frames, skip_ref=skip_ref, subsample=subsample,
                           progress=progress, device=device, dnn_mode=dnn_mode)
        m, specs, _ = _plan(model, a, policy, log=True, encodes=n)
        geometry = dict(width=a["width"], height=a["height"], pix_fmt=a["pix_fmt"], bitdepth=a["bitdepth"],
                        policy=policy)
        r = open_source(ref, role="reference", **geometry)
    except PyvmafTinyError as e:
        return [e] * n
    encodes: list[_Encode] = []
    try:
        for k, dist in enumerate(dists):
            try:
                skip = arguments.count(skips[k], "skip_dist")
                scale = arguments.choice(scales[k], "scale_dist", tuple(METHODS), optional=True)
                d = open_source(dist, role="distorted", **geometry)
                if scale is not None:
                    d = _scaled(d, r, scale)
                align = Alignment(a["frames"], a["skip_ref"], skip, a["subsample"])
                total = check_pair(r, d, align)
                warn_if_swapped(r, d)
                encodes.append(_Encode(k, d, align, total))
            except PyvmafTinyError as e:
                out[k] = e
        if encodes:
            _run(r, encodes, specs, m, a, out)
    finally:
        for e in encodes:
            e.source.close()
        r.close()
    return out  # type: ignore[return-value]


class _Encode:
    """One encode being scored: its source, alignment and how its frames reach the core."""

    def __init__(self, index: int, source: FrameSource, align: Alignment, total: Optional[int]):
        self.index, self.source, self.align, self.total = index, source, align, total
        self.reader = None  # a native RawReader, else frames come from `frames`
        self.frames = None


def _run(r: FrameSource, encodes: list[_Encode], specs, m, a: dict, out: list) -> None:
    align = Alignment(a["frames"], a["skip_ref"], 0, a["subsample"])
    pipeline = _core.Pipeline(specs, arguments.thread_count(a["threads"]), len(encodes))
    pipeline.subsample = align.subsample
    if m.native is not None:
        pipeline.set_model(m.native, a["dnn_mode"])
    chroma = pipeline.needs_chroma
    live = list(range(len(encodes)))

    def fail(slot: int, error: Exception) -> None:
        out[encodes[slot].index] = error
        live.remove(slot)
        if pipeline.encodes > 1:
            pipeline.drop(slot)

    if chroma:
        for slot, e in enumerate(encodes):
            try:
                check_chroma(r, e.source)
            except PyvmafTinyError as err:
                fail(slot, err)
    totals = {e.total for e in encodes}
    total = totals.pop() if len(totals) == 1 else None
    ref_reader = _reader(r, total, chroma)
    for slot in live:
        e = encodes[slot]
        e.reader = _reader(e.source, total, chroma) if ref_reader is not None else None
        if e.reader is None:
            e.frames = itertools.islice(e.source.stream(chroma), e.align.skip_dist, None)
    ref_frames = None if ref_reader is not None else itertools.islice(r.stream(chroma), align.skip_ref, None)
    limit = total if total is not None else align.frames
    progress = a["progress"]

    def refuse_all(error: Exception, frame: Optional[int] = None) -> None:
        # With a frame: an error of the core, worded per encode as score() words it.
        for slot in live:
            out[encodes[slot].index] = error if frame is None else _named(error, r, encodes[slot].source, frame)
        live.clear()

    start = time.perf_counter()
    index = 0
    while live and (limit is None or index < limit):
        if ref_reader is not None:
            ref_side: Any = (ref_reader, align.skip_ref + index)
        else:
            try:
                ref_side = next(ref_frames)
            except StopIteration:
                if align.frames is not None:
                    refuse_all(InputError(f"{r.name} ended after {index} frames; --frames asked for {align.frames}"))
                break
            except PyvmafTinyError as err:
                refuse_all(err)
                break
        sides: list[Any] = [None] * len(encodes)
        for slot in list(live):
            e = encodes[slot]
            if e.reader is not None:
                sides[slot] = (e.reader, e.align.skip_dist + index)
                continue
            try:
                sides[slot] = next(e.frames)
            except StopIteration:
                fail(slot, InputError(
                    f"frame count mismatch: {e.source.name} ended after {index} frames but {r.name} has more"
                    + rate_hint(r, e.source) if align.frames is None else
                    f"{e.source.name} ended after {index} frames; --frames asked for {align.frames}"))
            except PyvmafTinyError as err:
                fail(slot, err)
        if not live:
            break
        try:
            pipeline.push_frame(ref_side, sides, r.bpc)
        except PyvmafTinyError as err:
            # With one encode the pipeline fails as a whole; with more, only the reference or an
            # extractor fails it (an encode's own refusal fails that encode: _collect()).
            refuse_all(err, index)
            break
        _collect(pipeline, r, encodes, live, out)
        index += 1
        if progress is not None:
            progress(index, total)
    if live and index == 0:
        refuse_all(InputError("no frames to score"))
    if live and align.frames is None:
        # The reference ended: an encode read through Python with frames left does not match it.
        for slot in list(live):
            e = encodes[slot]
            if e.frames is not None and next(e.frames, None) is not None:
                fail(slot, InputError(f"frame count mismatch: {r.name} ended after {index} frames but "
                                      f"{e.source.name} has more" + rate_hint(r, e.source)))
    if not live:
        return
    try:
        pipeline.close()
    except PyvmafTinyError as err:
        refuse_all(err)
        return
    _collect(pipeline, r, encodes, live, out)
    elapsed = time.perf_counter() - start
    n = pipeline.final_count
    kept = np.arange(0, n, align.subsample)
    fps = len(kept) / elapsed if elapsed > 0 else float("nan")
    columns = list(pipeline.columns)
    for slot in live:
        values = pipeline.rows(0, n, slot)[kept]
        scores = pipeline.scores(0, len(kept), slot) if m.native is not None else None
        d = encodes[slot].source
        out[encodes[slot].index] = make_result(m, columns, values, scores, width=r.width, height=r.height,
                                               bitdepth=r.bpc, fps=fps, frame_numbers=kept, ref=r.name, dist=d.name,
                                               align="index", frame_rate=None if r.rate is None else float(r.rate),
                                               sync_delay=None, sync_delay_s=None,
                                               aggregates=aggregates_of(pipeline, slot))


def _collect(pipeline, r: FrameSource, encodes: list[_Encode], live: list[int], out: list) -> None:
    """Moves the encodes the core has failed from `live` into `out`, with their errors."""
    if pipeline.encodes == 1 or pipeline.live_encodes == len(live):
        return
    for slot in list(live):
        if not pipeline.failed(slot):
            continue
        error: Exception = InputError(f"{encodes[slot].source.name}: failed")
        try:
            pipeline.raise_error(slot)
        except PyvmafTinyError as err:
            error = _named(err, r, encodes[slot].source, pipeline.failed_frame(slot))
        out[encodes[slot].index] = error
        live.remove(slot)


def _named(error: PyvmafTinyError, r: FrameSource, d: FrameSource, frame: int) -> PyvmafTinyError:
    """A refusal of the core as score() words it: naming both inputs (and the frame) unless it names a file."""
    text = str(error)
    if not isinstance(error, InputError) or r.name in text or d.name in text:
        return error
    return _at_frame(r, d, frame, error)


def _reader(source: FrameSource, total: Optional[int], chroma: bool):
    """The core reads a side's file itself when it can (else its frames come through Python)."""
    if total is None or (chroma and not source.has_chroma):
        return None
    return source.native_reader()


def _scaled(d: FrameSource, r: FrameSource, method: str) -> FrameSource:
    try:
        return ScaledSource(d, r.width, r.height, method)
    except BaseException:
        d.close()
        raise


def _each(value: PerEncode, n: int, name: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise InputError(f"{name}: {len(value)} values for {n} encodes")
        return list(value)
    return [value] * n
