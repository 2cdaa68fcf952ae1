"""Fuzzing the parsers: whatever the bytes, only pyvmaf-tiny's own errors come out
(no crash, no hang, no other exception). Bounded and derandomised for CI."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyvmaf_tiny
from pyvmaf_tiny import _core
from pyvmaf_tiny.io import open_source

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
OURS = (pyvmaf_tiny.InputError, pyvmaf_tiny.ModelError)


def _vmaf_model_text() -> str:
    info = {i.name: i for i in pyvmaf_tiny.models.list()}["vmaf_v0.6.1"]
    return open(info.path, encoding="utf-8").read()


def _mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for pos, value, op in edits:
        if not b:
            break
        i = pos % len(b)
        if op == 0:
            b[i] = value
        elif op == 1:
            del b[i : i + 1 + value % 16]
        else:
            b[i:i] = bytes([value]) * (1 + value % 4)
    return bytes(b)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255), st.integers(0, 2)), min_size=1, max_size=8)


@FUZZ
@given(header=st.binary(max_size=80), body=st.binary(max_size=400),
       fields=st.lists(st.sampled_from(["W8", "H6", "W0", "H-1", "C420jpeg", "C444", "C420p10", "Cmono", "Ip", "It",
                                        "F25:1", "W99999", "Cx", "A1:1", "XYSCSS=420"]), max_size=6))
def test_y4m_reader(tmp_path, header, body, fields):
    path = tmp_path / "f.y4m"
    head = b"YUV4MPEG2 " + " ".join(fields).encode() + b"\n" if fields else header
    path.write_bytes(head + body)
    try:
        with open_source(str(path), role="reference") as src:
            for _ in src:
                pass
    except OURS:
        pass


@FUZZ
@given(size=st.integers(0, 5000), width=st.integers(-3, 70), height=st.integers(-3, 70),
       fmt=st.sampled_from(["yuv420p", "yuv422p10le", "gray", "yuv444p16le", "nv12", "yuv420p9le"]))
def test_raw_reader(tmp_path, size, width, height, fmt):
    path = tmp_path / "f.yuv"
    path.write_bytes(np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes())
    try:
        with open_source(str(path), role="reference", width=width, height=height, pix_fmt=fmt) as src:
            for _ in src:
                pass
    except OURS:
        pass


@FUZZ
@given(edits=EDITS)
def test_libvmaf_model_parser(edits):
    text = _mutate(_vmaf_model_text().encode(), edits).decode("utf-8", errors="replace")
    try:
        model = _core.SvmModel.from_json(text, "fuzz")
        model.predict(np.full((2, len(model.columns)), 0.5))
    except OURS:
        pass


SIDECAR = {"schema": "pyvmaf-tiny/model/1", "name": "m", "kind": "fr_features", "onnx": "m.onnx",
           "sha256": "0" * 64, "opset": 19, "quant": "fp32",
           "input": {"name": "features", "features": ["integer_adm2", "integer_motion2"]},
           "output": {"name": "vmaf", "range": [0, 100]},
           "interval": {"method": "split_conformal", "alpha": 0.1, "halfwidth": 1.7}}


@FUZZ
@given(edits=EDITS, replace=st.dictionaries(st.sampled_from(sorted(SIDECAR)),
                                            st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                                      st.lists(st.integers(), max_size=3)), max_size=2))
def test_sidecar_parser(edits, replace):
    text = _mutate(json.dumps({**SIDECAR, **replace}).encode(), edits).decode("utf-8", errors="replace")
    try:
        _core.parse_sidecar(text, "fuzz")
    except OURS:
        pass


@FUZZ
@given(text=st.text(max_size=200))
def test_json_reader_on_arbitrary_text(text):
    try:
        _core.parse_sidecar(text, "fuzz")
    except OURS:
        pass


def _valid_onnx() -> bytes:
    from onnx_models import mlp

    return mlp(2, hidden=4).SerializeToString()


@FUZZ
@given(edits=EDITS)
def test_onnx_checker(edits):
    try:
        _core.check_onnx(_mutate(_valid_onnx(), edits), "fuzz")
    except OURS:
        pass


@FUZZ
@given(data=st.binary(max_size=600))
def test_onnx_checker_on_arbitrary_bytes(data):
    try:
        _core.check_onnx(data, "fuzz")
    except OURS:
        pass


# --- the JSON reader against Python's json used as a strict RFC 8259 reader --------------------------------------

REFUSE = object()


def _python_strict(data: bytes):
    """What a strict RFC 8259 reader makes of `data` (Python's json, plus the rules it leaves out), or REFUSE."""
    try:
        text = data.decode("utf-8")  # refuses overlongs, encoded surrogates, truncated sequences
    except UnicodeDecodeError:
        return REFUSE
    if text.startswith("\ufeff"):
        return REFUSE

    def unique(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_constants(name):
        raise ValueError(name)

    try:
        value = json.loads(text, object_pairs_hook=unique, parse_constant=no_constants)
    except (ValueError, RecursionError):
        return REFUSE

    def ok(v, depth=0):
        if isinstance(v, float):
            return np.isfinite(v)
        if isinstance(v, str):
            return not any(0xD800 <= ord(c) <= 0xDFFF for c in v)
        if isinstance(v, (list, dict)):
            if depth >= 64:
                return False
            items = list(v.items()) if isinstance(v, dict) else [(None, x) for x in v]
            return all((k is None or ok(k)) and ok(x, depth + 1) for k, x in items)
        return True

    return value if ok(value) else REFUSE


def _same(ours, theirs) -> bool:
    if isinstance(theirs, bool) or theirs is None:
        return ours is theirs
    if isinstance(theirs, int):
        if -(2**63) <= theirs < 2**63:
            return type(ours) is int and ours == theirs
        return type(ours) is float and ours == float(theirs)
    if isinstance(theirs, float):
        return type(ours) is float and ours == theirs and np.copysign(1, ours) == np.copysign(1, theirs)
    if isinstance(theirs, str):
        return ours == theirs
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return (isinstance(ours, dict) and list(ours) == list(theirs)
            and all(_same(ours[k], theirs[k]) for k in theirs))


def _check_json(data: bytes) -> None:
    theirs = _python_strict(data)
    try:
        ours = _core.parse_json(data)
    except pyvmaf_tiny.ModelError as e:
        assert theirs is REFUSE, (data, theirs, str(e))
        return
    assert theirs is not REFUSE, (data, ours)
    assert _same(ours, theirs), (data, ours, theirs)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12)


@settings(FUZZ, max_examples=400)
@given(value=JSON_VALUES, ascii_only=st.booleans(), edits=st.lists(st.tuples(st.integers(0, 1 << 30),
                                                                             st.integers(0, 255),
                                                                             st.integers(0, 2)), max_size=4))
def test_json_reader_agrees_with_a_strict_reference(value, ascii_only, edits):
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    _check_json(_mutate(data, edits) if edits else data)


@settings(FUZZ, max_examples=400)
@given(data=st.binary(max_size=64)
       | st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b",", b":", b'"', b"\\", b"u", b"d8", b"00", b"0", b"-",
                                   b".", b"e", b"E", b"+", b"1", b"9", b" ", b"\t", b"true", b"null", b"\xc3",
                                   b"\xa9", b"\xed", b"\xf4", b"\x80", b"\xef\xbb\xbf", b"a"]), max_size=24).map(
           b"".join))
