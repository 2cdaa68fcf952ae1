"""The conformance oracle: libvmaf 3.2 inside imageio-ffmpeg 0.8.1's ffmpeg.

Results are cached next to the clip, keyed by the oracle arguments.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Optional

ORACLE_VERSION = "0.8.1"


def ffmpeg() -> str:
    import imageio_ffmpeg

    if imageio_ffmpeg.__version__ != ORACLE_VERSION:
        raise RuntimeError(f"the oracle is imageio-ffmpeg=={ORACLE_VERSION}, found {imageio_ffmpeg.__version__}")
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(ref: Path, dist: Path, width: int, height: int, pix_fmt: str, *, model: Optional[str] = None,
        features: Optional[list[str]] = None, threads: int = 2, cache: bool = True,
        models: Optional[list[str]] = None, model_path: Optional[str] = None) -> dict:
    """libvmaf's JSON log for dist vs ref (ffmpeg takes the distorted clip first).

    model=None runs ffmpeg's default model (vmaf_v0.6.1), model="" none at all;
    model_path names a libvmaf JSON model file instead.
    `models` lists several models in libvmaf's syntax instead ("version=vmaf_v0.6.1:name=a",
    "path=/x.json:name=b:disable_clip=true"), scored in one run.
    A feature may carry libvmaf options: "psnr:enable_mse=true,enable_chroma=false".
    """
    opts = [f"n_threads={threads}", "log_fmt=json"]
    content = ""  # a model file's digest: the cache follows its content
    if models:
        opts.append(model_arg(models))
    elif model_path:
        content = hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
        opts.append(f"model=path={model_path}")
    elif model:
        opts.append(f"model=version={model}")
    elif model is not None:
        opts.append("model=")
    if features:
        opts.append("feature=" + "\\|".join(_feature_arg(f) for f in features))
    key = hashlib.sha256(json.dumps([str(ref), str(dist), width, height, pix_fmt, opts] + ([content] if content else []))
                         .encode()).hexdigest()[:16]
    out = Path(ref).parent / f"oracle-{key}.json"
    if cache and out.exists():
        return json.loads(out.read_text())
    tmp = out.with_suffix(f".{os.getpid()}.tmp")  # concurrent test runs share the cache
    lavfi = "libvmaf=" + ":".join(opts + [f"log_path={tmp}"])
    raw = ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}"]
    cmd = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", *raw, "-i", str(dist), *raw, "-i", str(ref),
           "-lavfi", lavfi, "-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not tmp.exists():
        raise OracleFailed(f"oracle failed (rc={proc.returncode}): {proc.stderr.strip()[-500:]}")
    data = json.loads(tmp.read_text())
    if not data.get("frames"):
        # libvmaf reports some failures (e.g. MS-SSIM on small frames) on stdout and writes no frames
        raise OracleFailed(f"oracle wrote no frames: {(proc.stdout + proc.stderr).strip()[-500:]}")
    tmp.replace(out)
    return data


def model_arg(models: list[str]) -> str:
    """ffmpeg's libvmaf model= option for several models in libvmaf's syntax: each model's options
    separated by ':' and the models by '|', escaped for the filtergraph and for libvmaf."""
    return "model=" + "\\|".join(m.replace(":", "\\\\:") for m in models)


def _feature_arg(feature: str) -> str:
    # libvmaf separates a feature's options with ':', escaped twice: once for the
    # filtergraph and once for libvmaf's own option string
    name, _, options = feature.partition(":")
    return "\\\\:".join([f"name={name}"] + [kv for kv in options.split(",") if kv])


class OracleFailed(RuntimeError):
    pass
