"""run(): a manifest through Dask into an output directory, resumable."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional, TextIO

from ..errors import InputError
from . import manifest as manifests
from .manifest import Ladder
from .progress import BatchProgress, NoteHandler
from .results import STATE, BatchError, ResultStore
from .scheduling import DEFAULT_RETRIES, Interrupts, LocalStart, connect, execute
from .tasks import score_task

log = logging.getLogger(__name__.rpartition(".")[0])  # pyvmaf_tiny.batch
SUMMARY_EVERY_S = 30.0  # summary.parquet/csv are refreshed this often during a run (or less: see _Refresh)


@dataclass
class BatchReport:
    rows: int
    ok: int
    failed: int
    pending: int
    skipped: int  # done by an earlier run with the same inputs
    scored: int  # finished (ok or failed) in this run
    frames: int  # frames scored in this run
    elapsed: float
    out: str
    failures: list = field(default_factory=list)  # (id, error), in manifest order
    split: int = 0  # ladder tasks whose workers died too often, retried one encode per task

    @property
    def exit_code(self) -> int:
        """0: every row ok; 2: the batch completed with failed rows; 1: it did not complete."""
        if self.pending:
            return 1
        return 2 if self.failed else 0


def run(manifest: Any, out: str, client=None, *, scheduler: Optional[str] = None, workers: Optional[int] = None,
        threads: int = 0, retries: int = DEFAULT_RETRIES, ladder_size: int = 16, progress: bool = False,
        stream: Optional[TextIO] = None) -> BatchReport:
    """Score every row of `manifest` on Dask; results go to `out` (see docs/batch.md).

    `manifest`: a CSV or JSON-lines path, or an iterable of dicts. `client`:
    a distributed.Client to use as is; else `scheduler` ("tcp://host:8786")
    to connect to; else a LocalCluster of `workers` processes (default: one
    per two cores) is started and closed. `threads`: native threads per encode
    (0: the host's cores shared among its Dask threads). `retries`: how often
    a task whose worker died is retried (LocalCluster only; a cluster of
    your own keeps its `distributed.scheduler.allowed-failures`).
    `ladder_size`: most encodes of one reference in one task. `progress`:
    a progress bar on `stream` (stderr) when it is a terminal, and the
    batch's notes (logger "pyvmaf_tiny.batch") written there too.

    Rows done by an earlier run into `out` with the same inputs are skipped.
    A bad row is recorded as failed and never stops the batch. Ctrl-C stops
    cleanly: what finished is kept, and KeyboardInterrupt is raised.
    """
    start = time.perf_counter()
    for name, value, least in (("ladder_size", ladder_size, 1), ("threads", threads, 0), ("retries", retries, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise BatchError(f"{name} must be an integer >= {least}, got {value!r}")
    bar = BatchProgress(stream if stream is not None else sys.stderr, draw=progress)
    with _notes_to(bar) if progress else contextlib.nullcontext():
        return _run(manifest, out, client, scheduler, workers, threads, retries, ladder_size, bar, start)


@contextlib.contextmanager
def _notes_to(bar: BatchProgress):
    handler = NoteHandler(bar)
    log.addHandler(handler)
    level = log.level
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def _run(manifest, out, client, scheduler, workers, threads, retries, ladder_size, bar: BatchProgress,
         start: float) -> BatchReport:
    # A first run into `out` will need its LocalCluster: start it now, and read the manifest while it comes up.
    early = None
    if client is None and not scheduler and _fresh(out) and not (
            isinstance(manifest, (str, os.PathLike)) and not os.path.isfile(manifest)):
        early = LocalStart(workers, retries)
    try:
        try:
            m = manifests.read(manifest)
        except InputError as e:
            raise BatchError(str(e)) from None
        if m.ignored_columns:
            log.warning(f"batch: ignoring column(s) {', '.join(m.ignored_columns)} "
                        f"(known: {', '.join(manifests.COLUMNS)})")
        store = ResultStore(out)
    except BaseException:
        if early is not None:
            early.close()
        raise
    cluster = None
    interrupted = False
    try:
        valid = [e for e in m.encodes if e.error is None]
        todo = [e for e in valid if not store.done(e)]
        skipped = len(valid) - len(todo)
        committer = _Committer(store, todo, bar)
        split = 0
        if todo:
            if early is not None:
                cluster, early = early.result(), None
            else:
                cluster = connect(client=client, scheduler=scheduler, workers=workers, retries=retries)
            tasks = manifests.ladders(todo, cluster.threads, ladder_size)
            bar.start(len(todo))
            log.info(f"batch: {len(m.encodes)} rows, {skipped} done before, {len(todo)} to score in {len(tasks)} "
                     f"tasks on {cluster.workers} workers ({cluster.threads} Dask threads)")
            if log.isEnabledFor(logging.INFO):
                link = cluster.dashboard
                if link:
                    log.info(f"batch: dashboard {link}")
            with Interrupts() as interrupts:
                split = execute(cluster, tasks, score_task, args=(threads, cluster.host_threads), name="pvt-ladder",
                                split=Ladder.split, on_batch=committer, interrupts=interrupts, note=log.warning,
                                between=_Refresh(lambda: store.publish(m.encodes, frames=False)))
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.finish()
        if early is not None:  # started, but there was nothing to do (or it failed to start)
            with contextlib.suppress(Exception):
                early.close()
        if cluster is not None:
            cluster.close()
        try:
            counts = store.publish(m.encodes)
        finally:
            store.close()
        if interrupted:
            log.warning(f"batch: interrupted; {counts['ok']} of {len(m.encodes)} rows are done and kept in {out} "
                        f"(run the same command again to finish)")
    return BatchReport(rows=len(m.encodes), ok=counts["ok"], failed=counts["failed"], pending=counts["pending"],
                       skipped=skipped, scored=committer.scored, frames=committer.frames,
                       elapsed=time.perf_counter() - start, out=store.out, failures=_failures(m.encodes, store),
                       split=split)


class _Committer:
    """execute()'s on_batch: finished and failed tasks into the store, one commit per batch."""

    def __init__(self, store: ResultStore, todo: list, progress: BatchProgress):
        self.store, self.by_key, self.progress = store, {e.key: e for e in todo}, progress
        self.scored = self.frames = 0

    def __call__(self, finished, failed) -> None:
        rows = []
        for task, result in finished:
            info = {"worker": result["worker"], "wall_s": result["wall_s"] / len(task.encodes)}
            rows += [(self.by_key[o["key"]], o, info) for o in result["outcomes"]]
        for task, failure in failed:
            rows += [(self.by_key[key], {"key": key, "status": "failed", "error": failure.message}, {})
                     for key, *_ in task.encodes]
        self.store.commit(rows)
        ok = sum(1 for _, o, _ in rows if o["status"] == "ok")
        frames = sum(o.get("frames") or 0 for _, o, _ in rows)
        self.scored += len(rows)
        self.frames += frames
        self.progress.update(ok=ok, failed=len(rows) - ok, frames=frames)


class _Refresh:
    """Calls `write` every SUMMARY_EVERY_S seconds, or less often where it takes over a tenth of that."""

    def __init__(self, write):
        self.write, self.next = write, time.monotonic() + SUMMARY_EVERY_S

    def __call__(self) -> None:
        now = time.monotonic()
        if now >= self.next:
            self.write()
            done = time.monotonic()
            self.next = done + max(SUMMARY_EVERY_S, 10 * (done - now))


def _fresh(out: str) -> bool:
    """No batch has committed anything to `out` yet."""
    return not os.path.exists(os.path.join(out, STATE, "journal.jsonl"))


def _failures(encodes: list, store: ResultStore) -> list[tuple[str, str]]:
    out = []
    for e in encodes:
        rec = store.records.get(e.id) or {}
        if e.error is not None:
            out.append((e.id, e.error))
        elif rec.get("status") == "failed" and rec.get("key") == e.key:
            out.append((e.id, rec.get("error")))
    return out
