"""In-process `extract_features()` time of candidate feature sets against `vmaf_v0.6.1`'s six, on the
1080p raw clip of bench_vs_libvmaf.py: what a tiny model's inputs cost before any model runs.

    python bench/feature_sets.py --repeat 7 \\
        --set first=integer_vif_scale0_sr_32,...,integer_motion2 --set recipe=integer_vif_scale0_sr_16,...

Each --set is NAME=FEATURE,FEATURE,... (any names `features=` takes, row-sampled counts included);
without one, fr_micro_v2's recipe and its first version are timed. Runs are interleaved; the median
of --repeat is reported with the speed-up over the six.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_libvmaf import SIZES, make_content  # noqa: E402

SIX = ["integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2", "integer_vif_scale3", "integer_adm2",
       "integer_motion2"]
ADM = ["integer_adm2_sr_32"] + [f"integer_adm_scale{s}_sr_32" for s in range(4)]
DEFAULT = {
    "first fr_micro_v2": [f"integer_vif_scale{s}_sr_32" for s in range(4)] + ADM + ["integer_motion2"],
    "fr_micro_v2": [f"integer_vif_scale{s}_sr_16" for s in range(4)] + ADM + ["integer_motion2_sr_32"],
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=FEATURES")
    ap.add_argument("--size", default="1080p", choices=sorted(SIZES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)

    import pyvmaf_tiny

    sets = {"vmaf_v0.6.1's six": SIX}
    for item in args.set:
        name, eq, features = item.partition("=")
        if not eq or not features:
            ap.error(f"--set {item!r}: expected NAME=FEATURE,FEATURE,...")
        sets[name] = features.split(",")
    if not args.set:
        sets.update(DEFAULT)
    w, h = SIZES[args.size]
    ref, dist = make_content(args.workdir, w, h, args.frames, "yuv420p")
    geometry = dict(width=w, height=h, pix_fmt="yuv420p", threads=args.threads)
    times = {name: [] for name in sets}
    for _ in range(args.repeat):
        for name, features in sets.items():
            t = time.perf_counter()
            pyvmaf_tiny.extract_features(str(ref), str(dist), features, **geometry)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["vmaf_v0.6.1's six"])
    print("| features | ms/frame | speed-up |")
    print("|---|---|---|")
    for name, t in times.items():
        m = statistics.median(t)
        print(f"| {name} | {m / args.frames * 1000:.2f} | {base / m:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
