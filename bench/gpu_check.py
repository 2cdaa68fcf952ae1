"""One prepared check for a lent GPU machine: CUDA against CPU through the native runtime.

    pip install ".[test]" onnxruntime-gpu && python bench/gpu_check.py

Builds a tiny MLP, scores real content on CPU and on CUDA through
pyvmaf_tiny (native ORT C API path), and requires |cuda - cpu| <= 1e-4 per
frame, Result.backend == "cuda", and that the CUDA-only C-ABI entries were
called. Prints one JSON line and exits non-zero on any failure.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_dnn import tiny_mlp  # noqa: E402


def main() -> int:
    import pyvmaf_tiny
    from pyvmaf_tiny import _core

    rng = np.random.default_rng(0)
    ref = rng.integers(0, 256, (12, 270, 480), dtype=np.uint8)
    dist = np.clip(ref.astype(int) + rng.integers(-12, 13, ref.shape), 0, 255).astype(np.uint8)
    out = {"ort": pyvmaf_tiny.models.ort_info()}
    with tempfile.TemporaryDirectory() as tmp:
        sidecar = tiny_mlp(Path(tmp))
        cpu = pyvmaf_tiny.score(ref, dist, str(sidecar), device="cpu")
        gpu = pyvmaf_tiny.score(ref, dist, str(sidecar), device="cuda")
    diff = float(np.abs(gpu.frames - cpu.frames).max())
    slots = {name: used for name, _, _, used in _core.ort_slot_use()}
    out.update(backend=gpu.backend, max_abs_diff=diff, unused_slots=[n for n, u in slots.items() if not u])
    ok = gpu.backend == "cuda" and diff <= 1e-4 and slots["AppendExecutionProviderCudaV2"] and slots["ReleaseCudaProviderOptions"]
    out["ok"] = bool(ok)
    print(json.dumps(out))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
