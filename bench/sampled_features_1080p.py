"""How much a student's row-sampled features (`*_sr_32`) cost it at 1080p: the frame RMSE against
`vmaf_v0.6.1` of the ONNX model fed its own (sampled) features and fed the exact ones under the same
names, on the bench clip and on a corpus's 1920x1080 encodes.

    python bench/sampled_features_1080p.py v2/fr_micro_v2.onnx --corpus corpus/

The bench clip is bench_vs_libvmaf.py's (bench/out/*_1920x1080_yuv420p_24.yuv, made if missing).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

import pyvmaf_tiny

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_vs_libvmaf import make_content  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--frames", type=int, default=24)
    args = ap.parse_args(argv)
    features = json.loads(args.model.with_suffix(".json").read_text())["input"]["features"]
    exact = [f.replace("_sr_32", "") for f in features]
    session = ort.InferenceSession(str(args.model))
    name = session.get_inputs()[0].name

    def run(ref, dist, **geometry):
        got = pyvmaf_tiny.extract_features(ref, dist, features + [f for f in exact if f not in features],
                                           threads=2, **geometry)
        teacher = np.asarray(pyvmaf_tiny.score(ref, dist, "vmaf_v0.6.1", threads=2, **geometry).frames)
        pred = [session.run(None, {name: np.column_stack([got[f] for f in cols]).astype(np.float32)})[0].ravel()
                for cols in (features, exact)]
        return teacher, pred[0], pred[1]

    def report(what, t, s, e):
        rmse = lambda p: float(np.sqrt(np.mean((p - t) ** 2)))  # noqa: E731
        print(f"{what}: frame RMSE {rmse(s):.3f} with the sampled features, {rmse(e):.3f} with the exact ones; "
              f"at most {float(np.abs(s - e).max()):.2f} apart ({len(t)} frames)")

    ref, dist = make_content(HERE / "out", 1920, 1080, args.frames, "yuv420p")
    report("bench clip", *run(str(ref), str(dist), width=1920, height=1080, pix_fmt="yuv420p"))
    if args.corpus:
        rows = [r for r in csv.DictReader(open(args.corpus / "manifest.csv")) if (r["width"], r["height"]) == ("1920", "1080")]
        parts = [run(str(args.corpus / r["ref"]), str(args.corpus / r["dist"]),
                     scale_dist=None if float(r["rung"]) == 1.0 else "bicubic") for r in rows]
        if parts:
            families = sorted({r["family"] for r in rows})
            report(f"corpus 1080p encodes ({len(rows)}, {', '.join(families)})",
                   *(np.concatenate([p[i] for p in parts]) for i in range(3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
