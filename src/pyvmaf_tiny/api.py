"""The public calls: score(), extract_features() and release_memory()."""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from . import _core, arguments, featureset, models
from .errors import InputError
from .io import open_source
from .io.policy import DEFAULT_POLICY, PathPolicy
from .io.scaled import ScaledSource
from .io.source import FrameSource
from .models.modelset import interval_names
from .ladder import is_ladder, score_list
from .output import log_specs
from .result import Features, PooledScore, Result, make_result
from .roles import warn_if_swapped
from .runner import Alignment, ProgressFn, check_pair, run, run_pooled
from .sync import (ANALYSIS_SECONDS, FALLBACK_RATE, best_delay, check_search_budget, nearest_ref_frames, need_rate,
                   small_luma)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    #: What score() and extract_features() read: a file path (raw .yuv, .y4m or a container), a
    #: (frames, height, width) array, an iterable of 2-D frames, or an open FrameSource.
    Clip = Union[str, "os.PathLike[str]", npt.NDArray[Any], Iterable[npt.NDArray[Any]], FrameSource]
    #: The models to score with: one (a packaged name, a path, libvmaf's "version=...:name=..." syntax, a
    #: dict of those options, a loaded Model), a list of them, or None / "none" for none.
    OneModel = Union[str, "os.PathLike[str]", dict[str, Any], models.Model]
    ModelArg = Union[OneModel, list[OneModel], None]
else:
    from ._lazy import np

    Clip = Any
    ModelArg = Any

log = logging.getLogger(__name__)

__all__ = ["Clip", "Features", "PooledScore", "extract_features", "pooled_score", "release_memory", "score"]


def score(
    ref: Clip,
    dist: Clip,
    model: ModelArg = models.DEFAULT_MODEL,
    *,
    width: Optional[int] = None,
    height: Optional[int] = None,
    pix_fmt: Optional[str] = None,
    bitdepth: Optional[int] = None,
    threads: int = 0,
    features: Optional[Iterable[Union[str, dict[str, Any]]]] = None,
    device: str = "auto",
    dnn_mode: str = "batch",
    frames: Optional[int] = None,
    skip_ref: int = 0,
    skip_dist: int = 0,
    subsample: int = 1,
    scale_dist: Optional[str] = None,
    dist_delay: int = 0,
    align: str = "index",
    sync: Optional[str] = None,
    sync_window: float = 2.0,
    progress: Optional[ProgressFn] = None,
    policy: PathPolicy = DEFAULT_POLICY,
) -> Result:
    """Score the distorted clip `dist` against its reference `ref` with a VMAF model.

    The reference comes first (ffmpeg's libvmaf filter and ffmpeg-quality-metrics take the distorted clip
    first); an InputWarning says so when the inputs look swapped (a low-rate lossy reference against an
    uncompressed distorted clip, or a reference of under half the distorted clip's bit rate).

    Inputs (`ref`, `dist`, in any mix):
      - raw .yuv paths (pass width, height and pix_fmt, e.g. "yuv420p10le");
      - .y4m paths (geometry, format and frame rate from the header);
      - containers and streams read through PyAV: .mp4, .mkv, .webm, .mov, .ivf, .ts, ... (luma decoded
        exactly, high bit depth kept; needs the `video` extra);
      - (frames, height, width) uint8 / uint16 numpy arrays (uint16 needs bitdepth=) or iterables of 2-D
        frames.

    `model` is a packaged name (pyvmaf_tiny.models.list()), a libvmaf JSON model (or bootstrap
    collection) or a tiny .onnx model, in libvmaf's syntax if options are wanted
    ("version=vmaf_v0.6.1:enable_transform=true:name=phone", "vmaf_v0.6.1:disable_clip=true",
    "path=my.json:name=mine", or the same as a dict), or a list of models, scored in one pass over
    shared features, each under its name (Result.scores["phone"]; Result.score is the first model's).
    model=None or "none" scores no model: only `features`. `features` adds extra features (e.g. "psnr",
    "float_ssim") to the result. `threads=0` uses every core.
    Tiny ONNX models run on `device` ("cpu", "cuda", "openvino" or "auto") per frame
    (`dnn_mode="stream"`) or over batches of frames ("batch"); both give identical scores.

    Pairing frames: `skip_ref`/`skip_dist` drop leading frames, `dist_delay=N` says the distorted clip
    lags by N frames (the same as skip_dist=N; N < 0 is skip_ref=-N), `frames` caps the number of pairs,
    `subsample` scores every n-th pair (libvmaf's n_subsample). `align="pts"` pairs each reference frame
    with the distorted frame shown at its time, repeating or dropping distorted frames as ffmpeg's fps
    filter does (for clips of different frame rates; this changes the measurement). `sync="auto"` finds
    the distorted clip's delay, within `sync_window` seconds either way, that best matches the first
    seconds (downscaled luma), and scores with it: `Result.sync_delay`. `scale_dist="bicubic"|"lanczos"`
    resizes the distorted clip to the reference size first (PyAV's swscale; changes the measurement).

    `progress(done, total)` is called after each frame (total is None when not known up front).
    Every file (clips, model) is opened through `policy` (pyvmaf_tiny.io.PathPolicy): regular files only,
    inside its roots if it has any, and with ``single_file_media`` containers only through demuxers that
    read one file.

    Returns a Result: `.score` (pooled mean), `.frames` (per-frame scores), `.scores` (every model's),
    `.features`, `.pooled`, `.to_pandas()`, `.write("log.json")`. Several encodes of one reference (`dist`
    a list or tuple of paths, FrameSources or 3-D arrays) are scored in one pass and give a list of Results
    in their order; an encode that fails raises its error (pyvmaf_tiny.score_ladder keeps the others'
    results).
    """
    if is_ladder(dist):
        return score_list(locals())
    a = _arguments(locals())
    m, specs, _ = _plan(model, a, policy, log=True)
    r, d, pairing, delay = _open_aligned(ref, dist, a, policy)
    with r, d:
        start = time.perf_counter()
        out = run(r, d, specs, a["threads"], a["progress"], model=m.first, dnn_mode=a["dnn_mode"], align=pairing)
        elapsed = time.perf_counter() - start
    fps = len(out.frame_numbers) / elapsed if elapsed > 0 else float("nan")
    return make_result(m, out.columns, out.values, out.scores, width=r.width, height=r.height, bitdepth=r.bpc,
                       fps=fps, frame_numbers=out.frame_numbers, ref=r.name, dist=d.name, align=pairing.mode,
                       frame_rate=_rate(r), aggregates=out.aggregates, **_sync_about(delay, d))


