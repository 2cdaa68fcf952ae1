"""The pyvmaf-tiny command line: scoring, logs, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import oracle
import pyvmaf_tiny
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
    assert "examples:" in cli("demo", "--help", check_rc=0).stdout


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
        (lambda c, t: ["score", c.ref, c.dist, *_geometry(c), "--model", "vmaf_v9"], 2, "unknown model"),
        (lambda c, t: ["score", c.ref], 2, "needs a reference and a distorted clip"),
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


def _bad_inputs(clip, tmp):
    """(argv, the text the one-line message must contain) for each bad-input case."""
    empty = tmp / "empty.yuv"
    empty.write_bytes(b"")
    garbage = tmp / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01not a video at all" * 50)
    bad_y4m = tmp / "bad.y4m"
    bad_y4m.write_bytes(b"YUV4MPEG2 W-3 H10\nFRAME\n")
    short = tmp / "short.yuv"
    short.write_bytes(clip.dist.read_bytes()[: clip.width * clip.height * 3 // 2 * 4])
    small = tmp / "small.yuv"
    small.write_bytes(bytes(64 * 48 * 3 // 2 * 6))
    geo = _geometry(clip)
    return {
        "truncated raw": (["score", clip.ref, clip.dist, "--width", clip.width + 2, "--height", clip.height,
                           "--pix-fmt", "yuv420p"], "ref.yuv: truncated"),
        "missing file": (["score", tmp / "missing.yuv", clip.dist, *geo], "missing.yuv: no such file"),
        "empty file": (["score", clip.ref, empty, *geo], "empty.yuv: file is empty"),
        "garbage mp4": (["score", garbage, garbage], "garbage.mp4: cannot open as a video container"),
        "malformed y4m": (["score", bad_y4m, bad_y4m], "bad.y4m: malformed Y4M header"),
        "size mismatch": (["score", clip.ref, small, *geo], "small.yuv: truncated"),
        "size mismatch y4m": (["score", bad_y4m.parent / "a.y4m", bad_y4m.parent / "b.y4m"], "size mismatch"),
        "frame-count mismatch": (["score", clip.ref, short, *geo], "short.yuv has 4"),
        "raw without geometry": (["score", clip.ref, clip.dist], "needs width, height and pix_fmt"),
        "unsupported pix_fmt": (["score", clip.ref, clip.dist, "--width", clip.width, "--height", clip.height,
                                 "--pix-fmt", "rgb24"], "unsupported pix_fmt 'rgb24'"),
        "unknown model": (["score", clip.ref, clip.dist, *geo, "--model", "vmaf_v9"], "unknown model 'vmaf_v9'"),
        "bad option": (["score", clip.ref, clip.dist, *geo, "--subsample", "0"], "subsample must be >= 1"),
    }


def _y4m(path, w, h, frames=2):
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F25:1 C444\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + bytes(w * h * 3))


@pytest.mark.parametrize("case", ["truncated raw", "missing file", "empty file", "garbage mp4", "malformed y4m",
                                  "size mismatch", "size mismatch y4m", "frame-count mismatch",
                                  "raw without geometry", "unsupported pix_fmt", "unknown model", "bad option"])
def test_bad_input_exits_2_with_one_line(tmp_path, case):
    clip = small_clip()
    _y4m(tmp_path / "a.y4m", 64, 48)
    _y4m(tmp_path / "b.y4m", 80, 48)
    argv, needle = _bad_inputs(clip, tmp_path)[case]
    proc = cli(*argv)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyvmaf-tiny: error: "), proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    proc = cli("score", tmp_path / "missing.y4m", tmp_path / "missing.y4m", "--debug")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_pool_frame_scores_and_plot(tmp_path):
    clip = small_clip()
    png = tmp_path / "vmaf.png"
    out = cli("score", clip.ref, clip.dist, *_geometry(clip), "--pool", "harmonic_mean", "--frame-scores",
              "--plot", png, check_rc=0).stdout
    lines = out.strip().splitlines()
    assert lines[0].split() == ["frame", "vmaf"]  # every metric as a column
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    assert [ln.split() for ln in lines[1:-1]] == [[str(i), f"{v:.6f}"] for i, v in enumerate(result.frames)]
    assert lines[-1].startswith(f"VMAF harmonic_mean of {clip.dist} against reference {clip.ref} "
                                f"(vmaf_v0.6.1, 6 frames, cpu): ")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("extra", [[], ["--subsample", "2"], ["--model", "vmaf_v0.6.1:enable_transform=true"]])
def test_pooled_line_without_per_frame_output_matches_the_full_path_and_skips_numpy(extra):
    # Printing one model's pooled score alone takes a path that builds no
    # per-frame arrays: same line as the full path, and numpy is never imported.
    clip = small_clip()
    args = ["score", str(clip.ref), str(clip.dist), *map(str, _geometry(clip)), "--quiet", *extra]
    for pool in ("mean", "harmonic_mean", "min", "max"):
        fast = cli(*args, "--pool", pool, check_rc=0).stdout.strip()
        full = cli(*args, "--pool", pool, "--frame-scores", check_rc=0).stdout.strip().splitlines()[-1]
        assert fast == full and fast.startswith("VMAF ")
    code = (f"import sys; from pyvmaf_tiny.cli import main; rc = main({args!r}); "
            "print('numpy' in sys.modules); raise SystemExit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("extra", [["--model", "fr_micro_v2"], ["--model", "fr_micro_v1", "--subsample", "2"],
                                   ["--model", "version=fr_tiny_v1:name=tiny", "--dnn-mode", "stream"]])
def test_a_tiny_models_interval_takes_the_pooled_path_too(extra):
    # A model with an interval: its headline and the table of its score and bounds come from values
    # pooled natively (Pipeline.pooled_interval), the same lines as the full path's, without numpy.
    clip = small_clip()
    args = ["score", str(clip.ref), str(clip.dist), *map(str, _geometry(clip)), "--quiet", *extra]
    name = "tiny" if "name=tiny" in extra[1] else "vmaf"
    for pool in ("mean", "min"):
        fast = cli(*args, "--pool", pool, check_rc=0).stdout.strip().splitlines()
        full = cli(*args, "--pool", pool, "--frame-scores", check_rc=0).stdout.strip().splitlines()
        assert fast == full[-5:] and "90% interval " in fast[0]
        assert [line.split()[0] for line in fast[2:]] == [name, f"{name}_ci_p90_lo", f"{name}_ci_p90_hi"]
    code = (f"import sys; from pyvmaf_tiny.cli import main; rc = main({args!r}); "
            "print('numpy' in sys.modules); raise SystemExit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_pooled_score_gives_the_interval_of_score():
    from pyvmaf_tiny.api import pooled_score

    clip = small_clip()
    for model in ("fr_micro_v2", "fr_micro_v1", "vmaf_v0.6.1"):
        pooled = pooled_score(str(clip.ref), str(clip.dist), model, subsample=2, **clip.geometry)
        full = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), model, subsample=2, **clip.geometry).summary()
        assert pooled == full and (pooled.interval is None) == (model == "vmaf_v0.6.1")


@pytest.mark.parametrize("extra", [["--model", "fr_micro_v1"], ["--feature", "psnr"], ["--model", "vmaf_b_v0.6.3"]])
def test_first_line_stays_first_when_more_metrics_follow(extra):
    # More than one metric: the pooled-score line scripts parse is still the first, the table follows.
    clip = small_clip()
    args = ["score", str(clip.ref), str(clip.dist), *map(str, _geometry(clip)), "--quiet", *extra]
    for pool in ("mean", "max"):
        lines = cli(*args, "--pool", pool, check_rc=0).stdout.strip().splitlines()
        full = cli(*args, "--pool", pool, "--frame-scores", check_rc=0).stdout.strip().splitlines()
        assert lines[0].startswith("VMAF ") and lines[0] in full
        assert lines[1].split() == ["metric", "mean", "min", "max", "harmonic_mean"] and len(lines) > 3


def test_table_shows_clip_level_values():
    # psnr:enable_apsnr=true: after the per-frame metrics, each clip-level value (libvmaf's aggregate_metrics)
    clip = small_clip()
    args = ["score", str(clip.ref), str(clip.dist), *map(str, _geometry(clip)), "--quiet"]
    lines = cli(*args, "--feature", "psnr:enable_apsnr=true", check_rc=0).stdout.strip().splitlines()
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "none", features=["psnr:enable_apsnr=true"],
                               **clip.geometry)
    assert [line.split() for line in lines[-3:]] == [[k, f"{v:.6f}", "(clip)"] for k, v in result.aggregates.items()]
    header = next(line for line in lines if line.startswith("metric"))
    assert {line.index("  (clip)") for line in lines[-3:]} == {header.index("mean") + 4}  # under the means


def test_progress_line_only_on_a_terminal():
    import io

    from pyvmaf_tiny.progress import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert not Progress.wanted(quiet=False, stream=io.StringIO())
    assert not Progress.wanted(quiet=True, stream=Tty())
    tty = Tty()
    assert Progress.wanted(quiet=False, stream=tty)
    p = Progress(stream=tty, min_interval=0)
    for i in range(1, 11):
        p(i, 10)
    p.finish()
    assert "10/10" in tty.getvalue() and tty.getvalue().endswith("\n")


def test_models_lists_packaged_models():
    out = cli("models", check_rc=0).stdout
    for name in ("vmaf_v0.6.1", "vmaf_v0.6.1neg", "vmaf_4k_v0.6.1"):
        assert name in out


def test_demo_encodes_and_scores():
    proc = cli("demo", "--frames", 6, check_rc=0)
    assert "x264" in proc.stdout and "VMAF score (vmaf_v0.6.1):" in proc.stdout
    score = float(proc.stdout.strip().split()[-1])
    assert 0 < score < 100


# -- non-regular files, undecodable names, numbers the core cannot hold ---------------------------------------

def _one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyvmaf-tiny: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def _non_regular(tmp_path):
    """(path, what the message says it is) for a FIFO, a device, a directory and a socket under media names."""
    import socket

    for name in ("f.y4m", "f.mkv", "f.yuv"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "d.mkv").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.y4m"))
    return sock, [(tmp_path / "f.y4m", "a FIFO"), (tmp_path / "f.mkv", "a FIFO"), (tmp_path / "f.yuv", "a FIFO"),
                  (tmp_path / "d.mkv", "a directory"), (tmp_path / "s.y4m", "a socket"),
                  ("/dev/zero", "a device")]


def test_non_regular_files_are_refused_at_once(tmp_path):
    sock, cases = _non_regular(tmp_path)
    with sock:
        for path, kind in cases:
            proc = cli("score", path, path, "--width", 64, "--height", 48, "--pix-fmt", "yuv420p")  # times out if it hangs
            assert proc.returncode == 2, (path, proc.stderr)
            assert f"{path}: is {kind}, not a regular file" in _one_error_line(proc)


def test_a_fifo_model_is_refused_at_once(tmp_path):
    clip = small_clip()
    os.mkfifo(tmp_path / "fifo.json")
    proc = cli("score", clip.ref, clip.dist, *_geometry(clip), "--model", tmp_path / "fifo.json")
    assert proc.returncode in (2, 3), proc.stderr
    assert "fifo.json: is a FIFO, not a regular file" in _one_error_line(proc)


def _pooled(stdout: str) -> str:
    """The summary line without the file names: from the model on."""
    line = next(ln for ln in stdout.strip().splitlines() if ln.startswith("VMAF "))
    return line[line.index(" (vmaf"):]


def _cli_bytes(*args):
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *[a if isinstance(a, bytes) else str(a) for a in args]],
                          capture_output=True, timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                       proc.stderr.decode("utf-8", "backslashreplace"))


def test_undecodable_file_names_work_end_to_end(tmp_path):
    clip = small_clip()
    d = os.fsencode(str(tmp_path))
    y4m_ref, y4m_dist = d + b"/r\xff.y4m", d + b"/d\xe9.y4m"
    for src, dst in ((clip.ref, y4m_ref), (clip.dist, y4m_dist)):
        frames = src.read_bytes()
        size = clip.width * clip.height * 3 // 2
        with open(dst, "wb") as f:
            f.write(f"YUV4MPEG2 W{clip.width} H{clip.height} F25:1 C420jpeg\n".encode())
            for i in range(0, len(frames), size):
                f.write(b"FRAME\n" + frames[i:i + size])
    yuv_ref = d + b"/r\xff.yuv"
    with open(yuv_ref, "wb") as f:
        f.write(clip.ref.read_bytes())
    expected = _pooled(cli("score", clip.ref, clip.dist, *_geometry(clip), "-q", check_rc=0).stdout)
    got = _cli_bytes("score", y4m_ref, y4m_dist, "-q").stdout
    assert _pooled(got) == expected and "against reference " + str(tmp_path) + "/r\\xff.y4m (" in got
    assert _pooled(_cli_bytes("score", yuv_ref, clip.dist, *_geometry(clip), "-q").stdout) == expected
    out = tmp_path / "log.json"
    assert _cli_bytes("score", y4m_ref, y4m_dist, "-q", "-o", out).returncode == 0
    proc = _cli_bytes("score", d + b"/missing\xff.y4m", y4m_dist)
    assert proc.returncode == 2 and "missing\\xff.y4m: no such file" in _one_error_line(proc)


def test_undecodable_container_names_work_end_to_end(tmp_path):
    from hostile import mkv, planes

    import numpy as np

    mkv(tmp_path / "a.mkv", planes(np.random.default_rng(1), 3))
    mkv(tmp_path / "b.mkv", planes(np.random.default_rng(2), 3))
    d = os.fsencode(str(tmp_path))
    for src, dst in ((b"/a.mkv", b"/a\xff.mkv"), (b"/b.mkv", b"/b\xe9.mkv")):
        os.link(d + src, d + dst)
    expected = cli("score", tmp_path / "a.mkv", tmp_path / "b.mkv", "-q", "--feature", "psnr", check_rc=0).stdout
    got = _cli_bytes("score", d + b"/a\xff.mkv", d + b"/b\xe9.mkv", "-q", "--feature", "psnr")
    assert got.returncode == 0 and _pooled(got.stdout) == _pooled(expected), got.stderr
    assert got.stdout.startswith(f"VMAF score of {tmp_path}/b\\xe9.mkv against reference {tmp_path}/a\\xff.mkv (")


@pytest.mark.parametrize("option,value,needle", [
    ("--subsample", "99999999999", "subsample must be <= 2147483647, got 99999999999"),
    ("--frames", "99999999999999999999", "frames must be <= 2147483647"),
    ("--skip-ref", "99999999999999999999", "skip_ref must be <= 2147483647"),
    ("--skip-dist", "-1", "skip_dist must be >= 0"),
    ("--threads", "4096", "threads must be <= 1024"),
])
def test_numbers_out_of_range_exit_2_with_one_line(option, value, needle):
    clip = small_clip()
    proc = cli("score", clip.ref, clip.dist, *_geometry(clip), option, value)
    assert proc.returncode == 2, proc.stderr
    assert needle in _one_error_line(proc)


# -- the rough edges of a first day --------------------------------------------------------------------------

def test_top_level_debug_shows_the_traceback_and_debug_log(tmp_path):
    proc = cli("--debug", "score", tmp_path / "missing.y4m", tmp_path / "missing.y4m")
    assert proc.returncode != 0 and "Traceback" in proc.stderr
    clip = small_clip()
    proc = cli("--debug", "score", clip.ref, clip.dist, *_geometry(clip), "--sync", "auto", "-q", check_rc=0)
    assert "pyvmaf-tiny: pyvmaf_tiny.sync: sync: delay 0 frames" in proc.stderr


def test_a_closed_pipe_ends_quietly():
    # `pyvmaf-tiny score ... --frame-scores | head -1`: the reader is gone before anything is written
    clip = small_clip()
    proc = subprocess.Popen([sys.executable, "-m", "pyvmaf_tiny", "score", str(clip.ref), str(clip.dist),
                             *map(str, _geometry(clip)), "--frame-scores"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == 141, stderr  # 128 + SIGPIPE, as a tool killed by SIGPIPE
    assert stderr == ""


def test_several_models_in_one_run():
    clip = small_clip()
    proc = cli("score", clip.ref, clip.dist, *_geometry(clip), "--model", "vmaf_v0.6.1", "--model",
               "version=vmaf_v0.6.1:enable_transform=true:name=phone", "--model", "fr_micro_v1", "-q", check_rc=0)
    lines = proc.stdout.strip().splitlines()
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    phone = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "vmaf_v0.6.1:enable_transform=true", **clip.geometry)
    micro = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "fr_micro_v1", **clip.geometry)
    assert lines[0].endswith(f"(vmaf_v0.6.1, 6 frames, cpu): {result.score:.6f}")
    table = {ln.split()[0]: ln.split()[1:] for ln in lines[2:]}
    assert table["vmaf"][0] == f"{result.score:.6f}" and table["phone"][0] == f"{phone.score:.6f}"
    assert table["fr_micro_v1"][0] == f"{micro.score:.6f}"
    assert "fr_micro_v1_ci_p90_lo" in table and "fr_micro_v1_ci_p90_hi" in table


@pytest.mark.parametrize("args,needle", [
    (["--no-vmaf"], "nothing to compute"),
    (["--model", "none"], "nothing to compute"),
    (["--no-vmaf", "--model", "vmaf_v0.6.1", "--feature", "psnr"], "--no-vmaf and --model"),
    (["--model", "vmaf_v0.6.1:bogus=1"], "unknown option 'bogus'"),
    (["--model", "version=vmaf_v0.6.1:path=x.json"], "not both"),
    (["--model", "version=no_such_model"], "unknown model version 'no_such_model'"),
    (["--model", "vmaf_v0.6.1:name=a b"], "name 'a b' must start with"),
    (["--model", "vmaf_v0.6.1:name=x", "--model", "vmaf_v0.6.1neg:name=x"], "'x' is also"),
    (["--model", "vmaf_v0.6.1:name=psnr_y", "--feature", "psnr"], "also a feature's name"),
    (["--model", "vmaf_v0.6.1", "--model", "vmaf_v0.6.1:disable_clip=true", "--model",
      "vmaf_v0.6.1:enable_transform=true"], "give it a name of its own"),
])
def test_model_syntax_mistakes_are_usage_errors(args, needle):
    clip = small_clip()
    proc = cli("score", clip.ref, clip.dist, *_geometry(clip), "-q", *args)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr


def test_features_only_computes_what_was_asked(tmp_path):
    clip = small_clip()
    log = tmp_path / "log.json"
    for flag in (["--no-vmaf"], ["--model", "none"]):
        proc = cli("score", clip.ref, clip.dist, *_geometry(clip), "-q", *flag, "--feature", "psnr", "--feature",
                   "float_ssim", "-o", log, "--frame-scores", check_rc=0)
        frames = json.loads(log.read_text())["frames"]
        assert list(frames[0]["metrics"]) == ["psnr_y", "psnr_cb", "psnr_cr", "float_ssim"]
        lines = proc.stdout.strip().splitlines()
        assert lines[0].split() == ["frame", "psnr_y", "psnr_cb", "psnr_cr", "float_ssim"]
        assert not any(ln.startswith("VMAF") for ln in lines)
        table = {ln.split()[0]: ln.split()[1:] for ln in lines[lines.index(next(ln for ln in lines
                                                                                  if ln.startswith("metric"))) + 1:]}
        assert list(table) == ["psnr_y", "psnr_cb", "psnr_cr", "float_ssim"]
        mean = sum(f["metrics"]["psnr_y"] for f in frames) / len(frames)
        assert abs(float(table["psnr_y"][0]) - mean) <= 1e-6


def test_models_and_features_commands(tmp_path):
    out = cli("models", check_rc=0).stdout
    rows = {ln.split("\t")[0]: ln.split("\t") for ln in out.strip().splitlines()}
    assert rows["vmaf_b_v0.6.3"][1] == "bootstrap"
    assert rows["vmaf_v0.6.1"][3].split(",") == ["integer_adm2", "integer_motion2", "integer_vif_scale0",
                                                 "integer_vif_scale1", "integer_vif_scale2", "integer_vif_scale3"]
    listed = json.loads(cli("models", "--json", check_rc=0).stdout)
    assert [m["name"] for m in listed] == list(rows)
    assert {m["name"]: m["features"] for m in listed}["fr_micro_v1"] == rows["fr_micro_v1"][3].split(",")
    features = json.loads(cli("features", "--json", check_rc=0).stdout)
    adm = next(f for f in features if f["name"] == "adm")
    assert "integer_adm2" in adm["features"] and "adm_enhn_gain_limit" in adm["options"]
    assert adm["name_options"] == {"sr": "adm_sample_rows", "rs": "adm_row_step"}
    assert next(f for f in features if f["name"] == "psnr")["name_options"] == {}
    text = cli("features", check_rc=0).stdout
    assert "psnr" in text and "in names: _rs_N (vif_row_step=N), _sr_N (vif_sample_rows=N)" in text
    proc = cli("score", "a.y4m", "b.y4m", "--feature", "zzzz")
    assert proc.returncode == 2 and "pyvmaf-tiny features" in proc.stderr


def test_plot_checks_for_matplotlib_before_scoring(tmp_path):
    # matplotlib missing: the run must not start (a missing clip would otherwise be the error)
    code = ("import sys; sys.modules['matplotlib'] = None; from pyvmaf_tiny.cli import main; "
            f"raise SystemExit(main(['score', {str(tmp_path / 'missing.y4m')!r}, {str(tmp_path / 'missing.y4m')!r}, "
            f"'--plot', {str(tmp_path / 'p.png')!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "--plot needs matplotlib: pip install 'pyvmaf-tiny[plot]'" in proc.stderr, \
        proc.stderr


def test_plot_title_names_the_files(tmp_path, monkeypatch):
    import pyvmaf_tiny.plot as plot
    from pyvmaf_tiny.cli import main

    seen = {}
    monkeypatch.setattr(plot, "plot_timeline", lambda result, path, **kw: seen.update(kw))
    clip = small_clip()
    assert main(["score", str(clip.ref), str(clip.dist), *map(str, _geometry(clip)), "-q", "--plot",
                 str(tmp_path / "p.png")]) == 0
    assert seen == {"ref": str(clip.ref), "dist": str(clip.dist)}


@pytest.mark.parametrize("missing", ["anyio", "pydantic"])
def test_mcp_without_the_extras_dependencies_gives_the_install_hint(missing):
    code = (f"import sys; sys.modules[{missing!r}] = None; from pyvmaf_tiny.cli import main; "
            "raise SystemExit(main(['mcp']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert f'pip install "pyvmaf-tiny[mcp]" ({missing}, which it needs, is not installed)' in proc.stderr, \
        proc.stderr


@pytest.mark.parametrize("columns", ["52", "130", "", "x"])
def test_help_is_wrapped_as_argparse_would_without_importing_shutil(monkeypatch, columns):
    # The CLI's formatters find the terminal width themselves (shutil's import is a tenth of a short
    # command's start-up): the same help text as argparse's stock formatters give.
    import argparse

    from pyvmaf_tiny import cli as cli_module

    monkeypatch.setenv("COLUMNS", columns)
    ours = cli_module._build_parser("score")
    monkeypatch.setattr(cli_module, "_Formatter", argparse.RawDescriptionHelpFormatter)
    monkeypatch.setattr(cli_module, "_PlainFormatter", argparse.HelpFormatter)
    stock = cli_module._build_parser("score")
    for a, b in ((ours, stock), *zip(_subparsers(ours), _subparsers(stock))):
        assert a.format_help() == b.format_help()
    code = ("import sys; from pyvmaf_tiny.cli import _build_parser; _build_parser('score').format_help(); "
            "print('shutil' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


def _subparsers(parser):
    import argparse

    return [p for a in parser._actions if isinstance(a, argparse._SubParsersAction) for p in a.choices.values()]
