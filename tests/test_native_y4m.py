"""The one Y4M parser, native (core/src/io/y4m.cpp), as the package sees it:
strict header bounds, every colour space, frames with parameters read through
the frame index, the index's memory budget, and opening through the path
policy. Also RawReader's frame-size arithmetic."""

from __future__ import annotations

import os

import numpy as np
import pytest

from pyvmaf_tiny import InputError, _core
from pyvmaf_tiny.io import open_source, parse_pix_fmt
from pyvmaf_tiny.io.policy import OutsideRoots, PathPolicy
from pyvmaf_tiny.io.y4m import Y4mSource

COLOURS = {
    "420": ("yuv420p", 8), "420jpeg": ("yuv420p", 8), "420mpeg2": ("yuv420p", 8), "420paldv": ("yuv420p", 8),
    "422": ("yuv422p", 8), "444": ("yuv444p", 8), "mono": ("gray", 8),
    "420p9": ("yuv420p", 9), "422p9": ("yuv422p", 9), "444p9": ("yuv444p", 9),
    "420p10": ("yuv420p", 10), "422p10": ("yuv422p", 10), "444p10": ("yuv444p", 10), "mono10": ("gray", 10),
    "420p12": ("yuv420p", 12), "422p12": ("yuv422p", 12), "444p12": ("yuv444p", 12), "mono12": ("gray", 12),
    "420p14": ("yuv420p", 14), "422p14": ("yuv422p", 14), "444p14": ("yuv444p", 14),
    "420p16": ("yuv420p", 16), "422p16": ("yuv422p", 16), "444p16": ("yuv444p", 16), "mono16": ("gray", 16),
}


def _planes(rng, w, h, colour):
    layout, bpc = COLOURS[colour]
    pf = parse_pix_fmt(layout if bpc == 8 else f"{layout}{bpc}le")
    cw, ch = pf.chroma_size(w, h)
    shapes = [(h, w)] + ([(ch, cw)] * 2 if cw else [])
    return [rng.integers(0, 1 << bpc, s).astype(pf.dtype) for s in shapes]


def _write(path, w, h, colour, frames, headers=None, tags="F25:1 Ip A1:1"):
    headers = headers or [b"FRAME\n"] * len(frames)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} {tags} C{colour}\n".encode())
        for planes, header in zip(frames, headers):
            f.write(header)
            for p in planes:
                f.write(p.tobytes())
    return path


@pytest.mark.parametrize("colour", sorted(COLOURS))
def test_every_colour_space(tmp_path, colour):
    rng = np.random.default_rng(len(colour))
    frames = [_planes(rng, 7, 5, colour) for _ in range(3)]
    path = _write(tmp_path / "a.y4m", 7, 5, colour, frames, [b"FRAME\n", b"FRAME Ixyz\n", b"FRAME\n"])
    layout, bpc = COLOURS[colour]
    with open_source(str(path), role="reference") as src:
        assert (src.width, src.height, src.bpc, src.pix_fmt.layout, src.frame_count()) == (7, 5, bpc, layout, 3)
        got = list(src.pictures(chroma=layout != "gray"))
    for planes, frame in zip(frames, got):
        for want, have in zip(planes, frame if layout != "gray" else [frame]):
            np.testing.assert_array_equal(have, want.astype(np.uint16 if bpc > 8 else np.uint8))


@pytest.mark.parametrize(
    "head,match",
    [
        (b"YUV4MPEG2 W0 H6", "bad W value '0'"), (b"YUV4MPEG2 W32769 H6", "bad W value '32769'"),
        (b"YUV4MPEG2 W8 H-1", "bad H value '-1'"), (b"YUV4MPEG2 W8 H+6", "bad H value"),
        (b"YUV4MPEG2 W99999999999999999999999 H6", "bad W value"), (b"YUV4MPEG2 W8 H6 W8", "W given twice"),
        (b"YUV4MPEG2 W8 H6 C420 C444", "C given twice"), (b"YUV4MPEG2 W8 H6 F25", "bad F value '25'"),
        (b"YUV4MPEG2 W8 H6 F25:1:1", "bad F value"), (b"YUV4MPEG2 W8 H6 F4294967296:1", "bad F value"),
        (b"YUV4MPEG2 W8 H6 A1", "bad A value"), (b"YUV4MPEG2 W8 H6 Ib", "interlaced Y4M \\(Ib\\)"),
        (b"YUV4MPEG2 W8 H6 Im", "interlaced"), (b"YUV4MPEG2 W8\tH6", "control characters"),
        (b"YUV4MPEG2 W8 H6 X\xc3\xa9", "non-ASCII"), (b"YUV4MPEG2 W8 H6 C420p11", "colour space C420p11"),
        (b"YUV4MPEG2 W8 H6 Cmono9", "colour space Cmono9"), (b"YUV4MPEG2 H6", "no W"),
        (b"YUV4MPEG2\tW8 H6", "not a Y4M"), (b"YUV4MPEG2 W8 H6 X" + b"x" * 1020, "not a Y4M"),
    ],
)
def test_header_is_parsed_strictly(tmp_path, head, match):
    path = tmp_path / "bad.y4m"
    path.write_bytes(head + b"\nFRAME\n" + bytes(72))
    with pytest.raises(InputError, match=match):
        open_source(str(path), role="reference")


