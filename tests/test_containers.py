"""Containers under the path policy: single-file demuxers chosen by content, files that name other files
refused, protocol-looking names read as names, and every decoded pixel format read exactly or refused."""

from __future__ import annotations

import io
import os
import shutil

import av
import numpy as np
import pytest

import pyvmaf_tiny
from hostile import FifoWatch, mkv, planes, referencing_files
from pyvmaf_tiny import InputError
from pyvmaf_tiny.io import PathPolicy, open_source
from pyvmaf_tiny.io.container import frame_planes
from pyvmaf_tiny.io.demuxers import HEAD_BYTES, sniff
from pyvmaf_tiny.io.encode import encode, frame_from_planes, planes_of
from pyvmaf_tiny.io.pixfmt import _LAYOUTS, DECODED_FORMATS

SINGLE = PathPolicy(single_file_media=True)

# (extension, encoder, FFmpeg muxer, encoder options, the demuxer sniff() must pick)
FORMATS = [
    ("mkv", "ffv1", "matroska", {}, "matroska"),
    ("mp4", "libx264", "mp4", {"qp": "0", "preset": "ultrafast"}, "mov"),
    ("webm", "libvpx-vp9", "webm", {"lossless": "1", "deadline": "realtime", "cpu-used": "8"}, "matroska"),
    ("ivf", "libvpx-vp9", "ivf", {"lossless": "1", "deadline": "realtime", "cpu-used": "8"}, "ivf"),
    ("nut", "ffv1", "nut", {}, "nut"),
    ("avi", "ffv1", "avi", {}, "avi"),
    ("ts", "libx264", "mpegts", {"qp": "0", "preset": "ultrafast"}, "mpegts"),
    ("flv", "libx264", "flv", {"qp": "0", "preset": "ultrafast"}, "flv"),
    ("ogv", "libvpx", "ogg", {}, "ogg"),
    ("h264", "libx264", "h264", {"qp": "0", "preset": "ultrafast"}, "h264"),
    ("hevc", "libx265", "hevc", {"x265-params": "lossless=1:log-level=error", "preset": "ultrafast"}, "hevc"),
    ("obu", "libsvtav1", "obu", {"preset": "12"}, "obu"),
    ("y4m.bin", "rawvideo", "yuv4mpegpipe", {}, "yuv4mpegpipe"),
]


@pytest.mark.parametrize("ext,codec,muxer,options,demuxer", FORMATS, ids=[f[0] for f in FORMATS])
def test_single_file_formats_score_as_before(tmp_path, ext, codec, muxer, options, demuxer):
    rng = np.random.default_rng(3)
    paths = []
    for name in ("ref", "dist"):
        path = tmp_path / f"{name}.{ext}"
        path.write_bytes(encode(planes(rng, 3, 64, 48), codec, "yuv420p", options, container=muxer))
        paths.append(str(path))
    assert sniff(open(paths[0], "rb").read(HEAD_BYTES)) == demuxer
    before = pyvmaf_tiny.score(*paths, features=["psnr"], threads=1)
    for policy in (SINGLE, PathPolicy([tmp_path])):
        after = pyvmaf_tiny.score(*paths, features=["psnr"], threads=1, policy=policy)
        assert after.frames.tolist() == before.frames.tolist() and len(before.frames) == 3
        assert all(np.array_equal(after.features[k], before.features[k]) for k in before.features)


