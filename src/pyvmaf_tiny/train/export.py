"""Exporting a student: ONNX with the normalisation folded into the weights, a
sidecar, and the torch / Python ORT / native round-trip check."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

import numpy as np

from ..models.onnx import SIDECAR_SCHEMA
from .fit import FitResult, Student

IR_FOR_OPSET = {17: 8, 19: 9, 21: 10}


def folded_layers(student: Student) -> list[tuple[np.ndarray, np.ndarray, Optional[str]]]:
    """(W [out, in], b, activation after it) for each Linear, with input
    standardisation, the reweighting and BatchNorm folded in. The output stays
    standardised: the graph rescales it with an element-wise Mul and Add, which
    keeps float32 rounding at the 0..100 scale identical across runtimes."""
    import torch

    net = student.net
    mods = list(net.body)
    layers, act = [], None
    scale = 1.0 / student.x_std
    if net.reweight is not None:
        scale = scale * net.input_weight().detach().double().numpy()
    shift = student.x_mean
    i = 0
    while i < len(mods):
        lin = mods[i]
        w = lin.weight.detach().double().numpy().copy()
        b = lin.bias.detach().double().numpy().copy()
        if not layers:  # z = (x - mean) * scale
            b = b - w @ (shift * scale)
            w = w * scale[None, :]
        i += 1
        if i < len(mods) and isinstance(mods[i], torch.nn.BatchNorm1d):
            bn = mods[i]
            var = bn.running_var.detach().double().numpy()
            g = bn.weight.detach().double().numpy() / np.sqrt(var + bn.eps)
            w = w * g[:, None]
            b = (b - bn.running_mean.detach().double().numpy()) * g + bn.bias.detach().double().numpy()
            i += 1
        act = None
        while i < len(mods) and not isinstance(mods[i], torch.nn.Linear):
            name = type(mods[i]).__name__
            act = {"ReLU": "relu", "Tanh": "tanh", "SiLU": "silu"}.get(name, act)
            i += 1
        layers.append((w, b, act))
    return layers


def to_onnx(student: Student, opset: int = 19, wide: bool = True):
    """Gemm -> activation -> ... -> Gemm -> Mul/Add rescale, dynamic batch.

    Weights are stored as float32. With `wide`, the graph computes in float64
    (Cast nodes), so every runtime rounds only once, at the float32 output:
    torch, Python ONNX Runtime and the native core then agree exactly. The
    float32 graph (wide=False) is what quantisation starts from.
    """
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name: str, value: np.ndarray) -> str:
        if not wide:
            inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
            return name
        inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name + "f"))
        nodes.append(helper.make_node("Cast", [name + "f"], [name], to=TensorProto.DOUBLE))
        return name

    if wide:
        nodes.append(helper.make_node("Cast", ["features"], ["x"], to=TensorProto.DOUBLE))
    prev = "x" if wide else "features"
    layers = folded_layers(student)
    for k, (w, b, act) in enumerate(layers):
        out = f"g{k}"
        nodes.append(helper.make_node("Gemm", [prev, const(f"w{k}", w), const(f"b{k}", b)], [out], transB=1))
        prev = out
        if act is not None and k < len(layers) - 1:
            a = f"a{k}"
            if act == "silu":
                nodes += [helper.make_node("Sigmoid", [prev], [f"s{k}"]), helper.make_node("Mul", [prev, f"s{k}"], [a])]
            else:
                nodes.append(helper.make_node({"relu": "Relu", "tanh": "Tanh"}[act], [prev], [a]))
            prev = a
    nodes += [helper.make_node("Mul", [prev, const("ys", [student.y_std])], ["r"]),
              helper.make_node("Add", ["r", const("ym", [student.y_mean])], ["y" if wide else "vmaf"])]
    if wide:
        nodes.append(helper.make_node("Cast", ["y"], ["vmaf"], to=TensorProto.FLOAT))
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", len(student.features)])],
        [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pyvmaf-tiny")
    model.ir_version = IR_FOR_OPSET[opset]
    return model


def write_sidecar(onnx_path: Path, name: str, features: list[str], opset: int, quant: str, *,
                  interval: Optional[dict] = None, metrics: Optional[dict] = None, training: Optional[dict] = None,
                  teacher: str = "vmaf_v0.6.1") -> Path:
    data = onnx_path.read_bytes()
    side = {
        "schema": SIDECAR_SCHEMA, "name": name, "kind": "fr_features", "onnx": onnx_path.name,
        "sha256": hashlib.sha256(data).hexdigest(), "opset": opset, "quant": quant,
        "input": {"name": "features", "features": list(features)},
        "output": {"name": "vmaf", "range": [0, 100]},
        "teacher": teacher,
    }
    if interval is not None:
        side["interval"] = {k: interval[k] for k in ("method", "alpha", "halfwidth")}
    if metrics is not None:
        side["metrics"] = metrics
    if training is not None:
        side["training"] = training
    path = onnx_path.with_suffix(".json")
    path.write_text(json.dumps(side, indent=1, sort_keys=False) + "\n")
    return path


def export(result: FitResult, out_dir: str, name: str, opset: int = 19, training: Optional[dict] = None) -> Path:
    """Write <out_dir>/<name>.onnx and its sidecar; returns the .onnx path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / f"{name}.onnx"
    onnx_path.write_bytes(to_onnx(result.student, opset).SerializeToString())
    test = result.metrics["test"]
    metrics = {"plcc": test["clip"].get("plcc"), "srocc": test["clip"].get("srocc"),
               "krocc": test["clip"].get("krocc"), "rmse": test["frame"]["rmse"], "split": "source_holdout 80/20",
               "frame": test["frame"], "clip": test["clip"]}
    if result.loso is not None:
        metrics["loso"] = result.loso
    write_sidecar(onnx_path, name, result.student.features, opset, "fp32", interval=result.interval,
                  metrics=metrics, training=training)
    return onnx_path


