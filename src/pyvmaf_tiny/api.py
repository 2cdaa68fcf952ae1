"""The public calls: score(), extract_features() and release_memory()."""

from __future__ import annotations

import inspect
import os
import time
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ._lazy import np

from . import _core, arguments, featureset, models
from .errors import InputError
from .io import open_source
from .io.policy import DEFAULT_POLICY, PathPolicy
from .io.scaled import ScaledSource
from .ladder import is_ladder, score_ladder
from .output import log_specs
from .result import Result, make_result
from .runner import Alignment, ProgressFn, run, run_pooled


def _open_pair(ref, dist, width, height, pix_fmt, bitdepth, scale_dist=None, policy: PathPolicy = DEFAULT_POLICY):
    geometry = dict(width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth, policy=policy)
    r = open_source(ref, role="reference", **geometry)
    try:
        d = open_source(dist, role="distorted", **geometry)
        if scale_dist is not None:
            d = ScaledSource(d, r.width, r.height, scale_dist)
    except BaseException:
        r.close()
        raise
    return r, d


def score(
    ref: Any,
    dist: Any,
    model: Any = models.DEFAULT_MODEL,
    *,
    width: Optional[int] = None,
    height: Optional[int] = None,
    pix_fmt: Optional[str] = None,
    bitdepth: Optional[int] = None,
    threads: int = 0,
    features: Optional[Iterable[Any]] = None,
    device: str = "auto",
    dnn_mode: str = "batch",
    frames: Optional[int] = None,
    skip_ref: int = 0,
    skip_dist: int = 0,
    subsample: int = 1,
    scale_dist: Optional[str] = None,
    progress: Optional[ProgressFn] = None,
    policy: PathPolicy = DEFAULT_POLICY,
) -> Result:
    """Score `dist` against `ref` with a VMAF model.

    `ref`/`dist` are .yuv paths (with width, height and pix_fmt), .y4m paths,
    (frames, height, width) uint8/uint16 arrays (uint16 needs bitdepth=), or
    iterables of 2-D frames. `features` adds extra features to the result.
    `threads=0` uses every core. Tiny ONNX models run on `device` ("cpu",
    "cuda", "openvino" or "auto") once per frame (`dnn_mode="stream"`) or
    over batches of frames ("batch"); both give identical scores.

    Alignment: `skip_ref`/`skip_dist` drop leading frames, `frames` caps the
    number of pairs, `subsample` scores every n-th pair (libvmaf's
    n_subsample). `scale_dist="bicubic"|"lanczos"` resizes the distorted clip
    to the reference size first (through PyAV's swscale); that changes the
    measurement and is off unless asked for.

    Every file (clips, model) is opened through `policy` (see
    pyvmaf_tiny.io.policy): regular files only, inside its roots if it has
    any, and with ``single_file_media`` containers only through demuxers that
    read one file.

    Several encodes of one reference (`dist` a list or tuple of paths, FrameSources or 3-D arrays)
    are scored in one pass (see pyvmaf_tiny.score_ladder) and give a list of Results in their
    order; if an encode fails, its exception is raised (score_ladder() keeps the others' results).
    """
    if is_ladder(dist):
        results = score_ladder(ref, dist, model, width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth,
                               threads=threads, features=features, device=device, dnn_mode=dnn_mode, frames=frames,
                               skip_ref=skip_ref, skip_dist=skip_dist, subsample=subsample, scale_dist=scale_dist,
                               progress=progress, policy=policy)
        for k, r in enumerate(results):
            if isinstance(r, Exception):
                r.add_note(f"(encode {k} of {len(results)}; pyvmaf_tiny.score_ladder() keeps the others' results)")
                raise r
        return results
    a = arguments.call(width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth, threads=threads,
                       features=features, frames=frames, skip_ref=skip_ref, skip_dist=skip_dist, subsample=subsample,
                       scale_dist=scale_dist, progress=progress, device=device, dnn_mode=dnn_mode)
    m, specs, align = _plan(model, a, policy, log=True)
    r, d = _open_pair(ref, dist, a["width"], a["height"], a["pix_fmt"], a["bitdepth"], a["scale_dist"], policy)
    with r, d:
        start = time.perf_counter()
        out = run(r, d, specs, a["threads"], a["progress"], model=m, dnn_mode=a["dnn_mode"], align=align)
        elapsed = time.perf_counter() - start
    fps = len(out.frame_numbers) / elapsed if elapsed > 0 else float("nan")
    return make_result(m, out.columns, out.values, out.scores, width=r.width, height=r.height, bitdepth=r.bpc,
                       fps=fps, frame_numbers=out.frame_numbers)


