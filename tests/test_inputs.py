"""Readers and alignment: the same clip through every container gives the same
score as the oracle; skip/frames/subsample/scale-dist; mixed pairs."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import assert_matches_oracle
from content import Recipe, _read_raw, make_clip

BASE = Recipe("bikes", 320, 136, codec="libx264", quality=34, frames=6)
BASE_10 = Recipe("bikes", 160, 68, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=5)


def write_y4m(path, frames, colour):
    h, w = frames[0][0].shape
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C{colour} XYSCSS=420P10\n".encode())
        for planes in frames:
            f.write(b"FRAME\n")
            for p in planes:
                f.write(np.ascontiguousarray(p).tobytes())
    return path


def encode(raw, clip, out, codec, **opts):
    cmd = [oracle.ffmpeg(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", clip.pix_fmt, "-s",
           f"{clip.width}x{clip.height}", "-i", str(raw), "-c:v", codec]
    for k, v in opts.items():
        cmd += [f"-{k}", str(v)]
    subprocess.run(cmd + [str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def lossless(tmp_path_factory):
    clip = make_clip(BASE)
    d = tmp_path_factory.mktemp("lossless")
    frames = {k: _read_raw(getattr(clip, k), clip.width, clip.height, clip.pix_fmt) for k in ("ref", "dist")}
    forms = {
        "yuv": (str(clip.ref), str(clip.dist), clip.geometry),
        "y4m": (str(write_y4m(d / "r.y4m", frames["ref"], "420jpeg")),
                str(write_y4m(d / "d.y4m", frames["dist"], "420jpeg")), {}),
        "mp4": (str(encode(clip.ref, clip, d / "r.mp4", "libx264", qp=0)),
                str(encode(clip.dist, clip, d / "d.mp4", "libx264", qp=0)), {}),
        "mkv": (str(encode(clip.ref, clip, d / "r.mkv", "ffv1")), str(encode(clip.dist, clip, d / "d.mkv", "ffv1")),
                {}),
    }
    return clip, forms


def test_every_container_gives_the_oracle_score(lossless):
    clip, forms = lossless
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry)
    scores = {}
    for name, (ref, dist, geometry) in forms.items():
        r = pyvmaf_tiny.score(ref, dist, **geometry, features=["integer_motion"])
        assert_matches_oracle(r, expected)
        scores[name] = r.frames
    for name, frames in scores.items():
        np.testing.assert_array_equal(frames, scores["yuv"], err_msg=name)


def test_mixed_pair_y4m_ref_mp4_dist(lossless):
    clip, forms = lossless
    r = pyvmaf_tiny.score(forms["y4m"][0], forms["mp4"][1])
    np.testing.assert_allclose(r.score, oracle.run(clip.ref, clip.dist, **clip.geometry)["pooled_metrics"]["vmaf"][
        "mean"], atol=1e-6)


def test_10bit_y4m_and_mkv_match_oracle(tmp_path):
    clip = make_clip(BASE_10)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry)
    frames = {k: _read_raw(getattr(clip, k), clip.width, clip.height, clip.pix_fmt) for k in ("ref", "dist")}
    ref = write_y4m(tmp_path / "r.y4m", frames["ref"], "420p10")
    dist = write_y4m(tmp_path / "d.y4m", frames["dist"], "420p10")
    assert_matches_oracle(pyvmaf_tiny.score(str(ref), str(dist)), expected)
    mkv_ref = encode(clip.ref, clip, tmp_path / "r.mkv", "ffv1")
    mkv_dist = encode(clip.dist, clip, tmp_path / "d.mkv", "ffv1")
    r = pyvmaf_tiny.score(str(mkv_ref), str(mkv_dist))
    assert r.bitdepth == 10
    assert_matches_oracle(r, expected)


def _oracle_with(clip, **opts):
    out = clip.ref.parent / ("oracle-" + "-".join(f"{k}{v}" for k, v in opts.items()) + ".json")
    raw = ["-f", "rawvideo", "-pix_fmt", clip.pix_fmt, "-s", f"{clip.width}x{clip.height}"]
    lavfi = "libvmaf=n_threads=2:log_fmt=json:log_path=" + str(out) + "".join(f":{k}={v}" for k, v in opts.items())
    subprocess.run([oracle.ffmpeg(), "-v", "error", *raw, "-i", str(clip.dist), *raw, "-i", str(clip.ref), "-lavfi",
                    lavfi, "-f", "null", "-"], check=True)
    return json.loads(out.read_text())


@pytest.mark.parametrize("n", [2, 3])
def test_subsample_matches_libvmaf_n_subsample(n):
    clip = make_clip(BASE)
    r = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, subsample=n)
    expected = _oracle_with(clip, n_subsample=n)
    assert [f["frameNum"] for f in expected["frames"]] == list(r.frame_numbers)
    assert_matches_oracle(r, expected)


def test_skip_and_frames_equal_trimmed_inputs(tmp_path):
    clip = make_clip(BASE)
    fb = clip.width * clip.height * 3 // 2
    ref, dist = clip.ref.read_bytes(), clip.dist.read_bytes()
    (tmp_path / "r.yuv").write_bytes(ref[2 * fb : 5 * fb])
    (tmp_path / "d.yuv").write_bytes(dist[1 * fb : 4 * fb])
    trimmed = pyvmaf_tiny.score(str(tmp_path / "r.yuv"), str(tmp_path / "d.yuv"), **clip.geometry)
    aligned = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, skip_ref=2, skip_dist=1, frames=3)
    np.testing.assert_array_equal(aligned.frames, trimmed.frames)
    with pytest.raises(pyvmaf_tiny.InputError, match="frame count mismatch.*after skipping"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, skip_ref=1)
    with pytest.raises(pyvmaf_tiny.InputError, match="leaves fewer than the 9 needed"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, frames=9)
    with pytest.raises(pyvmaf_tiny.InputError, match="subsample must be >= 1"):
        pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry, subsample=0)


@pytest.mark.parametrize("method", ["bicubic", "lanczos"])
def test_scale_dist_uses_swscale_and_is_opt_in(tmp_path, method):
    import av

    clip = make_clip(BASE)
    frames = _read_raw(clip.dist, clip.width, clip.height, clip.pix_fmt)
    small = np.stack([f[0][::2, ::2] for f in frames])
    with pytest.raises(pyvmaf_tiny.InputError, match="size mismatch.*see --scale-dist"):
        pyvmaf_tiny.score(str(clip.ref), small, **clip.geometry)
    r = pyvmaf_tiny.score(str(clip.ref), small, **clip.geometry, scale_dist=method)
    up = np.stack([av.VideoFrame.from_ndarray(s, format="gray").reformat(
        width=clip.width, height=clip.height, interpolation=method.upper()).to_ndarray() for s in small])
    expected = pyvmaf_tiny.score(str(clip.ref), up, **clip.geometry)
    np.testing.assert_array_equal(r.frames, expected.frames)
    assert r.score < pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry).score


def test_streamed_input_memory_stays_flat(tmp_path):
    """2,000 frames from a generator: RSS after 2,000 is within a few MiB of RSS after 500."""
    script = tmp_path / "rss.py"
    script.write_text(
        "import numpy as np, pyvmaf_tiny\n"
        "rss = {}\n"
        "def vmrss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'): return int(line.split()[1])\n"
        "def frames(seed):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    base = rng.integers(0, 256, (96, 128), dtype=np.uint8)\n"
        "    for i in range(2000):\n"
        "        yield np.roll(base, i, axis=1)\n"
        "def progress(done, total):\n"
        "    if done in (500, 2000): rss[done] = vmrss()\n"
        "r = pyvmaf_tiny.score(frames(0), frames(0), threads=2, progress=progress)\n"
        "print(len(r.frames), rss[500], rss[2000])\n")
    out = subprocess.run(["python", str(script)], capture_output=True, text=True, check=True,
                         executable=__import__("sys").executable).stdout.split()
    n, at500, at2000 = map(int, out)
    assert n == 2000
    assert at2000 - at500 < 6 * 1024, f"RSS grew by {(at2000 - at500) / 1024:.1f} MiB over 1,500 frames"


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_refused_geometry_is_refused_again_and_changes_nothing(threads):
    # Worker 0's extractors are built at the first push, on the pushing
    # thread; a geometry they refuse is refused at every try, and leaves the
    # pipeline unstarted (tests/test_hardening_core.py: a valid frame then
    # scores as in a fresh pipeline).
    from pyvmaf_tiny import _core

    pipeline = _core.Pipeline([("adm", {}), ("vif", {})], threads)
    frame = np.zeros((16, 16), dtype=np.uint8)
    for _ in range(2):
        with pytest.raises(pyvmaf_tiny.InputError, match="17x17"):
            pipeline.push(frame, frame, 8)
    assert pipeline.pushed == 0
    pipeline.close()
    assert pipeline.final_count == 0
    del pipeline  # joins its threads
