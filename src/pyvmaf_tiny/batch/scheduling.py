"""Dask: the cluster (an embedded LocalCluster, or any scheduler by address) and running tasks on it.

Shared by `pyvmaf-tiny batch` and `pyvmaf-tiny corpus build --scheduler`:
tasks are submitted once, largest first; a task whose worker process died
(SIGKILL, out of memory) is retried by the scheduler on other workers up to
its `allowed-failures` times, then, if it held several items, split into
one task per item so that one poisonous item cannot take the others down;
what still fails is handed back as failed. Ctrl-C cancels what is left.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import signal
import sys
import threading
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from ..errors import BackendUnavailable
from .results import BatchError
from .tasks import host_of, usable_cores

GiB = 1 << 30
DEFAULT_RETRIES = 2
WORKER_SETUP = "pyvmaf_tiny.batch.worker_setup"
# Dask's housekeeping on the LocalCluster, eased: no stack sampler (every 10 ms by default); with that off,
# an idle 2-worker cluster still cost 64 ms of CPU a second at the other defaults (an event-loop tick every
# 20 ms, memory checks every 100 ms, system stats every 500 ms, work stealing every 100 ms), 14 ms so. Stealing has nothing to move while tasks wait on the
# scheduler (worker-saturation 1.0); the memory limit is still enforced, each second.
QUIET_LOCAL = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
               "distributed.admin.system-monitor.interval": "5s", "distributed.worker.memory.monitor-interval": "1s",
               "distributed.scheduler.work-stealing": False}
# Libraries whose thread pools do not survive a fork: with one of them loaded, workers are spawned.
FORK_UNSAFE = ("torch", "tensorflow", "jax", "onnxruntime")
METHOD_ENV = "DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise BackendUnavailable("batch scoring needs the batch extra: pip install 'pyvmaf-tiny[batch]'") from None
    return distributed


def _memory() -> Optional[int]:
    try:
        import psutil  # a dependency of distributed

        return int(psutil.virtual_memory().total)
    except Exception:  # noqa: BLE001 - sizing falls back to cores alone
        return None


def _scheduler_info(client) -> dict:
    try:
        return client.scheduler_info(n_workers=-1)  # every worker (newer versions list only some by default)
    except TypeError:  # older distributed: no n_workers, and every worker listed
        return client.scheduler_info()


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def start_method() -> str:
    """How the LocalCluster's worker processes start: forked on Linux, else Dask's setting (spawn by default).

    A spawned worker is a fresh interpreter importing dask, distributed and
    pyvmaf-tiny (about 0.5 CPU seconds each, 1-3 s before it takes a task on
    two busy cores) and takes about a second to shut down; a forked one has
    them already. Dask's own `distributed.worker.multiprocessing-method`
    wins when set to anything but its default spawn, or to spawn through its
    environment variable; and spawn is kept when this process has loaded a
    library whose threads a fork would leave behind.
    """
    import dask

    configured = dask.config.get("distributed.worker.multiprocessing-method", "spawn")
    chosen = configured != "spawn" or METHOD_ENV in os.environ  # "spawn" is also Dask's default
    if chosen or not sys.platform.startswith("linux"):
        return configured
    if any(name in sys.modules for name in FORK_UNSAFE):
        return configured
    return "fork"


THREADS_PER_WORKER = 2  # native threads per encode on the default LocalCluster


def local_workers(workers: Optional[int] = None) -> int:
    """Worker processes for this machine: one per two cores (each task scores on two threads), but at least
    1 GiB of memory each."""
    if workers:
        return workers
    n, mem = max(1, usable_cores() // THREADS_PER_WORKER), _memory()
    return max(1, min(n, mem // GiB)) if mem else n


@dataclass
class Cluster:
    client: Any
    local: Any = None  # the LocalCluster we started, closed with us
    own_client: bool = True  # False for a client the caller passed in: theirs to close
    retries: Optional[int] = None  # None: the scheduler's own allowed-failures
    host_threads: dict = field(default_factory=dict)  # host -> Dask threads running on it

    @property
    def threads(self) -> int:
        return max(1, sum(self.host_threads.values()))

    @property
    def workers(self) -> int:
        return len(_scheduler_info(self.client).get("workers", {}))

    @property
    def dashboard(self) -> Optional[str]:
        info = _scheduler_info(self.client)
        if "dashboard" not in info.get("services", {}):
            return None
        try:  # the scheduler serves a page asking for bokeh when it lacks it: no link to that
            if not self.client.run_on_scheduler(_has_bokeh):
                return None
        except Exception:  # noqa: BLE001 - a scheduler that refuses run_on_scheduler: offer the link
            pass
        return self.client.dashboard_link

    def refresh(self) -> None:
        workers = _scheduler_info(self.client).get("workers", {})
        per_host = Counter()
        for addr, w in workers.items():
            per_host[host_of(addr)] += int(w.get("nthreads", 1))
        self.host_threads = dict(per_host)

    def close(self) -> None:
        if self.own_client:
            with contextlib.suppress(Exception):
                self.client.close()
        if self.local is not None:
            with contextlib.suppress(Exception):
                self.local.close()


def connect(client=None, scheduler: Optional[str] = None, workers: Optional[int] = None,
            retries: int = DEFAULT_RETRIES, method: Optional[str] = None) -> Cluster:
    """A client on `client`, on the scheduler at `scheduler`, or on a new LocalCluster.

    The LocalCluster has one worker process (one Dask thread) per two cores
    (at least 1 GiB each); each task then gives the native core this host's
    cores divided by its Dask threads (2 by default, cores / N with
    --workers N). The scheduler hands a worker one task per thread at a
    time, so a worker that dies takes only its own task with it.
    """
    distributed = _distributed()
    if client is not None:
        c = Cluster(client, own_client=False)
    elif scheduler:
        import dask

        try:
            c = Cluster(distributed.Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect")))
        except (OSError, TimeoutError) as e:
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    else:
        import dask

        n = local_workers(workers)
        method = method or start_method()
        if method == "fork":  # done once here, not in each worker: what a task imports, the versions it reports
            from distributed.versions import get_versions

            from .. import api  # noqa: F401
            from . import worker_setup  # noqa: F401

            with contextlib.suppress(Exception):
                get_versions()  # cached: the client's own check and every forked worker's registration use it
        config = {"distributed.scheduler.allowed-failures": retries, "distributed.scheduler.worker-saturation": 1.0,
                  "distributed.worker.multiprocessing-method": method, **QUIET_LOCAL}
        # Without bokeh the dashboard is a page asking for it: not worth a port.
        dashboard = ":8787" if _has_bokeh() else None
        with dask.config.set(config), _sigint_ignored(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "port 8787 is in use, using another"
            # Workers start with Ctrl-C ignored: the client stops them cleanly instead.
            local = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                             dashboard_address=dashboard, silence_logs=logging.CRITICAL,
                                             preload=[WORKER_SETUP])
        c = Cluster(distributed.Client(local), local=local, retries=retries)
    if c.retries is None:
        try:
            c.retries = int(c.client.run_on_scheduler(_allowed_failures))
        except Exception:  # noqa: BLE001 - a scheduler that refuses run_on_scheduler
            pass
    c.refresh()
    return c


class _Forks:
    """This process's fork() count (os.register_at_fork), so that a thread can wait for workers to be forked."""

    def __init__(self):
        self.count = 0
        self.cond = threading.Condition()

    def forked(self) -> None:
        with self.cond:
            self.count += 1
            self.cond.notify_all()


