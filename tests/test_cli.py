"""The pyvmaf-tiny command line: scoring, logs, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import oracle
from clips import small_clip


def cli(*args, check_rc=None):
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *map(str, args)], capture_output=True, text=True,
                          timeout=300)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


def _geometry(clip):
    return ["--width", clip.width, "--height", clip.height, "--pix-fmt", clip.pix_fmt]


def test_score_prints_pooled_score_and_writes_json(tmp_path):
    clip = small_clip()
    out = tmp_path / "log.json"
    proc = cli("score", clip.ref, clip.dist, *_geometry(clip), "--threads", 2, "--output", out, check_rc=0)
    log = json.loads(out.read_text())
    theirs = oracle.run(clip.ref, clip.dist, **clip.geometry)
    assert abs(log["pooled_metrics"]["vmaf"]["mean"] - theirs["pooled_metrics"]["vmaf"]["mean"]) <= 1e-6
    assert f"{log['pooled_metrics']['vmaf']['mean']:.6f}" in proc.stdout
    assert set(log) == set(theirs)


@pytest.mark.parametrize("fmt", ["xml", "csv", "sub"])
def test_other_formats(tmp_path, fmt):
    clip = small_clip()
    out = tmp_path / f"log.{fmt}"
    cli("score", clip.ref, clip.dist, *_geometry(clip), "--output", out, check_rc=0)
    assert out.read_text().strip()


def test_help_has_examples():
    assert "examples:" in cli("--help", check_rc=0).stdout
    assert "examples:" in cli("score", "--help", check_rc=0).stdout
    assert "example:" in cli("demo", "--help", check_rc=0).stdout


@pytest.mark.parametrize(
    "make_args,code,needle",
    [
        (lambda c, t: ["score", c.ref, c.dist, "--width", c.width + 2, "--height", c.height, "--pix-fmt", "yuv420p"],
         2, "truncated"),
        (lambda c, t: ["score", t / "missing.yuv", c.dist, "--width", 8, "--height", 8, "--pix-fmt", "yuv420p"],
         2, "no such file"),
        (lambda c, t: ["score", c.ref, c.dist], 2, "needs width, height and pix_fmt"),
        (lambda c, t: ["score", c.ref, c.dist, "--width", c.width, "--height", c.height, "--pix-fmt", "rgb24"],
         2, "unsupported pix_fmt"),
        (lambda c, t: ["score", c.ref, c.dist, *_geometry(c), "--model", "vmaf_v9"], 3, "unknown model"),
        (lambda c, t: ["score", c.ref], 2, "the following arguments are required"),
        (lambda c, t: ["score", c.ref, c.dist, *_geometry(c), "--threads", "x"], 2, "invalid int"),
    ],
)
def test_errors_exit_codes_one_line_no_traceback(tmp_path, make_args, code, needle):
    proc = cli(*make_args(small_clip(), tmp_path))
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("pyvmaf-tiny: error")]
    assert len(lines) == 1


def test_models_lists_packaged_models():
    out = cli("models", check_rc=0).stdout
    for name in ("vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1"):
        assert name in out


def test_demo_encodes_and_scores():
    proc = cli("demo", "--frames", 6, check_rc=0)
    assert "x264" in proc.stdout and "VMAF score (vmaf_v0.6.1):" in proc.stdout
    score = float(proc.stdout.strip().split()[-1])
    assert 0 < score < 100
