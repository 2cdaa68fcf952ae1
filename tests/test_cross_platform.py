"""The core on other platforms, built and run on this machine.

- aarch64 Linux: cross-built with aarch64-linux-gnu-g++ and run under
  qemu-user (`qemu-aarch64 -L /usr/aarch64-linux-gnu`).
- Windows x86-64: cross-built with MinGW-w64 (the platform layer's *_windows.cpp
  files) and run under Wine, on this CPU, so with every kernel set it has.

Each build's pvt-features must print, byte for byte, what the native x86-64
Linux build prints, for every kernel set the (emulated) CPU offers (aarch64:
scalar and NEON), on real and edge-case conformance content
(tests/content.py), with every extractor that takes the content and an SVM
model's scores; on two of the clips also as Y4M, frames mapped and read, on
one and two threads. A test skips, saying why, where its cross
compiler or emulator is missing; .ci/run installs them.

Also: which architecture CMake builds kernels for (cmake/pvt_target_arch.cmake),
decided from the target, never the host.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import exact_math_cases
from content import CACHE, Recipe, make_clip
from native_builds import ROOT, build, tool
from pyvmaf_tiny.io.pixfmt import parse_pix_fmt
from test_simd import FEATURES as SIMD_FEATURES
MODEL = ROOT / "src" / "pyvmaf_tiny" / "models" / "data" / "vmaf_v0.6.1.json"
EXTRACTORS = SIMD_FEATURES + ["psnr", "float_ssim"]

CASES = [
    Recipe("bikes", 320, 136, codec="libx264", quality=30, frames=4),
    Recipe("bikes", 175, 143, pix_fmt="yuv444p", codec="libx264", quality=30),
    Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=40, frames=3),
    Recipe("bikes", 320, 136, pix_fmt="yuv422p10le", codec="libx265", quality=32),
    Recipe("bikes", 320, 136, pix_fmt="yuv420p12le", codec="libx265", quality=34),
    Recipe("synthetic:texture", 18, 18, pix_fmt="yuv444p", codec="noise", quality=10),
    Recipe("synthetic:edges", 37, 29, pix_fmt="yuv444p", codec="noise", quality=30),
    Recipe("synthetic:black", 64, 64, codec="noise", quality=3),
    Recipe("synthetic:white", 48, 32, codec="none"),
    Recipe("synthetic:ramp", 80, 60, pix_fmt="yuv420p10le", codec="noise", quality=9),
    Recipe("synthetic:texture", 72, 40, pix_fmt="yuv420p16le", codec="noise", quality=300),
]


# ---- builds

class Tool:
    """A build of the tools and how to run them here."""

    def __init__(self, folder: Path, prefix: list[str], env: dict[str, str], path=str):
        self.exe, self.mathcheck = tool(folder, "pvt-features"), tool(folder, "pvt-mathcheck")
        self.prefix, self.env, self.path = prefix, env, path

    def run(self, *args: str, isa: str | None = None, no_mmap: bool = False, timeout: float = 600,
            exe: Path | None = None, stdin: bytes | None = None):
        env = dict(os.environ, **self.env)
        for key in ("PYVMAF_TINY_ISA", "PYVMAF_TINY_NO_MMAP", "PYVMAF_TINY_VNNI"):
            env.pop(key, None)
        if isa:
            env["PYVMAF_TINY_ISA"] = isa
        if no_mmap:
            env["PYVMAF_TINY_NO_MMAP"] = "1"
        return subprocess.run([*self.prefix, str(exe or self.exe), *args], capture_output=True, env=env,
                              input=stdin, timeout=timeout)

    def isas(self) -> list[str]:
        proc = self.run("--isas")
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
        return proc.stdout.decode().split()


@pytest.fixture(scope="module")
def native() -> Tool:
    return Tool(build("native"), [], {})


def _need(*tools: str) -> None:
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (.ci/run installs them: apt-get install "
                    "g++-aarch64-linux-gnu qemu-user g++-mingw-w64-x86-64 wine)")


@pytest.fixture(scope="module")
def aarch64() -> Tool:
    _need("aarch64-linux-gnu-g++", "qemu-aarch64")
    sysroot = Path("/usr/aarch64-linux-gnu")
    if not sysroot.is_dir():
        pytest.skip(f"no aarch64 libraries at {sysroot} for qemu-aarch64 -L")
    folder = build("aarch64", "-DCMAKE_SYSTEM_NAME=Linux", "-DCMAKE_SYSTEM_PROCESSOR=aarch64",
                   "-DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++")
    return Tool(folder, [shutil.which("qemu-aarch64"), "-L", str(sysroot)], {})


@pytest.fixture(scope="module")
def windows():
    compiler = shutil.which("x86_64-w64-mingw32-g++-posix") or shutil.which("x86_64-w64-mingw32-g++")
    wine = shutil.which("wine") or shutil.which("wine64")
    if not compiler or not wine:
        _need("x86_64-w64-mingw32-g++", "wine")
    # Statically linked: the MinGW runtime DLLs need not be found under Wine.
    folder = build("mingw", "-DCMAKE_SYSTEM_NAME=Windows", "-DCMAKE_SYSTEM_PROCESSOR=AMD64",
                   f"-DCMAKE_CXX_COMPILER={compiler}", "-DCMAKE_EXE_LINKER_FLAGS=-static")
    prefix = CACHE / "wine-prefix"
    env = {"WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}
    yield Tool(folder, [wine], env, path=lambda p: "Z:" + str(p).replace("/", "\\"))
    # Wine's server outlives its last program by a few seconds: wait for it.
    server = shutil.which("wineserver")
    if server:
        subprocess.run([server, "-w"], env=dict(os.environ, **env), timeout=60)


# ---- content

def _y4m(raw: Path, out: Path, width: int, height: int, pix_fmt: str) -> Path:
    """The raw clip as Y4M, every other frame header carrying a parameter
    (frame headers of changing length: the reader's frame index)."""
    pf = parse_pix_fmt(pix_fmt)
    cw, ch = pf.chroma_size(width, height)
    sample = np.dtype(pf.dtype).itemsize
    frame = (width * height + 2 * cw * ch) * sample
    data = raw.read_bytes()
    colour = {"yuv420p": "420jpeg", "yuv422p": "422", "yuv444p": "444"}[pf.layout]
    if pf.bpc > 8:
        colour = colour.replace("jpeg", "") + f"p{pf.bpc}"
    with open(out, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C{colour}\n".encode())
        for i in range(len(data) // frame):
            f.write(b"FRAME\n" if i % 2 == 0 else b"FRAME Xpvt=1\n")
            f.write(data[i * frame:(i + 1) * frame])
    return out


# Every other extractor of the registry, where it takes the content (a size,
# bit depth or chroma layout it refuses is the native build's call).
OPTIONAL = ["float_ms_ssim", "float_vif", "float_adm", "float_motion", "float_ansnr", "float_psnr", "cambi",
            "psnr_hvs", "ciede", "speed_chroma", "speed_temporal"]
_taken: dict[str, list[str]] = {}
# float_adm divides libvmaf's way: on x86 by the CPU's approximate reciprocal
# (RCPSS) and a Newton step, elsewhere by a true division, so its last bits
# are x86's own (and differ between x86 vendors too). On aarch64 it is held to
# libvmaf's printed precision instead (test_aarch64_float_adm_divides).
X86_ONLY = {"float_adm"}


def _extractors(native: Tool, recipe: Recipe) -> list[str]:
    if recipe.key() not in _taken:
        clip = make_clip(recipe)
        geometry = [str(clip.width), str(clip.height), clip.pix_fmt]
        _taken[recipe.key()] = [name for name in OPTIONAL
                                if native.run(str(clip.ref), str(clip.dist), *geometry, "--extractor", name).returncode == 0]
    return EXTRACTORS + _taken[recipe.key()]


def _args(tool: Tool, ref: Path, dist: Path, geometry: list[str], threads: int, extractors: list[str]) -> list[str]:
    extra = [a for e in extractors for a in ("--extractor", e)]
    return [tool.path(ref), tool.path(dist), *geometry, "--threads", str(threads), "--model", tool.path(MODEL),
            *extra]


def _inputs(recipe: Recipe, tmp_path: Path):
    """(ref, dist, geometry) for the raw clip and for its Y4M copy."""
    clip = make_clip(recipe)
    ref = _y4m(clip.ref, tmp_path / "ref.y4m", clip.width, clip.height, clip.pix_fmt)
    dist = _y4m(clip.dist, tmp_path / "dist.y4m", clip.width, clip.height, clip.pix_fmt)
    return (clip.ref, clip.dist, [str(clip.width), str(clip.height), clip.pix_fmt]), (ref, dist, [])


# The platform layer's ways in (frames read, not mapped; Y4M; two threads)
# are compared on these; the kernels on every case.
IO_CASES = {CASES[0].id, CASES[4].id}


def _compare(native: Tool, other: Tool, recipe: Recipe, tmp_path: Path, isas: list[str], x86: bool) -> None:
    """`other` prints exactly the native scalar bytes: raw frames mapped on one
    thread with each of `isas`; for IO_CASES also raw frames read on two
    threads, and Y4M both ways, with the first and the best of them."""
    (raw, y4m) = _inputs(recipe, tmp_path)
    extractors = [e for e in _extractors(native, recipe) if x86 or e not in X86_ONLY]
    runs = [(raw, 1, False, isas)]
    if recipe.id in IO_CASES:
        runs += [(raw, 2, True, [isas[-1]]), (y4m, 1, False, [isas[0]]), (y4m, 2, True, [isas[-1]])]
    for (ref, dist, geometry), threads, no_mmap, chosen in runs:
        want = native.run(*_args(native, ref, dist, geometry, threads, extractors), isa="scalar", no_mmap=no_mmap)
        assert want.returncode == 0, want.stderr.decode(errors="replace")[-2000:]
        assert b'"scores"' in want.stdout
        for isa in chosen:
            got = other.run(*_args(other, ref, dist, geometry, threads, extractors), isa=isa, no_mmap=no_mmap)
            what = (f"{recipe.id} {'raw' if geometry else 'y4m'} with {isa}, {threads} thread(s), "
                    f"{'read' if no_mmap else 'mapped'}")
            assert got.returncode == 0, f"{what}: {got.stderr.decode(errors='replace')[-2000:]}"
            assert got.stdout == want.stdout, f"{what}: output differs from the native build's"


def _same_math(native: Tool, other: Tool) -> None:
    """exact_math gives the native build's bits, on its test cases and the special values."""
    inputs = (exact_math_cases.cases(seed=1) + exact_math_cases.powf_cases(seed=1, n=4000)
              + [(f, x, y) for f, x, y, _ in exact_math_cases.SPECIAL]
              + [("exp", x, 0.0) for x in exact_math_cases.exp_fast_cases(seed=2, n=2000)])
    text = "".join(exact_math_cases.line(*c) + "\n" for c in inputs).encode()
    want = native.run(exe=native.mathcheck, stdin=text)
    got = other.run(exe=other.mathcheck, stdin=text)
    assert want.returncode == 0 and got.returncode == 0, got.stderr[-2000:]
    assert len(want.stdout.split()) == len(inputs)
    assert got.stdout == want.stdout


# ---- aarch64 under qemu

def test_aarch64_offers_scalar_and_neon_and_refuses_what_it_lacks(aarch64):
    # qemu's default CPU has NEON (every aarch64 CPU does): chosen unless told.
    assert aarch64.isas() == ["scalar", "neon"]
    clip = make_clip(CASES[-3])
    args = [str(clip.ref), str(clip.dist), str(clip.width), str(clip.height), clip.pix_fmt]
    for isa in ("avx2", "avx512"):
        proc = aarch64.run(*args, isa=isa)
        assert proc.returncode == 1 and b"this build has no " + isa.encode() + b" kernels" in proc.stderr, (
            isa, proc.returncode, proc.stderr[-500:])
    proc = aarch64.run(*args, isa="sse4")
    assert proc.returncode == 2 and b"use scalar, avx2, avx512 or neon" in proc.stderr, proc.stderr[-500:]


def test_aarch64_float_adm_divides(native, aarch64, tmp_path):
    # float_adm's true division on aarch64: the same bytes with every kernel
    # set, and within libvmaf's printed precision (1e-6) of x86's reciprocal.
    isas = aarch64.isas()
    for recipe in (CASES[0], CASES[3], CASES[6]):
        clip = make_clip(recipe)
        args = [str(clip.ref), str(clip.dist), str(clip.width), str(clip.height), clip.pix_fmt,
                "--extractor", "float_adm"]
        got = [aarch64.run(*args, isa=isa) for isa in isas]
        want = native.run(*args, isa="scalar")
        assert all(g.returncode == 0 for g in got) and want.returncode == 0, got[-1].stderr[-2000:]
        assert all(g.stdout == got[0].stdout for g in got), f"{recipe.id}: float_adm differs between {isas}"
        a, b = json.loads(got[0].stdout), json.loads(want.stdout)
        assert a["columns"] == b["columns"] and len(a["frames"]) == len(b["frames"]) > 0
        assert np.abs(np.array(a["frames"]) - np.array(b["frames"])).max() <= 1e-6, recipe.id


def test_aarch64_ladder_is_byte_identical(native, aarch64):
    # Ladder mode (one reference, several encodes; VIF and ADM's ladder
    # kernels): on aarch64, scalar and NEON print what x86-64 prints with every
    # kernel set, which is what one run per encode prints.
    for recipe, other_quality in ((CASES[0], 45), (CASES[2], 55)):
        clip, other = make_clip(recipe), make_clip(dataclasses.replace(recipe, quality=other_quality))
        assert clip.ref.read_bytes() == other.ref.read_bytes() and clip.dist.read_bytes() != other.dist.read_bytes()
        geometry = [str(clip.width), str(clip.height), clip.pix_fmt]
        single = [native.run(*_args(native, clip.ref, d, geometry, 1, EXTRACTORS), isa="scalar")
                  for d in (clip.dist, other.dist)]
        ladder = _args(native, clip.ref, clip.dist, geometry, 1, EXTRACTORS) + ["--ladder", str(other.dist)]
        want = native.run(*ladder, isa="scalar")
        assert want.returncode == 0 and all(s.returncode == 0 for s in single), want.stderr[-2000:]
        assert want.stdout == single[0].stdout + single[1].stdout, f"{recipe.id}: ladder differs from single runs"
        for tool in (native, aarch64):
            for isa in tool.isas():
                got = tool.run(*ladder, isa=isa)
                assert got.returncode == 0, got.stderr.decode(errors="replace")[-2000:]
                assert got.stdout == want.stdout, f"{recipe.id}: ladder with {isa} differs from x86-64 scalar"


# ---- Windows under Wine

def test_windows_offers_what_linux_offers_on_this_cpu(native, windows):
    # The same CPU: the MinGW build's CPU detection (CPUID, XGETBV) must agree.
    assert windows.isas() == native.isas()
    clip = make_clip(CASES[-3])
    args = [windows.path(clip.ref), windows.path(clip.dist), str(clip.width), str(clip.height), clip.pix_fmt]
    proc = windows.run(*args, isa="neon")
    assert proc.returncode == 1 and b"this build has no neon kernels" in proc.stderr, proc.stderr[-500:]


def test_windows_refuses_what_is_not_a_regular_file(native, windows, tmp_path):
    # The platform layer's file checks: the same refusals, in the same words.
    clip = make_clip(CASES[-3])
    geometry = [str(clip.width), str(clip.height), clip.pix_fmt]
    for name, target, message in (("missing", tmp_path / "absent.yuv", b"no such file"),
                                  ("directory", tmp_path, b"is a directory, not a regular file")):
        for tool in (native, windows):
            proc = tool.run(tool.path(target), tool.path(clip.dist), *geometry)
            assert proc.returncode == 2 and message in proc.stderr, (name, tool.exe, proc.stderr[-500:])
    proc = windows.run("NUL", windows.path(clip.dist), *geometry)  # a device
    assert proc.returncode == 2 and b"is a device, not a regular file" in proc.stderr, proc.stderr[-500:]


def test_windows_writes_cambi_heatmaps_as_linux_does(native, windows, tmp_path):
    # The platform layer's writing side: a folder made with its parents, files emptied (a stale, longer one
    # here) and written at each frame's offset from two threads, the same bytes; a folder that is a file
    # refused by both.
    clip = make_clip(CASES[0])  # 320x136, 4 frames: cambi needs 216 pixels one way
    geometry = [str(clip.width), str(clip.height), clip.pix_fmt]
    written = {}
    for name, tool in (("linux", native), ("windows", windows)):
        folder = tmp_path / name / "made" / "here"
        for stale in (False, True):
            if stale:  # a second run into the same folder, over a longer file
                (folder / "cambi_heatmap_scale_4_20x9_16b.gray").write_bytes(b"stale" * 10_000)
            proc = tool.run(tool.path(clip.ref), tool.path(clip.dist), *geometry, "--threads", "2", "--extractor",
                            f"cambi:heatmaps_path={tool.path(folder)}")
            assert proc.returncode == 0, (name, proc.stderr[-2000:])
            files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
            assert name not in written or written[name] == files
            written[name] = files
    assert len(written["linux"]) == 5 and written["windows"] == written["linux"]
    assert len(written["linux"]["cambi_heatmap_scale_4_20x9_16b.gray"]) == 4 * 20 * 9 * 2
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    for tool in (native, windows):
        for target in (plain, plain / "below"):
            proc = tool.run(tool.path(clip.ref), tool.path(clip.dist), *geometry, "--extractor",
                            f"cambi:heatmaps_path={tool.path(target)}")
            assert proc.returncode == 2 and b"not a folder" in proc.stderr, (tool.exe, proc.stderr[-500:])
    assert plain.read_bytes() == b"x"


# ---- both: the native build's bytes

@pytest.mark.parametrize("recipe", CASES, ids=lambda r: r.id)
@pytest.mark.parametrize("platform", ["aarch64", "windows"])
def test_output_is_byte_identical(native, platform, recipe, tmp_path, request):
    other = request.getfixturevalue(platform)
    _compare(native, other, recipe, tmp_path, other.isas(), x86=platform == "windows")


@pytest.mark.parametrize("platform", ["aarch64", "windows"])
def test_math_is_bit_identical(native, platform, request):
    _same_math(native, request.getfixturevalue(platform))


# ---- the target architecture, decided in CMake

def _decide(**inputs: str):
    args = [f"-D{k.upper()}={v}" for k, v in inputs.items()]
    return subprocess.run([shutil.which("cmake"), *args, "-P", str(ROOT / "cmake" / "pvt_target_arch.cmake")],
                          capture_output=True, text=True)


@pytest.mark.parametrize("inputs,arch", [
    # Cross-building on a Mac: the architecture asked for, not the host's.
    (dict(system_name="Darwin", osx_architectures="arm64", system_processor="x86_64"), "aarch64"),
    (dict(system_name="Darwin", osx_architectures="x86_64", system_processor="arm64"), "x86_64"),
    (dict(system_name="Darwin", system_processor="arm64"), "aarch64"),
    # Not a Mac: CMAKE_OSX_ARCHITECTURES means nothing.
    (dict(system_name="Linux", osx_architectures="arm64", system_processor="x86_64"), "x86_64"),
    (dict(system_name="Linux", system_processor="aarch64"), "aarch64"),
    # MSVC: Visual Studio's -A, or the compiler vcvars picked; never the host.
    (dict(system_name="Windows", msvc_like="ON", generator_platform="ARM64", system_processor="AMD64"), "aarch64"),
    (dict(system_name="Windows", msvc_like="ON", generator_platform="x64", system_processor="ARM64"), "x86_64"),
    (dict(system_name="Windows", msvc_like="ON", vs_platform_name="x64", system_processor="ARM64"), "x86_64"),
    (dict(system_name="Windows", msvc_like="ON", compiler_architecture_id="ARM64", system_processor="AMD64"),
     "aarch64"),
    (dict(system_name="Windows", msvc_like="ON", generator_platform="Win32", system_processor="AMD64"), "x86"),
    # MinGW is not MSVC: its CMAKE_SYSTEM_PROCESSOR is the target's.
    (dict(system_name="Windows", generator_platform="ARM64", system_processor="AMD64"), "x86_64"),
    (dict(system_name="Linux", system_processor="ppc64le"), "ppc64le"),
])
def test_target_architecture_decision(inputs, arch):
    proc = _decide(**inputs)
    assert proc.returncode == 0, proc.stderr
    assert f"PVT_TARGET_ARCH={arch}\n" in proc.stderr


def test_universal2_is_refused_with_the_way_out():
    proc = _decide(system_name="Darwin", osx_architectures="arm64;x86_64", system_processor="arm64")
    assert proc.returncode != 0
    text = " ".join(proc.stderr.split())
    assert "(universal2) is not supported" in text and "CMAKE_OSX_ARCHITECTURES=arm64, then x86_64" in text


def test_configure_for_aarch64_leaves_out_the_x86_kernels(tmp_path):
    # A configure-only run with this machine's compiler, told the target is
    # aarch64: the x86 kernels must not be in the build at all.
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    results = {}
    for target in ("aarch64", "x86_64"):
        build = tmp_path / target
        proc = subprocess.run([shutil.which("cmake"), "-S", str(ROOT), "-B", str(build), *gen,
                               "-DPYVMAF_TINY_BUILD_PYTHON=OFF", "-DCMAKE_SYSTEM_NAME=Linux",
                               f"-DCMAKE_SYSTEM_PROCESSOR={target}"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert f"kernels for {target} (from CMAKE_SYSTEM_PROCESSOR={target})" in proc.stdout
        rules = "".join(p.read_text(errors="replace") for p in build.rglob("*")
                        if p.name in ("build.ninja", "build.make"))
        results[target] = "_avx2.cpp" in rules
    assert results == {"aarch64": False, "x86_64": True}
