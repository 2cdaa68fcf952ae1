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
import signal
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


def local_workers(workers: Optional[int] = None) -> int:
    """Worker processes for this machine: one per core, but at least 1 GiB of memory each."""
    if workers:
        return workers
    cores, mem = usable_cores(), _memory()
    return max(1, min(cores, mem // GiB)) if mem else cores


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
            retries: int = DEFAULT_RETRIES) -> Cluster:
    """A client on `client`, on the scheduler at `scheduler`, or on a new LocalCluster.

    The LocalCluster has one single-threaded worker process per core (at
    least 1 GiB each); each task then gives the native core this host's
    cores divided by its Dask threads (1 by default, cores / N with
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
        config = {"distributed.scheduler.allowed-failures": retries, "distributed.scheduler.worker-saturation": 1.0,
                  "distributed.worker.profile.enabled": False}  # a stack sampler every 10 ms: not needed here
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

