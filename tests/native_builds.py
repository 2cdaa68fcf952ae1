"""The native tools (pvt-features, pvt-mathcheck) built with CMake for this
machine or, cross-compiled, for another, cached per checkout under the test
cache."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from content import CACHE

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("pvt-features", "pvt-mathcheck")


def build(name: str, *args: str) -> Path:
    """The build folder of the tools, configured with these extra CMake arguments."""
    cmake = shutil.which("cmake")
    assert cmake, "cmake is needed to build the native tools (it is in the test extras)"
    folder = CACHE / "cross-build" / f"{name}-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    configure = subprocess.run([cmake, "-S", str(ROOT), "-B", str(folder), *gen, "-DCMAKE_BUILD_TYPE=Release",
                                "-DPYVMAF_TINY_BUILD_PYTHON=OFF", "-DPYVMAF_TINY_BUILD_TOOLS=ON", *args],
                               capture_output=True, text=True)
    assert configure.returncode == 0, configure.stdout[-3000:] + configure.stderr[-3000:]
    targets = [a for t in TOOLS for a in ("--target", t)]
    made = subprocess.run([cmake, "--build", str(folder), *targets, "--parallel", str(os.cpu_count() or 2)],
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stdout[-5000:] + made.stderr[-3000:]
    return folder


def tool(folder: Path, name: str) -> Path:
    exe = folder / "core" / name
    return exe.with_suffix(".exe") if exe.with_suffix(".exe").exists() else exe
