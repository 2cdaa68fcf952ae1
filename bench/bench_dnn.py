"""Cost of tiny-ONNX inference next to feature extraction, streamed vs batched.

    python bench/bench_dnn.py --size 1080p --frames 24 --repeat 5

Reports per-frame model latency (one row per call, as streaming does), per-frame
cost inside a [N, F] batch, and whole-run time of `score()` with the SVM model,
with a tiny MLP streamed and batched, so the DNN share of a full-feature run is
visible. Content is the raw 1080p clip made by bench_vs_libvmaf.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_libvmaf import SIZES, make_content  # noqa: E402

SIX = ["integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
       "integer_vif_scale3"]


def tiny_mlp(directory: Path, hidden: int = 32) -> Path:
    """A 6 -> hidden -> hidden -> 1 MLP with normalisation in the graph (fr_tiny-sized)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits, nodes, width, prev = [], [], 6, "features"
    for d in range(2):
        inits += [numpy_helper.from_array(rng.standard_normal((width, hidden)).astype(np.float32) / 4, f"w{d}"),
                  numpy_helper.from_array(np.zeros(hidden, np.float32), f"b{d}")]
        nodes += [helper.make_node("Gemm", [prev, f"w{d}", f"b{d}"], [f"z{d}"]),
                  helper.make_node("Relu", [f"z{d}"], [f"h{d}"])]
        prev, width = f"h{d}", hidden
    inits += [numpy_helper.from_array(rng.standard_normal((width, 1)).astype(np.float32), "wo"),
              numpy_helper.from_array(np.zeros(1, np.float32), "bo")]
    nodes.append(helper.make_node("Gemm", [prev, "wo", "bo"], ["vmaf"]))
    graph = helper.make_graph(nodes, "bench", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 10
    data = model.SerializeToString()
    (directory / "bench_mlp.onnx").write_bytes(data)
    side = {"schema": "pyvmaf-tiny/model/1", "name": "bench_mlp", "kind": "fr_features", "onnx": "bench_mlp.onnx",
            "sha256": hashlib.sha256(data).hexdigest(), "opset": 19, "quant": "fp32",
            "input": {"name": "features", "features": SIX}, "output": {"name": "vmaf", "range": [-1e9, 1e9]}}
    (directory / "bench_mlp.json").write_text(json.dumps(side))
    return directory / "bench_mlp.json"


def main(argv=None) -> int:
    import pyvmaf_tiny

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1080p", choices=sorted(SIZES))
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    w, h = SIZES[args.size]
    ref, dist = make_content(HERE / "out", w, h, args.frames, "yuv420p")
    geometry = dict(width=w, height=h, pix_fmt="yuv420p", threads=args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        sidecar = tiny_mlp(Path(tmp))
        model = pyvmaf_tiny.models.load(sidecar, device="cpu")
        x = np.random.default_rng(1).random((args.frames, 6))
        one = [x[i : i + 1] for i in range(len(x))]
        lat_stream = statistics.median(_time(lambda: [model.predict(r) for r in one]) for _ in range(50)) / len(x)
        lat_batch = statistics.median(_time(lambda: model.predict(x)) for _ in range(50)) / len(x)

        runs = {"svm (vmaf_v0.6.1)": [], "mlp, stream": [], "mlp, batch": []}
        for _ in range(args.repeat):  # interleaved
            runs["svm (vmaf_v0.6.1)"].append(_time(lambda: pyvmaf_tiny.score(str(ref), str(dist), **geometry)))
            runs["mlp, stream"].append(_time(lambda: pyvmaf_tiny.score(str(ref), str(dist), model, dnn_mode="stream",
                                                                         **geometry)))
            runs["mlp, batch"].append(_time(lambda: pyvmaf_tiny.score(str(ref), str(dist), model, dnn_mode="batch",
                                                                        **geometry)))
    print(f"per-frame model latency: stream (1 row per call) {lat_stream * 1e6:.1f} us, "
          f"batch of {args.frames} {lat_batch * 1e6:.2f} us/frame")
    base = statistics.median(runs["svm (vmaf_v0.6.1)"])
    print(f"| run ({args.size}, {args.frames} frames, {args.threads} thread) | median s | ms/frame |")
    print("|---|---|---|")
    for name, t in runs.items():
        med = statistics.median(t)
        print(f"| {name} | {med:.3f} | {1000 * med / args.frames:.1f} |")
    extraction_ms = 1000 * base / args.frames
    for name, lat in (("stream", lat_stream), ("batch", lat_batch)):
        print(f"DNN share of a full-feature run, {name}: {100 * lat * 1000 / extraction_ms:.4f}% "
              f"({lat * 1e6:.1f} us of {extraction_ms:.1f} ms per frame)")
    return 0


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
