"""A/B two builds of the native tool on `pvt-features --time`: each extractor
alone on the first frame pair, in cache, no process start or file mapping
in the figure.

    python bench/ab_kernels.py OLD NEW --runs 21 -- REF DIST W H PIX_FMT --extractor adm --time 20

Runs alternate which binary goes first. For each extractor, prints the
median of each build's per-run median milliseconds and the median of the
back-to-back ratios (new / old).
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_native import parse_ab_args  # noqa: E402


def run(binary: str, args: list[str]) -> dict[str, float]:
    out = subprocess.run([binary, *args], capture_output=True, text=True, check=True).stdout
    return {name: t["median_ms"] for name, t in json.loads(out).items()}


def main(argv=None) -> int:
    a, args, ap = parse_ab_args(argv, __doc__, 21)
    if "--time" not in args:
        ap.error("the tool's arguments (after --) need --time N")
    pairs = []
    for i in range(a.runs):
        order = (a.old, a.new) if i % 2 == 0 else (a.new, a.old)
        got = {b: run(b, args) for b in order}
        pairs.append((got[a.old], got[a.new]))
    for name in pairs[0][0]:
        old = [o[name] for o, _ in pairs]
        new = [n[name] for _, n in pairs]
        ratio = statistics.median(n / o for o, n in zip(old, new))
        print(f"{name}: old {statistics.median(old):.3f} ms, new {statistics.median(new):.3f} ms, "
              f"paired new/old {ratio:.3f} ({a.runs} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
