"""ONNX models within the operator allowlist that would allocate without bound:
static shape inference at every batch size predict() feeds, and budgets on
each tensor, on all of them, and on the number of nodes. Exported and shipped
models still pass."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import pyvmaf_tiny
from onnx_models import mlp, quantize_int8, save
from pyvmaf_tiny import ModelError, _core

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a runtime dependency")

TWO = ["integer_adm2", "integer_motion2"]
BUDGETS = _core.onnx_budgets()


def model(nodes, inits=(), opset=19, n_features=2, out_shape=("N", 1), extra_outputs=()):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("features", TensorProto.FLOAT,
                                                                         ["N", n_features])],
                              [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, list(out_shape)),
                               *extra_outputs], list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8 if opset <= 18 else 10
    return m


def ints(name, values):
    return numpy_helper.from_array(np.asarray(values, np.int64), name)


def mean_rows(src, dst="vmaf", opset=19):
    """ReduceMean over every axis but the first, keeping [N, 1]."""
    if opset >= 18:
        return [helper.make_node("Flatten", [src], [src + "_flat"]),
                helper.make_node("ReduceMean", [src + "_flat", "axis1"], [dst], keepdims=1)]
    return [helper.make_node("Flatten", [src], [src + "_flat"]),
            helper.make_node("ReduceMean", [src + "_flat"], [dst], axes=[1], keepdims=1)]


def refused(m, match):
    data = m.SerializeToString()
    with pytest.raises(ModelError, match=match):
        _core.check_onnx(data, "amp")
    return data


# --- the amplifier from the report, and its relatives -------------------------------------------------------------


def concat_chain(k, axis):
    nodes, prev = [], "features"
    for i in range(k):
        nodes.append(helper.make_node("Concat", [prev, prev], [f"c{i}"], axis=axis))
        prev = f"c{i}"
    return model(nodes + [helper.make_node("ReduceMean", [prev], ["vmaf"], axes=[1], keepdims=1)], opset=17)


def test_concat_doubling_along_rows_is_refused():
    data = refused(concat_chain(26, axis=0), "over the 64 MiB budget for one tensor")
    assert len(data) < 3000  # the report's 3 KB model


def test_concat_doubling_that_keeps_one_value_per_row_is_refused_at_the_budget():
    # [N, 2 * 2^k] floats: at N = 1024 the tensor of k = 13 is 64 MiB, the budget for one tensor
    small = _core.check_onnx(concat_chain(8, axis=1).SerializeToString(), "ok")
    assert small["row_outputs"] == ["vmaf"] and small["max_tensor_bytes"] == BUDGETS["max_batch"] * 2 * 2**8 * 4
    refused(concat_chain(14, axis=1), "over the 64 MiB budget for one tensor")
    refused(concat_chain(30, axis=1), "budget")


def test_rows_multiplied_are_not_one_value_per_row(tmp_path):
    path = save(tmp_path, "rows", concat_chain(3, axis=0), TWO, opset=17)
    with pytest.raises(ModelError, match="one value per input row"):
        pyvmaf_tiny.models.load(str(path), device="cpu")


def test_matmul_batch_broadcast_is_refused():
    w = numpy_helper.from_array(np.zeros((256, 2, 256), np.float32), "w")  # 512 KiB of weights
    nodes = [helper.make_node("Unsqueeze", ["features", "axes"], ["x4"]),  # [N, 1, 1, 2]
             helper.make_node("MatMul", ["x4", "w"], ["y"])] + mean_rows("y")  # [N, 256, 1, 256]
    refused(model(nodes, [w, ints("axes", [1, 2]), ints("axis1", [1])]), "budget for one tensor")


def test_gemm_with_wide_weights_is_refused():
    w = numpy_helper.from_array(np.zeros((2, 3_000_000), np.float32), "w")  # 24 MB, over the file cap too
    m = model([helper.make_node("Gemm", ["features", "w"], ["y"])] + mean_rows("y"), [w, ints("axis1", [1])])
    data = m.SerializeToString()
    with pytest.raises(ModelError, match="cap for tiny models"):
        _core.check_onnx(data, "amp")
    w = numpy_helper.from_array(np.zeros((2, 200_000), np.float32), "w")  # 1.6 MB of weights, [1024, 200000] out
    refused(model([helper.make_node("Gemm", ["features", "w"], ["y"])] + mean_rows("y"), [w, ints("axis1", [1])]),
            "budget for one tensor")


def test_gather_with_many_indices_is_refused():
    idx = ints("idx", np.zeros(100_000, np.int64))  # 800 KB of indices
    nodes = [helper.make_node("Gather", ["features", "idx"], ["y"], axis=1)] + mean_rows("y")
    refused(model(nodes, [idx, ints("axis1", [1])]), "budget for one tensor")
    bad = ints("idx", [0, 5])
    refused(model(nodes, [bad, ints("axis1", [1])]), "index 5 is out of range")


def test_broadcasting_is_refused():
    c = numpy_helper.from_array(np.zeros((1, 100_000, 1), np.float32), "c")
    nodes = [helper.make_node("Unsqueeze", ["features", "axes"], ["x3"]),  # [N, 1, 2]
             helper.make_node("Add", ["x3", "c"], ["y"])] + mean_rows("y")  # [N, 100000, 2]
    refused(model(nodes, [c, ints("axes", [1]), ints("axis1", [1])]), "budget for one tensor")


def test_dequantized_weights_are_counted():
    q = helper.make_tensor("q", TensorProto.INT4, [6000, 4000], bytes(12_000_000), raw=True)  # 12 MB packed
    scale = numpy_helper.from_array(np.ones((6000, 1000), np.float32)[:, :1].copy(), "s")
    nodes = [helper.make_node("DequantizeLinear", ["q", "s"], ["w"], axis=1, block_size=4000),  # 96 MB of floats
             helper.make_node("ReduceSum", ["w"], ["t"], keepdims=0),
             helper.make_node("ReduceMean", ["features", "axis1"], ["m"], keepdims=1),
             helper.make_node("Add", ["m", "t"], ["vmaf"])]
    refused(model(nodes, [q, scale, ints("axis1", [1])], opset=21), "budget for one tensor")


def test_constant_folding_growth_is_refused():
    c = numpy_helper.from_array(np.zeros((1000, 1000), np.float32), "c")  # 4 MB: each Concat doubles it
    nodes, prev = [], "c"
    for i in range(6):
        nodes.append(helper.make_node("Concat", [prev, prev], [f"k{i}"], axis=0))
        prev = f"k{i}"
    nodes += [helper.make_node("ReduceSum", [prev], ["t"], keepdims=0),
              helper.make_node("ReduceMean", ["features", "axis1"], ["m"], keepdims=1),
              helper.make_node("Add", ["m", "t"], ["vmaf"])]
    refused(model(nodes, [c, ints("axis1", [1])]), "budget")


def test_sizes_that_shrink_as_the_batch_grows_are_checked_at_every_batch():
    """[C / N, N] @ [N, C / N] is tiny at N = 1024 and 256 MiB at N = 1: the largest batch alone bounds nothing."""
    c = numpy_helper.from_array(np.zeros(8192, np.float32), "c")
    nodes = [helper.make_node("Shape", ["features"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["n"]),  # [1]: the batch size
             helper.make_node("Concat", ["n", "minus1"], ["target"], axis=0),  # [N, -1]
             helper.make_node("Reshape", ["c", "target"], ["a"]),  # [N, 8192 / N]
             helper.make_node("Transpose", ["a"], ["at"], perm=[1, 0]),
             helper.make_node("MatMul", ["at", "a"], ["sq"]),  # [8192 / N, 8192 / N]
             helper.make_node("ReduceSum", ["sq"], ["t"], keepdims=0),
             helper.make_node("ReduceMean", ["features", "axis1"], ["m"], keepdims=1),
             helper.make_node("Add", ["m", "t"], ["vmaf"])]
    inits = [c, ints("zero", [0]), ints("minus1", [-1]), ints("axis1", [1])]
    shapes = _core.onnx_shapes(model(nodes, inits).SerializeToString(), BUDGETS["max_batch"])
    assert shapes["sq"][1] == [8, 8]
    refused(model(nodes, inits), r"'sq' of shape \[8192, 8192\] .* at batch 1,")


# --- what cannot be inferred, or is not allowed at all ---------------------------------------------------------------


def test_shape_from_data_cannot_be_inferred():
    nodes = [helper.make_node("Cast", ["features"], ["i"], to=TensorProto.INT64),
             helper.make_node("Reshape", ["features", "i"], ["y"])] + mean_rows("y")
    refused(model(nodes, [ints("axis1", [1])]), "known before running the model")


def test_sparse_and_hollow_tensors_are_refused():
    from onnx import SparseTensorProto

    sparse = helper.make_sparse_tensor(numpy_helper.from_array(np.zeros(1, np.float32), "v"),
                                       ints("i", [0]), [1 << 20, 1 << 20])
    const = helper.make_node("Constant", [], ["big"], sparse_value=sparse)
    refused(model([const] + mean_rows("features"), [ints("axis1", [1])]), "sparse")
    m = model(mean_rows("features"), [ints("axis1", [1])])
    m.graph.sparse_initializer.append(SparseTensorProto(values=numpy_helper.from_array(np.zeros(1, np.float32), "s"),
                                                        indices=ints("si", [0]), dims=[1 << 20, 1 << 20]))
    refused(m, "sparse initializers")
    hollow = TensorProto(name="h", data_type=TensorProto.FLOAT, dims=[1 << 30])  # dimensions, no data
    refused(model(mean_rows("features"), [hollow, ints("axis1", [1])]), "declares 1073741824 elements")


def test_node_count_and_order():
    nodes = [helper.make_node("Identity", ["features" if i == 0 else f"i{i - 1}"], [f"i{i}"])
             for i in range(BUDGETS["max_nodes"])]
    refused(model(nodes + mean_rows(f"i{BUDGETS['max_nodes'] - 1}"), [ints("axis1", [1])]),
            f"more than {BUDGETS['max_nodes']} nodes")
    unsorted = list(reversed([helper.make_node("Relu", ["features"], ["r"])] + mean_rows("r")))
    refused(model(unsorted, [ints("axis1", [1])]), "used before it is produced")


def test_fixed_batch_axis_is_refused():
    m = model(mean_rows("features"), [ints("axis1", [1])])
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 4
    refused(m, "dynamic batch axis")


# --- what real models do still passes, and agrees with ONNX Runtime ---------------------------------------------------


def _python_ort(path, x):
    from pyvmaf_tiny.models.onnx import python_session_options

    sess = ort.InferenceSession(str(path), python_session_options(), providers=["CPUExecutionProvider"])
    return np.clip(sess.run(["vmaf"], {"features": x.astype(np.float32)})[0].reshape(-1).astype(np.float64), 0, 100)


def dynamic_patterns_model():
    """Exporter idioms: flatten through Shape/Gather/Unsqueeze/Concat/Reshape, Slice to INT64_MAX, Squeeze,
    Transpose, MatMul, BatchNormalization, Softmax, Clip."""
    rng = np.random.default_rng(3)
    inits = [ints("zero", [0]), ints("one", [1]), ints("minus1", [-1]), ints("big", [np.iinfo(np.int64).max]),
             ints("axes1", [1]), ints("axis1", [1]),
             numpy_helper.from_array(rng.standard_normal((4, 8)).astype(np.float32), "w"),
             numpy_helper.from_array(np.ones(8, np.float32), "g"), numpy_helper.from_array(np.zeros(8, np.float32), "b"),
             numpy_helper.from_array(np.zeros(8, np.float32), "mu"), numpy_helper.from_array(np.ones(8, np.float32), "var"),
             numpy_helper.from_array(np.array(0.0, np.float32), "lo"), numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
    nodes = [helper.make_node("Concat", ["features", "features"], ["x4"], axis=1),  # [N, 4]
             helper.make_node("Unsqueeze", ["x4", "axes1"], ["u"]),  # [N, 1, 4]
             helper.make_node("Shape", ["u"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"]),
             helper.make_node("Concat", ["n", "minus1"], ["flat_shape"], axis=0),
             helper.make_node("Reshape", ["u", "flat_shape"], ["f"]),  # [N, 4]
             helper.make_node("Slice", ["f", "zero", "big", "one"], ["sl"]),  # [N, 4]
             helper.make_node("MatMul", ["sl", "w"], ["h"]),  # [N, 8]
             helper.make_node("BatchNormalization", ["h", "g", "b", "mu", "var"], ["bn"]),
             helper.make_node("Clip", ["bn", "lo", "hi"], ["cl"]),
             helper.make_node("Transpose", ["cl"], ["t1"], perm=[1, 0]),
             helper.make_node("Transpose", ["t1"], ["t2"], perm=[1, 0]),
             helper.make_node("Softmax", ["t2"], ["sm"], axis=1),
             helper.make_node("Unsqueeze", ["sm", "axes1"], ["sm3"]),  # [N, 1, 8]
             helper.make_node("Squeeze", ["sm3", "axes1"], ["sq"]),  # [N, 8]
             helper.make_node("ReduceMean", ["sq", "axis1"], ["r"], keepdims=1),
             helper.make_node("Mul", ["r", "hundred"], ["vmaf"])]
    inits.append(numpy_helper.from_array(np.array([100.0], np.float32), "hundred"))
    return model(nodes, inits)


def test_exporter_idioms_pass_and_agree_with_onnxruntime(tmp_path):
    path = save(tmp_path, "idioms", dynamic_patterns_model(), TWO)
    x = np.random.default_rng(0).random((37, 2))
    m = pyvmaf_tiny.models.load(str(path), device="cpu")
    np.testing.assert_allclose(m.predict(x), _python_ort(path, x), atol=1e-6)


def _student(arch="mlp", act="silu"):
    import torch

    from pyvmaf_tiny.train.fit import Student
    from pyvmaf_tiny.train.nets import TinyNet

    torch.manual_seed(0)
    net = TinyNet(6, hidden=8, depth=2, arch=arch, act=act).eval()
    feats = ["integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
             "integer_vif_scale3"]
    return Student(net, feats, np.full(6, 0.5), np.full(6, 0.2), 70.0, 15.0)


@pytest.mark.parametrize("arch", ["mlp", "mlp_bn", "reweight_mlp"])
@pytest.mark.parametrize("opset", [17, 19, 21])
def test_exported_models_pass(tmp_path, arch, opset):
    from pyvmaf_tiny.train.export import to_onnx, write_sidecar

    student = _student(arch, act="tanh" if arch == "mlp_bn" else "silu")
    x = np.random.default_rng(1).random((50, 6))
    for wide in (True, False):
        path = tmp_path / f"m{int(wide)}.onnx"
        path.write_bytes(to_onnx(student, opset, wide=wide).SerializeToString())
        assert _core.check_onnx(path.read_bytes(), str(path))["row_outputs"] == ["vmaf"]
        write_sidecar(path, path.stem, student.features, opset, "fp32")
        np.testing.assert_allclose(pyvmaf_tiny.models.load(str(path), device="cpu").predict(x), _python_ort(path, x),
                                   atol=1e-5)


def test_quantized_exports_pass(tmp_path):
    from pyvmaf_tiny.train.export import to_onnx, write_sidecar
    from pyvmaf_tiny.train.quantize import quantize

    student = _student()
    x = np.random.default_rng(2).random((64, 6))
    src = tmp_path / "m.onnx"
    src.write_bytes(to_onnx(student, 19).SerializeToString())
    write_sidecar(src, "m", student.features, 19, "fp32")
    report = quantize(src, x, max_rmse=float("inf"), log=lambda m: None)  # written whatever their error
    for quant, opset in (("int8", 19), ("int4", 21)):
        path = tmp_path / f"m_{quant}.onnx"
        assert report[quant]["written"] and report[quant]["opset"] == opset
        assert _core.check_onnx(path.read_bytes(), str(path))["row_outputs"] == ["vmaf"]
        np.testing.assert_allclose(pyvmaf_tiny.models.load(str(path), device="cpu").predict(x), _python_ort(path, x),
                                   atol=1e-5)


def test_test_helper_models_pass(tmp_path):
    x = np.random.default_rng(4).random((40, 6))
    for opset in (17, 19, 21):
        assert _core.check_onnx(mlp(6, opset=opset, out_rank=1 if opset == 21 else 2).SerializeToString(), "t")
    fp32 = save(tmp_path, "fp32", mlp(6, hidden=32), ["integer_adm2", "integer_motion2", "integer_vif_scale0",
                                                       "integer_vif_scale1", "integer_vif_scale2", "integer_vif_scale3"])
    quantize_int8(fp32, tmp_path / "int8.onnx", x)
    assert _core.check_onnx((tmp_path / "int8.onnx").read_bytes(), "int8")["row_outputs"] == ["vmaf"]


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(os.path.dirname(pyvmaf_tiny.__file__),
                                                               "models", "data", "*.onnx"))), ids=os.path.basename)
def test_shipped_models_pass(path):
    with open(path, "rb") as f:
        summary = _core.check_onnx(f.read(), path)
    assert summary["row_outputs"] == ["vmaf"] and summary["max_total_bytes"] < 4 << 20


def test_predict_feeds_only_the_batch_sizes_that_were_checked(tmp_path):
    """3000 rows go through in power-of-two batches of at most max_batch, with the same scores as one by one."""
    assert BUDGETS["batch_sizes"] == [2**i for i in range(11)] and BUDGETS["max_batch"] == 1024
    path = save(tmp_path, "chunks", mlp(2, hidden=8), TWO)
    m = pyvmaf_tiny.models.load(str(path), device="cpu")
    x = np.random.default_rng(5).random((3000, 2))
    together = m.predict(x)
    singles = np.array([m.predict(x[i:i + 1])[0] for i in range(0, 3000, 97)])
    np.testing.assert_array_equal(together[::97], singles)
    np.testing.assert_allclose(together, _python_ort(path, x), atol=1e-6)


def test_rank_growth_is_refused():
    """Gather with rank-40 indices of one element adds 39 dimensions a node, at no cost in elements."""
    idx = ints("idx", np.zeros([1] * 40, np.int64))
    nodes, prev = [], "features"
    for i in range(4):
        nodes.append(helper.make_node("Gather", [prev, "idx"], [f"g{i}"], axis=0))
        prev = f"g{i}"
    refused(model(nodes + mean_rows(prev), [idx, ints("axis1", [1])]), "rank .* above 64")


def test_a_zero_dimension_does_not_excuse_huge_ones():
    """[0, 2^62, 2^62] holds no elements, but Flatten of it would overflow: refused, not undefined behaviour."""
    hollow = TensorProto(name="h", data_type=TensorProto.FLOAT, dims=[0, 1 << 62, 1 << 62])
    nodes = [helper.make_node("Flatten", ["h"], ["f"], axis=1),
             helper.make_node("ReduceSum", ["f"], ["t"], keepdims=0),
             helper.make_node("ReduceMean", ["features", "axis1"], ["m"], keepdims=1),
             helper.make_node("Add", ["m", "t"], ["vmaf"])]
    refused(model(nodes, [hollow, ints("axis1", [1])]), "impossibly large")
    target = ints("target", [0, 1 << 62, 1 << 62])
    nodes[0:1] = [helper.make_node("Reshape", ["empty", "target"], ["r"], allowzero=1),
                  helper.make_node("Flatten", ["r"], ["f"], axis=1)]
    refused(model(nodes, [numpy_helper.from_array(np.zeros(0, np.float32), "empty"), target, ints("axis1", [1])]),
            "impossibly large")


def test_a_node_without_outputs_is_a_model_error():
    """Found by the native fuzzer: the error path itself must not index a missing output name."""
    nodes = [helper.make_node("Relu", ["features"], [])] + mean_rows("features")
    refused(model(nodes, [ints("axis1", [1])]), "Relu node '' at batch 1: it has no outputs")
