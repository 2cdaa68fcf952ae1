"""The GitHub workflows and the wheel matrix: schema-valid, lint-clean (zizmor),
and building exactly the wheels the project promises."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PYTHONS = ["cp310", "cp311", "cp312", "cp313", "cp314"]
PROMISED = {"manylinux_x86_64", "manylinux_aarch64", "musllinux_x86_64", "macosx_x86_64", "macosx_arm64", "win_amd64"}


def _tool(name: str) -> str:
    exe = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    assert exe, f"{name} is in the test extras"
    return exe


def test_workflows_match_the_github_schema():
    proc = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_are_zizmor_clean():
    # Offline: pinned commits, permissions, credential persistence, template injection...
    proc = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github" / "workflows")],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "No findings" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_every_action_is_pinned_to_a_commit():
    for wf in WORKFLOWS:
        for line in wf.read_text().splitlines():
            if "uses:" in line:
                ref = line.split("uses:", 1)[1].split("#")[0].strip()
                assert len(ref.split("@", 1)[1]) == 40, f"{wf.name}: {ref} is not pinned to a commit"


def _cibw_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]


def test_cibuildwheel_config_matches_its_schema():
    import cibuildwheel
    import jsonschema

    schema = json.loads((Path(cibuildwheel.__file__).parent / "resources" / "cibuildwheel.schema.json").read_text())
    jsonschema.validate(_cibw_config(), schema)


def _runners():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "wheels.yml").read_text())
    for entry in wf["jobs"]["wheels"]["strategy"]["matrix"]["include"]:
        runner = entry["runs-on"]
        platform = "linux" if runner.startswith("ubuntu") else "macos" if runner.startswith("macos") else "windows"
        yield runner, platform, entry.get("archs", "auto64")


@pytest.mark.parametrize("runner,platform,archs", list(_runners()), ids=lambda v: str(v))
def test_each_runner_builds_its_own_architecture(runner, platform, archs):
    env = dict(os.environ, CIBW_ARCHS=archs)
    if platform == "linux" and runner.endswith("-arm"):
        env["CIBW_ARCHS"] = "aarch64"  # what auto64 means on that runner
    proc = subprocess.run([_tool("cibuildwheel"), "--print-build-identifiers", "--platform", platform], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ids = proc.stdout.split()
    assert sorted({i.split("-", 1)[0] for i in ids}) == PYTHONS, ids
    tags = {i.split("-", 1)[1] for i in ids}
    assert tags <= PROMISED and tags, ids
    assert len({t.split("_", 1)[1] for t in tags}) == 1, f"{runner} builds more than one architecture: {tags}"


def test_the_matrix_covers_every_promised_wheel():
    seen = set()
    for runner, platform, archs in _runners():
        env = dict(os.environ, CIBW_ARCHS="aarch64" if runner.endswith("-arm") else archs)
        out = subprocess.run([_tool("cibuildwheel"), "--print-build-identifiers", "--platform", platform], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=True).stdout
        seen |= {i.split("-", 1)[1] for i in out.split()}
    assert seen == PROMISED