@dataclass(frozen=True)
class PooledScore:
    model: str
    backend: str
    frames: int  # frames scored
    pooled: dict  # libvmaf's min, max, mean, harmonic_mean of the model score


def pooled_score(ref: Any, dist: Any, model: Any = models.DEFAULT_MODEL, *, width=None, height=None, pix_fmt=None,
                 bitdepth=None, threads: int = 0, features=None, device: str = "auto", dnn_mode: str = "batch",
                 frames=None, skip_ref: int = 0, skip_dist: int = 0, subsample: int = 1, scale_dist=None,
                 progress: Optional[ProgressFn] = None, policy: PathPolicy = DEFAULT_POLICY) -> PooledScore:
    """score()'s pooled model score alone, without per-frame arrays (nor
    numpy): what `pyvmaf-tiny score` prints when no log or frame scores are
    asked for. Same arguments as score()."""
    a = arguments.call(width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth, threads=threads,
                       features=features, frames=frames, skip_ref=skip_ref, skip_dist=skip_dist, subsample=subsample,
                       scale_dist=scale_dist, progress=progress, device=device, dnn_mode=dnn_mode)
    m, specs, align = _plan(model, a, policy)
    r, d = _open_pair(ref, dist, a["width"], a["height"], a["pix_fmt"], a["bitdepth"], a["scale_dist"], policy)
    with r, d:
        n, pooled = run_pooled(r, d, specs, a["threads"], m, a["progress"], dnn_mode=a["dnn_mode"], align=align)
    return PooledScore(m.name, m.backend, n, pooled)


def _plan(model, a: dict, policy: PathPolicy, log: bool = False):
    """The model, the extractor specs and the alignment; with `log`, the
    specs also compute everything libvmaf logs for the model."""
    m = _load_model(arguments.model_ref(model), a["device"], policy)
    extra_specs, _ = featureset.resolve(a["features"])
    specs = featureset.merge(m.extractor_specs(), log_specs(m) if log else [], extra_specs)
    return m, specs, Alignment(a["frames"], a["skip_ref"], a["skip_dist"], a["subsample"])


def _load_model(model, device: str, policy: PathPolicy):
    if _LOAD_TAKES_POLICY:
        return models.load(model, device=device, policy=policy)
    # Until models.load() opens through a policy itself (harden-models): a model file must pass it first.
    if not isinstance(model, models.Model) and model not in {info.name for info in models.list()} \
            and (policy.roots or os.path.lexists(model)):
        policy.resolve(model, "model")
    return models.load(model, device=device)


_LOAD_TAKES_POLICY = "policy" in inspect.signature(models.load).parameters


def extract_features(
    ref: Any,
    dist: Any,
    features: Iterable[Any] = ("vif", "adm", "motion"),
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
    progress: Optional[ProgressFn] = None,
    policy: PathPolicy = DEFAULT_POLICY,
) -> dict[str, np.ndarray]:
    """Per-frame features by libvmaf name, e.g. {"integer_vif_scale0": array, ...}.

    Names may be features ("integer_adm2"), extractors ("vif": all its
    features) or carry options ("adm:adm_enhn_gain_limit=1.0").
    """
    a = arguments.call(width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth, threads=threads,
                       features=features, frames=frames, skip_ref=skip_ref, skip_dist=skip_dist, subsample=subsample,
                       scale_dist=scale_dist, progress=progress)
    specs, wanted = featureset.resolve(a["features"])
    if not specs:
        raise InputError("no features requested")
    merged = featureset.merge(specs)
    align = Alignment(a["frames"], a["skip_ref"], a["skip_dist"], a["subsample"])
    r, d = _open_pair(ref, dist, a["width"], a["height"], a["pix_fmt"], a["bitdepth"], a["scale_dist"], policy)
    with r, d:
        out = run(r, d, merged, a["threads"], a["progress"], align=align)
    by_name = {c: out.values[:, i].copy() for i, c in enumerate(out.columns)}
    out: dict[str, np.ndarray] = {}
    for spec, want in zip(specs, wanted):
        provided = featureset.columns_of(spec)
        name = spec[0]
        if want is None:
            for col in provided:
                out[col] = by_name[col]
        else:
            column = featureset.column_for(spec, want)
            out[column] = by_name[column]
    return out


def release_memory() -> int:
    """Hand back the working memory the native core keeps between calls.

    The buffers a call scores with (the extractors' planes) are kept when it
    ends, reclaimable by the system under memory pressure, so that the next
    call of the same size skips allocating and faulting them in. Returns the
    bytes released.
    """
    return int(_core.pool_release())