def test_header_tags_and_limits(tmp_path):
    rng = np.random.default_rng(0)
    tags = "F30000:1001 Ip A0:0 XYSCSS=420JPEG Zfuture"
    path = _write(tmp_path / "a.y4m", 8, 6, "420jpeg", [_planes(rng, 8, 6, "420jpeg")], tags=tags)
    r = _core.Y4mReader(str(path))
    assert (r.frame_rate, r.aspect, r.interlace, r.extensions) == ((30000, 1001), (0, 0), "p", ["YSCSS=420JPEG"])
    assert (r.header_bytes, r.plain_frames, r.index_runs, r.frame_count) == (len(f"YUV4MPEG2 W8 H6 {tags} C420jpeg\n"),
                                                                              True, 1, 1)
    # A stream header of exactly 1024 bytes (newline included) is read; one byte more is not.
    for length, ok in [(1024, True), (1025, False)]:
        head = b"YUV4MPEG2 W8 H6 X"
        data = head + b"x" * (length - len(head) - 1) + b"\nFRAME\n" + bytes(72)
        path.write_bytes(data)
        if ok:
            assert _core.Y4mReader(str(path)).frame_count == 1
        else:
            with pytest.raises(InputError, match="not a Y4M"):
                _core.Y4mReader(str(path))


@pytest.mark.parametrize(
    "frame_header,match",
    [(b"FRAMEX\n", "frame 0: missing or malformed FRAME marker"), (b"FRAME", "frame 0: missing or malformed"),
     (b"FRAME I\x01\n", "frame 0: missing or malformed"), (b"FRAME I\xc3\xa9\n", "frame 0: missing or malformed"),
     (b"FRAME " + b"X" * 1018 + b"\n", "frame 0: missing or malformed"), (b"frame\n", "frame 0: missing")],
)
def test_frame_headers_are_parsed_strictly(tmp_path, frame_header, match):
    path = tmp_path / "bad.y4m"
    path.write_bytes(b"YUV4MPEG2 W8 H6\n" + frame_header + bytes(72))
    with pytest.raises(InputError, match=match):
        open_source(str(path), role="reference")
    # 1024 bytes of frame header (newline included) is the limit.
    path.write_bytes(b"YUV4MPEG2 W8 H6\nFRAME " + b"X" * 1017 + b"\n" + bytes(72))
    assert Y4mSource(str(path)).frame_count() == 1


def test_truncated_and_trailing_bytes(tmp_path):
    path = tmp_path / "t.y4m"
    path.write_bytes(b"YUV4MPEG2 W8 H6\nFRAME Ixy\n" + bytes(72) + b"FRAME\n" + bytes(71))
    with pytest.raises(InputError, match=r"t\.y4m: truncated: frame 1 has 71 of 72 bytes"):
        Y4mSource(str(path))
    path.write_bytes(b"YUV4MPEG2 W8 H6\nFRAME\n" + bytes(72) + b"F")
    with pytest.raises(InputError, match="frame 1: missing or malformed FRAME marker"):
        Y4mSource(str(path))