def test_json_reader_on_arbitrary_bytes(data):
    _check_json(data)


@FUZZ
@given(edits=EDITS)
def test_model_document_on_mutated_sidecars(edits):
    data = _mutate(json.dumps(SIDECAR).encode(), edits)
    try:
        doc = _core.ModelDocument(data, "fuzz", b"/models")
    except OURS:
        return
    if doc.kind == "fr_features":  # whatever it says, it opens one plain file beside the sidecar
        (ref,) = doc.references
        assert ref.startswith(b"/models/") and b"/" not in ref[len(b"/models/"):] and ref != b"/models/.."


# --- ONNX shape inference against what ONNX Runtime actually allocates -------------------------------------------

def _random_graph(draw):
    """A small graph of allowlisted operators over features [N, F], every tensor a graph output."""
    from onnx import TensorProto, helper, numpy_helper

    f = draw(st.integers(1, 4))
    tensors = [("features", 2)]  # (name, rank)
    nodes, inits = [], []
    counter = iter(range(1000))

    def const(values, dtype=np.float32):
        name = f"k{next(counter)}"
        inits.append(numpy_helper.from_array(np.asarray(values, dtype), name))
        return name

    def pick():
        return draw(st.sampled_from(tensors))

    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["unary", "binary", "Concat", "MatMul", "Gemm", "Reshape", "Transpose", "Unsqueeze",
                                   "Squeeze", "Slice", "Gather", "Flatten", "Reduce", "ShapeReshape", "Softmax"]))
        (a, r), out = pick(), f"t{next(counter)}"
        if op == "unary":
            nodes.append(helper.make_node(draw(st.sampled_from(["Relu", "Neg", "Abs", "Sigmoid", "Identity"])), [a],
                                          [out]))
        elif op == "binary":
            shape = draw(st.lists(st.sampled_from([1, 2, 3, f]), max_size=3))
            other = draw(st.sampled_from([n for n, _ in tensors] + [const(np.ones(shape))]))
            nodes.append(helper.make_node(draw(st.sampled_from(["Add", "Mul", "Sub", "Max"])), [a, other], [out]))
            r = max(r, len(shape))
        elif op == "Concat":
            b, _ = pick()
            nodes.append(helper.make_node("Concat", [a, b], [out], axis=draw(st.integers(-r, max(r - 1, 0)))))
        elif op == "MatMul":
            k = draw(st.integers(1, 4))
            shape = draw(st.lists(st.integers(1, 3), max_size=1)) + [draw(st.sampled_from([1, 2, 3, f])), k]
            nodes.append(helper.make_node("MatMul", [a, const(np.ones(shape))], [out]))
            r = max(r, len(shape))
        elif op == "Gemm":
            nodes.append(helper.make_node("Gemm", [a, const(np.ones((f, draw(st.integers(1, 3)))))], [out],
                                          transB=0))
            r = 2
        elif op == "Reshape":
            target = draw(st.lists(st.sampled_from([-1, 0, 1, 2, f, 2 * f]), min_size=1, max_size=3))
            nodes.append(helper.make_node("Reshape", [a, const(target, np.int64)], [out]))
            r = len(target)
        elif op == "Transpose" and r > 0:
            nodes.append(helper.make_node("Transpose", [a], [out], perm=draw(st.permutations(range(r)))))
        elif op == "Unsqueeze":
            nodes.append(helper.make_node("Unsqueeze", [a, const([draw(st.integers(-r - 1, r))], np.int64)], [out]))
            r += 1
        elif op == "Squeeze":
            axes = draw(st.lists(st.integers(-r, max(r - 1, 0)), max_size=1))
            nodes.append(helper.make_node("Squeeze", [a, const(axes, np.int64)] if axes else [a], [out]))
            r = max(r - 1, 0) if axes else r
        elif op == "Slice":
            n = draw(st.integers(1, max(1, min(2, r))))
            starts = draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n))
            ends = draw(st.lists(st.sampled_from([-9, -1, 0, 1, 2, 3, 9, 2**63 - 1, -(2**63)]), min_size=n,
                                 max_size=n))
            axes = draw(st.lists(st.integers(-r, max(r - 1, 0)), min_size=n, max_size=n, unique=True))
            steps = draw(st.lists(st.sampled_from([1, 2, -1, -2, 3]), min_size=n, max_size=n))
            nodes.append(helper.make_node("Slice", [a, const(starts, np.int64), const(ends, np.int64),
                                                    const(axes, np.int64), const(steps, np.int64)], [out]))
        elif op == "Gather":
            idx = draw(st.lists(st.integers(-3, 3), max_size=3))
            nodes.append(helper.make_node("Gather", [a, const(idx, np.int64)], [out],
                                          axis=draw(st.integers(-r, max(r - 1, 0)))))
        elif op == "Flatten":
            nodes.append(helper.make_node("Flatten", [a], [out], axis=draw(st.integers(-r, r))))
            r = 2
        elif op == "Reduce":
            axes = draw(st.lists(st.integers(-r, max(r - 1, 0)), max_size=2, unique=True))
            keep = draw(st.integers(0, 1))
            inputs = [a, const(axes, np.int64)] if axes else [a]
            nodes.append(helper.make_node(draw(st.sampled_from(["ReduceMean", "ReduceSum"])), inputs, [out],
                                          keepdims=keep))
            r = r if keep else (0 if not axes else r - len(axes))
        elif op == "ShapeReshape":
            s, g, c = f"s{next(counter)}", f"g{next(counter)}", f"c{next(counter)}"
            nodes += [helper.make_node("Shape", [a], [s]),
                      helper.make_node("Gather", [s, const([0], np.int64)], [g]),
                      helper.make_node("Concat", [g, const([-1], np.int64)], [c], axis=0),
                      helper.make_node("Reshape", [a, c], [out])]
            tensors += [(s, 1), (g, 1), (c, 1)]
            r = 2
        elif op == "Softmax":
            nodes.append(helper.make_node("Softmax", [a], [out], axis=draw(st.integers(-r, max(r - 1, 0)))))
        else:
            nodes.append(helper.make_node("Relu", [a], [out]))
        tensors.append((out, max(r, 0)))
    graph = helper.make_graph(nodes, "fuzz", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", f])],
                              [helper.make_empty_tensor_value_info(n) for n, _ in tensors[1:]], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    return model.SerializeToString(), f


@st.composite
def random_graphs(draw):
    return _random_graph(draw)


@settings(FUZZ, max_examples=200)
@given(graph=random_graphs())
def test_onnx_shape_inference_matches_onnxruntime(graph):
    """Whenever the checker accepts a graph and ONNX Runtime runs it, every tensor has the inferred shape."""
    import onnxruntime as ort

    data, f = graph
    try:
        _core.check_onnx(data, "fuzz")
    except OURS:
        return
    try:
        sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - ONNX Runtime refusing a graph is a clean refusal too
        return
    names = [o.name for o in sess.get_outputs()]
    for batch in (1, 2, 4):
        inferred = _core.onnx_shapes(data, batch)
        try:
            outs = sess.run(names, {"features": np.random.default_rng(batch).random((batch, f), np.float32)})
        except Exception:  # noqa: BLE001
            continue
        for name, value in zip(names, outs):
            assert list(value.shape) == inferred[name][1], (name, batch, value.shape, inferred[name])
