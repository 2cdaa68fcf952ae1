"""A/B the numpy push path (`_core.Pipeline.push`) of two installs.

    python bench/ab_push.py OLD_PYTHON NEW_PYTHON --runs 15 -- --size 1920x1080 --bpc 10 --frames 24 --threads 2

Each run starts OLD_PYTHON or NEW_PYTHON (each with its own pyvmaf_tiny
installed), makes the frames (not timed), then times pushing them through a
pipeline and closing it. Runs alternate which install goes first; prints the
median seconds of each and the median of the back-to-back ratios (new / old).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_native import alternate, parse_ab_args  # noqa: E402

CHILD = r"""
import sys, time
import numpy as np
from pyvmaf_tiny import _core
w, h = map(int, sys.argv[1].split("x"))
bpc, frames, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
extractors = [(e, {}) for e in sys.argv[5].split(",")]
rng = np.random.default_rng(0)
dtype = np.uint8 if bpc == 8 else np.uint16
pool = [rng.integers(0, 1 << bpc, (h, w), dtype=dtype) for _ in range(4)]
p = _core.Pipeline(extractors, threads)
start = time.perf_counter()
for i in range(frames):
    p.push(pool[i % 4], pool[(i + 1) % 4], bpc)
p.close()
print(time.perf_counter() - start)
"""


def run(python: str, args: argparse.Namespace) -> float:
    out = subprocess.run([python, "-c", CHILD, args.size, str(args.bpc), str(args.frames), str(args.threads),
                          args.extractors], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main(argv=None) -> int:
    args, rest, _ = parse_ab_args(argv, __doc__, 11)
    bp = argparse.ArgumentParser()
    bp.add_argument("--size", default="1920x1080")
    bp.add_argument("--bpc", type=int, default=10)
    bp.add_argument("--frames", type=int, default=24)
    bp.add_argument("--threads", type=int, default=2)
    bp.add_argument("--extractors", default="vif,adm,motion")
    bench = bp.parse_args(rest)
    times = alternate(args.old, args.new, args.runs, lambda python: run(python, bench))
    for python, t in times.items():
        print(f"{python}: median {statistics.median(t):.3f} s ({bench.frames / statistics.median(t):.1f} fps)")
    pairs = list(zip(times[args.old], times[args.new]))
    print(f"paired new/old: {statistics.median(n / o for o, n in pairs):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
