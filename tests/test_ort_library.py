"""Which ONNX Runtime the core loads: PYVMAF_TINY_ORT_LIBRARY naming anything but a loadable ONNX Runtime
of a supported version is a BackendUnavailable naming the path and the reason, never a silent fallback;
and the float32 twin the OpenVINO provider is given of a float64 graph."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import pyvmaf_tiny
from onnx_models import mlp
from pyvmaf_tiny import _core
from pyvmaf_tiny.models.onnx import python_session_options

DATA = Path(pyvmaf_tiny.__file__).parent / "models" / "data"


def _wheel_capi() -> Path:
    spec = importlib.util.find_spec("onnxruntime")
    assert spec and spec.submodule_search_locations, "the test extra installs onnxruntime"
    return Path(next(iter(spec.submodule_search_locations))) / "capi"


def _load_with(library: str):
    """Loads fr_micro_v1 in a fresh process with PYVMAF_TINY_ORT_LIBRARY=library."""
    code = ("import pyvmaf_tiny\n"
            "try:\n"
            "    m = pyvmaf_tiny.models.load('fr_micro_v1', device='cpu')\n"
            "    print('LOADED', pyvmaf_tiny.models.ort_info()['library'])\n"
            "except pyvmaf_tiny.BackendUnavailable as e:\n"
            "    print('UNAVAILABLE', e)\n")
    env = dict(os.environ, PYVMAF_TINY_ORT_LIBRARY=library)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _fake_ort(tmp_path: Path, version: str) -> Path:
    """A library exporting OrtGetApiBase whose GetApi(N) is null from N = 19 (as ORT 1.18's is)."""
    src = tmp_path / "fake_ort.c"
    src.write_text(
        "#include <stddef.h>\n"
        "typedef struct { const void* (*get_api)(unsigned); const char* (*version)(void); } base_t;\n"
        "static const int table[1] = {0};\n"
        "static const void* get_api(unsigned v) { return v <= 18 ? (const void*)table : NULL; }\n"
        f"static const char* version(void) {{ return \"{version}\"; }}\n"
        "static const base_t base = {get_api, version};\n"
        "const base_t* OrtGetApiBase(void) { return &base; }\n")
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    cc = shutil.which(cc) or shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler builds the package, and this fake library"
    out = tmp_path / "libonnxruntime.so.1.18.1"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src)], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("kind", ["missing", "directory", "text", "not_ort", "too_old"])
def test_named_library_that_is_not_a_usable_ort_is_refused(tmp_path, kind):
    if kind == "missing":
        path, reason = tmp_path / "libonnxruntime.so.1", "no such file"
    elif kind == "directory":
        path, reason = tmp_path, "is a directory"
    elif kind == "text":
        path = tmp_path / "libonnxruntime.so"
        path.write_text("not a library\n")
        path, reason = path, "cannot be loaded ("
    elif kind == "not_ort":  # a real shared library of the wheel, not the runtime
        path, reason = _wheel_capi() / "libonnxruntime_providers_shared.so", "does not export OrtGetApiBase"
    else:
        path, reason = _fake_ort(tmp_path, "1.18.1"), "ONNX Runtime 1.18.1 lacks C API version 19"
    got = _load_with(str(path))
    assert got.startswith(f"UNAVAILABLE PYVMAF_TINY_ORT_LIBRARY={path}"), got
    assert reason in got, got


