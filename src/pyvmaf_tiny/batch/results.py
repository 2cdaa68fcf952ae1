"""A batch's output directory: what is done, and the tables users read.

    DIR/summary.parquet, DIR/summary.csv   one row per manifest row
    DIR/frames.parquet/*.parquet           one row per encode and frame (a dataset of part files)
    DIR/.batch/journal.jsonl               one line per commit: the summary records of the encodes it finished
    DIR/.batch/lock                        held while a batch writes here

Commit (when a task finishes): its encodes' frames go into a new part file
(written aside, then renamed in), then one journal line records them. An
encode is done when its latest journal record is "ok" with the same input key
*and* its frames are in a part file, so a commit cut short anywhere is simply
redone by the next run. A part file whose journal line never came is filtered
out at publish.

Publish (at the end of a run, and on Ctrl-C): the summary files are rewritten
from the journal, and the frames dataset is made clean: only the frames of the
manifest's current "ok" encodes, each encode once, every file with the same
columns, small parts merged into files of up to PART_ROWS rows. The merge is
logged first (.batch/compaction.json) and finished at the next start if it was
cut short, so a reader never sees an encode's frames twice once a run is over.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from typing import Iterable, Optional

from ..errors import PyvmafTinyError
from . import arrow
from .manifest import Encode

FRAMES = "frames.parquet"
STATE = ".batch"
PART_ROWS = 250_000  # rows per published frames file
ROW_GROUP = 65_536  # files with fewer than a quarter of PART_ROWS are merged at publish
STATS = ("mean", "harmonic_mean", "min", "max")


class BatchError(PyvmafTinyError):
    """The batch could not run (an unreadable manifest, an output directory in use, no cluster)."""


@dataclass
class _FileInfo:
    keys: frozenset
    rows: int
    metrics: tuple


def _pa():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from ..errors import BackendUnavailable

        raise BackendUnavailable("batch scoring needs the batch extra: pip install 'pyvmaf-tiny[batch]'") from None
    return pa, pq


def metric_order(names: Iterable[str]) -> list[str]:
    """The model score first, then the features by name."""
    names = set(names)
    return (["vmaf"] if "vmaf" in names else []) + sorted(names - {"vmaf"})


class ResultStore:
    """The output directory of one manifest's batch. Single writer: a lock file guards it."""

    def __init__(self, out: str, part_rows: int = PART_ROWS):
        self.out = os.path.abspath(out)
        self.part_rows = part_rows
        self.frames_dir = os.path.join(self.out, FRAMES)
        self.state = os.path.join(self.out, STATE)
        self.tmp = os.path.join(self.state, "tmp")
        for d in (self.out, self.frames_dir, self.state, self.tmp):
            os.makedirs(d, exist_ok=True)
        self._lock = _lock(os.path.join(self.state, "lock"), self.out)
        self.journal_path = os.path.join(self.state, "journal.jsonl")
        self._written: list[str] = []
        self._finish_compaction()
        for f in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, f))
        self.records = self._read_journal()
        self.files = self._scan_frames()
        self.present = set().union(*(f.keys for f in self.files.values()))
        self._journal = open(self.journal_path, "a", encoding="utf-8")

    # -- state -------------------------------------------------------------------------------------------------

    def _read_journal(self) -> dict[str, dict]:
        """The latest record of every id. A torn last line (a run killed mid-write) is cut off."""
        records: dict[str, dict] = {}
        if not os.path.exists(self.journal_path):
            return records
        with open(self.journal_path, "rb") as f:
            data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            with open(self.journal_path, "r+b") as f:
                f.truncate(end)
        for line in data[:end].splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            for rec in entry.get("records", ()) if isinstance(entry, dict) else ():
                if isinstance(rec, dict) and isinstance(rec.get("id"), str):
                    records[rec["id"]] = rec
        return records

    def _scan_frames(self) -> dict[str, _FileInfo]:
        """Which input keys each frames file holds; an unreadable file (a crash of the machine) is removed."""
        pa, pq = _pa()
        import pyarrow.compute as pc

        files = {}
        for name in sorted(os.listdir(self.frames_dir)):
            path = os.path.join(self.frames_dir, name)
            if not name.endswith(".parquet"):
                continue
            try:
                f = pq.ParquetFile(path)
                keys = pc.unique(f.read(columns=["key"]).column("key")).to_pylist()
                names, rows = f.schema_arrow.names, f.metadata.num_rows
            except (OSError, KeyError, pa.ArrowException):
                os.unlink(path)
                continue
            files[name] = _FileInfo(frozenset(keys), rows, tuple(n for n in names if n not in _ID_COLUMNS))
        return files

    def done(self, enc: Encode) -> bool:
        rec = self.records.get(enc.id)
        return (rec is not None and rec.get("status") == "ok" and rec.get("key") == enc.key
                and enc.key in self.present)

    # -- commit ------------------------------------------------------------------------------------------------

    def commit(self, finished: list[tuple[Encode, dict, dict]]) -> None:
        """Record finished encodes: (encode, outcome from the worker, task info {worker, wall_s, n})."""
        pa, pq = _pa()
        records, tables = [], []
        for enc, outcome, info in finished:
            rec = {"id": enc.id, "key": enc.key, "row": enc.row, "status": outcome["status"],
                   "error": outcome.get("error"), "frames": outcome.get("frames"), "pooled": outcome.get("pooled"),
                   "aggregates": outcome.get("aggregates") or None,
                   "worker": info.get("worker"), "wall_s": info.get("wall_s"), "time": time.time()}
            records.append(rec)
            if outcome["status"] == "ok":
                tables.append(_frames_table(enc, outcome))
        parts = []
        chunk: list = []
        for t in tables + [None]:  # part files of whole encodes, up to part_rows rows each
            if chunk and (t is None or sum(c.num_rows for c in chunk) + t.num_rows > self.part_rows):
                parts.append(self._write_part(pa.concat_tables(_unify(chunk))))
                chunk = []
            if t is not None:
                chunk.append(t)
        self._journal.write(json.dumps({"parts": parts, "records": records}, allow_nan=True) + "\n")
        self._journal.flush()
        for rec in records:
            self.records[rec["id"]] = rec

    def _write_part(self, table) -> str:
        _, pq = _pa()
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = os.path.join(self.tmp, name)
        table = table.sort_by([("id", "ascending"), ("frame", "ascending")])
        pq.write_table(table, tmp, row_group_size=ROW_GROUP, **_PARQUET)
        os.replace(tmp, os.path.join(self.frames_dir, name))
        self._written.append(os.path.join(self.frames_dir, name))
        keys = frozenset(table.column("key").unique().to_pylist())
        self.files[name] = _FileInfo(keys, table.num_rows, tuple(n for n in table.schema.names if n not in _ID_COLUMNS))
        self.present |= keys
        return name

    # -- publish -----------------------------------------------------------------------------------------------

    def publish(self, encodes: list[Encode], frames: bool = True) -> dict[str, int]:
        """Write the summary of `encodes` (the manifest, in order); with `frames`, clean the frames dataset."""
        live = {e.key for e in encodes if e.error is None and self.done(e)}
        counts = self._write_summary(encodes, live)
        if frames:
            self._publish_frames(live)
            _fsync_all([self.journal_path] + self._written + [self.frames_dir, self.out])
            self._written = []
        return counts

    def _write_summary(self, encodes: list[Encode], live: set) -> dict[str, int]:
        pa, pq = _pa()
        import pyarrow.csv as pcsv

        rows, metrics = [], set()
        counts = {"ok": 0, "failed": 0, "pending": 0}
        for e in encodes:
            rec = self.records.get(e.id)
            if e.error is not None:
                rec = {"status": "failed", "error": e.error}
            elif rec is None or rec.get("key") != e.key or (rec.get("status") == "ok" and e.key not in live):
                rec = {"status": "pending"}
            counts[rec["status"]] += 1
            pooled = rec.get("pooled") or {}
            metrics.update(pooled)
            rows.append((e, rec, pooled))
        order = metric_order(metrics)
        recs = [rec for _, rec, _ in rows]
        # clip-level values (libvmaf's aggregate_metrics, e.g. apsnr_y), a column each, in the order first met
        aggregates = list(dict.fromkeys(name for r in recs for name in (r.get("aggregates") or {})))
        cols: dict[str, list] = {
            "row": [e.row for e, _, _ in rows], "id": [e.id for e, _, _ in rows],
            "status": [r["status"] for r in recs], "ref": [e.ref for e, _, _ in rows],
            "dist": [e.dist for e, _, _ in rows], "model": [e.model for e, _, _ in rows],
            "frames": [r.get("frames") for r in recs]}
        for m in order:
            per = [p.get(m) or {} for _, _, p in rows]
            for st in STATS:
                cols[f"{m}_{st}"] = [x.get(st) for x in per]
        for name in aggregates:
            cols[name] = [(r.get("aggregates") or {}).get(name) for r in recs]
        cols.update(wall_s=[r.get("wall_s") for r in recs], worker=[r.get("worker") for r in recs],
                    error=[r.get("error") for r in recs], key=[e.key or None for e, _, _ in rows])
        table = pa.table({n: (arrow.string(v) if n in _TEXT else arrow.int64(v) if n in ("row", "frames")
                              else arrow.float64(v)) for n, v in cols.items()})
        for name, write in (("summary.parquet", lambda p: pq.write_table(table, p, compression="zstd")),
                            ("summary.csv", lambda p: pcsv.write_csv(table, p))):
            tmp = os.path.join(self.tmp, name)
            write(tmp)
            _fsync_all([tmp])
            os.replace(tmp, os.path.join(self.out, name))
        return counts

    def _publish_frames(self, live: set) -> None:
        pa, pq = _pa()
        import pyarrow.compute as pc

        metrics = set()
        for info in self.files.values():
            if info.keys & live:
                metrics.update(info.metrics)
        schema = _frames_schema(pa, metric_order(metrics))
        covered: set = set()
        keep, redo = [], []
        for name, info in sorted(self.files.items(), key=lambda kv: -kv[1].rows):
            clean = info.keys <= live and not (info.keys & covered) and info.rows > 0
            if clean and info.metrics == tuple(n for n in schema.names if n not in _ID_COLUMNS) and (
                    info.rows >= self.part_rows // 4 or len(self.files) == 1):
                keep.append(name)
                covered |= info.keys
            else:
                redo.append(name)
        if not redo and keep:
            return
        adds: dict[str, tuple] = {}
        buffer: list = []
        buffered = 0

        def flush():
            nonlocal buffered
            # Whole encodes only, sorted: a file never holds part of an encode's frames.
            t = pa.concat_tables(buffer).combine_chunks() if buffer else schema.empty_table()
            if t.num_rows:
                t = t.sort_by([("id", "ascending"), ("frame", "ascending")])
            name = f"frames-{uuid.uuid4().hex[:12]}.parquet"
            tmp = os.path.join(self.tmp, name)
            pq.write_table(t, tmp, row_group_size=ROW_GROUP, **_PARQUET)
            _fsync_all([tmp])
            adds[name] = (frozenset(pc.unique(t.column("key")).to_pylist()) if t.num_rows else frozenset(), t.num_rows)
            buffer.clear()
            buffered = 0

        for name in redo:
            wanted = (self.files[name].keys & live) - covered
            if not wanted:
                continue
            t = pq.ParquetFile(os.path.join(self.frames_dir, name)).read()
            t = t.filter(pc.is_in(t.column("key"), value_set=arrow.string(sorted(wanted))))
            covered |= wanted
            t = _conform(pa, t, schema)
            # Whole, when it fits; else encode by encode: no file outgrows part_rows but for one encode.
            pieces = [t] if buffered + t.num_rows <= self.part_rows else _runs(t.sort_by([("key", "ascending")]))
            for one in pieces:
                if buffer and buffered + one.num_rows > self.part_rows:
                    flush()
                buffer.append(one)
                buffered += one.num_rows
        if buffer or not keep:
            flush()  # an empty dataset still gets a file, so that readers find its columns
        log = os.path.join(self.state, "compaction.json")
        _write_json_atomic(log, {"add": sorted(adds), "remove": sorted(redo)}, self.tmp)
        self._finish_compaction()
        metric_names = tuple(n for n in schema.names if n not in _ID_COLUMNS)
        for name in redo:
            self.files.pop(name, None)
        for name, (keys, rows) in adds.items():
            self.files[name] = _FileInfo(keys, rows, metric_names)
        self.present = set().union(*(f.keys for f in self.files.values()))

    def _finish_compaction(self) -> None:
        """Complete a logged merge: move its new files in, then remove the files they replace."""
        log = os.path.join(self.state, "compaction.json")
        if not os.path.exists(log):
            return
        with open(log, encoding="utf-8") as f:
            plan = json.load(f)
        for name in plan["add"]:
            tmp = os.path.join(self.tmp, name)
            if os.path.exists(tmp):
                os.replace(tmp, os.path.join(self.frames_dir, name))
        _fsync_all([self.frames_dir])
        for name in plan["remove"]:
            try:
                os.unlink(os.path.join(self.frames_dir, name))
            except FileNotFoundError:
                pass
        _fsync_all([self.frames_dir])
        os.unlink(log)

    def close(self) -> None:
        self._journal.close()
        _unlock(self._lock)


_ID_COLUMNS = ("id", "frame", "key")
# Dictionary pages only where values repeat: tried on every float column, they cost 3x the write time.
_PARQUET = {"compression": "zstd", "use_dictionary": ["id", "key"]}
_TEXT = {"id", "status", "ref", "dist", "model", "worker", "error", "key"}


def _frames_schema(pa, metrics: list[str]):
    return pa.schema([("id", pa.string()), ("frame", pa.int64())] + [(m, pa.float64()) for m in metrics]
                     + [("key", pa.string())])


def _frames_table(enc: Encode, outcome: dict):
    pa, _ = _pa()
    import numpy as np

    metrics = outcome["metrics"]
    order = metric_order(metrics)
    n = len(outcome["frame_numbers"])
    data = {"id": arrow.repeat(enc.id, n), "frame": arrow.int64(np.asarray(outcome["frame_numbers"]))}
    for m in order:
        data[m] = arrow.float64(np.asarray(metrics[m]))
    data["key"] = arrow.repeat(enc.key, n)
    return pa.table(data, schema=_frames_schema(pa, order))


def _unify(tables: list) -> list:
    """The same columns in every table (a metric some encodes lack is null for them)."""
    pa, _ = _pa()
    names = {n for t in tables for n in t.schema.names if n not in _ID_COLUMNS}
    schema = _frames_schema(pa, metric_order(names))
    return [_conform(pa, t, schema) for t in tables]


def _runs(table) -> list:
    """A table sorted by key, cut into one slice per key."""
    import pyarrow.compute as pc

    if not table.num_rows:
        return []
    ends = pc.run_end_encode(table.column("key").combine_chunks()).run_ends.to_pylist()
    return [table.slice(a, b - a) for a, b in zip([0] + ends[:-1], ends)]


def _conform(pa, table, schema):
    cols = [table.column(f.name) if f.name in table.schema.names else pa.nulls(table.num_rows, f.type)
            for f in schema]
    return pa.Table.from_arrays(cols, schema=schema)


def _write_json_atomic(path: str, obj, tmp_dir: str) -> None:
    tmp = os.path.join(tmp_dir, os.path.basename(path) + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_all([os.path.dirname(path)])


def _fsync_all(paths: Iterable[str]) -> None:
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:  # some filesystems refuse fsync on directories
            pass
        finally:
            os.close(fd)


_held: set = set()  # descriptors of the locks this process holds


def _drop_inherited_locks() -> None:
    """In a forked child (a LocalCluster worker): let go of the parent's locks, which a child's copy of the
    descriptor would otherwise keep held after the parent closed it. The descriptor stays valid (/dev/null)."""
    if not _held:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    for fd in _held:
        os.dup2(null, fd)
    os.close(null)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


def _lock(path: str, out: str):
    f = open(path, "a+")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock; one writer per directory is the user's to keep
        return f
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise BatchError(f"{out} is being written by another batch; wait for it or choose another --out") from None
    _held.add(f.fileno())
    return f


def _unlock(f) -> None:
    _held.discard(f.fileno())
    f.close()  # closing the descriptor releases the lock


def frames_glob(out: str) -> Optional[str]:
    return os.path.join(os.path.abspath(out), FRAMES, "*.parquet")
