"""CAMBI against libvmaf on content that is banding almost everywhere.

bench_vs_libvmaf.py's clip (bigbuckbunny through x264/x265) is mostly
textured: few pixels are flat enough for CAMBI to look at. Here the frames are
dark gradients quantised into bands one 8-bit code apart (two at 10 bits),
drifting from frame to frame, with 5% of the distorted pixels nudged by one
code: nearly every pixel is in CAMBI's mask, the window histograms change at
every band edge, and top-k pooling has to select. Same timing as
bench_vs_libvmaf.py (whole processes, interleaved, medians, one thread by
default).

    python bench/cambi_banding.py --pix-fmts yuv420p yuv420p10le --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_libvmaf import NO_MODEL, libvmaf_cmd, ours_cmd, timed  # noqa: E402


def banded_frames(width: int, height: int, bpc: int, frames: int) -> np.ndarray:
    hi = (1 << bpc) - 1
    step = 1 if bpc == 8 else 2 << (bpc - 10)
    yy, xx = np.mgrid[0:height, 0:width]
    out = [np.clip(0.12 * hi + ((xx + yy // 3 + 5 * t) // 24) * step, 0, hi) for t in range(frames)]
    return np.stack(out).astype(np.uint8 if bpc == 8 else np.uint16)


def write_clip(path: Path, luma: np.ndarray, bpc: int) -> None:
    mid = np.full((luma.shape[1] // 2, luma.shape[2] // 2), 1 << (bpc - 1), luma.dtype)
    with open(path, "wb") as f:
        for y in luma:
            f.write(y.tobytes() + mid.tobytes() + mid.tobytes())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pix-fmts", nargs="+", default=["yuv420p", "yuv420p10le"], choices=["yuv420p", "yuv420p10le"])
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--feature", default="cambi")
    ap.add_argument("--workdir", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    w, h = args.width, args.height
    args.workdir.mkdir(parents=True, exist_ok=True)
    print("| size | pix_fmt | feature | threads | libvmaf fps | pyvmaf-tiny fps | ratio | paired ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for pix_fmt in args.pix_fmts:
        bpc = 10 if pix_fmt.endswith("10le") else 8
        ref = args.workdir / f"banding_ref_{w}x{h}_{pix_fmt}_{args.frames}.yuv"
        dist = args.workdir / f"banding_dist_{w}x{h}_{pix_fmt}_{args.frames}.yuv"
        if not (ref.exists() and dist.exists()):
            luma = banded_frames(w, h, bpc, args.frames)
            rng = np.random.default_rng(1)
            nudge = rng.integers(-1, 2, luma.shape) * (rng.random(luma.shape) < 0.05)
            write_clip(ref, luma, bpc)
            write_clip(dist, np.clip(luma.astype(np.int64) + nudge, 0, (1 << bpc) - 1).astype(luma.dtype), bpc)
        cmds = {"libvmaf": libvmaf_cmd(ref, dist, w, h, pix_fmt, args.threads, NO_MODEL, [args.feature]),
                "pyvmaf-tiny": ours_cmd(ref, dist, w, h, pix_fmt, args.threads, NO_MODEL, [args.feature])}
        runs = {k: [] for k in cmds}
        for i in range(args.repeat):
            for k in (list(cmds) if i % 2 == 0 else list(cmds)[::-1]):
                runs[k].append(timed(cmds[k])[0])
        lib, ours = statistics.median(runs["libvmaf"]), statistics.median(runs["pyvmaf-tiny"])
        paired = statistics.median(a / b for a, b in zip(runs["libvmaf"], runs["pyvmaf-tiny"]))
        print(f"| {w}x{h} | {pix_fmt} | {args.feature} | {args.threads} | {args.frames / lib:.2f} | "
              f"{args.frames / ours:.2f} | {lib / ours:.2f}x | {paired:.2f}x |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
