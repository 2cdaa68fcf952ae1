"""One ONNX Runtime build, checked in its own process (tests/test_ort_matrix.py runs it with
PYVMAF_TINY_ORT_LIBRARY naming the build's libonnxruntime and PYTHONPATH its Python package).

    python ort_matrix_check.py SPEC.json OUT.json

SPEC: {"inputs": features.npy (rows), "columns": the rows' feature names, "models": {label: name or .onnx path},
       "refused": a float64 model OpenVINO cannot take, "clip": {"ref", "dist", "geometry"}}.
OUT: versions, providers, and per model the native scores on the CPU provider, Python onnxruntime's
on the same build with the same session options, score() in both DNN modes, and, where the build has
OpenVINO, the OpenVINO provider's scores and Result.backend.
"""

from __future__ import annotations

import json
import sys

import numpy as np

def main(spec_path: str, out_path: str) -> None:
    import onnxruntime as ort

    import pyvmaf_tiny
    from pyvmaf_tiny.models.onnx import python_session_options

    spec = json.loads(open(spec_path).read())
    x = np.load(spec["inputs"])
    columns = spec["columns"]
    info = pyvmaf_tiny.models.ort_info()
    out = {"native_version": info["version"], "library": info["library"], "providers": info["providers"],
           "python_version": ort.__version__, "python_file": ort.__file__, "models": {}}
    clip = spec["clip"]
    has_openvino = "OpenVINOExecutionProvider" in info["providers"]
    for label, model in spec["models"].items():
        m = pyvmaf_tiny.models.load(model, device="cpu")
        rows = x[:, [columns.index(c) for c in m.columns]]
        sess = ort.InferenceSession(m.path, python_session_options(), providers=["CPUExecutionProvider"])
        py = sess.run(["vmaf"], {"features": rows.astype(np.float32)})[0].reshape(-1).astype(np.float64)
        got = {"backend": m.backend, "native": m.predict(rows).tolist(), "python": np.clip(py, 0, 100).tolist()}
        for mode in ("stream", "batch"):
            r = pyvmaf_tiny.score(clip["ref"], clip["dist"], model, **clip["geometry"], device="cpu", dnn_mode=mode)
            got[f"score_{mode}"] = r.frames.tolist()
        if has_openvino:
            ov = pyvmaf_tiny.models.load(model, device="openvino")
            got["openvino_backend"] = ov.backend
            got["openvino"] = ov.predict(rows).tolist()
            r = pyvmaf_tiny.score(clip["ref"], clip["dist"], model, **clip["geometry"], device="openvino")
            got["openvino_score_backend"], got["openvino_score"] = r.backend, r.frames.tolist()
            got["auto_backend"] = pyvmaf_tiny.models.load(model, device="auto").backend
        else:
            try:
                pyvmaf_tiny.models.load(model, device="openvino")
                got["openvino_error"] = None
            except pyvmaf_tiny.BackendUnavailable as e:
                got["openvino_error"] = str(e)
        out["models"][label] = got
    refused = spec["refused"]
    m = pyvmaf_tiny.models.load(refused, device="cpu")
    rows = x[:, [columns.index(c) for c in m.columns]]
    out["refused"] = {"cpu": m.predict(rows).tolist()}
    if has_openvino:
        ov = pyvmaf_tiny.models.load(refused, device="openvino")
        out["refused"].update(backend=ov.backend, scores=ov.predict(rows).tolist())
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
