"""The native core keeps its working buffers between calls (core/src/common/
buffer_pool.cpp): nothing stays in use after a call, a repeated call reuses
every kept block instead of growing, reused memory scores exactly as fresh
memory does, the first 64 MiB kept stay resident (the rest is marked
reclaimable), and release_memory() hands it all back."""

from __future__ import annotations

import numpy as np
import pytest

import pyvmaf_tiny
from pyvmaf_tiny import _core

FEATURES = ["float_ssim", "float_ms_ssim"]  # their planes are pooled too


def _clip(seed, w, h, n=3):
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 256, (n, h, w), dtype=np.uint8)
    noise = rng.integers(-20, 21, (n, h, w))
    dist = np.clip(ref.astype(int) + noise, 0, 255).astype(np.uint8)
    return ref, dist


def _score(clip, threads):
    # 1280x720 makes every extractor plane and frame copy large enough to pool.
    return pyvmaf_tiny.score(*clip, threads=threads, features=FEATURES)


@pytest.fixture(autouse=True)
def _fresh_pool():
    pyvmaf_tiny.release_memory()
    yield
    pyvmaf_tiny.release_memory()


@pytest.mark.parametrize("threads", [1, 2])
def test_a_call_keeps_its_buffers_and_leaves_none_in_use(threads):
    before = _core.pool_stats()
    assert before["kept_bytes"] == 0 and before["live_bytes"] == 0
    _score(_clip(0, 1280, 720), threads)
    after = _core.pool_stats()
    assert after["live_bytes"] == 0
    assert after["kept_blocks"] > 0 and after["kept_bytes"] >= after["kept_blocks"] * (256 << 10)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_repeated_call_reuses_every_kept_block(threads):
    clip = _clip(1, 1280, 720)
    _score(clip, threads)
    first = _core.pool_stats()
    _score(clip, threads)
    second = _core.pool_stats()
    assert second["reused_blocks"] - first["reused_blocks"] == first["kept_blocks"]
    assert (second["kept_blocks"], second["kept_bytes"]) == (first["kept_blocks"], first["kept_bytes"])


def test_reused_memory_scores_as_fresh_memory():
    wanted, other = _clip(2, 1280, 720), _clip(3, 1280, 720)
    fresh = _score(wanted, 2)  # every block newly mapped
    _score(other, 2)  # leaves its own values in the kept blocks
    reused = _score(wanted, 2)
    assert _core.pool_stats()["reused_blocks"] > 0
    assert reused.features.keys() == fresh.features.keys()
    for name, values in fresh.features.items():
        np.testing.assert_array_equal(reused.features[name], values, err_msg=name)
    np.testing.assert_array_equal(reused.frames, fresh.frames)


def test_alternating_sizes_do_not_grow_the_pool():
    small, large = _clip(4, 1024, 576), _clip(5, 1280, 720)
    kept = []
    for _ in range(3):
        _score(small, 2)
        _score(large, 2)
        kept.append(_core.pool_stats()["kept_bytes"])
    assert kept[0] > 0 and kept[1] == kept[0] and kept[2] == kept[0]


RESIDENT_LIMIT = 64 << 20  # kResidentLimit in buffer_pool.cpp


def test_what_a_call_keeps_stays_resident_within_the_budget():
    _score(_clip(9, 1280, 720), 1)
    stats = _core.pool_stats()
    assert 0 < stats["kept_bytes"] <= RESIDENT_LIMIT
    assert stats["resident_bytes"] == stats["kept_bytes"]


def test_beyond_the_budget_kept_blocks_are_marked_reclaimable():
    # One worker at 1440p keeps more than the budget (the worker count is
    # clamped to the cores, so more threads would not help everywhere).
    _score(_clip(10, 2560, 1440), 1)
    stats = _core.pool_stats()
    assert stats["kept_bytes"] > RESIDENT_LIMIT
    assert 0 < stats["resident_bytes"] <= RESIDENT_LIMIT
    reused = _score(_clip(10, 2560, 1440), 1)  # reclaimable blocks are reused as well
    assert _core.pool_stats()["reused_blocks"] - stats["reused_blocks"] == stats["kept_blocks"]
    assert reused.frames.size > 0
    pyvmaf_tiny.release_memory()
    assert _core.pool_stats()["resident_bytes"] == 0


def test_release_memory_hands_back_what_was_kept():
    _score(_clip(6, 1280, 720), 2)
    kept = _core.pool_stats()["kept_bytes"]
    assert kept > 0
    assert pyvmaf_tiny.release_memory() == kept
    stats = _core.pool_stats()
    assert stats["kept_bytes"] == 0 and stats["kept_blocks"] == 0
    assert pyvmaf_tiny.release_memory() == 0


def test_concurrent_calls_share_the_pool_safely():
    from concurrent.futures import ThreadPoolExecutor

    clips = [_clip(7, 1280, 720), _clip(8, 1024, 576)]
    alone = [_score(c, 1) for c in clips]
    with ThreadPoolExecutor(4) as ex:
        together = list(ex.map(lambda i: _score(clips[i % 2], 1), range(8)))
    for i, res in enumerate(together):
        np.testing.assert_array_equal(res.frames, alone[i % 2].frames)
    assert _core.pool_stats()["live_bytes"] == 0


def test_fork_while_another_thread_scores():
    # The pool's lock is held across fork() (pthread_atfork): a child forked
    # while another thread is inside the pool must not inherit it locked.
    # The lock is held for microseconds, so this cannot force that race; it
    # checks that children forked mid-scoring, with the handlers in place,
    # score as the parent does.
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import os, signal, threading
        import numpy as np
        import pyvmaf_tiny

        rng = np.random.default_rng(0)
        ref = rng.integers(0, 256, (2, 576, 1024), dtype=np.uint8)
        dist = np.clip(ref.astype(int) + rng.integers(-9, 10, ref.shape), 0, 255).astype(np.uint8)
        want = pyvmaf_tiny.score(ref, dist, threads=2).frames
        stop = threading.Event()

        def busy():
            while not stop.is_set():
                pyvmaf_tiny.score(ref, dist, threads=2)

        worker = threading.Thread(target=busy)
        worker.start()
        for _ in range(12):
            pid = os.fork()
            if pid == 0:
                signal.alarm(60)  # a deadlocked child dies instead of hanging the test
                ok = np.array_equal(pyvmaf_tiny.score(ref, dist, threads=2).frames, want)
                os._exit(0 if ok else 3)
            _, status = os.waitpid(pid, 0)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        stop.set()
        worker.join()
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-2000:]
