"""A/B two builds of the native tool (pvt-features) on the same arguments.

    python bench/ab_native.py OLD_BINARY NEW_BINARY --runs 15 -- REF DIST W H PIX_FMT --threads 2

Runs alternate which binary goes first. Prints the median wall and CPU
seconds of each and the median of the back-to-back ratios (new / old),
which is what the "paired" figures in bench/README.md are for kernel
changes. Copy the old build aside before rebuilding, e.g.
`cp build/tools/core/pvt-features /tmp/old`.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time


def run(binary: str, args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def parse_ab_args(argv, doc: str, runs: int) -> tuple[argparse.Namespace, list[str], argparse.ArgumentParser]:
    """OLD NEW [--runs N] -- TOOL ARGS: the parsed own arguments, the tool's, and the parser."""
    argv = sys.argv[1:] if argv is None else argv
    tool_args = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=runs)
    return ap.parse_args(own), tool_args, ap


def alternate(old: str, new: str, runs: int, measure) -> dict:
    """{old: [...], new: [...]}: `runs` rounds of measure(old) and measure(new),
    alternating which goes first."""
    times: dict = {old: [], new: []}
    for i in range(runs):
        for which in (old, new) if i % 2 == 0 else (new, old):
            times[which].append(measure(which))
    return times


def main(argv=None) -> int:
    args, tool_args, _ = parse_ab_args(argv, __doc__, 11)
    times = alternate(args.old, args.new, args.runs, lambda binary: run(binary, tool_args))
    for binary, t in times.items():
        print(f"{binary}: wall {statistics.median(w for w, _ in t):.3f} s, cpu {statistics.median(c for _, c in t):.3f} s")
    pairs = list(zip(times[args.old], times[args.new]))
    print(f"paired new/old: wall {statistics.median(n[0] / o[0] for o, n in pairs):.3f}, "
          f"cpu {statistics.median(n[1] / o[1] for o, n in pairs):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
