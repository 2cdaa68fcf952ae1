"""In-process `pyvmaf_tiny.score()` time of each model on the same 1080p raw clip.

    python bench/bench_models.py --models vmaf_v0.6.1 fr_tiny_v1 fr_micro_v1 --threads 1 2 --repeat 5

Runs are interleaved; the median of --repeat is reported with the speed-up
over the first model (ratio of medians, and the median of each repetition's
back-to-back ratio). The whole call is timed: reading the raw files, the
native feature pass and the model. Content is bench_vs_libvmaf.py's.

    python bench/bench_models.py --models vmaf_v0.6.1 fr_micro_v2 --threads 2 --repeat 11 --command

With --command, each run is the whole command instead (`pyvmaf-tiny score
ref.yuv dist.yuv --model M --threads N` in a fresh process: interpreter
start-up, imports, model loading and all).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_libvmaf import SIZES, make_content  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["vmaf_v0.6.1", "fr_tiny_v1", "fr_micro_v1"])
    ap.add_argument("--size", default="1080p", choices=sorted(SIZES))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=HERE / "out")
    ap.add_argument("--command", action="store_true", help="time the whole `pyvmaf-tiny score` command")
    args = ap.parse_args(argv)

    import pyvmaf_tiny

    w, h = SIZES[args.size]
    ref, dist = make_content(args.workdir, w, h, args.frames, "yuv420p")
    geometry = dict(width=w, height=h, pix_fmt="yuv420p")
    models = {m: pyvmaf_tiny.models.load(m, device="cpu") for m in args.models}
    what = "command" if args.command else "in-process"
    print(f"| model | features | threads | {what} ms/frame | fps | speed-up vs {args.models[0]} | paired speed-up |")
    print("|---|---|---|---|---|---|---|")
    for threads in args.threads:
        times = {m: [] for m in args.models}
        for _ in range(args.repeat):
            for name, model in models.items():
                t = time.perf_counter()
                if args.command:
                    subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", str(ref), str(dist), "--model",
                                    name, "--threads", str(threads), "--width", str(w), "--height", str(h),
                                    "--pix-fmt", "yuv420p", "--quiet"], check=True, stdout=subprocess.DEVNULL)
                else:
                    pyvmaf_tiny.score(str(ref), str(dist), model=model, threads=threads, **geometry)
                times[name].append(time.perf_counter() - t)
        base = statistics.median(times[args.models[0]])
        for name in args.models:
            med = statistics.median(times[name])
            # Each repetition's runs are back to back: the median of their
            # ratios is less exposed to the machine's load drifting.
            paired = statistics.median(b / t for b, t in zip(times[args.models[0]], times[name]))
            print(f"| {name} | {len(models[name].columns)} | {threads} | {1000 * med / args.frames:.1f} | "
                  f"{args.frames / med:.1f} | {base / med:.2f}x | {paired:.2f}x |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