def _folded_forward(student: Student, layers, x: np.ndarray, dtype) -> np.ndarray:
    """The exported graph evaluated by torch at `dtype`: Gemm (x W^T + b) and activations."""
    import torch

    def stored(v):  # the value as exported: float32, then widened
        return torch.from_numpy(np.asarray(v, np.float32).astype(dtype))

    h = torch.from_numpy(x.astype(np.float32).astype(dtype))
    for k, (w, b, act) in enumerate(layers):
        h = torch.nn.functional.linear(h, stored(w), stored(b))
        if act is not None and k < len(layers) - 1:
            h = {"relu": torch.relu, "tanh": torch.tanh, "silu": lambda t: t * torch.sigmoid(t)}[act](h)
    h = h * stored([student.y_std]) + stored([student.y_mean])
    return np.clip(h.numpy().reshape(-1).astype(np.float32).astype(np.float64), 0, 100)


def round_trip(student: Student, onnx_path: Path, x: np.ndarray, tol: float = 1e-5) -> dict:
    """torch vs Python onnxruntime vs the native runtime on the same features; raises if they disagree.

    Folding the normalisation into the weights is checked in float64 against
    the trained network (tolerance 1e-4: the export stores float32 weights);
    torch then evaluates the exported network as the graph defines it (float64
    inside, one rounding to float32 at the end).
    """
    import onnxruntime as ort

    import pyvmaf_tiny

    layers = folded_layers(student)
    net64 = _trained_forward_float64(student, x)
    diffs = {"fold_float64": float(np.abs(_folded_forward(student, layers, x, np.float64) - net64).max())}
    torch_pred = _folded_forward(student, layers, x, np.float64)
    from ..models.onnx import python_session_options

    sess = ort.InferenceSession(str(onnx_path), python_session_options(), providers=["CPUExecutionProvider"])
    ort_pred = np.clip(sess.run(["vmaf"], {"features": x.astype(np.float32)})[0].reshape(-1).astype(np.float64),
                       0, 100)
    native = pyvmaf_tiny.models.load(str(onnx_path), device="cpu").predict(x)
    diffs.update(torch_vs_ort=float(np.abs(torch_pred - ort_pred).max()),
                 ort_vs_native=float(np.abs(ort_pred - native).max()),
                 torch_vs_native=float(np.abs(torch_pred - native).max()))
    bad = {k: v for k, v in diffs.items() if v > (1e-4 if k == "fold_float64" else tol)}
    if bad:
        from ..errors import ModelError

        raise ModelError(f"round trip of {onnx_path} disagrees beyond {tol}: {bad}")
    return diffs


def _trained_forward_float64(student: Student, x: np.ndarray) -> np.ndarray:
    import copy

    import torch

    net = copy.deepcopy(student.net).double().eval()
    with torch.no_grad():
        z = torch.from_numpy((x - student.x_mean) / student.x_std)
        y = net(z).numpy()
    return np.clip(y * student.y_std + student.y_mean, 0, 100)
