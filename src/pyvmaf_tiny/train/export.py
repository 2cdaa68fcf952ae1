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
from .interval import EnsembleSpread

SIDECAR_SCHEMA_V2 = "pyvmaf-tiny/model/2"  # adds the per-frame interval (a second graph output)

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


def to_onnx(student: Student, opset: int = 19, wide: bool = True, difficulty=None):
    """Gemm -> activation -> ... -> Gemm -> Mul/Add rescale, dynamic batch.

    Weights are stored as float32. With `wide`, the graph computes in float64
    (Cast nodes), so every runtime rounds only once, at the float32 output:
    torch, Python ONNX Runtime and the native core then agree exactly. The
    float32 graph (wide=False) is what quantisation starts from.

    With `difficulty` (interval.Difficulty), the graph has a second output,
    "vmaf_scale": the difficulty model's sigma(x) per row (the sidecar's
    quantile times it is the interval's half-width).
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

    def mlp(prefix: str, layers, y_std: float, y_mean: float, src: str, result: str) -> None:
        prev = src
        for k, (w, b, act) in enumerate(layers):
            out = f"{prefix}g{k}"
            nodes.append(helper.make_node("Gemm", [prev, const(f"{prefix}w{k}", w), const(f"{prefix}b{k}", b)], [out],
                                          transB=1))
            prev = out
            if act is not None and k < len(layers) - 1:
                a = f"{prefix}a{k}"
                if act == "silu":
                    nodes.extend([helper.make_node("Sigmoid", [prev], [f"{prefix}s{k}"]),
                                  helper.make_node("Mul", [prev, f"{prefix}s{k}"], [a])])
                else:
                    nodes.append(helper.make_node({"relu": "Relu", "tanh": "Tanh"}[act], [prev], [a]))
                prev = a
        nodes.extend([helper.make_node("Mul", [prev, const(f"{prefix}ys", [y_std])], [f"{prefix}r"]),
                      helper.make_node("Add", [f"{prefix}r", const(f"{prefix}ym", [y_mean])], [result])])

    if wide:
        nodes.append(helper.make_node("Cast", ["features"], ["x"], to=TensorProto.DOUBLE))
    src = "x" if wide else "features"
    mlp("", folded_layers(student), student.y_std, student.y_mean, src, "y" if wide else "vmaf")
    if wide:
        nodes.append(helper.make_node("Cast", ["y"], ["vmaf"], to=TensorProto.FLOAT))
    outputs = [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])]
    if isinstance(difficulty, EnsembleSpread):
        # the members' sample standard deviation (Add chains: the runtime's op list has no Sum) + the offset
        k_all = len(difficulty.members)
        for k, (layers, y_std, y_mean) in enumerate(difficulty.members):
            mlp(f"e{k}_", layers, y_std, y_mean, src, f"e{k}_y")
        total = "e0_y"
        for k in range(1, k_all):
            nodes.append(helper.make_node("Add", [total, f"e{k}_y"], [f"et{k}"]))
            total = f"et{k}"
        nodes.append(helper.make_node("Div", [total, const("ek", [float(k_all)])], ["emean"]))
        for k in range(k_all):
            nodes += [helper.make_node("Sub", [f"e{k}_y", "emean"], [f"ed{k}"]),
                      helper.make_node("Mul", [f"ed{k}", f"ed{k}"], [f"eq{k}"])]
        total = "eq0"
        for k in range(1, k_all):
            nodes.append(helper.make_node("Add", [total, f"eq{k}"], [f"ev{k}"]))
            total = f"ev{k}"
        nodes += [helper.make_node("Div", [total, const("ek1", [float(k_all - 1)])], ["evar"]),
                  helper.make_node("Sqrt", ["evar"], ["esd"]),
                  helper.make_node("Add", ["esd", const("eoff", [difficulty.offset])], ["d" if wide else "vmaf_scale"])]
        if wide:
            nodes.append(helper.make_node("Cast", ["d"], ["vmaf_scale"], to=TensorProto.FLOAT))
        outputs.append(helper.make_tensor_value_info("vmaf_scale", TensorProto.FLOAT, ["N", 1]))
    elif difficulty is not None:
        src = "x" if wide else "features"
        (w0, b0), (w1, b1) = difficulty.layers()
        nodes += [helper.make_node("Gemm", [src, const("dw0", w0), const("db0", b0)], ["dg0"], transB=1),
                  helper.make_node("Sigmoid", ["dg0"], ["ds0"]), helper.make_node("Mul", ["dg0", "ds0"], ["da0"]),
                  helper.make_node("Gemm", ["da0", const("dw1", w1), const("db1", b1)], ["dg1"], transB=1),
                  # softplus(v) = relu(v) + log(1 + exp(-|v|)): no overflow, and ORT's CPU Softplus has no float64
                  helper.make_node("Relu", ["dg1"], ["dr"]), helper.make_node("Abs", ["dg1"], ["dab"]),
                  helper.make_node("Neg", ["dab"], ["dn"]), helper.make_node("Exp", ["dn"], ["de"]),
                  helper.make_node("Add", ["de", const("one", [1.0])], ["d1"]), helper.make_node("Log", ["d1"], ["dl"]),
                  helper.make_node("Add", ["dr", "dl"], ["dsp"]),
                  helper.make_node("Mul", ["dsp", const("dsc", [difficulty.scale])], ["dm"]),
                  helper.make_node("Add", ["dm", const("dfl", [difficulty.floor])], ["d" if wide else "vmaf_scale"])]
        if wide:
            nodes.append(helper.make_node("Cast", ["d"], ["vmaf_scale"], to=TensorProto.FLOAT))
        outputs.append(helper.make_tensor_value_info("vmaf_scale", TensorProto.FLOAT, ["N", 1]))
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", len(student.features)])],
        outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="pyvmaf-tiny")
    model.ir_version = IR_FOR_OPSET[opset]
    return model


def write_sidecar(onnx_path: Path, name: str, features: list[str], opset: int, quant: str, *,
                  interval: Optional[dict] = None, metrics: Optional[dict] = None, training: Optional[dict] = None,
                  teacher: str = "vmaf_v0.6.1", label: Optional[dict] = None) -> Path:
    """The sidecar. An interval with a `scale_output` (the per-frame, normalised kind) makes it schema 2;
    a fixed `halfwidth` keeps schema 1, which every earlier reader accepts."""
    data = onnx_path.read_bytes()
    per_frame = bool(interval and interval.get("scale_output"))
    side = {
        "schema": SIDECAR_SCHEMA_V2 if per_frame else SIDECAR_SCHEMA, "name": name, "kind": "fr_features",
        "onnx": onnx_path.name,
        "sha256": hashlib.sha256(data).hexdigest(), "opset": opset, "quant": quant,
        "input": {"name": "features", "features": list(features)},
        "output": {"name": "vmaf", "range": [0, 100]},
        "teacher": teacher,
    }
    if label is not None:
        side["teacher"] = label.get("teacher", teacher)
        if "parts" in label:
            side["label"] = {"parts": label["parts"]}
    if per_frame:
        side["interval"] = {"method": interval["method"], "alpha": interval["alpha"],
                            "scale_output": interval["scale_output"], "quantile": interval["quantile"],
                            "mean_halfwidth_test": interval.get("mean_halfwidth_test")}
    elif interval is not None and interval.get("halfwidth") is not None:
        side["interval"] = {k: interval[k] for k in ("method", "alpha", "halfwidth")}
    if metrics is not None:
        side["metrics"] = metrics
    if training is not None:
        side["training"] = training
    path = onnx_path.with_suffix(".json")
    from .mos import json_safe

    path.write_text(json.dumps(json_safe(side), indent=1, sort_keys=False, allow_nan=False) + "\n")
    return path


def export(result: FitResult, out_dir: str, name: str, opset: int = 19, training: Optional[dict] = None) -> Path:
    """Write <out_dir>/<name>.onnx and its sidecar; returns the .onnx path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / f"{name}.onnx"
    onnx_path.write_bytes(to_onnx(result.student, opset, difficulty=result.difficulty).SerializeToString())
    test = result.metrics["test"]
    metrics = {"plcc": test["clip"].get("plcc"), "srocc": test["clip"].get("srocc"),
               "krocc": test["clip"].get("krocc"), "rmse": test["frame"]["rmse"], "split": "source_holdout 80/20",
               "frame": test["frame"], "clip": test["clip"]}
    if result.loso is not None:
        metrics["loso"] = result.loso
    if result.interval.get("per_family_test"):
        pf = result.interval["per_family_test"]
        metrics["interval_coverage_test"] = {k: pf[k] for k in ("overall", "families", "min_family", "below_85")}
    if result.stage2 is not None:
        training = dict(training or {}, stage2=result.stage2)
    write_sidecar(onnx_path, name, result.student.features, opset, "fp32", interval=result.interval,
                  metrics=metrics, training=training, label=result.label)
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


