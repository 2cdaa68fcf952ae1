"""Weight quantisation of a student: int8 (per output channel) or int4 (opset-21
block quantisation, one block per output row), with the input standardisation
kept in float.

An exported graph has the standardisation folded into its first layer, whose
columns then differ in size by orders of magnitude (1/std of each feature) and
whose bias holds a large -W.mean/std that cancels most of W.x: quantising that
layer as it is loses the small columns and the cancellation. So the first
layer is unfolded again: the graph standardises in float, (x - m) / s with the
calibration frames' mean and standard deviation (the training set's, up to
sampling), and the first layer gets the weights W * s and bias b + W.m, which
are the trained weights again up to that choice. Every Gemm's weights are
then quantised per output row (the scale chosen to minimise the row's squared
rounding error) and dequantised by DequantizeLinear in the graph; biases,
activations and the output rescale stay float32.

A quantised model must stay within `max_rmse` VMAF (RMSE over the calibration
frames) of the float model, or it is not written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import ModelError
from .export import IR_FOR_OPSET, write_sidecar

MAX_RMSE = 0.5
LEVELS = {"int8": 127, "int4": 7}


def layers_from_onnx(path: Path) -> tuple[list, float, float, list[str], str]:
    """(layers [(W, b, act)], y_std, y_mean, features, name) of a model exported by `train fit` (its sidecar too)."""
    import json

    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    side = json.loads(path.with_suffix(".json").read_text())
    ops = {n.output[0]: n.op_type for n in model.graph.node}
    layers, k = [], 0
    while f"w{k}f" in init:
        act = None
        if f"s{k}" in ops:
            act = "silu"
        elif f"a{k}" in ops:
            act = {"Relu": "relu", "Tanh": "tanh"}.get(ops[f"a{k}"])
        layers.append((init[f"w{k}f"], init[f"b{k}f"], act))
        k += 1
    if not layers or "ysf" not in init:
        raise ModelError(f"model {path}: not a graph `train fit` exported (no w0f/ysf initializers)")
    return layers, float(init["ysf"][0]), float(init["ymf"][0]), side["input"]["features"], side["name"]


def _row_scales(w: np.ndarray, levels: int) -> np.ndarray:
    """Per row, the scale (among fractions of max|w| / levels) with the least squared rounding error."""
    peak = np.abs(w).max(axis=1) / levels
    peak[peak == 0] = 1.0
    best, best_err = peak.copy(), np.full(len(w), np.inf)
    for f in np.linspace(0.5, 1.0, 51):
        s = peak * f
        q = np.clip(np.round(w / s[:, None]), -levels - 1, levels)
        err = ((q * s[:, None] - w) ** 2).sum(axis=1)
        better = err < best_err
        best[better], best_err[better] = s[better], err[better]
    return best


def quantized_layers(layers: list, kind: str, mean: np.ndarray, std: np.ndarray) -> list:
    """[(q, scale, b, act)] of every layer, the first one unfolded for input (x - mean) / std."""
    levels = LEVELS[kind]
    out = []
    for k, (w, b, act) in enumerate(layers):
        if k == 0:
            b = b + w @ mean
            w = w * std[None, :]
        s = _row_scales(w, levels)
        q = np.clip(np.round(w / s[:, None]), -levels - 1, levels).astype(np.int8)
        out.append((q, s, b, act))
    return out


def quantized_model(layers: list, y_std: float, y_mean: float, kind: str, mean: np.ndarray, std: np.ndarray):
    from onnx import TensorProto, helper, numpy_helper

    opset = 21 if kind == "int4" else 19
    qlayers = quantized_layers(layers, kind, mean, std)
    f32 = lambda v: np.asarray(v, np.float32)  # noqa: E731
    inits = [numpy_helper.from_array(f32(mean), "in_mean"), numpy_helper.from_array(f32(1.0 / std), "in_inv_std")]
    nodes = [helper.make_node("Sub", ["features", "in_mean"], ["c"]),
             helper.make_node("Mul", ["c", "in_inv_std"], ["z"])]
    n_features = len(mean)
    prev = "z"
    for k, (q, s, b, act) in enumerate(qlayers):
        if kind == "int4":
            inits.append(helper.make_tensor(f"q{k}", TensorProto.INT4, q.shape, q.flatten().tolist()))
            inits.append(numpy_helper.from_array(f32(s[:, None]), f"sc{k}"))
            nodes.append(helper.make_node("DequantizeLinear", [f"q{k}", f"sc{k}"], [f"w{k}"], axis=1,
                                          block_size=int(q.shape[1])))
        else:
            inits.append(numpy_helper.from_array(q, f"q{k}"))
            inits.append(numpy_helper.from_array(f32(s), f"sc{k}"))
            nodes.append(helper.make_node("DequantizeLinear", [f"q{k}", f"sc{k}"], [f"w{k}"], axis=0))
        inits.append(numpy_helper.from_array(f32(b), f"b{k}"))
        nodes.append(helper.make_node("Gemm", [prev, f"w{k}", f"b{k}"], [f"g{k}"], transB=1))
        prev = f"g{k}"
        if act is not None and k < len(qlayers) - 1:
            if act == "silu":
                nodes += [helper.make_node("Sigmoid", [prev], [f"s{k}"]),
                          helper.make_node("Mul", [prev, f"s{k}"], [f"a{k}"])]
            else:
                nodes.append(helper.make_node({"relu": "Relu", "tanh": "Tanh"}[act], [prev], [f"a{k}"]))
            prev = f"a{k}"
    inits += [numpy_helper.from_array(f32([y_std]), "ys"), numpy_helper.from_array(f32([y_mean]), "ym")]
    nodes += [helper.make_node("Mul", [prev, "ys"], ["r"]), helper.make_node("Add", ["r", "ym"], ["vmaf"])]
    graph = helper.make_graph(
        nodes, f"tiny_{kind}", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pyvmaf-tiny")
    model.ir_version = IR_FOR_OPSET[opset]
    return model, opset


def quantize(source: Path, calibration: np.ndarray, *, kinds=("int8", "int4"), max_rmse: float = MAX_RMSE,
             out_dir: Optional[Path] = None, log=print) -> dict:
    """Quantise the model at `source` (a `train fit` .onnx with its sidecar) as each of `kinds`; write
    <name>_<kind>.onnx + sidecar beside it (or in out_dir) only when its RMSE to the float model over
    `calibration` is within `max_rmse`. Returns a report per kind."""
    import pyvmaf_tiny

    layers, y_std, y_mean, features, name = layers_from_onnx(source)
    ref = pyvmaf_tiny.models.load(str(source), device="cpu").predict(calibration)
    out_dir = out_dir or source.parent
    report = {"source": str(source), "source_bytes": source.stat().st_size, "max_rmse": max_rmse,
              "frames": int(len(calibration))}
    for kind in kinds:
        model, opset = quantized_model(layers, y_std, y_mean, kind, calibration.mean(axis=0),
                                       calibration.std(axis=0) + 1e-12)
        path = out_dir / f"{name}_{kind}.onnx"
        data = model.SerializeToString()
        tmp = out_dir / f".{name}_{kind}.tmp.onnx"
        tmp.write_bytes(data)
        try:
            import onnxruntime as ort

            sess = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
            py = np.clip(sess.run(["vmaf"], {"features": calibration.astype(np.float32)})[0].reshape(-1), 0, 100)
        except Exception as e:  # noqa: BLE001 - reported, not fatal
            tmp.unlink(missing_ok=True)
            report[kind] = {"written": False, "reason": f"onnxruntime cannot run it: {str(e).splitlines()[0][:200]}"}
            continue
        rmse = float(np.sqrt(np.mean((py - ref) ** 2)))
        entry = {"bytes": len(data), "opset": opset, "rmse_vs_fp32": rmse,
                 "max_abs_vs_fp32": float(np.abs(py - ref).max())}
        if rmse > max_rmse:
            tmp.unlink(missing_ok=True)
            entry.update(written=False, reason=f"{rmse:.3f} VMAF RMSE from the float model is over the "
                                               f"{max_rmse} bound: not written")
        else:
            tmp.replace(path)
            write_sidecar(path, f"{name}_{kind}", features, opset, kind,
                          metrics={"rmse_vs_fp32": rmse, "calibration_frames": int(len(calibration))})
            native = pyvmaf_tiny.models.load(str(path), device="cpu").predict(calibration)
            entry.update(written=True, path=str(path), native_vs_ort=float(np.abs(native - py).max()))
        report[kind] = entry
        log(f"quantize {kind}: {entry}")
    return report
