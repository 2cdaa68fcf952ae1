"""The public calls: score() and extract_features()."""

from __future__ import annotations

import time
from typing import Any, Iterable, Optional

import numpy as np

from . import featureset, models
from .errors import InputError
from .io import open_source
from .result import Result, make_result
from .runner import ProgressFn, run


def _open_pair(ref, dist, width, height, pix_fmt, bitdepth):
    geometry = dict(width=width, height=height, pix_fmt=pix_fmt, bitdepth=bitdepth)
    r = open_source(ref, role="reference", **geometry)
    try:
        d = open_source(dist, role="distorted", **geometry)
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
    progress: Optional[ProgressFn] = None,
) -> Result:
    """Score `dist` against `ref` with a VMAF model.

    `ref`/`dist` are .yuv paths (with width, height and pix_fmt), .y4m paths,
    (frames, height, width) uint8/uint16 arrays (uint16 needs bitdepth=), or
    iterables of 2-D frames. `features` adds extra features to the result.
    `threads=0` uses every core. Tiny ONNX models run on `device` ("cpu",
    "cuda", "openvino" or "auto") once per frame (`dnn_mode="stream"`) or
    over batches of frames ("batch"); both give identical scores.
    """
    m = models.load(model, device=device)
    extra_specs, _ = featureset.resolve(features)
    specs = featureset.merge(m.extractor_specs(), extra_specs)
    r, d = _open_pair(ref, dist, width, height, pix_fmt, bitdepth)
    with r, d:
        start = time.perf_counter()
        columns, values, scores = run(r, d, specs, threads, progress, model=m, dnn_mode=dnn_mode)
        elapsed = time.perf_counter() - start
    fps = values.shape[0] / elapsed if elapsed > 0 else float("nan")
    return make_result(m, columns, values, scores, width=r.width, height=r.height, bitdepth=r.bpc, fps=fps)


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
    progress: Optional[ProgressFn] = None,
) -> dict[str, np.ndarray]:
    """Per-frame features by libvmaf name, e.g. {"integer_vif_scale0": array, ...}.

    Names may be features ("integer_adm2"), extractors ("vif": all its
    features) or carry options ("adm:adm_enhn_gain_limit=1.0").
    """
    specs, wanted = featureset.resolve(features)
    if not specs:
        raise InputError("no features requested")
    merged = featureset.merge(specs)
    r, d = _open_pair(ref, dist, width, height, pix_fmt, bitdepth)
    with r, d:
        columns, values, _ = run(r, d, merged, threads, progress)
    by_name = {c: values[:, i].copy() for i, c in enumerate(columns)}
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
