"""The checked-in type stubs of the native module, src/pyvmaf_tiny/_core.pyi.

Regenerate them after changing the bindings (src/cpp/), with the package built and installed:

    python tests/core_stubs.py

They are pybind11-stubgen's output (the version pinned in the test extra), unedited;
tests/test_typing.py regenerates them and fails when the checked-in file differs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

STUBS = Path(__file__).resolve().parents[1] / "src" / "pyvmaf_tiny" / "_core.pyi"
COMMAND = "python tests/core_stubs.py"


def generate() -> str:
    """The stubs of the installed pyvmaf_tiny._core, as pybind11-stubgen writes them."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "pybind11_stubgen", "pyvmaf_tiny._core", "--output-dir", out,
                        "--exit-code"], check=True, capture_output=True, text=True, timeout=300)
        return (Path(out) / "pyvmaf_tiny" / "_core.pyi").read_text(encoding="utf-8")


if __name__ == "__main__":
    STUBS.write_text(generate(), encoding="utf-8")
    print(f"wrote {STUBS}")
