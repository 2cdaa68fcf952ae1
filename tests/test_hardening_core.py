"""Hardening of the native core and its bindings (issue 18): chroma layouts,
sample range, numpy dimensions / byte order / strides, a refused push that
changes nothing, and the worker-count clamp."""

from __future__ import annotations

import os

import numpy as np
import pytest

import pyvmaf_tiny
from clips import small_clip
from content import read_luma, write_pair
from pyvmaf_tiny import _core
from synthetic import pattern

VMAF_EXTRACTORS = [("vif", {}), ("adm", {}), ("motion", {})]


def _planes(w, h, cw, ch, seed=0, bpc=8):
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if bpc == 8 else np.uint16
    top = (1 << bpc) - 1
    return tuple(rng.integers(0, top + 1, size=s, dtype=dtype) for s in [(h, w), (ch, cw), (ch, cw)])


def _psnr(ref, dist, w, h, threads=1):
    p = _core.Pipeline([("psnr", {"enable_mse": "true"})], threads)
    p.push(ref, dist, 8)
    p.close()
    return dict(zip(p.columns, p.rows(0, 1)[0]))


# -- 1. chroma layouts -------------------------------------------------------

def _ceil(n, shift):
    return (n + (1 << shift) - 1) >> shift


@pytest.mark.parametrize("w,h", [(64, 48), (37, 29), (4096, 16)])
@pytest.mark.parametrize("name,sx,sy", [("4:1:1", 2, 0), ("4:1:0", 2, 2), ("4:4:0", 0, 1), ("4:1:0 (h/2)", 2, 1)])
@pytest.mark.parametrize("threads", [1, 2])
def test_chroma_layouts_libvmaf_lacks_are_refused(w, h, name, sx, sy, threads):
    cw, ch = _ceil(w, sx), _ceil(h, sy)
    ref, dist = _planes(w, h, cw, ch, 1), _planes(w, h, cw, ch, 2)
    p = _core.Pipeline([("psnr", {})], threads)
    with pytest.raises(pyvmaf_tiny.InputError,
                       match=rf"chroma planes {cw}x{ch} for {w}x{h} luma are not 4:2:0, 4:2:2 or 4:4:4"):
        p.push(ref, dist, 8)
    assert p.pushed == 0


@pytest.mark.parametrize("cw,ch", [(48, 48), (33, 24), (31, 24), (65, 48), (64, 49), (0, 0), (16, 48), (32, 25)])
def test_nonsense_chroma_sizes_are_refused(cw, ch):
    w, h = 64, 48
    ref = _planes(w, h, cw, ch, 1)
    p = _core.Pipeline([("psnr", {})], 1)
    with pytest.raises(pyvmaf_tiny.InputError, match=r"chroma planes|Cb plane is 0x0"):
        p.push(ref, ref, 8)


def test_chroma_size_mismatch_between_ref_and_dist_is_refused():
    ref = _planes(64, 48, 32, 24, 1)
    dist = _planes(64, 48, 32, 48, 2)
    with pytest.raises(pyvmaf_tiny.InputError, match="chroma"):
        _core.Pipeline([("psnr", {})], 1).push(ref, dist, 8)


def test_a_later_frame_in_another_layout_is_refused():
    p = _core.Pipeline([("psnr", {})], 1)
    p.push(_planes(64, 48, 32, 24), _planes(64, 48, 32, 24), 8)
    with pytest.raises(pyvmaf_tiny.InputError, match="4:2:2.*frame 0 was.*4:2:0"):
        p.push(_planes(64, 48, 32, 48), _planes(64, 48, 32, 48), 8)
    assert p.pushed == 1


def _mse(a, b, w, h):
    d = a[:h, :w].astype(np.int64) - b[:h, :w].astype(np.int64)
    return float((d * d).sum()) / (w * h)