def round_trip(student: Student, onnx_path: Path, x: np.ndarray, tol: float = 1e-5, difficulty=None,
               quantile: Optional[float] = None) -> dict:
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
    model = pyvmaf_tiny.models.load(str(onnx_path), device="cpu")
    native = model.predict(x)
    diffs.update(torch_vs_ort=float(np.abs(torch_pred - ort_pred).max()),
                 ort_vs_native=float(np.abs(ort_pred - native).max()),
                 torch_vs_native=float(np.abs(torch_pred - native).max()))
    if difficulty is not None:
        from .. import _core

        lo, hi = np.clip(native - quantile * difficulty.predict(x), 0, 100), \
            np.clip(native + quantile * difficulty.predict(x), 0, 100)
        got = _core.frame_interval(model.native, np.ascontiguousarray(x, dtype=np.float64))
        # sigma is float32 in the graph and in torch, summed in a different order: within 1e-4 relative
        diffs["interval_native_vs_python"] = float(max(np.abs(got[:, 0] - lo).max(), np.abs(got[:, 1] - hi).max()))
        if diffs["interval_native_vs_python"] > 1e-4 * max(1.0, float(np.abs(hi - lo).max())):
            from ..errors import ModelError

            raise ModelError(f"round trip of {onnx_path}: the native interval differs from the trained one by "
                             f"{diffs['interval_native_vs_python']}")
    bad = {k: v for k, v in diffs.items() if k != "interval_native_vs_python" and
           v > (1e-4 if k == "fold_float64" else tol)}
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
