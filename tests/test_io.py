"""Readers: raw YUV, Y4M and numpy input, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from pyvmaf_tiny import InputError
from pyvmaf_tiny.io import open_source, parse_pix_fmt


def _y4m(path, frames, colour="420jpeg", extra=b""):
    h, w = frames[0].shape
    pf = parse_pix_fmt({"420jpeg": "yuv420p", "444": "yuv444p", "mono": "gray", "420p10": "yuv420p10le",
                        "422p12": "yuv422p12le"}[colour])
    cw, ch = pf.chroma_size(w, h)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C{colour}".encode() + extra + b"\n")
        for y in frames:
            f.write(b"FRAME\n")
            f.write(y.astype(pf.dtype).tobytes())
            mid = np.full(cw * ch * 2, 1 << (pf.bpc - 1), pf.dtype)
            f.write(mid.tobytes())
    return path


@pytest.mark.parametrize(
    "name,bpc,layout,frame_bytes",
    [("yuv420p", 8, "yuv420p", 6 * 4 + 2 * 3 * 2), ("yuv422p10le", 10, "yuv422p", 2 * (24 + 2 * 3 * 4)),
     ("yuv444p12le", 12, "yuv444p", 2 * 24 * 3), ("gray16le", 16, "gray", 48), ("gray", 8, "gray", 24)],
)
def test_pix_fmt_geometry(name, bpc, layout, frame_bytes):
    pf = parse_pix_fmt(name)
    assert (pf.bpc, pf.layout) == (bpc, layout)
    assert pf.frame_bytes(6, 4) == frame_bytes


@pytest.mark.parametrize("bad", ["rgb24", "yuv420p11le", "nv12", "", "yuv420p10be"])
def test_unsupported_pix_fmt(bad):
    with pytest.raises(InputError, match="unsupported pix_fmt"):
        parse_pix_fmt(bad)


def test_raw_reads_luma_of_every_frame(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 1024, (3, 6, 10), dtype=np.uint16)
    path = tmp_path / "a.yuv"
    with open(path, "wb") as f:
        for t in range(3):
            f.write(y[t].astype("<u2").tobytes() + np.zeros(2 * 3 * 5, "<u2").tobytes())
    src = open_source(str(path), role="reference", width=10, height=6, pix_fmt="yuv420p10le")
    assert src.frame_count() == 3 and src.bpc == 10
    np.testing.assert_array_equal(np.stack(list(src)), y)


def test_raw_truncated_names_file_and_frame(tmp_path):
    path = tmp_path / "t.yuv"
    path.write_bytes(bytes(6 * 4 * 3 // 2 * 2 + 5))
    with pytest.raises(InputError, match=r"t\.yuv: truncated: frame 2 has 5 of 36 bytes"):
        open_source(str(path), role="reference", width=6, height=4, pix_fmt="yuv420p")


def test_raw_errors(tmp_path):
    empty = tmp_path / "e.yuv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        open_source(str(empty), role="reference", width=6, height=4, pix_fmt="yuv420p")
    with pytest.raises(InputError, match="no such file"):
        open_source(str(tmp_path / "missing.yuv"), role="reference", width=6, height=4, pix_fmt="yuv420p")
    with pytest.raises(InputError, match="needs width, height and pix_fmt"):
        open_source(str(empty), role="reference")
    with pytest.raises(InputError, match="width must be >= 1"):
        open_source(str(empty), role="reference", width=-4, height=4, pix_fmt="yuv420p")


def test_raw_out_of_range_samples_for_bit_depth(tmp_path):
    path = tmp_path / "hi.yuv"
    y = np.full((4, 6), 1023, "<u2")
    y[1, 2] = 4000
    path.write_bytes(y.tobytes() + np.zeros(12, "<u2").tobytes())
    src = open_source(str(path), role="reference", width=6, height=4, pix_fmt="yuv420p10le")
    with pytest.raises(InputError, match="frame 0 has samples above 1023"):
        list(src)


@pytest.mark.parametrize("colour,bpc", [("420jpeg", 8), ("444", 8), ("mono", 8), ("420p10", 10), ("422p12", 12)])
def test_y4m_colour_spaces(tmp_path, colour, bpc):
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 1 << bpc, (2, 6, 8)).astype(np.uint16 if bpc > 8 else np.uint8)
    path = _y4m(tmp_path / "a.y4m", frames, colour)
    with open_source(str(path), role="reference") as src:
        assert (src.width, src.height, src.bpc, src.frame_count()) == (8, 6, bpc, 2)
        np.testing.assert_array_equal(np.stack(list(src)), frames)


@pytest.mark.parametrize(
    "header,match",
    [(b"YUV4MPEG W8 H6\n", "not a Y4M"), (b"YUV4MPEG2 W8\n", "no W .* or H"), (b"YUV4MPEG2 Wx H6\n", "bad W"),
     (b"YUV4MPEG2 W8 H6 C411\n", "colour space C411"), (b"YUV4MPEG2 W8 H6 It\n", "interlaced"),
     (b"YUV4MPEG2 W8 H6", "not a Y4M"), (b"", "empty"), (b"YUV4MPEG2 W8 H6\nFRAMX\n" + bytes(72), "FRAME marker"),
     (b"YUV4MPEG2 W8 H6\nFRAME\n" + bytes(70), "truncated: frame 0 has 70 of 72"),
     (b"YUV4MPEG2 W8 H6\n", "no frames")],
)
def test_y4m_malformed(tmp_path, header, match):
    path = tmp_path / "bad.y4m"
    path.write_bytes(header)
    with pytest.raises(InputError, match=match):
        open_source(str(path), role="reference")


def test_array_sources():
    a = np.zeros((2, 4, 5), np.uint8)
    src = open_source(a, role="reference")
    assert (src.width, src.height, src.bpc, src.frame_count()) == (5, 4, 8, 2)
    with pytest.raises(InputError, match="need bitdepth"):
        open_source(a.astype(np.uint16), role="reference")
    with pytest.raises(InputError, match="uint8 or uint16"):
        open_source(a.astype(np.float32), role="reference")
    with pytest.raises(InputError, match=r"\(frames, height, width\)"):
        open_source(np.zeros((1, 2, 3, 4), np.uint8), role="reference")
    frames = open_source(iter([a[0], a[1]]), role="distorted")
    assert len(list(frames)) == 2
    mixed = open_source(iter([a[0], np.zeros((3, 5), np.uint8)]), role="distorted")
    with pytest.raises(InputError, match="frame 1 is 5x3"):
        list(mixed)