@pytest.mark.parametrize("w,h", [(64, 48), (37, 29), (18, 1), (1, 18), (1, 1)])
@pytest.mark.parametrize("sx,sy", [(1, 1), (1, 0), (0, 0)])
def test_supported_layouts_read_the_area_libvmaf_reads(w, h, sx, sy):
    # libvmaf reads floor(w / 2^sx) x floor(h / 2^sy) of each chroma plane. An
    # axis of one sample has one chroma sample either way: it is taken as not
    # subsampled (4:4:4 before 4:2:2 before 4:2:0), so that sample counts.
    cw, ch = _ceil(w, sx), _ceil(h, sy)
    ref, dist = _planes(w, h, cw, ch, 1), _planes(w, h, cw, ch, 2)
    lx, ly = next((x, y) for x, y in [(0, 0), (1, 0), (1, 1)] if (_ceil(w, x), _ceil(h, y)) == (cw, ch))
    rw, rh = w >> lx, h >> ly
    if rw == 0 or rh == 0:
        # 4:2:0 one sample wide: libvmaf reads no chroma (0/0): refused.
        with pytest.raises(pyvmaf_tiny.InputError, match="no chroma samples libvmaf reads"):
            _psnr(ref, dist, w, h)
        return
    got = _psnr(ref, dist, w, h)
    assert got["mse_y"] == pytest.approx(_mse(ref[0], dist[0], w, h), rel=1e-15)
    assert got["mse_cb"] == pytest.approx(_mse(ref[1], dist[1], rw, rh), rel=1e-15)
    assert got["mse_cr"] == pytest.approx(_mse(ref[2], dist[2], rw, rh), rel=1e-15)


def test_identical_411_and_410_inputs_no_longer_score():
    # The repro: identical clips gave psnr_cb 38.1 with yuv411p.
    w, h = 64, 32
    for cw, ch in [(16, 32), (16, 8)]:
        pic = _planes(w, h, cw, ch)
        with pytest.raises(pyvmaf_tiny.InputError, match="not 4:2:0, 4:2:2 or 4:4:4"):
            _psnr(pic, pic, w, h)