def pooled_score(ref: Clip, dist: Clip, model: ModelArg = models.DEFAULT_MODEL,
                 *, width: Optional[int] = None, height: Optional[int] = None, pix_fmt: Optional[str] = None,
                 bitdepth: Optional[int] = None, threads: int = 0,
                 features: Optional[Iterable[Union[str, dict[str, Any]]]] = None, device: str = "auto",
                 dnn_mode: str = "batch", frames: Optional[int] = None, skip_ref: int = 0, skip_dist: int = 0,
                 subsample: int = 1, scale_dist: Optional[str] = None, dist_delay: int = 0, align: str = "index",
                 sync: Optional[str] = None, sync_window: float = 2.0, progress: Optional[ProgressFn] = None,
                 policy: PathPolicy = DEFAULT_POLICY) -> PooledScore:
    """score()'s pooled model score alone, without per-frame arrays (nor
    numpy): what `pyvmaf-tiny score` prints when no log or frame scores are
    asked for. Same arguments as score(); one model, whose output is its score alone (with its
    interval's bounds, pooled, when it gives one)."""
    a = _arguments(locals())
    m, specs, _ = _plan(model, a, policy)
    if len(m) != 1 or m.first.output_suffixes != [""]:
        raise InputError(f"pooled_score() scores one model with one output; use score() for {m.name if m else 'none'}"
                         + (f" and {len(m) - 1} more" if len(m) > 1 else ""))
    r, d, pairing, delay = _open_aligned(ref, dist, a, policy)
    with r, d:
        n, pooled, bounds = run_pooled(r, d, specs, a["threads"], m.first, a["progress"], dnn_mode=a["dnn_mode"],
                                       align=pairing)
    interval, coverage = None, m.first.interval_coverage
    if bounds is not None and coverage is not None:
        interval = dict(zip(interval_names(m.metric, coverage), bounds))
    return PooledScore(m.name, m.backend, n, pooled, ref=r.name, dist=d.name, align=pairing.mode,
                       frame_rate=_rate(r), metric=m.metric, interval=interval,
                       interval_coverage=coverage if interval else None, **_sync_about(delay, d))


