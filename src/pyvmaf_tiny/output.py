"""Writers for libvmaf's log formats (json, xml, csv, sub), same layout and number formatting.

Which metrics a log carries, and in which order, is libvmaf's too:

- **The set.** libvmaf computes every output of each extractor a model reads
  and logs them all (``integer_aim``, ``integer_adm3``, the motion SAD score
  and ``integer_motion3`` on a default run, though ``vmaf_v0.6.1`` reads none
  of them). :func:`log_specs` asks for that set; a run that only wants the
  pooled score (``pooled_score()``, the CLI without ``--output``) leaves it
  out and skips, e.g., ADM's AIM pass.
- **The order.** libvmaf's feature collector lists metrics in the order it
  first stores them. With worker threads (``n_threads >= 1``, as our
  conformance runs use) that is, for frame 0: first the outputs of the
  extractors libvmaf flags TEMPORAL, which run on its reading thread before
  the frame goes to the workers (``psnr``); then those of the others, as a
  worker extracts the frame; then the outputs written when the clip ends
  (``integer_motion2``, ``integer_motion3``); the models' outputs last, model
  by model in the order given, each model's as libvmaf writes them (its
  score, a bootstrap collection's members then ``_bagging``, ``_stddev``,
  ``_ci_p95_lo``, ``_ci_p95_hi``; a tiny model's interval bounds
  ``_ci_p90_lo``/``_hi`` after its score, named as libvmaf names the
  bootstrap interval). Within
  each stage, extractors come in registration order (each model's features
  in its order, model by model, then the extra features in the order given;
  libvmaf runs an extractor once per set of options) and each extractor's
  outputs in the order it writes them (its ``provides()``). The registry
  records each extractor's stage facts (``ExtractorInfo::libvmaf_temporal``
  and ``flushed`` in ``core/src/feature/registry.cpp``), so new extractors
  fall into place by declaring them there. (Without worker threads,
  ``n_threads=0``, libvmaf lists TEMPORAL extractors in registration order
  instead; we follow the threaded rule.)
"""

from __future__ import annotations

import math
import os
from typing import Optional, TextIO

from . import __version__
from .errors import InputError

FORMATS = ("json", "xml", "csv", "sub")
_POOLS = ("min", "max", "mean", "harmonic_mean")


def format_number(v: float) -> str:
    """libvmaf prints %.6f, or %.16f when the fraction starts with more than six zeros."""
    v = float(v)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    x = abs(v)
    frac = x - float(int(x))
    zeros = 0
    while frac < 1.0 and frac != 0:
        frac *= 10
        zeros += 1
    return f"{v:.6f}" if zeros <= 6 else f"{v:.16f}"


def log_specs(models) -> list:
    """Extractor specs for everything libvmaf logs when it scores with
    `models` (a ModelSet, or one Model): each extractor a libvmaf model (SVM
    or bootstrap collection) reads, with all its outputs, in model order.
    Other models (tiny ONNX ones) log only the features they read."""
    entries = [e.model for e in models] if hasattr(models, "entries") else [models]
    return [(spec[0], dict(spec[1]), ()) for m in entries if getattr(m, "kind", None) in ("svm", "bootstrap")
            for spec in m.extractor_specs()]


def libvmaf_order(columns) -> list[str]:
    """`columns` (extractor outputs in registration order, each extractor's
    in its own order) in the order libvmaf's logs list them (see above)."""
    from . import _core

    return sorted(columns, key=_core.libvmaf_log_stage)  # stable: keeps the order within a stage


def _json_number(v: float) -> str:
    return format_number(v) if math.isfinite(float(v)) else "null"


def _frame_numbers(result) -> list[int]:
    if result.frame_numbers is not None:
        return [int(i) for i in result.frame_numbers]
    return list(range(result.frame_count))


def result_to_dict(result) -> dict:
    metrics = result.metrics()
    frames = []
    for row, num in enumerate(_frame_numbers(result)):
        frames.append({"frameNum": num, "metrics": {k: float(v[row]) for k, v in metrics.items()}})
    return {
        "version": f"pyvmaf-tiny {__version__}",
        "fps": None if not math.isfinite(result.fps) else round(result.fps, 2),
        "frames": frames,
        "pooled_metrics": {k: {p: float(result.pooled[k][p]) for p in _POOLS} for k in metrics},
        "aggregate_metrics": {k: float(v) for k, v in result.aggregates.items()},
    }


