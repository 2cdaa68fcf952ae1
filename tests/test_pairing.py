"""Which clip is the reference, and which frames pair: swapped-input warnings, frame rates, --align pts
(checked against ffmpeg's fps filter in the oracle), --sync auto and --dist-delay."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from pyvmaf_tiny import InputError, InputWarning
from pyvmaf_tiny.io.encode import encode
from pyvmaf_tiny.sync import pts_index_map, pts_pairs
from synthetic import pattern

W, H = 64, 48


def write_y4m(path: Path, luma: np.ndarray, rate: str) -> Path:
    h, w = luma.shape[1:]
    grey = bytes([128]) * ((w // 2) * (h // 2) * 2)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{rate} Ip A1:1 C420jpeg\n".encode())
        for frame in luma:
            f.write(b"FRAME\n" + frame.tobytes() + grey)
    return path


def write_container(path: Path, luma: np.ndarray, rate: int, codec: str = "ffv1", options=None,
                    container: str = "matroska") -> Path:
    h, w = luma.shape[1:]
    grey = np.full((h // 2, w // 2), 128, np.uint8)
    path.write_bytes(encode([[f, grey, grey] for f in luma], codec, "yuv420p", options or {}, container=container,
                            rate=rate))
    return path


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def noisy(luma: np.ndarray, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(luma.astype(int) + rng.integers(-6, 7, luma.shape), 0, 255).astype(np.uint8)


def input_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, InputWarning)]


# -- which clip is the reference ---------------------------------------------------------------------------


def smooth(frames: int, w: int = 256, h: int = 144) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([(40 + 150 * (0.5 + 0.5 * np.sin((xx + 3 * t) / 40.0 + yy / 60.0))).astype(np.uint8)
                     for t in range(frames)])


@pytest.fixture(scope="module")
def encodes(tmp_path_factory):
    d = tmp_path_factory.mktemp("roles")
    luma = smooth(12)
    x264 = lambda crf: {"crf": str(crf), "preset": "veryfast"}  # noqa: E731
    return dict(
        source=write_y4m(d / "source.y4m", luma, "24:1"),
        low=write_container(d / "low.mp4", luma, 24, "libx264", x264(45), "mp4"),
        high=write_container(d / "high.mp4", noisy(luma), 24, "libx264", x264(8), "mp4"),
    )


def test_swapped_lossy_reference_against_an_uncompressed_clip_warns(encodes):
    _, caught = input_warnings(lambda: pyvmaf_tiny.score(str(encodes["low"]), str(encodes["source"]), threads=1))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "may be swapped" in message and "low.mp4 is a lossy h264 encode" in message
    assert caught[0].filename == __file__  # attributed to the caller, not to the package
    proc = cli("score", encodes["low"], encodes["source"], "-q")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyvmaf-tiny: warning: reference and distorted clip may be "
                                                   "swapped"), proc.stderr
    assert f"against reference {encodes['low']} (" in proc.stdout


def test_reference_of_far_lower_bit_rate_warns(encodes):
    _, caught = input_warnings(lambda: pyvmaf_tiny.score(str(encodes["low"]), str(encodes["high"]), threads=1))
    assert len(caught) == 1 and "kb/s" in str(caught[0].message), caught


@pytest.mark.parametrize("ref,dist", [("source", "low"), ("source", "high"), ("high", "low"), ("low", "low")])
def test_ordinary_use_does_not_warn(encodes, ref, dist):
    _, caught = input_warnings(lambda: pyvmaf_tiny.score(str(encodes[ref]), str(encodes[dist]), threads=1))
    assert caught == []
    proc = cli("score", "--ref", encodes[ref], "--dist", encodes[dist], "-q")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_ref_and_dist_options_name_the_roles(encodes):
    src, enc = encodes["source"], encodes["low"]
    expected = cli("score", src, enc, "-q").stdout
    for args in (["--ref", src, "--dist", enc], ["--dist", enc, "--ref", src], ["--dist", enc, src],
                 ["--ref", src, enc]):
        proc = cli("score", *args, "-q")
        assert proc.returncode == 0 and proc.stdout == expected, (args, proc.stderr)
    assert f"of {enc} against reference {src} (" in expected
    for args, needle in ((["--ref", src, "--dist", enc, src], "too many clips"), (["--ref", src], "no distorted"),
                         (["--dist", enc], "no reference")):
        proc = cli("score", *args)
        assert proc.returncode == 2 and needle in proc.stderr, (args, proc.stderr)


# -- frame rates ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rates(tmp_path_factory):
    """A 24 fps reference (48 frames, 2 s), the same scene at 12 fps (every other frame) and at 30 fps."""
    d = tmp_path_factory.mktemp("rates")
    ref = pattern("texture", 48, H, W)
    half = noisy(ref[::2])
    thirty = noisy(pattern("texture", 60, H, W), 7)
    return dict(
        ref=write_y4m(d / "ref24.y4m", ref, "24:1"), ref_luma=ref, half_luma=half,
        half=write_y4m(d / "dist12.y4m", half, "12:1"),
        half_mkv=write_container(d / "dist12.mkv", half, 12),
        ref_mkv=write_container(d / "ref24.mkv", ref, 24),
        thirty=write_y4m(d / "dist30.y4m", thirty, "30:1"),
    )


@pytest.mark.parametrize("ref,dist", [("ref", "half"), ("ref_mkv", "half_mkv"), ("ref", "half_mkv")])
def test_a_frame_count_mismatch_says_the_frame_rates_differ(rates, ref, dist):
    with pytest.raises(InputError, match=r"frame rates differ \(24 vs 12 fps\): --align pts"):
        pyvmaf_tiny.score(str(rates[ref]), str(rates[dist]), threads=1)
    proc = cli("score", rates[ref], rates[dist])
    assert proc.returncode == 2 and "frame rates differ (24 vs 12 fps)" in proc.stderr, proc.stderr


def test_equal_counts_at_different_rates_score_with_a_warning(rates):
    _, caught = input_warnings(lambda: pyvmaf_tiny.score(str(rates["ref"]), str(rates["half"]), frames=24,
                                                         threads=1))
    assert len(caught) == 1 and "frame rates differ (24 vs 12 fps) but frames were paired by position" in \
        str(caught[0].message)


@pytest.mark.parametrize("ref,dist", [("ref", "half"), ("ref_mkv", "half_mkv"), ("ref", "half_mkv")])
def test_align_pts_repeats_frames_of_a_lower_rate(rates, ref, dist):
    r = pyvmaf_tiny.score(str(rates[ref]), str(rates[dist]), align="pts", threads=1)
    repeated = rates["half_luma"][np.arange(48) // 2]
    expected = pyvmaf_tiny.score(rates["ref_luma"], repeated, threads=1)
    assert len(r.frames) == 48 and r.align == "pts"
    np.testing.assert_array_equal(r.frames, expected.frames)


def _ffmpeg_fps_vmaf(ref: Path, dist: Path, rate: int, out: Path) -> list[float]:
    """libvmaf's per-frame VMAF after ffmpeg's fps filter has put the distorted clip on `rate`."""
    lavfi = f"[0:v]fps={rate}[d];[d][1:v]libvmaf=n_threads=1:log_fmt=json:log_path={out}"
    cmd = [oracle.ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(dist), "-i", str(ref),
           "-lavfi", lavfi, "-f", "null", "-"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return [f["metrics"]["vmaf"] for f in json.loads(out.read_text())["frames"]]


@pytest.mark.parametrize("dist", ["half", "thirty"])
def test_align_pts_pairs_as_ffmpegs_fps_filter(rates, dist, tmp_path):
    theirs = _ffmpeg_fps_vmaf(rates["ref"], rates[dist], 24, tmp_path / "log.json")
    ours = pyvmaf_tiny.score(str(rates["ref"]), str(rates[dist]), align="pts", threads=1)
    assert len(ours.frames) == len(theirs) == 48
    np.testing.assert_allclose(ours.frames, theirs, atol=1e-6)


def test_pts_index_map_and_streaming_pairs_agree():
    from fractions import Fraction as F

    for n_ref, r_ref, n_dist, r_dist, shift in ((48, F(24), 24, F(12), F(0)), (48, F(24), 60, F(30), F(0)),
                                                (50, F(30000, 1001), 41, F(25), F(0)), (48, F(24), 24, F(12), F(1, 8)),
                                                (10, F(24), 100, F(24), F(0))):
        index = pts_index_map(n_ref, r_ref, n_dist, r_dist, shift)
        refs = [(F(k) / r_ref, k) for k in range(n_ref)]
        dists = [(F(j) / r_dist, j) for j in range(n_dist)]
        streamed = [d for _, d in pts_pairs(refs, dists, r_ref, r_dist, shift)]
        assert streamed == index and index == sorted(index)
    assert pts_index_map(4, F(24), 8, F(48)) == [0, 2, 4, 6]  # drops, as fps=24 does
    assert pts_index_map(6, F(24), 3, F(12)) == [0, 0, 1, 1, 2, 2]  # repeats


def test_align_pts_needs_frame_rates(rates):
    with pytest.raises(InputError, match="has no frame rate or timestamps, which --align pts needs"):
        pyvmaf_tiny.score(rates["ref_luma"], str(rates["half"]), align="pts")


# -- delays ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def delayed():
    ref = pattern("texture", 90, H, W)
    lead_in = pattern("checker", 3, H, W)
    return ref, noisy(np.concatenate([lead_in, ref])), noisy(ref[4:])


def test_sync_auto_finds_the_delay_and_scores_with_it(delayed):
    ref, late, early = delayed
    r = pyvmaf_tiny.score(ref, late, sync="auto", threads=1)
    assert r.sync_delay == 3
    np.testing.assert_array_equal(r.frames, pyvmaf_tiny.score(ref, late[3:], threads=1).frames)
    r = pyvmaf_tiny.score(ref, early, sync="auto", threads=1)
    assert r.sync_delay == -4
    np.testing.assert_array_equal(r.frames, pyvmaf_tiny.score(ref[4:], early, threads=1).frames)
    assert pyvmaf_tiny.score(ref, noisy(ref), sync="auto", threads=1).sync_delay == 0
    assert pyvmaf_tiny.score(ref, noisy(ref), threads=1).sync_delay is None


def test_dist_delay_is_skip_dist_and_its_negative_skip_ref(delayed):
    ref, late, early = delayed
    np.testing.assert_array_equal(pyvmaf_tiny.score(ref, late, dist_delay=3, frames=40, threads=1).frames,
                                  pyvmaf_tiny.score(ref, late, skip_dist=3, frames=40, threads=1).frames)
    np.testing.assert_array_equal(pyvmaf_tiny.score(ref, early, dist_delay=-4, threads=1).frames,
                                  pyvmaf_tiny.score(ref, early, skip_ref=4, threads=1).frames)


def test_sync_on_the_command_line_reports_the_delay(delayed, tmp_path):
    ref, late, _ = delayed
    write_y4m(tmp_path / "ref.y4m", ref, "25:1")
    write_y4m(tmp_path / "late.y4m", late, "25:1")
    proc = cli("score", tmp_path / "ref.y4m", tmp_path / "late.y4m", "--sync", "auto", "-q", "--frames", 80)
    assert proc.returncode == 0, proc.stderr
    assert "--sync auto: distorted 3 frames late (0.120 s)" in proc.stdout
    expected = cli("score", tmp_path / "ref.y4m", tmp_path / "late.y4m", "--dist-delay", 3, "-q", "--frames", 80)
    assert proc.stdout.split("): ")[-1] == expected.stdout.split("): ")[-1]


def test_sync_with_align_pts_delays_by_time(rates, tmp_path):
    # the 12 fps clip starting 2 of its frames (1/6 s, 4 reference frames) late
    half = rates["half_luma"]
    late = write_y4m(tmp_path / "late12.y4m", np.concatenate([pattern("checker", 2, H, W), half]), "12:1")
    r = pyvmaf_tiny.score(str(rates["ref"]), str(late), align="pts", sync="auto", threads=1)
    assert r.sync_delay == 2 and r.sync_delay_s == pytest.approx(1 / 6)
    on_time = pyvmaf_tiny.score(str(rates["ref"]), str(rates["half"]), align="pts", threads=1)
    np.testing.assert_array_equal(r.frames, on_time.frames)
    early = write_y4m(tmp_path / "early12.y4m", half[2:], "12:1")  # leads by 2 of its frames
    r = pyvmaf_tiny.score(str(rates["ref"]), str(early), align="pts", sync="auto", threads=1)
    assert r.sync_delay == -2
    expected = pyvmaf_tiny.score(rates["ref_luma"][4:], half[2:][np.arange(44) // 2], threads=1)
    np.testing.assert_array_equal(r.frames, expected.frames)


def test_sync_refuses_one_shot_iterables(delayed):
    ref, late, _ = delayed
    with pytest.raises(InputError, match="reads the start of both clips twice"):
        pyvmaf_tiny.score(ref, iter(list(late)), sync="auto")