_SHARED = ("width", "height", "pix_fmt", "bitdepth", "threads", "features", "frames", "skip_ref", "skip_dist",
           "subsample", "scale_dist", "progress", "dist_delay", "align", "sync", "sync_window")


def _arguments(given: dict[str, Any]) -> dict[str, Any]:
    """The shared arguments of a public call (its locals()), checked."""
    extra = {k: given[k] for k in ("device", "dnn_mode") if k in given}
    return arguments.call(**{k: given[k] for k in _SHARED}, **extra)


def _rate(src: FrameSource) -> Optional[float]:
    return None if src.rate is None else float(src.rate)


def _open_pair(ref: Clip, dist: Clip, a: dict[str, Any], policy: PathPolicy) -> tuple[FrameSource, FrameSource]:
    geometry = dict(width=a["width"], height=a["height"], pix_fmt=a["pix_fmt"], bitdepth=a["bitdepth"],
                    policy=policy)
    r = open_source(ref, role="reference", **geometry)
    try:
        d = open_source(dist, role="distorted", **geometry)
        if a["scale_dist"] is not None:
            d = ScaledSource(d, r.width, r.height, a["scale_dist"])
    except BaseException:
        r.close()
        raise
    return r, d


def _open_aligned(ref: Clip, dist: Clip, a: dict[str, Any], policy: PathPolicy
                  ) -> tuple[FrameSource, FrameSource, Alignment, Optional[int]]:
    """Both clips opened, how their frames pair, and the delay sync="auto" found (None without it)."""
    delay = a["dist_delay"]
    align = Alignment(a["frames"], a["skip_ref"] + max(-delay, 0), a["skip_dist"] + max(delay, 0),
                      a["subsample"], a["align"])
    if a["sync"] is not None:
        for clip in (ref, dist):
            if not isinstance(clip, (str, os.PathLike, np.ndarray)):
                raise InputError(f"sync='auto' reads the start of both clips twice: pass file paths or arrays, "
                                 f"not {type(clip).__name__}")
    r, d = _open_pair(ref, dist, a, policy)
    try:
        warn_if_swapped(r, d)
        if a["sync"] is None:
            return r, d, align, None
        found = _find_delay(r, d, align, a["sync_window"])
    except BaseException:
        r.close()
        d.close()
        raise
    r.close()
    d.close()
    r, d = _open_pair(ref, dist, a, policy)  # from the start again, with the delay
    if align.mode == "pts":
        shift = align.dist_shift + Fraction(found) / need_rate(d, "--align pts")
        if shift < 0:  # the distorted clip leads: drop the reference frames it lacks, then shift the rest
            dropped = math.ceil(-shift * need_rate(r, "--align pts"))
            align = replace(align, skip_ref=align.skip_ref + dropped)
            shift += Fraction(dropped) / need_rate(r, "--align pts")
        align = replace(align, dist_shift=shift)
    elif found >= 0:
        align = replace(align, skip_dist=align.skip_dist + found)
    else:
        align = replace(align, skip_ref=align.skip_ref - found)
    log.info("sync: scoring %s against %s with a delay of %d frames", d.name, r.name, found)
    return r, d, align, found


def _sync_about(delay: Optional[int], d: FrameSource) -> dict[str, Any]:
    """Result's sync fields."""
    rate = d.rate
    seconds = None if delay is None or rate is None else float(delay / rate)
    return dict(sync_delay=delay, sync_delay_s=seconds)


def _find_delay(r: FrameSource, d: FrameSource, align: Alignment, window_s: float) -> int:
    """The distorted clip's delay in its own frames (sync.best_delay over the first seconds)."""
    check_pair(r, d, replace(align, frames=1))
    rate = d.rate or r.rate or FALLBACK_RATE
    window = max(1, round(window_s * rate))
    pairs = max(2, round(ANALYSIS_SECONDS * rate))
    refs: list[Any] = []
    dists: list[Any] = []
    times: list[Fraction] = []
    ref_want = pairs + window
    if align.mode == "pts":  # the reference frames the distorted ones may pair with at any delay tried
        ref_want = round((ANALYSIS_SECONDS + 2 * window_s) * need_rate(r, "--align pts")) + 1
    check_search_budget(r, d, window, pairs, ref_want)
    for picture in itertools.islice(r.stream(False), align.skip_ref, align.skip_ref + ref_want):
        refs.append(small_luma(picture))
    if align.mode == "index":
        for picture in itertools.islice(d.stream(False), align.skip_dist, align.skip_dist + pairs + window):
            dists.append(small_luma(picture))
        ref_index = None
    else:
        first = None
        for t, picture in itertools.islice(d.timed(False), align.skip_dist, align.skip_dist + pairs + window):
            first = t if first is None else first
            times.append(t - first - align.dist_shift)
            dists.append(small_luma(picture))
        ref_index = nearest_ref_frames(times, need_rate(r, "--align pts"), need_rate(d, "--align pts"))
    delay, _ = best_delay(refs, dists, window, pairs, ref_index)
    return delay


