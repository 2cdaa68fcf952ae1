"""`--plot`: a per-frame VMAF timeline (needs matplotlib: pip install 'pyvmaf-tiny[plot]')."""

from __future__ import annotations

from .errors import BackendUnavailable, InputError


def plot_timeline(result, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BackendUnavailable("--plot needs matplotlib: pip install 'pyvmaf-tiny[plot]'") from None
    x = result.frame_numbers if result.frame_numbers is not None else range(len(result.frames))
    fig, ax = plt.subplots(figsize=(10, 3.5), dpi=100)
    ax.plot(x, result.frames, lw=1.2, label=f"{result.metric} per frame")
    ax.axhline(result.score, color="tab:red", lw=0.8, ls="--", label=f"mean {result.score:.2f}")
    if result.interval is not None:
        ax.fill_between(x, result.interval[:, 0], result.interval[:, 1], alpha=0.2, label="interval")
    ax.set_xlabel("frame")
    ax.set_ylabel(result.metric.upper())
    ax.set_ylim(max(0.0, min(result.frames) - 5), min(100.0, max(result.frames) + 5))
    ax.set_title(f"{result.model}: {result.metric} {result.score:.3f}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as e:
        raise InputError(f"{path}: cannot write the plot ({e.strerror})") from None
    finally:
        plt.close(fig)