@pytest.mark.parametrize("kind", ["missing", "not_ort", "the_wheels"])
def test_the_commands_early_load_changes_nothing_but_when(kind):
    # `pyvmaf-tiny score --model fr_micro_v1` starts loading ONNX Runtime on a native thread before it
    # imports the rest (ort_library.preload); what is loaded, and any failure's message, are as without it.
    from clips import small_clip

    clip = small_clip()
    lib = sorted(_wheel_capi().glob("libonnxruntime.so*"))[0]
    path = {"missing": "/nonexistent/libonnxruntime.so.1", "the_wheels": str(lib),
            "not_ort": str(_wheel_capi() / "libonnxruntime_providers_shared.so")}[kind]
    env = dict(os.environ, PYVMAF_TINY_ORT_LIBRARY=path)
    args = ["score", str(clip.ref), str(clip.dist), "--width", str(clip.width), "--height", str(clip.height),
            "--pix-fmt", clip.pix_fmt, "--model", "fr_micro_v1", "--quiet"]
    code = ("import sys; from pyvmaf_tiny.cli import main; rc = main(sys.argv[1:]); "
            "from pyvmaf_tiny import _core; print(_core.ort_info()['library'] if rc == 0 else 'failed'); "
            "raise SystemExit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120)
    if kind == "the_wheels":
        assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == str(lib), proc.stderr
    else:
        assert proc.returncode == 1 and proc.stdout.strip() == "failed", proc.stderr
        reason = "no such file" if kind == "missing" else "does not export OrtGetApiBase"
        assert proc.stderr.startswith(f"pyvmaf-tiny: error: PYVMAF_TINY_ORT_LIBRARY={path}") and reason in proc.stderr
        assert _load_with(path) == "UNAVAILABLE " + proc.stderr.strip().removeprefix("pyvmaf-tiny: error: ")


def test_exit_and_fork_wait_for_the_early_load():
    # The loading thread must be done before ONNX Runtime's own exit handlers run (they ran beside its
    # initialisation: a crash at exit about one run in four), and before a fork (a child forked mid-load
    # inherited its lock without its thread, and hung loading a model).
    exits = ("import sys\nfrom pyvmaf_tiny import ort_library\nort_library.preload()\nsys.exit(3)\n")
    for _ in range(8):
        proc = subprocess.run([sys.executable, "-c", exits], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 3, proc.stderr
    forks = ("import os\nfrom pyvmaf_tiny import models, ort_library\nort_library.preload()\npid = os.fork()\n"
             "if pid == 0:\n    models.load('fr_micro_v2', device='cpu')\n    os._exit(7)\n"
             "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n")
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", forks], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.strip() == "7", proc.stdout + proc.stderr


def test_named_library_is_the_one_loaded():
    lib = sorted(_wheel_capi().glob("libonnxruntime.so*"))[0]
    assert _load_with(str(lib)) == f"LOADED {lib}"


def test_graph_optimisation_level_is_shared_with_python():
    import onnxruntime as ort

    assert _core.ort_graph_optimization() == "basic"
    assert python_session_options().graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC


# --- the float32 twin for OpenVINO ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["fr_tiny_v1", "fr_micro_v1"])
def test_float32_twin_of_a_shipped_model(name):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto

    data = (DATA / f"{name}.onnx").read_bytes()
    twin = _core.onnx_narrow_float64(data)
    assert twin is not None and len(twin) == len(data)
    original, narrowed = onnx.load_from_string(data), onnx.load_from_string(twin)
    casts = 0
    for node in original.graph.node:
        for a in node.attribute:
            if node.op_type == "Cast" and a.name == "to" and a.i == TensorProto.DOUBLE:
                a.i, casts = TensorProto.FLOAT, casts + 1
    assert casts >= 3 and narrowed == original  # only the Casts' targets changed
    inferred = onnx.shape_inference.infer_shapes(narrowed, strict_mode=True)
    assert all(v.type.tensor_type.elem_type == TensorProto.FLOAT for v in inferred.graph.value_info)
    rng = np.random.default_rng(0)
    k = original.graph.input[0].type.tensor_type.shape.dim[1].dim_value
    x = rng.uniform(0, 1, (64, k)).astype(np.float32)
    run = lambda b: ort.InferenceSession(b, python_session_options(), providers=["CPUExecutionProvider"]).run(
        None, {"features": x})[0]
    assert np.abs(run(twin) - run(data)).max() < 1e-3


def test_graphs_without_a_float32_twin():
    from onnx import TensorProto, helper, numpy_helper

    assert _core.onnx_narrow_float64(mlp(6).SerializeToString()) is None  # float32 already
    nodes = [helper.make_node("Cast", ["features"], ["x"], to=TensorProto.DOUBLE),
             helper.make_node("MatMul", ["x", "w"], ["y"]),
             helper.make_node("Cast", ["y"], ["vmaf"], to=TensorProto.FLOAT)]
    io = ([helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 6])],
          [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])])
    w64 = numpy_helper.from_array(np.ones((6, 1)), "w")  # a float64 weight
    m = helper.make_model(helper.make_graph(nodes, "g", *io, [w64]))
    assert _core.onnx_narrow_float64(m.SerializeToString()) is None
    const = helper.make_node("Constant", [], ["w"], value=w64)  # a float64 Constant
    m = helper.make_model(helper.make_graph([const] + nodes, "g", *io))
    assert _core.onnx_narrow_float64(m.SerializeToString()) is None
    w32 = numpy_helper.from_array(np.ones((6, 1), np.float32), "w32")
    vi = helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 6])  # a declared float64 type
    cast_w = helper.make_node("Cast", ["w32"], ["w"], to=TensorProto.DOUBLE)
    m = helper.make_model(helper.make_graph([cast_w] + nodes, "g", *io, [w32], value_info=[vi]))
    assert _core.onnx_narrow_float64(m.SerializeToString()) is None
    m = helper.make_model(helper.make_graph([cast_w] + nodes, "g", *io, [w32]))
    assert _core.onnx_narrow_float64(m.SerializeToString()) is not None  # the same graph, undeclared
