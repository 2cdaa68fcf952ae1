"""The standing fuzz harness, a bounded slice of it (docs/fuzzing.md has the long run).

pvt-fuzz (core/tools/fuzz_main.cpp), built with AddressSanitizer and UBSan as
for tests/test_native_tool.py, mutates the seed corpus in tests/fuzz_seeds/
(Y4M headers and frames, raw geometry, libvmaf JSON models, sidecars, ONNX
files, JSON) and runs each case in-process. tests/fuzz_containers.py does the
same for container files through the Python entry points, in a subprocess.
Any crash, hang, sanitizer report, allocation past the per-case limit or
error outside InputError / ModelError fails these tests; every input that
ever did is kept in tests/fuzz_seeds/ and replayed here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyvmaf_tiny
from test_native_tool import sanitized_tool  # noqa: F401 - the session fixture that builds the tools

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fuzz_seeds"
MODELS = ROOT / "src" / "pyvmaf_tiny" / "models" / "data"
SVM_MODELS = ["vmaf_v0.6.1.json", "vmaf_v0.6.1neg.json", "vmaf_4k_v0.6.1.json"]
TARGETS = ["y4m", "raw", "libvmaf-json", "sidecar", "onnx", "json"]
# The slice run here: about a minute of the sanitized tool on a quiet machine.
CASES = int(os.environ.get("PYVMAF_TINY_FUZZ_CASES", "12000"))
SEED = int(os.environ.get("PYVMAF_TINY_FUZZ_SEED", "20260118"))
CONTAINER_CASES = int(os.environ.get("PYVMAF_TINY_FUZZ_CONTAINER_CASES", "600"))
SANITIZER = re.compile(r"runtime error|Sanitizer|LeakSanitizer")


@pytest.fixture(scope="session")
def fuzz_tool(sanitized_tool) -> Path:  # noqa: F811
    tool = Path(os.environ.get("PYVMAF_TINY_FUZZ_TOOL") or Path(sanitized_tool).parent / "pvt-fuzz")
    assert tool.exists(), f"{tool} was not built (PYVMAF_TINY_BUILD_TOOLS=ON builds it beside pvt-features)"
    return tool


def _env():
    return dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1")


def _models():
    return [a for m in SVM_MODELS for a in ("--vmaf-model", str(MODELS / m))]


def _run(tool, *args, timeout=900):
    return subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True, env=_env(), timeout=timeout)


@pytest.mark.parametrize("kind,expect", [
    ("crash", "crash"), ("heap-overflow", "crash"), ("ub", "crash"), ("hang", "hang"),
    ("alloc", "FINDING: memory"), ("throw", "FINDING: non-contract exception"), ("anything else", "refused"),
])
def test_harness_catches_each_kind_of_failure(fuzz_tool, tmp_path, kind, expect):
    # The harness's own self-test target: each failure it must report, reported.
    case = tmp_path / "case"
    case.write_bytes(kind.encode())
    out = tmp_path / "out"
    proc = _run(fuzz_tool, "--replay", "selftest", case, "--out", out, "--timeout-ms", "1500", timeout=120)
    if expect in ("crash", "hang"):
        assert proc.returncode != 0
        saved = list(out.glob(f"{expect}-selftest-*.bin"))
        assert len(saved) == 1 and saved[0].read_bytes() == kind.encode(), proc.stderr[-2000:]
        if expect == "crash":
            assert SANITIZER.search(proc.stderr), proc.stderr[-2000:]
    else:
        assert proc.returncode == (1 if "FINDING" in expect else 0), proc.stderr[-2000:]
        assert f"{case}: {expect}" in proc.stdout


def test_cases_are_deterministic(fuzz_tool, tmp_path):
    # Case K of seed S is the same input on every run (that is how a finding is reproduced).
    def emit(seed, first, name):
        path = tmp_path / name
        proc = _run(fuzz_tool, "--seeds", SEEDS, "--seed", seed, "--first", first, "--cases", 1, "--emit", path)
        assert proc.returncode == 0, proc.stderr
        return path.read_bytes()

    for k in range(6):  # one case per target
        assert emit(7, k, f"a{k}") == emit(7, k, f"b{k}")
    assert [emit(7, k, f"c{k}") for k in range(6, 30)] != [emit(8, k, f"d{k}") for k in range(6, 30)]


@pytest.mark.parametrize("target", TARGETS)
def test_seed_corpus_replays_cleanly(fuzz_tool, tmp_path, target):
    # Every seed, and every input a campaign ever reported (kept here as a
    # regression test), ends in a result or a contract error; frames are
    # scored without a model and with each packaged SVM model.
    files = sorted(p for p in (SEEDS / target).iterdir() if p.is_file() and p.name != "README.md")
    assert files
    proc = _run(fuzz_tool, "--replay", target, *files, *_models(), "--out", tmp_path)
    assert not SANITIZER.search(proc.stderr), proc.stderr[-4000:]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "FINDING" not in proc.stdout


def test_bounded_campaign(fuzz_tool, tmp_path):
    out = tmp_path / "out"
    proc = _run(fuzz_tool, "--seeds", SEEDS, "--cases", CASES, "--seed", SEED, "--out", out, *_models(), "--quiet")
    findings = (out / "findings.txt").read_text() if (out / "findings.txt").exists() else ""
    crashed = sorted(p.name for p in out.glob("*.bin") if not p.name.startswith("finding-"))
    assert not SANITIZER.search(proc.stderr) and not crashed, f"{crashed}\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, findings[-4000:] + proc.stderr[-2000:]
    summary = json.loads(proc.stdout.split("SUMMARY ", 1)[1])
    assert set(summary["targets"]) == set(TARGETS)
    for name, s in summary["targets"].items():
        assert s["cases"] >= CASES // len(TARGETS) and s["findings"] == 0, (name, s)
        # The mutations keep enough structure to get past the parsers too.
        assert s["accepted"] > s["cases"] // 20, (name, s)


def _container_fuzz():
    sys.path.insert(0, str(Path(__file__).parent))
    import fuzz_containers

    return fuzz_containers


def test_container_seeds_replay_cleanly():
    # Each container seed (and kept reproducer), as it is, in every mode.
    fc = _container_fuzz()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        worker = fc.Worker(4096, Path(tmp) / "worker.log")
        try:
            bad = []
            for path in fc.load_seeds(with_y4m=False):
                for mode in fc.MODES:
                    r = worker.run(path, mode, path, 120)
                    if r["outcome"] == "finding":
                        bad.append(f"{path.name} ({mode}): {r['detail'][:600]}")
                        if r.get("fatal"):
                            worker.close()
                            worker = fc.Worker(4096, Path(tmp) / "worker.log")
        finally:
            worker.close()
    assert not bad, "\n".join(bad)


def test_bounded_container_campaign(tmp_path):
    fc = _container_fuzz()
    result = fc.run(CONTAINER_CASES, SEED, out=tmp_path, verbose=False)
    assert result["counts"]["cases"] == CONTAINER_CASES
    details = "\n".join(f"case {f['case']} ({f['mode']}, {f['seed_file']}): {f['detail'][:400]}"
                        for f in result["findings"][:10])
    assert result["counts"]["findings"] == 0, details
    assert result["counts"]["ok"] > CONTAINER_CASES // 10


@pytest.mark.parametrize("mode,kind", [("selftest-segv", "crash"), ("selftest-hang", "hang")])
def test_container_fuzzer_catches_crashes_and_hangs(tmp_path, mode, kind):
    # The worker's death or silence is a finding, and the next case gets a new worker.
    fc = _container_fuzz()
    seed = fc.load_seeds(with_y4m=False)[0]
    worker = fc.Worker(4096, tmp_path / "worker.log")
    try:
        r = worker.run(seed, mode, seed, 3)
        assert r["outcome"] == "finding" and r["detail"].startswith(kind) and r.get("fatal"), r
        if kind == "crash":
            assert "SIGSEGV" in r["detail"]
        worker.close()
        worker = fc.Worker(4096, tmp_path / "worker.log")
        assert worker.run(seed, "score", seed, 60)["outcome"] == "ok"
    finally:
        worker.close()


# pvt-features reads Y4M itself (the one native parser): no geometry arguments,
# frames with parameters included, the same numbers as the package.
def _y4m(path, frames, colour, headers):
    from test_native_y4m import _write as write_y4m

    h, w = frames[0][0].shape
    return write_y4m(path, w, h, colour, frames, headers, tags="F30000:1001 Ip A1:1 XCOLORRANGE=LIMITED")


@pytest.mark.parametrize("colour,dtype", [("420jpeg", np.uint8), ("422p10", "<u2")])
def test_native_tool_reads_y4m_without_geometry(sanitized_tool, tmp_path, colour, dtype):  # noqa: F811
    rng = np.random.default_rng(5)
    w, h = 37, 29
    cw, ch = (19, 15) if colour == "420jpeg" else (19, 29)
    top = 255 if dtype == np.uint8 else 1023

    def frames(n):
        return [[rng.integers(0, top + 1, s).astype(dtype) for s in [(h, w), (ch, cw), (ch, cw)]] for _ in range(n)]

    headers = [b"FRAME\n", b"FRAME Ixyz\n", b"FRAME\n"]
    ref = _y4m(tmp_path / "ref.y4m", frames(3), colour, [b"FRAME\n"] * 3)
    dist = _y4m(tmp_path / "dist.y4m", frames(3), colour, headers)
    extractors = ["vif", "adm", "motion", "psnr"]
    proc = subprocess.run([str(sanitized_tool), str(ref), str(dist), "--threads", "2",
                           *[a for e in extractors for a in ("--extractor", e)]],
                          capture_output=True, text=True, env=_env(), timeout=600)
    assert proc.returncode == 0 and not SANITIZER.search(proc.stderr), proc.stderr[-3000:]
    native = json.loads(proc.stdout)
    ours = pyvmaf_tiny.extract_features(str(ref), str(dist), extractors, threads=2)
    values = np.array(native["frames"])
    assert len(values) == 3
    for i, name in enumerate(native["columns"]):
        np.testing.assert_array_equal(values[:, i], ours[name], err_msg=name)
    # A malformed Y4M is refused with the input's exit code, and raw files still need their geometry.
    bad = tmp_path / "bad.y4m"
    bad.write_bytes(b"YUV4MPEG2 W37 H29 W38\nFRAME\n")
    proc = subprocess.run([str(sanitized_tool), str(bad), str(dist)], capture_output=True, text=True, env=_env())
    assert proc.returncode == 2 and "W given twice" in proc.stderr, proc.stderr
    proc = subprocess.run([str(sanitized_tool), str(ref), str(tmp_path / "x.yuv")], capture_output=True, text=True,
                          env=_env())
    assert proc.returncode == 2 and "usage" in proc.stderr
