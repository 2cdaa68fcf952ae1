"""Post-training quantisation of an exported student: int8 QDQ (static, calibrated
on corpus features) and, where the runtime supports it, int4 block-quantised weights."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .export import to_onnx, write_sidecar
from .fit import Student


def quantize_int8(student: Student, out_path: Path, calibration: np.ndarray, opset: int = 19) -> Path:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            rows = calibration.astype(np.float32)
            self._batches = iter([{"features": rows[i : i + 256]} for i in range(0, len(rows), 256)])

        def get_next(self):
            return next(self._batches, None)

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "fp32.onnx"
        src.write_bytes(to_onnx(student, opset, wide=False).SerializeToString())
        quantize_static(str(src), str(out_path), Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=True)
    return out_path


def int4_model(student: Student, block: int = 8):
    """Opset-21 graph with int4 weights dequantised per block (DequantizeLinear, block_size)."""
    from onnx import TensorProto, helper, numpy_helper

    from .export import IR_FOR_OPSET, folded_layers

    nodes, inits = [], []
    prev = "features"
    layers = folded_layers(student)
    for k, (w, b, act) in enumerate(layers):
        out_dim, in_dim = w.shape
        blocks = int(np.ceil(in_dim / block))
        padded = np.zeros((out_dim, blocks * block))
        padded[:, :in_dim] = w
        scale = np.abs(padded.reshape(out_dim, blocks, block)).max(axis=2) / 7.0
        scale[scale == 0] = 1.0
        q = np.clip(np.round(padded.reshape(out_dim, blocks, block) / scale[..., None]), -8, 7).astype(np.int8)
        q = q.reshape(out_dim, -1)[:, :in_dim]
        inits.append(helper.make_tensor(f"q{k}", TensorProto.INT4, q.shape, q.flatten().tolist()))
        inits.append(numpy_helper.from_array(scale.astype(np.float32), f"sc{k}"))
        inits.append(numpy_helper.from_array(b.astype(np.float32), f"b{k}"))
        nodes.append(helper.make_node("DequantizeLinear", [f"q{k}", f"sc{k}"], [f"w{k}"], axis=1, block_size=block))
        nodes.append(helper.make_node("Gemm", [prev, f"w{k}", f"b{k}"], [f"g{k}"], transB=1))
        prev = f"g{k}"
        if act is not None and k < len(layers) - 1:
            if act == "silu":
                nodes += [helper.make_node("Sigmoid", [prev], [f"s{k}"]), helper.make_node("Mul", [prev, f"s{k}"], [f"a{k}"])]
            else:
                nodes.append(helper.make_node({"relu": "Relu", "tanh": "Tanh"}[act], [prev], [f"a{k}"]))
            prev = f"a{k}"
    inits += [numpy_helper.from_array(np.array([student.y_std], np.float32), "ys"),
              numpy_helper.from_array(np.array([student.y_mean], np.float32), "ym")]
    nodes += [helper.make_node("Mul", [prev, "ys"], ["r"]), helper.make_node("Add", ["r", "ym"], ["vmaf"])]
    graph = helper.make_graph(
        nodes, "tiny_int4", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", len(student.features)])],
        [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="pyvmaf-tiny")
    model.ir_version = IR_FOR_OPSET[21]
    return model


def quantize(student: Student, onnx_path: Path, calibration: np.ndarray, name: str, *, int4: bool = False,
             log=print) -> dict:
    """Write <name>_int8 (and <name>_int4 if it runs) beside `onnx_path`; report size and agreement."""
    import onnxruntime as ort

    import pyvmaf_tiny
    from ..models.onnx import python_session_options

    out = {}
    directory = onnx_path.parent
    ref = student.predict(calibration)
    variants = [("int8", 19)] + ([("int4", 21)] if int4 else [])
    for quant, opset in variants:
        path = directory / f"{name}_{quant}.onnx"
        if quant == "int8":
            quantize_int8(student, path, calibration)
        else:
            path.write_bytes(int4_model(student).SerializeToString())
        try:
            sess = ort.InferenceSession(str(path), python_session_options(), providers=["CPUExecutionProvider"])
            py = np.clip(sess.run(["vmaf"], {"features": calibration.astype(np.float32)})[0].reshape(-1), 0, 100)
        except Exception as e:  # noqa: BLE001 - reported, not fatal
            out[quant] = {"supported": False, "reason": str(e).splitlines()[0][:300]}
            path.unlink(missing_ok=True)
            log(f"quantize {quant}: not supported by onnxruntime {ort.__version__}: {out[quant]['reason']}")
            continue
        write_sidecar(path, f"{name}_{quant}", student.features, opset, quant)
        try:
            native = pyvmaf_tiny.models.load(str(path), device="cpu").predict(calibration)
            native_ok, reason = bool(np.abs(native - py).max() <= 1e-5), ""
        except pyvmaf_tiny.PyvmafTinyError as e:
            native_ok, reason = False, str(e)
        out[quant] = {"supported": True, "bytes": path.stat().st_size, "native": native_ok,
                      "rmse_vs_fp32": float(np.sqrt(np.mean((py - ref) ** 2))), "path": str(path)}
        if reason:
            out[quant]["native_reason"] = reason
        log(f"quantize {quant}: {out[quant]}")
    return out
