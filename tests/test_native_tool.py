"""The native core on its own, built with AddressSanitizer and UBSan.

Builds core/tools/pvt-features with -fsanitize=address,undefined (or uses
$PYVMAF_TINY_NATIVE_TOOL) and runs it over edge-case content: any sanitizer
report aborts the tool and fails the test. Its numbers must equal the package's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import pyvmaf_tiny
from content import CACHE, Recipe, make_clip
from test_simd import FEATURES as SIMD_FEATURES

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3),
    Recipe("synthetic:texture", 18, 18, pix_fmt="yuv444p", codec="noise", quality=10, frames=3),
    Recipe("synthetic:edges", 37, 29, pix_fmt="yuv444p", codec="noise", quality=30, frames=3),
    Recipe("synthetic:white", 48, 32, codec="none", frames=3),
    Recipe("synthetic:texture", 72, 40, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=3),
    Recipe("bikes", 160, 68, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=3),
]


@pytest.fixture(scope="session")
def sanitized_tool() -> Path:
    given = os.environ.get("PYVMAF_TINY_NATIVE_TOOL")
    if given:
        return Path(given)
    cmake = shutil.which("cmake")
    assert cmake, "cmake is needed to build the sanitized native tool (it is in the test extras)"
    build = CACHE / "asan-build" / hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run([cmake, "-S", str(ROOT), "-B", str(build), *gen, "-DCMAKE_BUILD_TYPE=Debug",
                    "-DPYVMAF_TINY_BUILD_PYTHON=OFF", "-DPYVMAF_TINY_BUILD_TOOLS=ON",
                    "-DPYVMAF_TINY_SANITIZE=address,undefined"], check=True, capture_output=True)
    subprocess.run([cmake, "--build", str(build), "--parallel", str(os.cpu_count() or 2)], check=True,
                   capture_output=True)
    return build / "core" / "pvt-features"


@pytest.mark.parametrize("recipe", CASES, ids=lambda r: r.id)
@pytest.mark.parametrize("threads", [1, 2])
def test_sanitized_core_is_clean_and_agrees(sanitized_tool, recipe, threads):
    clip = make_clip(recipe)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
    # Frames viewed in place on one thread, copied into the pipeline's buffers on two: both ways sanitized.
    env.pop("PYVMAF_TINY_NO_MMAP", None)
    if threads == 2:
        env["PYVMAF_TINY_NO_MMAP"] = "1"
    proc = subprocess.run([str(sanitized_tool), str(clip.ref), str(clip.dist), str(clip.width), str(clip.height),
                           clip.pix_fmt, "--threads", str(threads)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runtime error" not in proc.stderr and "AddressSanitizer" not in proc.stderr
    native = json.loads(proc.stdout)
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), ["vif", "adm", "motion"], **clip.geometry)
    values = np.array(native["frames"])
    for i, name in enumerate(native["columns"]):
        np.testing.assert_array_equal(values[:, i], ours[name], err_msg=name)


# psnr (chroma included), float_ssim and float_ms_ssim: odd and subsampled
# chroma, the smallest frames each accepts, 16-bit, and SSIM's downscaling.
ALL_EXTRA = ["psnr", "float_ssim", "float_ms_ssim"]
EXTRA_CASES = [
    (Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3), ALL_EXTRA),
    (Recipe("bikes", 181, 177, pix_fmt="yuv422p", codec="libvpx-vp9", quality=40, frames=2), ALL_EXTRA),
    (Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=3), ALL_EXTRA[:2]),
    (Recipe("synthetic:texture", 11, 11, pix_fmt="yuv444p", codec="noise", quality=10, frames=2), ALL_EXTRA[:2]),
    (Recipe("synthetic:texture", 176, 176, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=2), ALL_EXTRA),
    (Recipe("bikes", 769, 401, pix_fmt="yuv444p", codec="libx264", quality=40, frames=2),
     ["psnr:enable_mse=true", "float_ssim:enable_lcs=true", "float_ms_ssim:enable_lcs=true"]),
    (Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30, frames=2),
     ["psnr:enable_chroma=false", "float_ssim:scale=3"]),
    (Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=2), ["float_ssim:scale=4"]),
]


def _assert_clean_and_equal(tool, clip, extractors, expected, what="", **env_vars):
    """Runs the sanitized tool with these extractors on two threads; it must end
    cleanly and give exactly `expected` (column name -> per-frame values)."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
    for key, value in env_vars.items():
        env.pop(key, None)
        if value is not None:
            env[key] = value
    args = [a for e in extractors for a in ("--extractor", e)]
    proc = subprocess.run([str(tool), str(clip.ref), str(clip.dist), str(clip.width), str(clip.height),
                           clip.pix_fmt, "--threads", "2", *args], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runtime error" not in proc.stderr and "Sanitizer" not in proc.stderr
    native = json.loads(proc.stdout)
    assert sorted(native["columns"]) == sorted(expected)
    values = np.array(native["frames"])
    for i, name in enumerate(native["columns"]):
        np.testing.assert_array_equal(values[:, i], expected[name], err_msg=f"{name}{what}")


@pytest.mark.parametrize("recipe,extractors", EXTRA_CASES, ids=[r.id for r, _ in EXTRA_CASES])
def test_sanitized_psnr_ssim_ms_ssim_are_clean_and_agree(sanitized_tool, recipe, extractors):
    clip = make_clip(recipe)
    ours = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), extractors, **clip.geometry)
    _assert_clean_and_equal(sanitized_tool, clip, extractors, ours)


