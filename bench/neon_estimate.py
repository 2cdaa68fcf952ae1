"""An estimate of the NEON kernels' speed-up on aarch64, from instructions executed under qemu-user.

No ARM CPU is available here, so this counts guest instructions, not time: qemu runs the aarch64
`pvt-features` one instruction per translation block (-singlestep) and logs each block executed
(-d exec,nochain); the count of log lines is the count of instructions. The per-frame figure is the
difference between a run over N frames and a run over one frame, divided by N-1, so start-up (the
loader, parsing, tables) cancels out. Instruction counts ignore memory stalls and issue width, so the
ratio is an estimate of the speed-up, not a measurement.

    cmake -S . -B build-arm -G Ninja -DCMAKE_BUILD_TYPE=Release -DPYVMAF_TINY_BUILD_TOOLS=ON \\
          -DPYVMAF_TINY_BUILD_PYTHON=OFF -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \\
          -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++
    cmake --build build-arm --target pvt-features
    python bench/neon_estimate.py --tool build-arm/core/pvt-features --ref REF.yuv --dist DIST.yuv \\
          --size 320x180 --frames 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

EXTRACTORS = ["vif", "adm", "motion"]


def instructions(tool: Path, sysroot: str, ref: Path, dist: Path, size: tuple[int, int], isa: str,
                 extractors: list[str]) -> int:
    cmd = [shutil.which("qemu-aarch64") or "qemu-aarch64", "-L", sysroot, "-singlestep", "-d", "exec,nochain",
           "-D", "/dev/stdout", str(tool), str(ref), str(dist), str(size[0]), str(size[1]), "yuv420p",
           "--threads", "1"]
    for name in extractors:
        cmd += ["--extractor", name]
    env = dict(os.environ, PYVMAF_TINY_ISA=isa)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    count = sum(1 for line in proc.stdout if line.startswith(b"Trace"))
    if proc.wait() != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path, required=True, help="the aarch64 pvt-features")
    parser.add_argument("--ref", type=Path, required=True)
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--size", default="320x180", help="WxH of the yuv420p 8-bit clips")
    parser.add_argument("--frames", type=int, default=3, help="frames in the clips (at least 2)")
    parser.add_argument("--sysroot", default="/usr/aarch64-linux-gnu")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    frame = w * h * 3 // 2
    with tempfile.TemporaryDirectory() as tmp:
        one = []
        for clip in (args.ref, args.dist):
            path = Path(tmp) / clip.name
            path.write_bytes(clip.read_bytes()[:frame])
            one.append(path)
        print(f"instructions per {w}x{h} frame, one thread ((N={args.frames} frames - 1 frame) / {args.frames - 1})")
        print(f"{'extractors':<16}{'scalar':>14}{'neon':>14}{'ratio':>8}")
        for names in [[e] for e in EXTRACTORS] + [EXTRACTORS]:
            per = {}
            for isa in ("scalar", "neon"):
                full = instructions(args.tool, args.sysroot, args.ref, args.dist, (w, h), isa, names)
                single = instructions(args.tool, args.sysroot, one[0], one[1], (w, h), isa, names)
                per[isa] = (full - single) / (args.frames - 1)
            print(f"{'+'.join(names):<16}{per['scalar']:>14,.0f}{per['neon']:>14,.0f}"
                  f"{per['scalar'] / per['neon']:>7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
