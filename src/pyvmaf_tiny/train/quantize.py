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


def _act(name, v):
    if name == "silu":
        return v / (1 + np.exp(-v))
    if name == "relu":
        return np.maximum(v, 0)
    if name == "tanh":
        return np.tanh(v)
    return v


def quantized_layers(layers: list, kind: str, mean: np.ndarray, std: np.ndarray, block: int = 0,
                     calibration: Optional[np.ndarray] = None) -> list:
    """[(q, scales [out, blocks], b, act, block)] of every layer, the first one unfolded for input
    (x - mean) / std; `block` > 0 gives each run of `block` inputs of a row its own scale (int4), else one
    scale a row. With `calibration` rows, each bias is corrected for the mean shift its layer's rounding
    causes on them (given the quantised layers before it)."""
    levels = LEVELS[kind]
    out = []
    h_float = h_quant = None if calibration is None else (calibration - mean) / std
    for k, (w, b, act) in enumerate(layers):
        if k == 0:
            b = b + w @ mean
            w = w * std[None, :]
        rows, cols = w.shape
        size = block if 0 < block < cols else cols
        blocks = -(-cols // size)
        padded = np.zeros((rows, blocks * size))
        padded[:, :cols] = w
        parts = padded.reshape(rows * blocks, size)
        s = _row_scales(parts, levels)
        q = np.clip(np.round(parts / s[:, None]), -levels - 1, levels).reshape(rows, -1)[:, :cols].astype(np.int8)
        scales = s.reshape(rows, blocks)
        if h_float is not None:
            wq = np.repeat(scales, size, axis=1)[:, :cols] * q
            pre_f = h_float @ w.T + b
            pre_q = h_quant @ wq.T + b
            b = b + (pre_f - pre_q).mean(axis=0)
            last = k == len(layers) - 1
            h_float = pre_f if last else _act(act, pre_f)
            h_quant = (h_quant @ wq.T + b) if last else _act(act, h_quant @ wq.T + b)
        out.append((q, scales, b, act, size))
    return out


def quantized_model(layers: list, y_std: float, y_mean: float, kind: str, mean: np.ndarray, std: np.ndarray,
                    block: int = 0, calibration: Optional[np.ndarray] = None):
    from onnx import TensorProto, helper, numpy_helper

    opset = 21 if kind == "int4" else 19
    qlayers = quantized_layers(layers, kind, mean, std, block if kind == "int4" else 0, calibration)
    f32 = lambda v: np.asarray(v, np.float32)  # noqa: E731
    inits = [numpy_helper.from_array(f32(mean), "in_mean"), numpy_helper.from_array(f32(1.0 / std), "in_inv_std")]
    nodes = [helper.make_node("Sub", ["features", "in_mean"], ["c"]),
             helper.make_node("Mul", ["c", "in_inv_std"], ["z"])]
    n_features = len(mean)
    prev = "z"
    for k, (q, s, b, act, size) in enumerate(qlayers):
        if kind == "int4":
            inits.append(helper.make_tensor(f"q{k}", TensorProto.INT4, q.shape, q.flatten().tolist()))
            inits.append(numpy_helper.from_array(f32(s), f"sc{k}"))
            nodes.append(helper.make_node("DequantizeLinear", [f"q{k}", f"sc{k}"], [f"w{k}"], axis=1,
                                          block_size=int(size)))
        else:
            inits.append(numpy_helper.from_array(q, f"q{k}"))
            inits.append(numpy_helper.from_array(f32(s[:, 0]), f"sc{k}"))
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


def _rmse_of(model, x: np.ndarray, ref: np.ndarray) -> float:
    import onnxruntime as ort

    from ..models.onnx import python_session_options

    try:
        sess = ort.InferenceSession(model.SerializeToString(), python_session_options(),
                                    providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - judged (and reported) by the caller's own run
        return float("inf")
    y = np.clip(sess.run(["vmaf"], {"features": x.astype(np.float32)})[0].reshape(-1), 0, 100)
    return float(np.sqrt(np.mean((y - ref) ** 2)))


def quantize(source: Path, calibration: np.ndarray, *, kinds=("int8", "int4"), max_rmse: float = MAX_RMSE,
             out_dir: Optional[Path] = None, log=print, int4_blocks=(0, 8, 4, 2)) -> dict:
    """Quantise the model at `source` (a `train fit` .onnx with its sidecar) as each of `kinds`; write
    <name>_<kind>.onnx + sidecar beside it (or in out_dir) only when its RMSE to the float model over
    `calibration` is within `max_rmse`. Returns a report per kind."""
    import onnxruntime as ort

    import pyvmaf_tiny

    from ..models.onnx import python_session_options

    layers, y_std, y_mean, features, name = layers_from_onnx(source)
    ref = pyvmaf_tiny.models.load(str(source), device="cpu").predict(calibration)
    out_dir = out_dir or source.parent
    report = {"source": str(source), "source_bytes": source.stat().st_size, "max_rmse": max_rmse,
              "frames": int(len(calibration))}
    mean, std = calibration.mean(axis=0), calibration.std(axis=0) + 1e-12
    for kind in kinds:
        # int4: the block size (0: one block a row) with the least error, among the few tried
        tried = []
        for block in (int4_blocks if kind == "int4" else (0,)):
            m, opset = quantized_model(layers, y_std, y_mean, kind, mean, std, block, calibration)
            tried.append((_rmse_of(m, calibration, ref), block, m, opset))
        _, block, model, opset = min(tried, key=lambda t: t[0])
        path = out_dir / f"{name}_{kind}.onnx"
        data = model.SerializeToString()
        tmp = out_dir / f".{name}_{kind}.tmp.onnx"
        tmp.write_bytes(data)
        try:
            sess = ort.InferenceSession(str(tmp), python_session_options(), providers=["CPUExecutionProvider"])
            py = np.clip(sess.run(["vmaf"], {"features": calibration.astype(np.float32)})[0].reshape(-1), 0, 100)
        except Exception as e:  # noqa: BLE001 - reported, not fatal
            tmp.unlink(missing_ok=True)
            report[kind] = {"written": False, "reason": f"onnxruntime cannot run it: {str(e).splitlines()[0][:200]}"}
            continue
        rmse = float(np.sqrt(np.mean((py - ref) ** 2)))
        entry = {"bytes": len(data), "opset": opset, "rmse_vs_fp32": rmse, "block": block or "row",
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
