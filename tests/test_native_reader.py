"""Raw and Y4M files read by the native core (straight into the pipeline's
buffers) give exactly what the Python readers give, and fail as clearly."""

from __future__ import annotations

import os

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


@pytest.mark.parametrize(
    "w,h,pix_fmt,colour",
    [(64, 48, "yuv420p", None),  # unpadded rows: one read per plane
     (33, 40, "yuv420p", None),  # padded rows and odd chroma
     (41, 36, "yuv420p10le", None), (48, 34, "yuv444p12le", None), (40, 36, "gray", None),
     (35, 38, "yuv420p", "420jpeg"), (36, 34, "yuv422p10le", "422p10")],
)
def test_native_reader_equals_python_reader(tmp_path, monkeypatch, w, h, pix_fmt, colour):
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


def test_y4m_with_frame_parameters_takes_the_python_reader(tmp_path):
    ref, dist, _ = _pair(tmp_path, 40, 36, "yuv420p", y4m_colour="420jpeg")
    tagged = str(tmp_path / "tagged.y4m")
    open(tagged, "wb").write(open(dist, "rb").read().replace(b"FRAME\n", b"FRAME Ixyz\n"))
    with open_source(dist, role="distorted") as d, open_source(tagged, role="distorted") as t:
        assert d.native_reader() is not None and t.native_reader() is None
    native, python = pyvmaf_tiny.score(ref, dist, threads=2), pyvmaf_tiny.score(ref, tagged, threads=2)
    np.testing.assert_array_equal(native.frames, python.frames)


def test_file_truncated_after_opening(tmp_path):
    ref, dist, geometry = _pair(tmp_path, 40, 36, "yuv420p", n=5)
    src_r = open_source(ref, role="reference", **geometry)
    src_d = open_source(dist, role="distorted", **geometry)
    os.truncate(dist, os.path.getsize(dist) - 2000)  # into frame 4's luma, after the sources counted 5 frames
    from pyvmaf_tiny import runner

    with pytest.raises(InputError, match=r"dist\.yuv: truncated while reading frame 4"):
        runner.run(src_r, src_d, [("vif", {})], threads=2, align=Alignment())


def test_y4m_marker_damaged_after_opening(tmp_path):
    ref, dist, _ = _pair(tmp_path, 40, 36, "yuv420p", n=3, y4m_colour="420jpeg")
    src_r, src_d = open_source(ref, role="reference"), open_source(dist, role="distorted")
    data = bytearray(open(dist, "rb").read())
    second = data.index(b"FRAME\n", data.index(b"FRAME\n") + 1)
    data[second : second + 5] = b"FRAMX"
    open(dist, "wb").write(bytes(data))
    from pyvmaf_tiny import runner

    with pytest.raises(InputError, match=r"dist\.y4m: frame 1: missing or malformed frame marker"):
        runner.run(src_r, src_d, [("vif", {})], threads=1, align=Alignment())


def test_out_of_range_10bit_samples_are_refused(tmp_path):
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
    with pytest.raises(InputError, match="cannot open"):
        _core.RawReader(str(tmp_path / "missing.yuv"), 40, 36, 8)
    with pytest.raises(InputError, match="not a regular file"):
        _core.RawReader(str(tmp_path), 40, 36, 8)