def test_push_read_validates_the_layout_too(tmp_path):
    w, h = 64, 32
    path = tmp_path / "f.yuv"
    path.write_bytes(bytes(w * h + 2 * (w // 4) * h))  # a 4:1:1 frame
    reader = _core.RawReader(str(path), w, h, 8, w // 4, h)
    p = _core.Pipeline([("psnr", {})], 1)
    with pytest.raises(pyvmaf_tiny.InputError, match="16x32 for 64x32 luma are not 4:2:0, 4:2:2 or 4:4:4"):
        p.push_read(reader, 0, reader, 0)
    assert p.pushed == 0


# -- 3. sample range ---------------------------------------------------------

# psnr (which reads chroma) takes 10 and 12-bit input as libvmaf does; motion reads luma only.
RANGE_CASES = [(bpc, plane) for bpc in (10, 12) for plane in (0, 1, 2)] + [(bpc, 0) for bpc in (9, 14, 15)]


@pytest.mark.parametrize("bpc,plane", RANGE_CASES)
@pytest.mark.parametrize("side", ["ref", "dist"])
def test_samples_above_the_bit_depth_are_refused_on_push(bpc, plane, side):
    w, h = 40, 36
    good = _planes(w, h, w // 2, h // 2, 3, bpc)
    bad = tuple(a.copy() for a in good)
    bad[plane][h // 4 - 1, w // 4 - 1] = 1 << bpc
    p = _core.Pipeline([("psnr", {}), ("motion", {})] if bpc in (10, 12) else [("motion", {})], 1)
    p.push(good, good, bpc)
    args = (bad, good) if side == "ref" else (good, bad)
    with pytest.raises(pyvmaf_tiny.InputError, match=rf"frame 1 has samples above {(1 << bpc) - 1}.*{bpc}-bit"):
        p.push(*args, bpc)
    assert p.pushed == 1


@pytest.mark.parametrize("threads", [1, 2])
def test_luma_out_of_range_is_refused_for_luma_only_extractors(threads):
    frame = np.full((32, 32), 1023, np.uint16)
    p = _core.Pipeline(VMAF_EXTRACTORS, threads)
    p.push(frame, frame, 10)
    bad = frame.copy()
    bad[31, 31] = 0xFFFF
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 1 has samples above 1023"):
        p.push(frame, bad, 10)
    # 16-bit takes every value; 8-bit cannot exceed
    p16 = _core.Pipeline(VMAF_EXTRACTORS, threads)
    p16.push(bad, bad, 16)


def test_scorer_and_arrays_refuse_out_of_range_samples():
    frames = np.full((2, 32, 32), 500, np.uint16)
    frames[1, 5, 5] = 1024
    s = pyvmaf_tiny.Scorer(bitdepth=10)
    s.push(frames[0], frames[0])
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 1 has samples above 1023"):
        s.push(frames[1], frames[0])
    for source in (frames, iter(list(frames))):
        with pytest.raises(pyvmaf_tiny.InputError, match="frame 1 has samples above 1023"):
            pyvmaf_tiny.score(frames[[0, 0]], source, bitdepth=10)


def test_raw_reader_messages_come_from_the_one_check(tmp_path):
    w, h = 32, 32
    frames = np.full((2, h, w), 100, np.uint16)
    frames[1, 3, 3] = 4096
    path = tmp_path / "x.yuv"
    path.write_bytes(frames.astype("<u2").tobytes())
    reader = _core.RawReader(str(path), w, h, 12)
    buf = _core.Pipeline([("vif", {})], 1)
    buf.push_read(reader, 0, reader, 0)
    with pytest.raises(pyvmaf_tiny.InputError,
                       match=r"x\.yuv: frame 1 has samples above 4095, which is not 12-bit data"):
        buf.push_read(reader, 1, reader, 0)


# -- 4. numpy edge cases -----------------------------------------------------

def _huge_memmap(tmp_path, shape):
    return np.memmap(tmp_path / "huge.u8", dtype=np.uint8, mode="w+", shape=shape)


def test_dimensions_beyond_int_are_refused_not_narrowed(tmp_path):
    a = _huge_memmap(tmp_path, (1, 40, 2**32 + 40))
    with pytest.raises(pyvmaf_tiny.InputError, match="32768"):
        pyvmaf_tiny.extract_features(a, a, ["integer_vif_scale0"])
    with pytest.raises(pyvmaf_tiny.InputError, match="32768"):
        pyvmaf_tiny.Scorer().push(a[0], a[0])
    with pytest.raises(pyvmaf_tiny.InputError, match="32768"):
        pyvmaf_tiny.extract_features(iter([a[0]]), iter([a[0]]), ["integer_vif_scale0"])
    p = _core.Pipeline([("vif", {})], 1)
    with pytest.raises(pyvmaf_tiny.InputError, match="32768"):
        p.push(a[0], a[0], 8)
    # A view whose rows are 0 bytes apart (nothing is read past its buffer before the check).
    tall = np.lib.stride_tricks.as_strided(np.zeros(64, np.uint8), shape=(2**31 + 5, 40), strides=(0, 1))
    with pytest.raises(pyvmaf_tiny.InputError, match="32768"):
        p.push(tall, tall, 8)
    assert p.pushed == 0


def test_sides_up_to_32768_pass_the_dimension_check():
    p = _core.Pipeline([("psnr", {"enable_chroma": "false"})], 1)
    a = np.lib.stride_tricks.as_strided(np.zeros(64, np.uint8), shape=(32768, 40), strides=(0, 1))
    p.push(a, a, 8)
    with pytest.raises(pyvmaf_tiny.InputError, match="32768"):
        b = np.lib.stride_tricks.as_strided(np.zeros(64, np.uint8), shape=(32769, 40), strides=(0, 1))
        _core.Pipeline([("psnr", {"enable_chroma": "false"})], 1).push(b, b, 8)


def _layouts(a):
    """The same frames as big-endian, row-reversed-and-back, column-reversed-and-back views."""
    big = a.astype(a.dtype.newbyteorder(">"))
    rows = np.ascontiguousarray(a[:, ::-1, :])[:, ::-1, :]
    cols = np.ascontiguousarray(a[:, :, ::-1])[:, :, ::-1]
    both = np.ascontiguousarray(big[:, ::-1, ::-1])[:, ::-1, ::-1]
    return {"big-endian": big, "row-reversed": rows, "column-reversed": cols, "big-endian reversed": both}


@pytest.mark.parametrize("bpc", [8, 10])
def test_byte_order_and_strides_are_handled_alike_on_every_numpy_path(bpc):
    clip = small_clip()
    ref = read_luma(clip, "ref")[:3]
    dist = read_luma(clip, "dist")[:3]
    if bpc == 10:
        ref, dist = ref.astype(np.uint16) << 2, dist.astype(np.uint16) << 2
    kw = {"bitdepth": bpc} if bpc > 8 else {}
    base = pyvmaf_tiny.score(ref, dist, **kw)
    for name, view in _layouts(dist).items():
        if bpc == 8 and "big" in name:
            continue
        for how, got in (("array", lambda: pyvmaf_tiny.score(ref, view, **kw)),
                         ("iterable", lambda: pyvmaf_tiny.score(iter(list(ref)), iter(list(view)), **kw))):
            np.testing.assert_array_equal(got().frames, base.frames, err_msg=f"{name} via {how}")
        s = pyvmaf_tiny.Scorer(bitdepth=bpc if bpc > 8 else None)
        for r, d in zip(ref, view):
            s.push(r, d)
        s.close()
        np.testing.assert_array_equal(s.result.frames, base.frames, err_msg=f"{name} via Scorer")


def test_native_push_refuses_what_it_cannot_read_clearly():
    p = _core.Pipeline([("vif", {})], 1)
    a = np.zeros((32, 32), np.uint16)
    with pytest.raises(pyvmaf_tiny.InputError, match="byte order"):
        p.push(a.astype(">u2"), a, 10)
    with pytest.raises(pyvmaf_tiny.InputError, match="columns"):
        p.push(a[:, ::-1], a, 10)
    with pytest.raises(pyvmaf_tiny.InputError, match="columns"):
        p.push(np.zeros((32, 64), np.uint16)[:, ::2], a, 10)
    assert p.pushed == 0
    # rows in any order and at any distance are readable: the core copies them
    ref = pattern("texture", 1, 32, 32)[0]
    dist = pattern("texture", 1, 32, 32, bpc=8)[0] // 2
    fwd = _core.Pipeline(VMAF_EXTRACTORS, 1)
    fwd.push(ref, dist, 8)
    fwd.close()
    rev = _core.Pipeline(VMAF_EXTRACTORS, 1)
    rev.push(np.ascontiguousarray(ref[::-1])[::-1], np.ascontiguousarray(dist[::-1])[::-1], 8)
    rev.close()
    np.testing.assert_array_equal(rev.rows(0, 1), fwd.rows(0, 1))


# -- 5. a refused push changes nothing ---------------------------------------

def _stream(frames_ref, frames_dist, scorer=None, **kw):
    s = scorer or pyvmaf_tiny.Scorer(**kw)
    out = []
    for r, d in zip(frames_ref, frames_dist):
        out += s.push(r, d)
    out += s.close()
    return s, out


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_refused_first_push_then_valid_frames_equal_a_fresh_scorer(threads):
    clip = small_clip()
    ref, dist = read_luma(clip, "ref")[:4], read_luma(clip, "dist")[:4]
    fresh, expected = _stream(ref, dist, threads=threads)
    s = pyvmaf_tiny.Scorer(threads=threads)
    tiny = np.zeros((5, 5), np.uint8)
    for _ in range(2):
        with pytest.raises(pyvmaf_tiny.InputError, match="at least"):
            s.push(tiny, tiny)
    s, got = _stream(ref, dist, scorer=s)
    assert got == expected
    np.testing.assert_array_equal(s.result.frames, fresh.result.frames)
    assert (s.result.width, s.result.height) == (fresh.result.width, fresh.result.height)


@pytest.mark.parametrize("threads", [1, 2])
def test_refused_out_of_range_frame_in_the_middle_changes_nothing(threads):
    clip = small_clip()
    ref = read_luma(clip, "ref")[:4].astype(np.uint16) << 2
    dist = read_luma(clip, "dist")[:4].astype(np.uint16) << 2
    fresh, expected = _stream(ref, dist, bitdepth=10, threads=threads)
    s = pyvmaf_tiny.Scorer(bitdepth=10, threads=threads)
    got = s.push(ref[0], dist[0]) + s.push(ref[1], dist[1])
    bad = dist[2].copy()
    bad[0, 0] = 1024
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 2 has samples above 1023"):
        s.push(ref[2], bad)
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 2"):
        s.push(ref[2][:-2], dist[2][:-2])  # and a frame of another size
    s, rest = _stream(ref[2:], dist[2:], scorer=s)
    assert got + rest == expected
    np.testing.assert_array_equal(s.result.frames, fresh.result.frames)


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_pipeline_refused_geometry_rolls_back(threads):
    # Worker 0 refuses 16x16 on the pushing thread; the other workers'
    # threads are joined and the pipeline starts again at the next push.
    small = np.zeros((16, 16), np.uint8)
    ref, dist = pattern("texture", 2, 40, 48), pattern("texture", 2, 40, 48)[:, ::-1].copy()
    fresh = _core.Pipeline(VMAF_EXTRACTORS, threads)
    for r, d in zip(ref, dist):
        fresh.push(r, d, 8)
    fresh.close()
    p = _core.Pipeline(VMAF_EXTRACTORS, threads)
    for _ in range(2):
        with pytest.raises(pyvmaf_tiny.InputError, match="17x17"):
            p.push(small, small, 8)
    assert p.pushed == 0
    for r, d in zip(ref, dist):
        p.push(r, d, 8)
    p.close()
    np.testing.assert_array_equal(p.rows(0, 2), fresh.rows(0, 2))


def test_refused_first_push_then_close_reports_no_frames():
    s = pyvmaf_tiny.Scorer()
    with pytest.raises(pyvmaf_tiny.InputError):
        s.push(np.zeros((5, 5), np.uint8), np.zeros((5, 5), np.uint8))
    with pytest.raises(pyvmaf_tiny.InputError, match="no frames"):
        s.close()


# -- 6. worker count ---------------------------------------------------------

def test_threads_are_clamped_to_the_machine():
    cores = os.cpu_count() or 1
    p = _core.Pipeline(VMAF_EXTRACTORS, 1024)
    assert 1 <= p.threads <= cores
    assert _core.Pipeline(VMAF_EXTRACTORS, 0).threads == p.threads
    assert _core.Pipeline(VMAF_EXTRACTORS, 1).threads == 1


def test_threads_are_clamped_to_the_memory_budget():
    # Each worker's extractor buffers plus the frames in flight must fit the
    # budget; one worker always runs.
    frame = pattern("texture", 1, 1080 // 4, 1920 // 4)[0]

    def run(budget):
        p = _core.Pipeline(VMAF_EXTRACTORS, 1024)
        p.memory_budget = budget
        p.push(frame, frame, 8)
        p.close()
        return p

    assert run(1).threads == 1
    roomy = run(1 << 40)
    assert roomy.threads == _core.Pipeline(VMAF_EXTRACTORS, 1024).threads
    if roomy.threads > 1:
        # just below what all of them need: one worker fewer
        tight = run(roomy.working_bytes - 1)
        assert tight.threads == roomy.threads - 1
        assert tight.working_bytes <= roomy.working_bytes - 1
    p = run(1 << 30)
    with pytest.raises(pyvmaf_tiny.InputError, match="memory_budget"):
        p.memory_budget = 1 << 30  # after the first push


def test_8k_worker_memory_estimate_keeps_threads_32_within_the_default_budget():
    p = _core.Pipeline(VMAF_EXTRACTORS, 32)
    assert p.memory_budget == 2 << 30
    frame = np.lib.stride_tricks.as_strided(np.zeros(7680, np.uint8), shape=(4320, 7680), strides=(0, 1))
    p.push(frame, frame, 8)
    p.close()
    assert p.working_bytes <= p.memory_budget
    assert p.threads < 32 or (os.cpu_count() or 1) < 32


def test_misaligned_uint16_frames_are_copied_and_checked():
    # A uint16 view at an odd address: copied before its samples are read.
    frame = pattern("texture", 1, 32, 48, bpc=10)[0]
    raw = np.zeros(frame.size * 2 + 1, np.uint8)
    odd = raw[1:].view("<u2").reshape(frame.shape)
    assert not odd.flags.aligned
    odd[...] = frame
    p, q = _core.Pipeline(VMAF_EXTRACTORS, 1), _core.Pipeline(VMAF_EXTRACTORS, 1)
    p.push(odd, odd, 10)
    q.push(frame, frame, 10)
    p.close(), q.close()
    np.testing.assert_array_equal(p.rows(0, 1), q.rows(0, 1))
    odd[3, 3] = 1024
    with pytest.raises(pyvmaf_tiny.InputError, match="frame 0 has samples above 1023"):
        _core.Pipeline(VMAF_EXTRACTORS, 1).push(frame, odd, 10)
