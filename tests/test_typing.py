"""Typing: the package is typed (py.typed), the native module has checked-in stubs that match the bindings,
and a user's script that uses the public API passes `mypy --strict` with precise types (no Any)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import core_stubs

HERE = Path(__file__).parent


def test_the_package_ships_py_typed_and_the_native_stubs():
    import pyvmaf_tiny

    package = Path(pyvmaf_tiny.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_core.pyi").is_file()


def test_native_stubs_match_the_bindings():
    current = core_stubs.STUBS.read_text(encoding="utf-8")
    generated = core_stubs.generate()
    assert generated == current, (f"{core_stubs.STUBS.relative_to(HERE.parent)} is out of date with the bindings: "
                                  f"regenerate it with `{core_stubs.COMMAND}` and commit it")


def test_a_user_script_passes_mypy_strict(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                           str(HERE / "typing" / "user_script.py")], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
