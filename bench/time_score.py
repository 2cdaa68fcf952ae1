"""In-process median time of `pyvmaf_tiny.score()` on one raw yuv420p clip.

    python bench/time_score.py REF.yuv DIST.yuv WIDTH HEIGHT --model vmaf_b_v0.6.3 --threads 2 --repeat 5

One warm-up call, then --repeat timed calls; prints the median in seconds.
Meant for A/B runs of two builds of the extension, alternating which goes
first (bench/README.md, "exact_math's exp fast path").
"""
from __future__ import annotations

import argparse
import statistics
import time

import pyvmaf_tiny


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref")
    ap.add_argument("dist")
    ap.add_argument("width", type=int)
    ap.add_argument("height", type=int)
    ap.add_argument("--model", default="vmaf_v0.6.1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)

    def once() -> float:
        start = time.perf_counter()
        pyvmaf_tiny.score(a.ref, a.dist, a.model, width=a.width, height=a.height, pix_fmt="yuv420p",
                          threads=a.threads)
        return time.perf_counter() - start

    once()
    print(f"{statistics.median(once() for _ in range(a.repeat)):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