# Every kernel set this CPU has, each with and without its VNNI variants
# (PYVMAF_TINY_VNNI=0 picks the plain multiply-add kernels), under the
# sanitizers, with every option set tests/test_simd.py compares bit for bit,
# plus psnr / float_ssim / float_ms_ssim.
_ORDER = ["scalar", "avx2", "avx512"]
ISA_VARIANTS = [("scalar", None)] + [
    (isa, vnni) for isa in _ORDER[1 : _ORDER.index(pyvmaf_tiny._core.detected_isa()) + 1] for vnni in (None, "0")]
ISA_EXTRACTORS = SIMD_FEATURES + ["psnr", "float_ssim", "float_ms_ssim"]
ISA_CASES = [
    Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=2),
    Recipe("synthetic:texture", 176, 176, pix_fmt="yuv420p16le", codec="noise", quality=300, frames=2),
]


@pytest.fixture(scope="module")
def scalar_features():
    """The package's values for ISA_CASES, computed once with the scalar kernels."""
    saved = os.environ.get("PYVMAF_TINY_ISA")
    os.environ["PYVMAF_TINY_ISA"] = "scalar"
    try:
        return {r.key(): pyvmaf_tiny.extract_features(str(make_clip(r).ref), str(make_clip(r).dist), ISA_EXTRACTORS,
                                                      **make_clip(r).geometry) for r in ISA_CASES}
    finally:
        if saved is None:
            os.environ.pop("PYVMAF_TINY_ISA")
        else:
            os.environ["PYVMAF_TINY_ISA"] = saved


@pytest.mark.parametrize("recipe", ISA_CASES, ids=lambda r: r.id)
@pytest.mark.parametrize("isa,vnni", ISA_VARIANTS, ids=[i + ("-novnni" if v else "") for i, v in ISA_VARIANTS])
def test_sanitized_every_isa_is_clean_and_bit_identical_to_scalar(sanitized_tool, scalar_features, recipe, isa,
                                                                 vnni):
    _assert_clean_and_equal(sanitized_tool, make_clip(recipe), ISA_EXTRACTORS, scalar_features[recipe.key()],
                            f" with {isa}, VNNI {vnni}", PYVMAF_TINY_ISA=isa, PYVMAF_TINY_VNNI=vnni,
                            PYVMAF_TINY_NO_MMAP="1")


