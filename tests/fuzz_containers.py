"""Fuzzing the Python entry points with container input.

Mutated small MKV / MP4 / IVF / NUT / AVI files (and Y4M files, for the Python
wrapper around the native parser) go through ``pyvmaf_tiny.score`` and
``pyvmaf_tiny.extract_features`` in a worker subprocess, so a crash in a
decoder or in the core is caught as the worker's signal, and a hang as a
timeout, instead of taking the fuzzer down. A case passes when it ends in a
result or in ``InputError`` / ``ModelError``; anything else (another
exception, a signal, a timeout, ``MemoryError`` under the worker's address
space limit) is a finding, written to ``--out`` with the case's input.

    python tests/fuzz_containers.py --cases 2000 --seed 1 --out fuzz-out

Case ``i`` of seed ``S`` is the same bytes on every machine (``--emit`` writes
it out without running it). Exit status: 0 without findings, 1 with.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

SEEDS = Path(__file__).resolve().parent / "fuzz_seeds"
CONTAINER_SEEDS = SEEDS / "containers"
Y4M_SEEDS = SEEDS / "y4m"
MODES = ("score", "features", "pair")
_MARK = "@@pvt-fuzz "

INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
               1 << 32, (1 << 63) - 1, 1 << 63, (1 << 64) - 1]


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    """1 to 8 stacked byte-level edits (mostly one or two)."""
    d = bytearray(data)
    edits = 1
    while edits < 8 and rng.random() < 0.4:
        edits += 1
    for _ in range(edits):
        n = len(d)
        op = rng.randrange(11) if n else 0
        if op == 0:  # insert random bytes
            at = rng.randrange(n + 1)
            d[at:at] = rng.randbytes(rng.randint(1, 16))
        elif op == 1:
            d[rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif op == 2:
            d[rng.randrange(n)] = rng.randrange(256)
        elif op == 3:  # an interesting integer, either byte order
            size = rng.choice((1, 2, 4, 8))
            value = rng.choice(INTERESTING) & ((1 << (8 * size)) - 1)
            at = rng.randrange(n)
            d[at : at + size] = value.to_bytes(size, rng.choice(("little", "big")))[: n - at]
        elif op == 4:  # delete a range
            at = rng.randrange(n)
            del d[at : at + rng.randint(1, 16 if rng.random() < 0.8 else max(1, n // 2))]
        elif op == 5:  # duplicate a chunk
            at = rng.randrange(n)
            chunk = d[at : at + rng.randint(1, 256)]
            to = rng.randrange(n + 1)
            d[to:to] = chunk * (1 if rng.random() < 0.8 else rng.randint(2, 16))
        elif op == 6:  # splice with another seed
            other = rng.choice(pool)
            if other:
                cut, cut2 = rng.randrange(n + 1), rng.randrange(len(other))
                d = d[:cut] + other[cut2:]
        elif op == 7:
            del d[rng.randrange(n) :]
        elif op == 8:
            at = rng.randrange(n)
            d[at] = (d[at] + rng.choice((-1, 1)) * rng.randint(1, 35)) & 0xFF
        elif op == 9:  # zero or saturate a range
            at = rng.randrange(n)
            size = rng.randint(1, 64)
            d[at : at + size] = bytes([rng.choice((0, 0xFF))]) * len(d[at : at + size])
        else:  # swap two chunks
            size = rng.randint(1, 32)
            if 2 * size <= n:
                a, b = rng.randrange(n - size + 1), rng.randrange(n - size + 1)
                if a + size <= b or b + size <= a:
                    d[a : a + size], d[b : b + size] = d[b : b + size], d[a : a + size]
    return bytes(d[: 1 << 20])


@dataclass
class Case:
    index: int
    seed_path: Path
    data: bytes
    mode: str


def load_seeds(with_y4m: bool = True, plain: bool = False) -> list[Path]:
    """The seed files; without the kept findings (finding-*, regression-*) when `plain`."""
    def wanted(p: Path) -> bool:
        return p.is_file() and not p.name.startswith(".") and not (plain and p.name.startswith(("finding-", "regression-")))

    paths = sorted(p for p in CONTAINER_SEEDS.iterdir() if wanted(p))
    if with_y4m:
        paths += sorted(p for p in Y4M_SEEDS.iterdir() if wanted(p))
    return paths


def make_case(seed: int, index: int, seeds: list[Path], blobs: dict[Path, bytes]) -> Case:
    rng = random.Random(f"pvt-fuzz-containers:{seed}:{index}")
    containers = [p for p in seeds if p.parent == CONTAINER_SEEDS]
    # Three cases in four are containers; the rest Y4M through the Python wrapper.
    pool = containers if rng.random() < 0.75 or len(containers) == len(seeds) else [p for p in seeds if p not in containers]
    base = rng.choice(pool)
    data = mutate(blobs[base], rng, [blobs[p] for p in pool])
    return Case(index, base, data, rng.choice(MODES))


# ---- the worker: one process, many cases, until it dies or is told to stop.

def _worker(memory_mb: int) -> int:
    import resource
    import traceback

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash is reported, not dumped
    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import numpy as np

    import pyvmaf_tiny
    from pyvmaf_tiny import InputError, ModelError

    print(_MARK + json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        path, mode, seed_path = req["path"], req["mode"], req["seed"]
        try:
            if mode == "selftest-segv":  # the harness's own tests: a crash and a hang mid-case
                os.kill(os.getpid(), __import__("signal").SIGSEGV)
            elif mode == "selftest-hang":
                time.sleep(1e6)
            if mode == "score":
                r = pyvmaf_tiny.score(path, path, threads=1)
                values = [r.score, *r.frames]
            elif mode == "features":
                r = pyvmaf_tiny.extract_features(path, path, ["psnr", "float_ssim"], threads=1)
                values = [v for col in r.values() for v in np.asarray(col).ravel()]
            else:  # the unmutated seed against the case: mismatches of every kind
                r = pyvmaf_tiny.score(seed_path, path, threads=1)
                values = [r.score, *r.frames]
            bad = [v for v in values if not np.isfinite(v)]
            out = {"outcome": "finding", "detail": f"non-finite result {bad[:3]}"} if bad else {"outcome": "ok"}
        except (InputError, ModelError) as e:
            out = {"outcome": "refused", "detail": f"{type(e).__name__}: {e}"[:300]}
        except MemoryError:
            out = {"outcome": "finding", "detail": f"memory: MemoryError under the {memory_mb} MiB address space limit"}
        except BaseException as e:  # noqa: BLE001 - every other exception is what we look for
            tb = traceback.format_exc(limit=6)
            out = {"outcome": "finding", "detail": f"non-contract exception {type(e).__name__}: {e}"[:300] + "\n" + tb}
        print(_MARK + json.dumps(out), flush=True)
    return 0


class Worker:
    def __init__(self, memory_mb: int, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        env = dict(os.environ, PYTHONFAULTHANDLER="1")
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", "--memory-mb", str(memory_mb)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env,
                                     text=True, bufsize=1)
        self.ended = False
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        if self.read(120) is None:
            raise RuntimeError(f"the fuzz worker did not start: {self.tail()}")

    def read(self, timeout: float) -> Optional[dict]:
        """The next result line; None on a timeout or when the worker ended
        (then self.ended is set)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                return None
            line = self.proc.stdout.readline()
            if not line:
                self.ended = True
                return None
            if line.startswith(_MARK):
                return json.loads(line[len(_MARK):])

    def run(self, path: Path, mode: str, seed: Path, timeout: float) -> dict:
        try:
            self.proc.stdin.write(json.dumps({"path": str(path), "mode": mode, "seed": str(seed)}) + "\n")
            self.proc.stdin.flush()
            out = self.read(timeout)
        except (BrokenPipeError, OSError):
            out = None
        if out is not None:
            return out
        if self.ended:  # its output closed: it is ending, or has
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            return {"outcome": "finding", "detail": f"hang: no result within {timeout:g} s", "fatal": True}
        return {"outcome": "finding", "detail": f"crash: the worker ended with {_status(self.proc.returncode)}\n"
                f"{self.tail()}", "fatal": True}

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_bytes()[-2000:].decode("utf-8", "replace")

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _status(code: int) -> str:
    if code < 0:
        import signal

        return f"signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def run(cases: int, seed: int, first: int = 0, out: Optional[Path] = None, timeout: float = 60.0,
        memory_mb: int = 4096, verbose: bool = True, plain_seeds: bool = False) -> dict:
    """Runs cases [first, first + cases); returns counts and the findings."""
    seeds = load_seeds(plain=plain_seeds)
    blobs = {p: p.read_bytes() for p in seeds}
    counts = {"cases": 0, "ok": 0, "refused": 0, "findings": 0}
    findings = []
    with tempfile.TemporaryDirectory(prefix="pvt-fuzz-containers-") as tmp:
        scratch = Path(tmp)
        worker = Worker(memory_mb, scratch / "worker.log")
        try:
            for i in range(first, first + cases):
                case = make_case(seed, i, seeds, blobs)
                path = scratch / f"case{case.seed_path.suffix}"
                path.write_bytes(case.data)
                result = worker.run(path, case.mode, case.seed_path, timeout)
                counts["cases"] += 1
                if result["outcome"] == "finding":
                    counts["findings"] += 1
                    saved = None
                    if out is not None:
                        out.mkdir(parents=True, exist_ok=True)
                        saved = out / f"finding-containers-case{i}{case.seed_path.suffix}"
                        saved.write_bytes(case.data)
                        with open(out / "findings.txt", "a") as log:
                            log.write(f"containers case {i} (seed {seed}, mode {case.mode}, from {case.seed_path.name}): "
                                      f"{result['detail'].splitlines()[0]} -> {saved}\n")
                    findings.append({"case": i, "mode": case.mode, "seed_file": case.seed_path.name,
                                     "detail": result["detail"], "saved": str(saved) if saved else None})
                    if verbose:
                        print(f"fuzz_containers: FINDING case {i} ({case.mode}, {case.seed_path.name}): "
                              f"{result['detail'][:500]}", file=sys.stderr)
                    if result.get("fatal"):
                        worker.close()
                        worker = Worker(memory_mb, scratch / "worker.log")
                else:
                    counts[result["outcome"]] += 1
                if verbose and (i - first + 1) % 200 == 0:
                    print(f"fuzz_containers: {i - first + 1}/{cases} cases, {counts['findings']} findings",
                          file=sys.stderr)
        finally:
            worker.close()
    return {"counts": counts, "findings": findings, "seed": seed, "first": first}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="where findings' inputs are written")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per case before it counts as a hang")
    ap.add_argument("--memory-mb", type=int, default=4096, help="the worker's address space limit (0: none)")
    ap.add_argument("--emit", type=Path, default=None, help="write case --first's input here instead of running")
    ap.add_argument("--plain-seeds", action="store_true",
                    help="leave the kept finding-*/regression-* inputs out of the pool")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args.memory_mb)
    if args.emit:
        seeds = load_seeds(plain=args.plain_seeds)
        case = make_case(args.seed, args.first, seeds, {p: p.read_bytes() for p in seeds})
        args.emit.write_bytes(case.data)
        print(f"case {args.first}: {case.mode} of a mutated {case.seed_path.name} -> {args.emit}")
        return 0
    t0 = time.monotonic()
    result = run(args.cases, args.seed, args.first, args.out, args.timeout, args.memory_mb,
                 plain_seeds=args.plain_seeds)
    c = result["counts"]
    print(f"containers: {c['cases']} cases, {c['ok']} scored, {c['refused']} refused, {c['findings']} findings "
          f"in {time.monotonic() - t0:.1f} s")
    print("SUMMARY " + json.dumps(c))
    return 1 if c["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
