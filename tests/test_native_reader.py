"""Raw and Y4M files read by the native core (viewed in place through a
mapping, or with PYVMAF_TINY_NO_MMAP=1 read straight into the pipeline's
buffers) give exactly what the Python readers give, and fail as clearly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pyvmaf_tiny
from pyvmaf_tiny import InputError, _core
from pyvmaf_tiny.io import open_source, parse_pix_fmt
from pyvmaf_tiny.io.source import FrameSource
from pyvmaf_tiny.runner import Alignment, _native_readers

FEATURES = ["psnr", "float_ssim"]  # with the model's VIF, ADM and motion; psnr reads chroma


def _frames(rng, n, w, h, pix_fmt):
    pf = parse_pix_fmt(pix_fmt)
    cw, ch = pf.chroma_size(w, h)
    top = (1 << pf.bpc) - 1
    out = []
    base = rng.integers(0, top + 1, (h, w))
    for t in range(n):
        y = np.clip(base + rng.integers(-top // 8, top // 8 + 1, (h, w)) + 3 * t, 0, top)
        planes = [y] + [rng.integers(0, top + 1, (ch, cw)) for _ in range(2 if cw else 0)]
        out.append([p.astype(pf.dtype) for p in planes])
    return out


def _write(path, frames, y4m_colour=None, w=0, h=0):
    with open(path, "wb") as f:
        if y4m_colour:
            f.write(f"YUV4MPEG2 W{w} H{h} F25:1 Ip C{y4m_colour}\n".encode())
        for planes in frames:
            if y4m_colour:
                f.write(b"FRAME\n")
            for p in planes:
                f.write(p.tobytes())
    return path


def _pair(tmp_path, w, h, pix_fmt, n=4, y4m_colour=None, seed=0):
    rng = np.random.default_rng(seed)
    ext = ".y4m" if y4m_colour else ".yuv"
    ref = _write(tmp_path / f"ref{ext}", _frames(rng, n, w, h, pix_fmt), y4m_colour, w, h)
    dist = _write(tmp_path / f"dist{ext}", _frames(rng, n, w, h, pix_fmt), y4m_colour, w, h)
    geometry = {} if y4m_colour else dict(width=w, height=h, pix_fmt=pix_fmt)
    return str(ref), str(dist), geometry


def _python_only(monkeypatch):
    monkeypatch.setattr(FrameSource, "native_reader", lambda self: None)
    for cls in FrameSource.__subclasses__():
        monkeypatch.setattr(cls, "native_reader", lambda self: None, raising=False)


@pytest.fixture(params=["mapped", "copied"])
def read_mode(request, monkeypatch):
    """How the native readers made from here on get frames (read at their
    construction)."""
    if request.param == "copied":
        monkeypatch.setenv("PYVMAF_TINY_NO_MMAP", "1")
    else:
        monkeypatch.delenv("PYVMAF_TINY_NO_MMAP", raising=False)
    return request.param


@pytest.mark.parametrize(
    "w,h,pix_fmt,colour",
    [(64, 48, "yuv420p", None),  # unpadded rows: one read per plane
     (33, 40, "yuv420p", None),  # padded rows and odd chroma
     (41, 36, "yuv420p10le", None), (48, 34, "yuv444p12le", None), (40, 36, "gray", None),
     (35, 38, "yuv420p", "420jpeg"), (36, 34, "yuv422p10le", "422p10")],
)
def test_native_reader_equals_python_reader(tmp_path, monkeypatch, read_mode, w, h, pix_fmt, colour):
    ref, dist, geometry = _pair(tmp_path, w, h, pix_fmt, y4m_colour=colour)
    with open_source(ref, role="reference", **geometry) as r, open_source(dist, role="distorted", **geometry) as d:
        assert _native_readers(r, d, r.frame_count(), chroma=True) is not None or pix_fmt == "gray"
    feats = FEATURES if pix_fmt != "gray" else ["float_ssim"]
    cases = [dict(), dict(skip_ref=1, frames=2), dict(skip_dist=2), dict(subsample=2)]
    for align in cases:
        kw = dict(geometry, features=feats, threads=2, **align)
        if "skip_dist" in align:
            kw["frames"] = 2
        native = pyvmaf_tiny.score(ref, dist, **kw)
        with monkeypatch.context() as m:
            _python_only(m)
            python = pyvmaf_tiny.score(ref, dist, **kw)
        assert native.features.keys() == python.features.keys()
        for name in native.features:
            np.testing.assert_array_equal(native.features[name], python.features[name], err_msg=name)
        np.testing.assert_array_equal(native.frames, python.frames)


def _write_tagged(path, frames, colour, w, h, headers):
    from test_native_y4m import _write as write_y4m

    return str(write_y4m(path, w, h, colour, frames, headers))


@pytest.mark.parametrize("w,h,pix_fmt,colour", [(40, 36, "yuv420p", "420jpeg"), (35, 21, "yuv422p10le", "422p10")])
def test_y4m_with_frame_parameters_is_read_natively(tmp_path, monkeypatch, read_mode, w, h, pix_fmt, colour):
    # Frame headers of changing length (so odd frame offsets for 16-bit samples
    # too): every frame still read by the native reader, through its index.
    frames = _frames(np.random.default_rng(3), 5, w, h, pix_fmt)
    plain = _write(tmp_path / "plain.y4m", frames, colour, w, h)
    headers = [b"FRAME Ixyz\n", b"FRAME\n", b"FRAME XA=1 XB=22\n", b"FRAME\n", b"FRAME Ip\n"]
    tagged = _write_tagged(tmp_path / "tagged.y4m", frames, colour, w, h, headers)
    ref = _write(tmp_path / "ref.y4m", _frames(np.random.default_rng(4), 5, w, h, pix_fmt), colour, w, h)
    with open_source(plain, role="distorted") as p, open_source(tagged, role="distorted") as t:
        assert p.native_reader().plain_frames and p.native_reader().index_runs == 1
        assert not t.native_reader().plain_frames and t.native_reader().index_runs == 5
        assert _native_readers(p, t, 5, chroma=True) is not None
        for i in range(5):
            for a, b in zip(p.native_reader().read_frame(i, True), t.native_reader().read_frame(i, True)):
                np.testing.assert_array_equal(a, b)
    kw = dict(features=FEATURES, threads=2)
    native = pyvmaf_tiny.score(ref, tagged, **kw)
    with monkeypatch.context() as m:
        _python_only(m)
        python = pyvmaf_tiny.score(ref, tagged, **kw)
    expected = pyvmaf_tiny.score(ref, plain, **kw)
    for other in (python, expected):
        for name in native.features:
            np.testing.assert_array_equal(native.features[name], other.features[name], err_msg=name)
        np.testing.assert_array_equal(native.frames, other.frames)


def test_y4m_tagged_frame_header_damaged_after_opening(tmp_path, read_mode):
    frames = _frames(np.random.default_rng(3), 3, 40, 36, "yuv420p")
    ref = _write(tmp_path / "ref.y4m", frames, "420jpeg", 40, 36)
    dist = _write_tagged(tmp_path / "dist.y4m", frames, "420jpeg", 40, 36, [b"FRAME\n", b"FRAME Ib\n", b"FRAME\n"])
    src_r, src_d = open_source(ref, role="reference"), open_source(dist, role="distorted")
    data = bytearray(open(dist, "rb").read())
    at = data.index(b"FRAME Ib\n")
    data[at + 7] = 0x0A  # "FRAME I\n\n": the header's newline moved
    open(dist, "wb").write(bytes(data))
    from pyvmaf_tiny import runner

    with pytest.raises(InputError, match=r"dist\.y4m: frame 1: missing or malformed frame marker"):
        runner.run(src_r, src_d, [("vif", {})], threads=1, align=Alignment())


def test_file_truncated_after_opening(tmp_path, read_mode):
    ref, dist, geometry = _pair(tmp_path, 40, 36, "yuv420p", n=5)
    src_r = open_source(ref, role="reference", **geometry)
    src_d = open_source(dist, role="distorted", **geometry)
    os.truncate(dist, os.path.getsize(dist) - 2000)  # into frame 4's luma, after the sources counted 5 frames
    from pyvmaf_tiny import runner

    with pytest.raises(InputError, match=r"dist\.yuv: truncated while reading frame 4"):
        runner.run(src_r, src_d, [("vif", {})], threads=2, align=Alignment())


def test_y4m_marker_damaged_after_opening(tmp_path, read_mode):
    ref, dist, _ = _pair(tmp_path, 40, 36, "yuv420p", n=3, y4m_colour="420jpeg")
    src_r, src_d = open_source(ref, role="reference"), open_source(dist, role="distorted")
    data = bytearray(open(dist, "rb").read())
    second = data.index(b"FRAME\n", data.index(b"FRAME\n") + 1)
    data[second : second + 5] = b"FRAMX"
    open(dist, "wb").write(bytes(data))
    from pyvmaf_tiny import runner

    with pytest.raises(InputError, match=r"dist\.y4m: frame 1: missing or malformed frame marker"):
        runner.run(src_r, src_d, [("vif", {})], threads=1, align=Alignment())


def test_out_of_range_10bit_samples_are_refused(tmp_path, read_mode):
    ref, dist, geometry = _pair(tmp_path, 40, 36, "yuv420p10le", n=3)
    data = bytearray(open(dist, "rb").read())
    frame_bytes = parse_pix_fmt("yuv420p10le").frame_bytes(40, 36)
    data[frame_bytes + 100 : frame_bytes + 102] = (4000).to_bytes(2, "little")  # luma of frame 1
    open(dist, "wb").write(bytes(data))
    with pytest.raises(InputError, match=r"dist\.yuv: frame 1 has samples above 1023, which is not 10-bit"):
        pyvmaf_tiny.score(ref, dist, **geometry)


def test_raw_reader_rejects_bad_layouts_and_files(tmp_path):
    path = tmp_path / "a.yuv"
    path.write_bytes(bytes(40 * 36 * 3 // 2 * 2))
    assert _core.RawReader(str(path), 40, 36, 8, 20, 18).frame_count == 2
    assert _core.RawReader(str(path), 40, 36, 8, 20, 18, header=1).frame_count == 1
    for bad in [(0, 36, 8, 20, 18), (40, 36, 7, 20, 18), (40, 36, 17, 0, 0), (40, 36, 8, 41, 18), (40, 36, 8, 20, 0)]:
        with pytest.raises(InputError, match="invalid raw frame layout"):
            _core.RawReader(str(path), *bad)
    with pytest.raises(InputError, match="no such file"):
        _core.RawReader(str(tmp_path / "missing.yuv"), 40, 36, 8)
    with pytest.raises(InputError, match="not a regular file"):
        _core.RawReader(str(tmp_path), 40, 36, 8)


# A frame viewed in place reads the file's pages while the workers use it: a
# file cut short then (by another process) takes those pages away. Frame 1's
# motion reads frame 0's reference again, which is how these tests cut a file
# under a frame in use, deterministically, on one thread: frame 1's reference
# comes from an intact copy, frame 0's file is cut in between.
CUT_UNDER_A_MAPPED_FRAME = textwrap.dedent("""
    import os, shutil, sys
    from pyvmaf_tiny import InputError, _core
    ref, dist, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    intact = ref + ".intact"
    shutil.copyfile(ref, intact)
    pipeline = _core.Pipeline([("motion", {})], 1)
    r, r2, d = (_core.RawReader(p, w, h, 8, w // 2, h // 2) for p in (ref, intact, dist))
    pipeline.push_read(r, 0, d, 0)
    os.truncate(ref, 0)
    try:
        pipeline.push_read(r2, 1, d, 1)
        pipeline.close()
    except InputError as e:
        print("InputError:", e)
""")


def _run_python(code, *args, no_mmap=False):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("PYVMAF_TINY_NO_MMAP", None)
    if no_mmap:
        env["PYVMAF_TINY_NO_MMAP"] = "1"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("faulthandler_first", [False, True])
def test_file_cut_short_under_a_mapped_frame(tmp_path, faulthandler_first):
    """An error naming the file, not a crash (SIGBUS), with Python's
    faulthandler enabled before the core installs its guard or after it."""
    ref, dist, _ = _pair(tmp_path, 64, 48, "yuv420p", n=2)
    prologue = "import faulthandler; faulthandler.enable()\n" if faulthandler_first else ""
    # The guard is installed at the first mapping; faulthandler.enable() after
    # it takes SIGBUS over, and the next mapping puts the guard back in front.
    epilogue = "" if faulthandler_first else "import faulthandler; faulthandler.enable()\n"
    code = prologue + CUT_UNDER_A_MAPPED_FRAME.replace("os.truncate(ref, 0)", epilogue + "os.truncate(ref, 0)")
    proc = _run_python(code, ref, dist, 64, 48)
    assert proc.returncode == 0, proc.stderr
    assert f"InputError: {ref}: truncated while reading frame 0" in proc.stdout, proc.stdout + proc.stderr


def test_file_cut_short_under_a_copied_frame_is_harmless(tmp_path):
    """The copy was taken before the cut: the result stands (the contrast to
    the test above, which shows the cut is what fails there)."""
    ref, dist, _ = _pair(tmp_path, 64, 48, "yuv420p", n=2)
    code = CUT_UNDER_A_MAPPED_FRAME.replace('pipeline.close()', 'pipeline.close(); print("scored")')
    proc = _run_python(code, ref, dist, 64, 48, no_mmap=True)
    assert proc.returncode == 0 and "scored" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("faulthandler_on", [False, True])
def test_other_bus_errors_still_crash(tmp_path, faulthandler_on):
    """The guard answers only for its own mappings: any other SIGBUS still
    ends the process as it would have (through faulthandler when enabled)."""
    ref, dist, geometry = _pair(tmp_path, 64, 48, "yuv420p", n=2)
    victim = tmp_path / "victim.bin"
    victim.write_bytes(bytes(1 << 16))
    code = textwrap.dedent(f"""
        import faulthandler, mmap, os, sys
        {"faulthandler.enable()" if faulthandler_on else "faulthandler.disable()"}
        import pyvmaf_tiny
        pyvmaf_tiny.score({ref!r}, {dist!r}, width=64, height=48, pix_fmt="yuv420p", threads=1)
        with open({str(victim)!r}, "rb") as f:
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        os.truncate({str(victim)!r}, 0)
        print("touching", flush=True)
        m[40000]
        print("survived", flush=True)
    """)
    proc = _run_python(code)
    assert "touching" in proc.stdout and "survived" not in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == -signal.SIGBUS, proc.stderr
    assert ("Bus error" in proc.stderr) == faulthandler_on, proc.stderr
