"""Scorer as a context manager, and what close() returns."""

import numpy as np
import pytest

import pyvmaf_tiny


def _frames(n=4, h=48, w=64):
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 256, (n, h, w), dtype=np.uint8)
    dist = np.clip(ref.astype(int) + rng.integers(-9, 10, ref.shape), 0, 255).astype(np.uint8)
    return ref, dist


def test_with_block_closes_and_pools_as_score_does():
    ref, dist = _frames()
    seen = []
    with pyvmaf_tiny.Scorer(threads=1) as s:
        for r, d in zip(ref, dist):
            seen += [f.index for f in s.push(r, d)]
    assert s.result is not None and seen == [0, 1, 2]  # the last frame is settled by the exit
    whole = pyvmaf_tiny.score(ref, dist, threads=1)
    np.testing.assert_array_equal(s.result.frames, whole.frames)
    assert s.result.score == whole.score


def test_close_returns_the_frames_it_settles():
    ref, dist = _frames()
    s = pyvmaf_tiny.Scorer(threads=1)
    for r, d in zip(ref, dist):
        s.push(r, d)
    last = s.close()
    assert [f.index for f in last] == [3] and s.result is not None and s.close() == []


def test_an_error_in_the_block_is_the_one_raised():
    ref, dist = _frames()
    with pytest.raises(KeyError):
        with pyvmaf_tiny.Scorer(threads=1) as s:
            s.push(ref[0], dist[0])
            raise KeyError("mine")
    assert s.result is None


def test_a_core_refusal_names_the_frame_once(tmp_path):
    ref, _ = _frames(2)
    bad = ref.astype(np.uint16) * 300  # above 10-bit
    with pytest.raises(pyvmaf_tiny.InputError) as e:
        pyvmaf_tiny.score(bad, bad, bitdepth=10)
    assert str(e.value).count("frame 0") == 1, str(e.value)