_FORKS = _Forks()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_parent=_FORKS.forked)


class LocalStart:
    """connect() to a new LocalCluster, started in a thread so that the caller reads its manifest and output
    directory while the workers come up.

    The constructor returns once the worker processes exist: with fork, a child
    forked while this process was importing a module would inherit that
    import half done, so the caller's own work (which imports pyarrow) waits
    for the forks; a spawned child starts afresh and is not waited for.
    """

    def __init__(self, workers: Optional[int] = None, retries: int = DEFAULT_RETRIES):
        self.n, self.method = local_workers(workers), start_method()
        self._cluster: Optional[Cluster] = None
        self._error: Optional[BaseException] = None
        self._done = False
        self._forks = _FORKS.count
        self._thread = threading.Thread(target=self._start, args=(workers, retries), name="pvt-cluster-start",
                                        daemon=True)
        with _sigint_ignored():  # the workers start with Ctrl-C ignored (connect() does this on the main thread)
            self._thread.start()
            if self.method == "fork":
                with _FORKS.cond:
                    _FORKS.cond.wait_for(lambda: self._done or _FORKS.count - self._forks >= self.n)

    def _start(self, workers, retries) -> None:
        try:
            self._cluster = connect(workers=workers, retries=retries, method=self.method)
        except BaseException as e:  # noqa: BLE001 - handed to result()
            self._error = e
        finally:
            with _FORKS.cond:
                self._done = True
                _FORKS.cond.notify_all()

    def result(self) -> Cluster:
        """The cluster, once its workers have joined (or what its start raised)."""
        while self._thread.is_alive():
            self._thread.join(0.1)  # in steps, so that Ctrl-C is not held up
        if self._error is not None:
            raise self._error
        return self._cluster

    def close(self) -> None:
        """Started but not needed (nothing to do, or the batch could not run): stop it."""
        self._thread.join()
        if self._cluster is not None:
            self._cluster.close()


