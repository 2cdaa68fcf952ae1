"""What a Dask worker runs: one ladder task, returned as plain data."""

from __future__ import annotations

import os
import socket
import time
from typing import Optional

from .ladder import score_ladder
from .manifest import Ladder


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _worker():
    try:
        from distributed import get_worker

        return get_worker()
    except (ImportError, ValueError):
        return None


def host_of(address: str) -> str:
    """'tcp://10.0.0.5:40331' -> '10.0.0.5'."""
    rest = address.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest


def core_threads(threads: int, host_threads: Optional[dict] = None) -> int:
    """Threads for the native core in this task: `threads` when set, else this
    host's cores shared out among the Dask threads running on it, so that a
    host is never asked for more threads than it has cores."""
    if threads:
        return threads
    w = _worker()
    if w is None:
        return usable_cores()
    on_host = (host_threads or {}).get(host_of(w.address)) or getattr(w.state, "nthreads", 1)
    return max(1, usable_cores() // max(1, on_host))


def _message(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {text}"


def score_task(task: Ladder, threads: int = 0, host_threads: Optional[dict] = None) -> dict:
    """Score one ladder task; one outcome per encode, in the task's order."""
    start = time.perf_counter()
    w = _worker()
    worker = w.address if w is not None else f"{socket.gethostname()}:{os.getpid()}"
    t = core_threads(threads, host_threads)
    results = score_ladder(task.ref, [e[1] for e in task.encodes], scale_dist=[e[2] for e in task.encodes],
                           skip_dist=[e[3] for e in task.encodes], threads=t, **task.options)
    outcomes = []
    for (key, *_), r in zip(task.encodes, results):
        if isinstance(r, Exception):
            outcomes.append({"key": key, "status": "failed", "error": _message(r)})
            continue
        numbers = r.frame_numbers
        if numbers is None:
            import numpy as np

            numbers = np.arange(len(r.frames))
        outcomes.append({"key": key, "status": "ok", "frames": len(r.frames),
                         "pooled": {m: {s: float(v) for s, v in p.items()} for m, p in r.pooled.items()},
                         "frame_numbers": numbers, "metrics": r.metrics(),
                         "aggregates": {m: float(v) for m, v in r.aggregates.items()}})
    return {"worker": worker, "wall_s": time.perf_counter() - start, "threads": t, "outcomes": outcomes}