def test_index_memory_is_budgeted(tmp_path):
    # 1x1 mono frames, 2^20 + 1 of them: evenly spaced they are one run of
    # the index whatever their number; headers changing length at every frame
    # would need an entry per frame, which is refused past 2^20.
    n = (1 << 20) + 1
    plain = tmp_path / "plain.y4m"
    plain.write_bytes(b"YUV4MPEG2 W1 H1 Cmono\n" + b"FRAME\n\x80" * n)
    r = _core.Y4mReader(str(plain))
    assert (r.frame_count, r.index_runs) == (n, 1)
    tagged = tmp_path / "tagged.y4m"
    tagged.write_bytes(b"YUV4MPEG2 W1 H1 Cmono\n" + b"FRAME\n\x80FRAME X\n\x80" * (n // 2 + 1))
    with pytest.raises(InputError, match=r"tagged\.y4m: frame 1048576: frame headers change length more than "
                                         r"1048576 times"):
        _core.Y4mReader(str(tagged))
    changing = tmp_path / "changing.y4m"
    changing.write_bytes(b"YUV4MPEG2 W1 H1 Cmono\n" + b"FRAME\n\x80FRAME X\n\x80" * 1000)
    r = _core.Y4mReader(str(changing))
    assert (r.frame_count, r.index_runs, r.plain_frames) == (2000, 2000, False)
    assert [int(r.read_frame(i)[0, 0]) for i in (0, 1, 1999)] == [128, 128, 128]


@pytest.mark.parametrize("no_mmap", ["0", "1"])
def test_frames_with_parameters_truncated_after_opening(tmp_path, monkeypatch, no_mmap):
    monkeypatch.setenv("PYVMAF_TINY_NO_MMAP", no_mmap)  # frames mapped, or copied
    rng = np.random.default_rng(2)
    frames = [_planes(rng, 8, 6, "420jpeg") for _ in range(3)]
    path = _write(tmp_path / "a.y4m", 8, 6, "420jpeg", frames, [b"FRAME Ia\n", b"FRAME\n", b"FRAME Ixyz\n"])
    src = Y4mSource(str(path))
    os.truncate(path, os.path.getsize(path) - 10)
    with pytest.raises(InputError, match=r"a\.y4m: truncated: frame 2 has 62 of 72 bytes"):
        Y4mSource(str(path))
    got = src.pictures(chroma=True)
    for want in frames[:2]:
        np.testing.assert_array_equal(next(got)[0], want[0])
    with pytest.raises(InputError, match=r"a\.y4m: truncated while reading frame 2"):
        next(got)


def test_opened_through_the_path_policy(tmp_path):
    rng = np.random.default_rng(3)
    inside, outside = tmp_path / "root", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    clip = _write(outside / "a.y4m", 8, 6, "mono", [_planes(rng, 8, 6, "mono")])
    (inside / "link.y4m").symlink_to(clip)
    policy = PathPolicy([inside])
    with pytest.raises(OutsideRoots):
        Y4mSource(str(inside / "link.y4m"), policy=policy)
    os.mkfifo(inside / "fifo.y4m")
    with pytest.raises(InputError, match="FIFO"):
        Y4mSource(str(inside / "fifo.y4m"), policy=policy)
    with pytest.raises(InputError, match="FIFO"):  # and natively, without a policy's check first
        _core.Y4mReader(str(inside / "fifo.y4m"))
    inner = _write(inside / "b.y4m", 8, 6, "mono", [_planes(rng, 8, 6, "mono")])
    assert Y4mSource("b.y4m", policy=policy).frame_count() == 1
    assert Y4mSource(str(inner), policy=policy).name == str(inner)


def test_file_names_that_are_not_utf8(tmp_path):
    rng = np.random.default_rng(4)
    frames = [_planes(rng, 8, 6, "420jpeg") for _ in range(2)]
    path = os.fsencode(tmp_path) + b"/y\xff.y4m"
    _write(path, 8, 6, "420jpeg", frames)
    src = Y4mSource(path)
    assert src.name.endswith("y\\xff.y4m") and src.frame_count() == 2
    np.testing.assert_array_equal(next(iter(src)), frames[0][0])
    os.truncate(path, 50)
    with pytest.raises(InputError, match=r"y\\xff\.y4m: truncated: frame 0 has 5 of 72 bytes"):
        Y4mSource(path)


def test_raw_reader_refuses_frame_sizes_that_wrap(tmp_path):
    # 2 * W * H + 2 * (2 * CW * CH) is 2^64 + 2 here: the frame size used to
    # wrap to 2 bytes, and a 4-byte file then "held" two frames of 2^31 x 2^31
    # samples (read past the mapping: SIGBUS). Found while writing the fuzz
    # harness's raw-geometry target; kept in its corpus
    # (tests/fuzz_seeds/raw/regression-frame-size-wraps.raw).
    path = tmp_path / "a.yuv"
    path.write_bytes(b"abcd")
    with pytest.raises(InputError, match="more than 2\\^48 bytes"):
        _core.RawReader(str(path), 2147483647, 2147483647, 16, 1342177280, 1717986920)
    with pytest.raises(InputError, match="more than 2\\^48 bytes"):
        _core.RawReader(str(path), 2147483647, 2147483647, 8)
    assert _core.RawReader(str(path), 1, 2, 16).frame_count == 1