def _allowed_failures(dask_scheduler) -> int:
    return dask_scheduler.allowed_failures


@contextlib.contextmanager
def _sigint_ignored():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class Interrupts:
    """Ctrl-C raises KeyboardInterrupt as usual, except inside `held()`, which
    finishes first (a commit is never cut in half). A second Ctrl-C after the
    first is Python's default again."""

    def __init__(self):
        self._holding = False
        self._pending = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        self.restore()
        return False

    def restore(self) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None

    def _handler(self, signum, frame):
        if self._holding:
            self._pending = True
            return
        self.restore()
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self):
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._pending:
            self._pending = False
            self.restore()
            raise KeyboardInterrupt


@dataclass
class Failure:
    """Why a task produced nothing: the worker died too often, or the task itself raised."""

    message: str
    killed: bool = False


def _failure(fut, retries: Optional[int]) -> Failure:
    from distributed.scheduler import KilledWorker

    if fut.status == "cancelled":
        return Failure("cancelled by the Dask scheduler before it finished")
    try:
        exc = fut.exception()
    except Exception as e:  # noqa: BLE001 - e.g. cancelled while we looked
        return Failure(f"{type(e).__name__}: {e}")
    if exc is None:  # it finished, but its result was lost before it could be fetched
        return Failure("its result was lost with its worker before it reached the client")
    if isinstance(exc, KilledWorker):
        times = f"{retries + 1} times" if retries is not None else "more often than the scheduler allows"
        last = getattr(exc, "last_worker", None)
        where = f"; last on {last.address}" if getattr(last, "address", None) else ""
        return Failure(f"the worker process scoring it died {times} (killed, or out of memory){where}", killed=True)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return Failure(f"{type(exc).__name__}: {text}")


def execute(cluster: Cluster, items: Sequence[Any], fn: Callable, *, args: tuple = (), name: str = "pvt",
            split: Optional[Callable[[Any], list]] = None,
            on_batch: Callable[[list[tuple[Any, Any]], list[tuple[Any, Failure]]], None],
            interrupts: Optional[Interrupts] = None, between: Callable[[], None] = lambda: None,
            note: Callable[[str], None] = lambda text: None) -> int:
    """Run fn(item, *args) for every item on the cluster, largest-first in the given order.

    `on_batch(finished, failed)` is called with the results as they arrive,
    and `between()` after it, neither ever cut short by Ctrl-C. Ctrl-C cancels the remaining tasks and
    re-raises KeyboardInterrupt.
    """
    distributed = _distributed()
    client = cluster.client
    nonce = uuid.uuid4().hex[:8]
    pending: dict[str, Any] = {}
    count = 0

    def submit(item, priority: int):
        nonlocal count
        key = f"{name}-{nonce}-{count}"
        count += 1
        fut = client.submit(fn, item, *args, key=key, priority=priority, pure=False)
        pending[fut.key] = item
        return fut

    hold = interrupts.held if interrupts is not None else contextlib.nullcontext
    futures = [submit(item, len(items) - i) for i, item in enumerate(items)]
    ac = distributed.as_completed(futures, loop=client.loop)  # this client, not the default one
    del futures
    splits = 0
    try:
        for batch in ac.batches():
            finished, failed = [], []
            for fut in batch:
                item = pending.pop(fut.key)
                if fut.status == "finished":
                    try:
                        finished.append((item, fut.result()))
                        continue
                    except Exception:  # noqa: BLE001 - lost between finishing and fetching: as a failure
                        pass
                failure = _failure(fut, cluster.retries)
                parts = split(item) if (split is not None and failure.killed) else []
                if len(parts) > 1:
                    note(f"batch: {failure.message}; its {len(parts)} items are retried one per task")
                    splits += 1
                    for p in parts:
                        ac.add(submit(p, 0))
                else:
                    failed.append((item, failure))
            del batch, fut
            with hold():
                on_batch(finished, failed)
                between()
    except BaseException:
        left = list(ac.futures) if hasattr(ac, "futures") else []
        with contextlib.suppress(Exception):
            client.cancel(left, force=True)
        raise
    return splits


def run_items(scheduler: Optional[str], items: Sequence[Any], fn: Callable, *, args: tuple = (),
              on_batch: Callable, workers: Optional[int] = None, retries: int = DEFAULT_RETRIES,
              name: str = "pvt") -> None:
    """execute() on a cluster that lives for this call (corpus building uses this)."""
    cluster = connect(scheduler=scheduler, workers=workers, retries=retries)
    try:
        with Interrupts() as interrupts:
            execute(cluster, items, fn, args=args, name=name, on_batch=on_batch, interrupts=interrupts)
    finally:
        cluster.close()