def test_sanitized_timing_mode_is_clean(sanitized_tool):
    # --time: each extractor alone on frame pair 0 (the kernel A/B harness in bench/README.md).
    clip = make_clip(CASES[0])
    proc = _run_tool(sanitized_tool, clip, "--extractor", "vif", "--extractor", "adm", "--extractor", "motion",
                     "--time", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runtime error" not in proc.stderr and "Sanitizer" not in proc.stderr
    timing = json.loads(proc.stdout)
    assert list(timing) == ["vif", "adm", "motion"]
    assert all(0 < t["min_ms"] <= t["median_ms"] for t in timing.values())
    proc = _run_tool(sanitized_tool, clip, "--extractor", "psnr", "--time", "2")
    assert proc.returncode == 2 and "reads chroma" in proc.stderr and proc.stdout == ""


def test_sanitized_core_refuses_tiny_frames(sanitized_tool, tmp_path):
    from content import write_pair
    from synthetic import pattern

    ref = pattern("texture", 2, 8, 8)
    clip = write_pair(tmp_path, ref, ref, pix_fmt="yuv444p")
    proc = subprocess.run([str(sanitized_tool), str(clip.ref), str(clip.dist), "8", "8", "yuv444p"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "pvt-features:" in proc.stderr
    for extractor, match in [("float_ssim", "11x11"), ("float_ms_ssim", "176x176")]:
        proc = subprocess.run([str(sanitized_tool), str(clip.ref), str(clip.dist), "8", "8", "yuv444p",
                               "--extractor", extractor], capture_output=True, text=True)
        assert proc.returncode == 2 and match in proc.stderr, proc.stderr
    # psnr on luma-only input
    proc = subprocess.run([str(sanitized_tool), str(clip.ref), str(clip.dist), "8", "8", "gray",
                           "--extractor", "psnr"], capture_output=True, text=True)
    assert proc.returncode == 2 and "needs chroma" in proc.stderr, proc.stderr


@pytest.mark.parametrize("bad_frame", [0, 1])
@pytest.mark.parametrize("mmap", [True, False])
def test_sanitized_core_refuses_out_of_range_samples_cleanly(sanitized_tool, tmp_path, bad_frame, mmap):
    # A refusal at frame 0 undoes the start (two worker threads joined), one
    # later leaves the frames before it: both end cleanly under the sanitizers.
    from content import write_pair
    from synthetic import pattern

    ref = pattern("texture", 3, 40, 48, bpc=10)
    dist = ref.copy()
    dist[bad_frame, 7, 9] = 1024
    clip = write_pair(tmp_path, ref, dist, pix_fmt="yuv420p10le")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
    env.pop("PYVMAF_TINY_NO_MMAP", None)
    if not mmap:
        env["PYVMAF_TINY_NO_MMAP"] = "1"
    proc = subprocess.run([str(sanitized_tool), str(clip.ref), str(clip.dist), "48", "40", "yuv420p10le",
                           "--threads", "2", "--extractor", "psnr", "--extractor", "vif"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert f"clip_dist.yuv: frame {bad_frame} has samples above 1023, which is not 10-bit" in proc.stderr
    assert "runtime error" not in proc.stderr and "Sanitizer" not in proc.stderr


def _ort_library() -> str:
    import importlib.util

    spec = importlib.util.find_spec("onnxruntime")
    capi = Path(next(iter(spec.submodule_search_locations))) / "capi"
    return str(sorted(capi.glob("libonnxruntime.so*"))[0])


def _run_tool(tool, clip, *args):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1",
               PYVMAF_TINY_ORT_LIBRARY=_ort_library())
    return subprocess.run([str(tool), str(clip.ref), str(clip.dist), str(clip.width), str(clip.height), clip.pix_fmt,
                           *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_sanitized_dnn_path_is_clean_and_agrees(sanitized_tool, tmp_path, mode):
    from onnx_models import SIX, mlp, save

    clip = make_clip(CASES[0])
    path = save(tmp_path, "m", mlp(6, hidden=12), SIX)
    proc = _run_tool(sanitized_tool, clip, "--model", str(path.with_suffix(".json")), "--device", "cpu",
                     "--dnn-mode", mode, "--threads", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runtime error" not in proc.stderr and "Sanitizer" not in proc.stderr
    ours = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry, device="cpu")
    np.testing.assert_array_equal(json.loads(proc.stdout)["scores"], ours.frames)


@pytest.mark.parametrize("kind", ["truncated", "disallowed_op", "wrong_feature_count", "not_onnx", "bad_schema"])
def test_sanitized_dnn_rejects_malformed_models_cleanly(sanitized_tool, tmp_path, kind):
    import test_dnn

    clip = make_clip(CASES[0])
    x = np.random.default_rng(0).random((8, 6))
    path, match = test_dnn._malformed(tmp_path, x, kind)
    proc = _run_tool(sanitized_tool, clip, "--model", str(path.with_suffix(".json")), "--device", "cpu")
    assert proc.returncode == 3, proc.stderr[-3000:]  # a model error, as the CLI's exit code
    assert match.split("'")[0].strip() in proc.stderr
    assert "runtime error" not in proc.stderr and "Sanitizer" not in proc.stderr
