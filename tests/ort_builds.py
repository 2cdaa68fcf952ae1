"""ONNX Runtime builds from PyPI for the version matrix (tests/test_ort_matrix.py): each wheel is
downloaded once (`pip download --no-deps`), unpacked whole under the test cache, and used from there:
its libonnxruntime by the native core (PYVMAF_TINY_ORT_LIBRARY), its Python package (PYTHONPATH) by the
comparison in the same subprocess.

Which builds run: PYVMAF_TINY_ORT_MATRIX=default (the floor, the newest and the OpenVINO build; what a
plain `pytest` runs), =full (every build below), =off (none), or a comma-separated list of build names.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from content import CACHE

ORT_CACHE = CACHE / "ort"


@dataclass(frozen=True)
class Build:
    name: str
    dist: str  # the PyPI distribution
    version: str
    role: str

    @property
    def site(self) -> Path:
        return ORT_CACHE / f"{self.dist}-{self.version}"

    @property
    def capi(self) -> Path:
        return self.site / "onnxruntime" / "capi"

    @property
    def library(self) -> Path:
        found = sorted(self.capi.glob("libonnxruntime.so*"))
        if not found:
            raise AssertionError(f"{self.dist} {self.version}'s wheel holds no libonnxruntime.so ({self.capi})")
        return found[0]


# pyproject.toml's floor is FLOOR: the 1.17 and 1.18 wheels ship no libonnxruntime.so (only the pybind
# module), so 1.19.0 is the oldest release the native core can load from a wheel.
FLOOR = "1.19.0"
BUILDS = [
    Build("floor", "onnxruntime", FLOOR, "floor"),
    Build("1.20.1", "onnxruntime", "1.20.1", "middle"),
    Build("1.22.1", "onnxruntime", "1.22.1", "middle"),
    Build("1.24.4", "onnxruntime", "1.24.4", "middle"),
    Build("1.28.0", "onnxruntime", "1.28.0", "middle"),
    Build("1.31.1", "onnxruntime", "1.31.1", "middle"),
    Build("newest", "onnxruntime", "1.32.0", "newest"),
    Build("openvino", "onnxruntime-openvino", "1.24.1", "openvino"),
]
DEFAULT = ["floor", "newest", "openvino"]


def selected() -> list[Build]:
    choice = os.environ.get("PYVMAF_TINY_ORT_MATRIX", "default").strip() or "default"
    if choice == "off":
        return []
    if choice == "full":
        return list(BUILDS)
    names = DEFAULT if choice == "default" else [n.strip() for n in choice.split(",") if n.strip()]
    by_name = {b.name: b for b in BUILDS} | {b.version: b for b in BUILDS if b.dist == "onnxruntime"}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise pytest.UsageError(f"PYVMAF_TINY_ORT_MATRIX: unknown builds {unknown}; known: "
                                f"{[b.name for b in BUILDS]}, default, full, off")
    return [by_name[n] for n in names]


# pip's messages when it could not reach the index at all (as opposed to the index answering "no").
_OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Name or service not known|"
                      r"Network is unreachable|Failed to establish a new connection|No route to host|"
                      r"ProxyError|ConnectTimeout|Connection refused")


def fetch(build: Build) -> Build:
    """The unpacked build, downloading and unpacking it on first use.

    A download that fails fails the test, except off CI when pip could not reach the index at all
    (offline): then the test is skipped, saying so. On CI (the CI variable set) it always fails."""
    if (build.site / ".complete").is_file():
        return build
    wheels = ORT_CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pattern = f"{build.dist.replace('-', '_')}-{build.version}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "-q", f"{build.dist}=={build.version}", "-d", str(wheels)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        found = sorted(wheels.glob(pattern))
        if proc.returncode != 0 or not found:
            why = f"pip download {build.dist}=={build.version} failed:\n{proc.stdout}{proc.stderr}"
            if not os.environ.get("CI") and _OFFLINE.search(proc.stdout + proc.stderr):
                pytest.skip(f"offline, PyPI unreachable: the ONNX Runtime matrix needs it once. {why[-300:]}")
            raise AssertionError(why)
    # Unpacked beside its final place, then renamed: concurrent runs share the cache.
    tmp = Path(tempfile.mkdtemp(prefix=build.site.name + ".", dir=ORT_CACHE))
    try:
        with zipfile.ZipFile(found[0]) as z:
            z.extractall(tmp)
        for lib in (tmp / "onnxruntime" / "capi").glob("*.so*"):
            lib.chmod(0o755)
        (tmp / ".complete").write_text(found[0].name + "\n")
        try:
            tmp.rename(build.site)
        except OSError:
            if not (build.site / ".complete").is_file():  # a half-made folder from an interrupted run
                shutil.rmtree(build.site, ignore_errors=True)
                tmp.rename(build.site)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return build
