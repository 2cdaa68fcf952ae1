"""Preloaded by the workers of the LocalCluster a batch starts (Dask's `preload`)."""

import signal
import threading


def dask_setup(worker) -> None:
    # Ctrl-C reaches the whole process group; the client, not each worker, decides what it means.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import tasks  # noqa: F401 - imported while the worker starts, not on its first task
