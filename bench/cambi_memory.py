"""Peak RSS of CAMBI over a long clip against a short one (streaming stays bounded).

Each run is a child process scoring N frames of 1080p luma with `cambi` (and,
with --model, vmaf_v0.6.1 beside it), fed as an iterable of frames cycling
through bench_vs_libvmaf.py's 48-frame clip, so that a 1,000-frame run needs
no 3 GB file; its peak RSS (ru_maxrss) is reported.

    python bench/cambi_memory.py --frames 48 1000 --threads 1 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import itertools, resource, sys
import numpy as np
import pyvmaf_tiny
ref_path, dist_path, n, threads, features, model = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(), sys.argv[6]
w, h = 1920, 1080
frame = w * h * 3 // 2
ref_raw, dist_raw = np.memmap(ref_path, np.uint8, "r"), np.memmap(dist_path, np.uint8, "r")
count = ref_raw.size // frame

def frames(raw):
    for i in itertools.islice(itertools.cycle(range(count)), n):
        yield np.array(raw[i * frame : i * frame + w * h].reshape(h, w))

if model == "none":
    out = pyvmaf_tiny.extract_features(frames(ref_raw), frames(dist_raw), features, threads=threads)
else:
    out = pyvmaf_tiny.score(frames(ref_raw), frames(dist_raw), features=features, threads=threads).features
assert len(out["cambi"]) == n
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
"""


def peak_rss(ref: Path, dist: Path, frames: int, threads: int, model: bool) -> float:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ref), str(dist), str(frames), str(threads), "cambi",
                           "vmaf_v0.6.1" if model else "none"], capture_output=True, text=True, check=True)
    return float(proc.stdout.strip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", nargs="+", type=int, default=[48, 1000])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--model", action="store_true", help="score vmaf_v0.6.1 as well")
    ap.add_argument("--workdir", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from bench_vs_libvmaf import make_content

    ref, dist = make_content(args.workdir, 1920, 1080, 48, "yuv420p")
    print("| threads | " + " | ".join(f"{n} frames peak RSS MiB" for n in args.frames) + " | long / short |")
    print("|---|" + "---|" * len(args.frames) + "---|")
    for threads in args.threads:
        rss = [peak_rss(ref, dist, n, threads, args.model) for n in args.frames]
        print(f"| {threads} | " + " | ".join(f"{r:.0f}" for r in rss) + f" | {rss[-1] / rss[0]:.3f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    raise SystemExit(main())