def write_json(result, out: TextIO) -> None:
    metrics = result.metrics()
    names = list(metrics)
    fps = f"{result.fps:.2f}" if math.isfinite(result.fps) else "null"
    out.write("{\n")
    out.write(f'  "version": "pyvmaf-tiny {__version__}",\n')
    out.write(f'  "fps": {fps},\n')
    out.write('  "frames": [')
    for row, num in enumerate(_frame_numbers(result)):
        out.write(",\n" if row > 0 else "\n")
        out.write("    {\n")
        out.write(f'      "frameNum": {num},\n')
        out.write('      "metrics": {\n')
        for j, name in enumerate(names):
            sep = "," if j + 1 < len(names) else ""
            out.write(f'        "{name}": {_json_number(metrics[name][row])}{sep}\n')
        out.write("      }\n")
        out.write("    }")
    out.write("\n  ],\n")
    out.write('  "pooled_metrics": {')
    for i, name in enumerate(names):
        out.write(",\n" if i > 0 else "\n")
        out.write(f'    "{name}": {{')
        for j, pool in enumerate(_POOLS):
            out.write(",\n" if j > 0 else "\n")
            out.write(f'      "{pool}": {_json_number(result.pooled[name][pool])}')
        out.write("\n    }")
    out.write("\n  },\n")
    out.write('  "aggregate_metrics": {')
    for i, (name, v) in enumerate(result.aggregates.items()):
        out.write(f'{"," if i else ""}\n    "{name}": {_json_number(v)}')
    out.write("\n  }\n")
    out.write("}\n")


def write_xml(result, out: TextIO) -> None:
    metrics = result.metrics()
    fps = result.fps if math.isfinite(result.fps) else 0.0
    out.write(f'<VMAF version="pyvmaf-tiny {__version__}">\n')
    out.write(f'  <params qualityWidth="{result.width}" qualityHeight="{result.height}" />\n')
    out.write(f'  <fyi fps="{fps:.2f}" />\n')
    out.write("  <frames>\n")
    for row, num in enumerate(_frame_numbers(result)):
        attrs = "".join(f'{k}="{format_number(v[row])}" ' for k, v in metrics.items())
        out.write(f'    <frame frameNum="{num}" {attrs}/>\n')
    out.write("  </frames>\n")
    out.write("  <pooled_metrics>\n")
    for name in metrics:
        attrs = "".join(f'{p}="{format_number(result.pooled[name][p])}" ' for p in _POOLS)
        out.write(f'    <metric name="{name}" {attrs}/>\n')
    out.write("  </pooled_metrics>\n")
    out.write("  <aggregate_metrics " + "".join(f'{k}="{format_number(v)}" ' for k, v in result.aggregates.items())
              + "/>\n")
    out.write("</VMAF>\n")


def write_csv(result, out: TextIO) -> None:
    metrics = result.metrics()
    out.write("Frame," + "".join(f"{k}," for k in metrics) + "\n")
    for row, num in enumerate(_frame_numbers(result)):
        out.write(f"{num}," + "".join(f"{format_number(v[row])}," for v in metrics.values()) + "\n")


def write_sub(result, out: TextIO) -> None:
    metrics = result.metrics()
    for row, num in enumerate(_frame_numbers(result)):
        body = "".join(f"{k}: {format_number(v[row])}|" for k, v in metrics.items())
        out.write(f"{{{num}}}{{{num + 1}}}frame: {num}|{body}\n")


_WRITERS = {"json": write_json, "xml": write_xml, "csv": write_csv, "sub": write_sub}


def format_for(path, format: Optional[str]) -> str:  # noqa: A002
    if format is None:
        ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        format = ext if ext in FORMATS else "json"
    fmt = str(format).lower()
    if fmt not in _WRITERS:
        raise InputError(f"unknown output format {format!r}: use one of {', '.join(FORMATS)}")
    return fmt


def write_result(result, path, format: Optional[str] = None) -> None:  # noqa: A002
    fmt = format_for(path, format)
    if path == "-":
        import sys

        _WRITERS[fmt](result, sys.stdout)
        return
    from .io.policy import open_output

    try:
        with open_output(path, "", "w", encoding="utf-8", newline="\n") as f:
            _WRITERS[fmt](result, f)
    except OSError as e:
        raise InputError(f"{path}: cannot write ({e.strerror})") from None