@pytest.fixture
def hostile(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    watch = FifoWatch(outside / "secret.ts")
    files = referencing_files(root, outside, watch.path)
    yield root, files
    assert not watch.stop(), "something opened the FIFO outside the root"


def test_files_that_name_other_files_are_refused_unread(hostile):
    root, files = hostile
    for policy in (SINGLE, PathPolicy([root])):
        for name, path in files.items():
            with pytest.raises(InputError, match="cannot open as a video container: its content is none of the "
                                                 "single-file formats") as e:
                pyvmaf_tiny.score(str(path), str(path), policy=policy)
            assert name in str(e.value)


def test_a_symlink_out_of_the_roots_is_refused(hostile):
    root, _ = hostile
    with pytest.raises(InputError, match="resolves outside the allowed roots"):
        open_source(str(root / "inner_link.mkv"), role="reference", policy=PathPolicy([root]))
    with open_source(str(root / "inner_link.mkv"), role="reference", policy=SINGLE) as src:  # no roots: fine
        assert len(list(src)) == 2


@pytest.mark.parametrize("name", ["concat:a.mkv|a.mkv", "subfile,,start,0,end,0,,:a.mkv", "file:a.mkv"])
def test_names_that_look_like_protocols_are_file_names(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    mkv(tmp_path / "a.mkv", planes(np.random.default_rng(1), 2))
    mkv(tmp_path / name, planes(np.random.default_rng(2), 3))
    for policy in (pyvmaf_tiny.io.DEFAULT_POLICY, SINGLE):
        with open_source(name, role="reference", policy=policy) as src:
            assert len(list(src)) == 3  # the file of that name, not a.mkv through a protocol


# -- pixel formats -------------------------------------------------------------------------------------------

W, H = 24, 16


def _content(rng, f):
    dt = np.uint16 if f.bpc > 8 else np.uint8
    out = [rng.integers(0, 1 << f.bpc, (H, W), dtype=dt)]
    if _LAYOUTS[f.layout] is not None:
        sx, sy = _LAYOUTS[f.layout]
        cw, ch = (W + (1 << sx) - 1) >> sx, (H + (1 << sy) - 1) >> sy
        out += [rng.integers(0, 1 << f.bpc, (ch, cw), dtype=dt) for _ in range(2)]
    return out


@pytest.mark.parametrize("name", sorted(DECODED_FORMATS))
def test_every_mapped_pix_fmt_is_read_exactly(name):
    """Each layout in the table against swscale's own packing of the same samples."""
    f = DECODED_FORMATS[name]
    content = _content(np.random.default_rng(5), f)
    planar = f.layout if f.bpc == 8 else f"{f.layout}{f.bpc}le"
    if name.startswith(("yuvj", "yuva")) and not f.big_endian:  # the same planes (+ alpha), another tag
        extra = [np.full((H, W), 3, content[0].dtype)] if name.startswith("yuva") else []
        frame = frame_from_planes(content + extra, name)
    else:
        frame = frame_from_planes(content, planar)
        if name != planar:
            frame = frame.reformat(format=name)
    assert frame.format.name == name
    assert np.array_equal(frame_planes(frame, f, False, "x"), content[0])
    if f.chroma_modelled:
        got = frame_planes(frame, f, True, "x")
        assert all(np.array_equal(a, b) for a, b in zip(got, content))
    elif f.layout != "gray":
        with pytest.raises(InputError, match="chroma features"):
            frame_planes(frame, f, True, "x")


def _encodable():
    """Every pix_fmt a file can carry through an encoder PyAV has here, with that encoder and muxer."""
    out = []
    for name, f in sorted(DECODED_FORMATS.items()):
        if name.startswith("yuvj"):
            if f.layout in ("yuv420p", "yuv422p", "yuv444p"):
                out.append((name, "mjpeg", "matroska"))
        elif name in ("nv12", "nv21") or (f.big_endian and not (f.semi_planar or f.msb or f.layout == "yuv440p")):
            out.append((name, "rawvideo", "nut"))
        elif not (f.semi_planar or f.msb or f.big_endian):
            out.append((name, "ffv1", "matroska"))
    return out + [(name, "rawvideo", "nut") for name in ("rgb24", "gbrp", "yuyv422", "uyvy422", "xv30le", "pal8",
                                                          "monob")] + [("ya8", "ffv1", "matroska")]


def _write(path, frames, pix_fmt, codec, muxer):
    buf = io.BytesIO()
    with av.open(buf, "w", format=muxer) as out:
        stream = out.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = W, H, pix_fmt
        for t, frame in enumerate(frames):
            frame.pts = t
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    path.write_bytes(buf.getvalue())


def _frame(content, f):
    planar = f.layout if f.bpc == 8 else f"{f.layout}{f.bpc}le"
    if f.name.startswith("yuvj") or (f.name.startswith("yuva") and not f.big_endian):
        extra = [np.full((H, W), 3, content[0].dtype)] if f.name.startswith("yuva") else []
        return frame_from_planes(content + extra, f.name)
    frame = frame_from_planes(content, planar)
    return frame if f.name == planar else frame.reformat(format=f.name)


def _decoded_planes(path):
    """The planes of each frame as PyAV's own decoder hands them out (8-bit planar formats)."""
    with av.open(str(path)) as c:
        return [[p.copy() for p in planes_of(fr)[:3]] for fr in c.decode(video=0)]


def _raw(path, frames):
    with open(path, "wb") as out:
        for planes_ in frames:
            for p in planes_:
                out.write(p.astype("<u2" if p.dtype == np.uint16 else "u1").tobytes())


@pytest.mark.parametrize("name,codec,muxer", _encodable(), ids=[e[0] for e in _encodable()])
def test_every_decodable_pix_fmt_gives_exact_psnr_or_a_clean_refusal(tmp_path, name, codec, muxer):
    f = DECODED_FORMATS.get(name)
    if f is None:  # no luma plane to read exactly: refused when opened, whatever is asked for
        frame = av.VideoFrame(W, H, name)
        _write(tmp_path / "a.nut", [frame, frame], name, codec, muxer)
        with pytest.raises(InputError, match=f"pixel format {name} has no luma plane to read exactly"):
            pyvmaf_tiny.extract_features(str(tmp_path / "a.nut"), str(tmp_path / "a.nut"), ["vif"])
        return
    rng = np.random.default_rng(11)
    clips, raws = {}, {}
    layout = f.layout if f.chroma_modelled else "gray"
    raw_fmt = layout if f.bpc == 8 else f"{layout}{f.bpc}le"
    for role in ("ref", "dist"):
        content = [_content(rng, f) for _ in range(2)]
        clips[role] = str(tmp_path / f"{role}.{muxer}")
        _write(tmp_path / f"{role}.{muxer}", [_frame(c, f) for c in content], name, codec, muxer)
        if codec == "mjpeg":  # lossy: what the decoder gives
            content = _decoded_planes(clips[role])
        # the same samples as a raw planar file, for the raw reader
        raws[role] = str(tmp_path / f"{role}.yuv")
        _raw(raws[role], [c if f.chroma_modelled else c[:1] for c in content])
    geometry = dict(width=W, height=H, pix_fmt=raw_fmt)
    luma = ["psnr:enable_chroma=false"] if f.bpc in (8, 10, 12, 16) else ["vif"]  # psnr: libvmaf's depths
    expected = pyvmaf_tiny.extract_features(raws["ref"], raws["dist"], luma, **geometry)
    got = pyvmaf_tiny.extract_features(clips["ref"], clips["dist"], luma)
    assert got.keys() == expected.keys() and all(np.array_equal(got[k], expected[k]) for k in got)
    if f.layout == "gray" or f.bpc not in (8, 10, 12, 16):
        return
    if f.chroma_modelled:
        expected = pyvmaf_tiny.extract_features(raws["ref"], raws["dist"], ["psnr"], **geometry)
        got = pyvmaf_tiny.extract_features(clips["ref"], clips["dist"], ["psnr"])
        assert set(got) >= {"psnr_y", "psnr_cb", "psnr_cr"}
        assert all(np.array_equal(got[k], expected[k]) for k in expected)
        same = pyvmaf_tiny.extract_features(clips["ref"], clips["ref"], ["psnr"])
        same_raw = pyvmaf_tiny.extract_features(raws["ref"], raws["ref"], ["psnr"], **geometry)
        assert all(np.array_equal(same[k], same_raw[k]) for k in same_raw)  # the identical-input value
    else:
        with pytest.raises(InputError, match=f"{name} has .* chroma, which chroma features .* do not model"):
            pyvmaf_tiny.extract_features(clips["ref"], clips["dist"], ["psnr"])


def test_chroma_layouts_must_match(tmp_path):
    rng = np.random.default_rng(2)
    a = mkv(tmp_path / "a.mkv", planes(rng, 2))
    (tmp_path / "b.mkv").write_bytes(encode([[p[0], np.zeros((32, 48), np.uint8), np.zeros((32, 48), np.uint8)]
                                             for p in planes(rng, 2)], "ffv1", "yuv444p", {}))
    with pytest.raises(InputError, match="chroma layout mismatch: reference .*a.mkv is yuv420p but distorted "
                                         ".*b.mkv is yuv444p"):
        pyvmaf_tiny.extract_features(str(a), str(tmp_path / "b.mkv"), ["psnr"])
    assert len(pyvmaf_tiny.extract_features(str(a), str(tmp_path / "b.mkv"), ["vif"])["integer_vif_scale0"]) == 2


def test_a_copied_clip_under_a_playlist_name_still_scores(tmp_path):
    """Content decides, not the extension: an MKV named .m3u8 is an MKV."""
    clip = mkv(tmp_path / "a.mkv", planes(np.random.default_rng(4), 2))
    shutil.copy(clip, tmp_path / "a.m3u8")
    got = pyvmaf_tiny.extract_features(str(tmp_path / "a.m3u8"), str(clip), ["psnr"], policy=SINGLE)
    assert len(got["psnr_y"]) == 2


def test_containers_with_undecodable_names(tmp_path):
    name = os.fsdecode(os.path.join(os.fsencode(str(tmp_path)), b"clip\xff.mkv"))
    mkv(tmp_path / "a.mkv", planes(np.random.default_rng(4), 2))
    shutil.copy(tmp_path / "a.mkv", name)
    for policy in (pyvmaf_tiny.io.DEFAULT_POLICY, SINGLE):
        got = pyvmaf_tiny.extract_features(name, str(tmp_path / "a.mkv"), ["psnr"], policy=policy)
        assert len(got["psnr_y"]) == 2
    mkv(tmp_path / "small.mkv", planes(np.random.default_rng(4), 2, 32, 16))
    with pytest.raises(InputError, match=r"reference .*clip\\xff\.mkv is 48x32 but distorted"):  # printably
        pyvmaf_tiny.score(name, str(tmp_path / "small.mkv"))
