"""How far the OpenVINO provider's scores are from the CPU provider's, for the shipped tiny models.

    python bench/openvino_distance.py           # uses the onnxruntime-openvino build from the test cache

Needs the onnxruntime-openvino wheel unpacked where the version matrix puts it (run
`PYVMAF_TINY_ORT_MATRIX=openvino pytest tests/test_ort_matrix.py` once), or pass --library and --site.
The README's OpenVINO row quotes this script's output (40-frame 640x272 x264 encodes of `bikes`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

MEASURE = r"""
import sys
import numpy as np
import pyvmaf_tiny
from content import Recipe, make_clip

for quality in (24, 36):
    clip = make_clip(Recipe("bikes", 640, 272, codec="libx264", quality=quality, frames=40))
    for name in ("fr_tiny_v1", "fr_micro_v1"):
        cpu = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), name, **clip.geometry, device="cpu")
        ov = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), name, **clip.geometry, device="openvino")
        d = np.abs(ov.frames - cpu.frames)
        print(f"crf{quality} {name}: cpu {cpu.score:.6f} ({cpu.backend}) openvino {ov.score:.6f} ({ov.backend}) "
              f"per-frame max |d| {d.max():.3g} mean {d.mean():.3g}, pooled |d| {abs(ov.score - cpu.score):.3g}")
print("onnxruntime", pyvmaf_tiny.models.ort_info()["version"])
"""


def main() -> int:
    from ort_builds import BUILDS

    build = next(b for b in BUILDS if b.dist == "onnxruntime-openvino")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=None, help="libonnxruntime of an OpenVINO build")
    parser.add_argument("--site", type=Path, default=build.site, help="where its Python package is unpacked")
    args = parser.parse_args()
    library = args.library or build.library
    env = dict(os.environ, PYVMAF_TINY_ORT_LIBRARY=str(library),
               PYTHONPATH=os.pathsep.join([str(args.site), str(ROOT / "tests")]))
    return subprocess.run([sys.executable, "-c", MEASURE], env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
