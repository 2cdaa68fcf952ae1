"""Tiny ONNX models built with onnx.helper for the DNN-runtime tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

SIX = ["integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
       "integer_vif_scale3"]


def mlp(n_features: int, hidden: int = 16, depth: int = 2, opset: int = 19, seed: int = 0,
        mean: Optional[np.ndarray] = None, std: Optional[np.ndarray] = None, input_name: str = "features",
        output_name: str = "vmaf", out_rank: int = 2, extra_nodes: Sequence = ()):
    """features [N, F] -> normalise -> (Gemm, Relu) x depth -> Gemm -> sigmoid * 100, dynamic batch."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    mean = np.zeros(n_features, np.float32) if mean is None else np.asarray(mean, np.float32)
    std = np.ones(n_features, np.float32) if std is None else np.asarray(std, np.float32)
    inits = [numpy_helper.from_array(mean, "mean"), numpy_helper.from_array(std, "std")]
    nodes = [helper.make_node("Sub", [input_name, "mean"], ["centred"]),
             helper.make_node("Div", ["centred", "std"], ["h0"])]
    width = n_features
    for d in range(depth):
        w = (rng.standard_normal((width, hidden)) / np.sqrt(width)).astype(np.float32)
        b = (0.1 * rng.standard_normal(hidden)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{d}"), numpy_helper.from_array(b, f"b{d}")]
        nodes += [helper.make_node("Gemm", [f"h{d}", f"w{d}", f"b{d}"], [f"z{d}"]),
                  helper.make_node("Relu", [f"z{d}"], [f"h{d + 1}"])]
        width = hidden
    w = (rng.standard_normal((width, 1)) / np.sqrt(width)).astype(np.float32)
    inits += [numpy_helper.from_array(w, "wo"), numpy_helper.from_array(np.array([0.5], np.float32), "bo"),
              numpy_helper.from_array(np.array([100.0], np.float32), "scale")]
    nodes += [helper.make_node("Gemm", [f"h{depth}", "wo", "bo"], ["logit"]),
              helper.make_node("Sigmoid", ["logit"], ["p"])]
    final = "scaled" if out_rank == 1 else output_name
    nodes.append(helper.make_node("Mul", ["p", "scale"], [final]))
    if out_rank == 1:
        inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
        nodes.append(helper.make_node("Squeeze", ["scaled", "axis1"], [output_name]))
    nodes += list(extra_nodes)
    out_shape = ["N", 1] if out_rank == 2 else ["N"]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, out_shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pyvmaf-tiny-tests")
    model.ir_version = 8 if opset <= 18 else 10
    return model


def save(directory: Path, name: str, model, features: Sequence[str], *, opset: Optional[int] = None,
         quant: str = "fp32", halfwidth: Optional[float] = None, **overrides) -> Path:
    """Write <name>.onnx and its sidecar <name>.json; returns the .onnx path."""
    directory.mkdir(parents=True, exist_ok=True)
    data = model if isinstance(model, bytes) else model.SerializeToString()
    onnx_path = directory / f"{name}.onnx"
    onnx_path.write_bytes(data)
    if opset is None:
        opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    sidecar = {
        "schema": "pyvmaf-tiny/model/1", "name": name, "kind": "fr_features", "onnx": onnx_path.name,
        "sha256": hashlib.sha256(data).hexdigest(), "opset": opset, "quant": quant,
        "input": {"name": "features", "features": list(features)},
        "output": {"name": "vmaf", "range": [0, 100]},
    }
    if halfwidth is not None:
        sidecar["interval"] = {"method": "split_conformal", "alpha": 0.1, "halfwidth": halfwidth}
    for key, value in overrides.items():
        sidecar[key] = value
    (directory / f"{name}.json").write_text(json.dumps(sidecar, indent=1))
    return onnx_path


def quantize_int8(src: Path, dst: Path, calibration: np.ndarray) -> None:
    """int8 QDQ with onnxruntime.quantization (static, calibrated on real features)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._rows = iter([{"features": calibration[i : i + 1].astype(np.float32)} for i in range(len(calibration))])

        def get_next(self):
            return next(self._rows, None)

    quantize_static(str(src), str(dst), Reader(), quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8)
