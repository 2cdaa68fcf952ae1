"""`--plot`: per-frame timelines of the model score and the other metrics computed
(needs matplotlib: pip install 'pyvmaf-tiny[plot]')."""

from __future__ import annotations

import os
import re
from typing import Optional, Sequence

from .errors import BackendUnavailable, InputError

# Metrics worth a timeline beside the model score, grouped by their unit so that
# each panel has one y scale. A model's own inputs (VIF, ADM, motion) are not.
_PANELS = (
    ("PSNR (dB)", re.compile(r"^(psnr_(y|cb|cr)|psnr_hvs(_y|_cb|_cr)?|float_psnr|float_ansnr|float_anpsnr)$")),
    ("SSIM", re.compile(r"^float_(ms_)?ssim$")),
    ("CAMBI", re.compile(r"^cambi(_full_reference)?$")),
    ("CIEDE2000", re.compile(r"^ciede2000$")),
)


def require_matplotlib():
    """matplotlib.pyplot, or BackendUnavailable: callers check before a long run."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BackendUnavailable("--plot needs matplotlib: pip install 'pyvmaf-tiny[plot]'") from None
    return plt


def _panels(result, metrics: Optional[Sequence[str]]) -> list[tuple[str, list[str]]]:
    names = list(result.features) if metrics is None else [m for m in metrics if m in result.features]
    out = []
    for label, pattern in _PANELS:
        group = [n for n in names if pattern.match(n)]
        if group:
            out.append((label, group))
    if metrics is not None:  # asked for by name: shown even without a known unit
        placed = {n for _, g in out for n in g}
        out += [(n, [n]) for n in names if n not in placed]
    return out


def score_limits(result) -> tuple[float, float]:
    """The score panel's y range: every frame score and the whole interval band, 5 points of margin,
    within 0..100 unless the scores leave it."""
    lo, hi = float(min(result.frames)), float(max(result.frames))
    if result.interval is not None:
        lo, hi = min(lo, float(result.interval[:, 0].min())), max(hi, float(result.interval[:, 1].max()))
    return (max(0.0, lo - 5) if lo >= 0 else lo - 5, min(100.0, hi + 5) if hi <= 100 else hi + 5)


def plot_timeline(result, path: str, *, ref: Optional[str] = None, dist: Optional[str] = None,
                  metrics: Optional[Sequence[str]] = None) -> None:
    """Save the model's per-frame score (with its interval, if any) and, below it,
    the other quality metrics of `result` (or those named in `metrics`)."""
    plt = require_matplotlib()
    x = result.frame_numbers if result.frame_numbers is not None else range(len(result.frames))
    panels = _panels(result, metrics)
    fig, axes = plt.subplots(1 + len(panels), 1, sharex=True, squeeze=False,
                             figsize=(10, 3.5 + 2.2 * len(panels)), dpi=100)
    ax = axes[0][0]
    ax.plot(x, result.frames, lw=1.2, label=f"{result.metric} per frame")
    ax.axhline(result.score, color="tab:red", lw=0.8, ls="--", label=f"mean {result.score:.2f}")
    if result.interval is not None:
        ax.fill_between(x, result.interval[:, 0], result.interval[:, 1], alpha=0.2, label="interval")
    ax.set_ylim(*score_limits(result))
    ax.set_ylabel(result.metric.upper())
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    for (label, names), (pax,) in zip(panels, axes[1:]):
        for name in names:
            values = result.features[name]
            pax.plot(x, values, lw=1.0, label=f"{name} (mean {result.pooled[name]['mean']:.3f})")
        pax.set_ylabel(label)
        pax.grid(alpha=0.3)
        pax.legend(loc="lower left", fontsize="small")
    axes[-1][0].set_xlabel("frame")
    pair = f"{os.path.basename(str(dist))} vs {os.path.basename(str(ref))}: " if ref and dist else ""
    ax.set_title(f"{pair}{result.model} {result.metric} {result.score:.3f}")
    fig.tight_layout()
    from .io.policy import open_output

    try:
        with open_output(path, "--plot", "wb") as f:
            fig.savefig(f, format=os.path.splitext(os.fspath(path))[1][1:].lower() or None)
    except OSError as e:
        raise InputError(f"{path}: cannot write the plot ({e.strerror or e})") from None
    finally:
        plt.close(fig)
