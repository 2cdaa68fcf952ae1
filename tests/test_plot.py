"""--plot: the score with its whole interval band, the other metrics below, the files in the title."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")  # in the test extras; the plot extra elsewhere

from pyvmaf_tiny import plot  # noqa: E402
from pyvmaf_tiny.result import Result  # noqa: E402


def _result(interval=True):
    frames = np.array([70.0, 96.0, 99.5])
    feats = {"integer_adm2": np.array([0.9, 0.95, 0.99]), "psnr_y": np.array([35.0, 40.0, 45.0]),
             "psnr_cb": np.array([38.0, 41.0, 44.0]), "float_ssim": np.array([0.9, 0.95, 0.99])}
    pooled = {k: {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()),
                  "harmonic_mean": float(v.mean())} for k, v in {**feats, "vmaf": frames}.items()}
    iv = np.column_stack([frames - 3, np.minimum(frames + 3, 100)]) if interval else None
    return Result(score=float(frames.mean()), frames=frames, features=feats, pooled=pooled, model="m", interval=iv)


def test_the_interval_band_is_never_clipped():
    r = _result()
    lo, hi = plot.score_limits(r)
    assert lo <= r.interval[:, 0].min() and hi >= r.interval[:, 1].max()


def test_extra_metrics_get_panels_by_unit_and_model_inputs_do_not():
    panels = dict(plot._panels(_result(), None))
    assert panels == {"PSNR (dB)": ["psnr_y", "psnr_cb"], "SSIM": ["float_ssim"]}
    assert dict(plot._panels(_result(), ["integer_adm2"])) == {"integer_adm2": ["integer_adm2"]}


def test_plot_writes_a_png_with_every_panel(tmp_path, monkeypatch):
    titles = []
    import matplotlib.axes

    real = matplotlib.axes.Axes.set_title
    monkeypatch.setattr(matplotlib.axes.Axes, "set_title", lambda self, t, *a, **k: titles.append(t) or real(self, t))
    out = tmp_path / "p.png"
    plot.plot_timeline(_result(), str(out), ref="/x/ref.y4m", dist="/x/dist.mp4")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert titles and titles[0].startswith("dist.mp4 vs ref.y4m: m vmaf")