def _plan(model, a: dict, policy: PathPolicy, log: bool = False, encodes: int = 1):
    """The models (a ModelSet: the first rides in the pipeline), the extractor specs and the alignment;
    with `log`, the specs also compute everything libvmaf logs for the models. Folders the extractors
    write into are checked (for `encodes` encodes)."""
    extra_specs, _ = featureset.resolve(a["features"])
    m = load_models(model, a["device"], policy)
    if not m and not extra_specs:
        raise InputError("no model and no features: nothing to compute (add features, or a model)")
    specs = featureset.merge(m.extractor_specs(), log_specs(m) if log else [], extra_specs)
    m.check_columns(c for spec in specs for c in featureset.columns_of(spec))
    featureset.check_writes(specs, encodes)
    return m, specs, Alignment(a["frames"], a["skip_ref"], a["skip_dist"], a["subsample"])


def load_model(model, device: str, policy: PathPolicy):
    """One model by name, path (opened through `policy`), libvmaf syntax or object."""
    return models.load(model, device=device, policy=policy)


def load_models(model, device: str, policy: PathPolicy) -> models.ModelSet:
    """Every model `model` asks for (one, a list, or none), loaded and named for the logs."""
    return models.load_set(model, device=device, policy=policy)


def extract_features(
    ref: Clip,
    dist: Clip,
    features: Iterable[Union[str, dict[str, Any]]] = ("vif", "adm", "motion"),
    *,
    width: Optional[int] = None,
    height: Optional[int] = None,
    pix_fmt: Optional[str] = None,
    bitdepth: Optional[int] = None,
    threads: int = 0,
    frames: Optional[int] = None,
    skip_ref: int = 0,
    skip_dist: int = 0,
    subsample: int = 1,
    scale_dist: Optional[str] = None,
    dist_delay: int = 0,
    align: str = "index",
    sync: Optional[str] = None,
    sync_window: float = 2.0,
    progress: Optional[ProgressFn] = None,
    policy: PathPolicy = DEFAULT_POLICY,
) -> Features:
    """Per-frame features by libvmaf name, e.g. {"integer_vif_scale0": array, ...}: a dict of arrays, whose
    `aggregates` maps each clip-level output (libvmaf's aggregate_metrics: "psnr:enable_apsnr=true" gives
    apsnr_y, apsnr_cb and apsnr_cr) to its value.

    Names may be features ("integer_adm2"), extractors ("vif": all its
    features) or carry options ("adm:adm_enhn_gain_limit=1.0"). Inputs,
    frame pairing, `progress` and `policy` are as in score() (files, containers,
    arrays; the reference first).
    """
    a = _arguments(locals())
    specs, wanted = featureset.resolve(a["features"])
    if not specs:
        raise InputError("no features requested")
    merged = featureset.merge(specs)
    featureset.check_writes(merged)
    r, d, pairing, _ = _open_aligned(ref, dist, a, policy)
    with r, d:
        out = run(r, d, merged, a["threads"], a["progress"], align=pairing)
    by_name = {c: out.values[:, i].copy() for i, c in enumerate(out.columns)}
    return Features({column: by_name[column] for column in requested_columns(specs, wanted)}, out.aggregates)


def requested_columns(specs, wanted) -> list[str]:
    """The columns featureset.resolve()'s specs were asked for, in the order asked: every output of an
    extractor asked for by name, the one column of a feature asked for by name."""
    out: list[str] = []
    for spec, want in zip(specs, wanted):
        columns = featureset.columns_of(spec) if want is None else [featureset.column_for(spec, want)]
        out += [c for c in columns if c not in out]
    return out


def release_memory() -> int:
    """Hand back the working memory the native core keeps between calls.

    The buffers a call scores with (the extractors' planes) are kept when it
    ends, reclaimable by the system under memory pressure, so that the next
    call of the same size skips allocating and faulting them in. Returns the
    bytes released.
    """
    return int(_core.pool_release())
