"""`pyvmaf-tiny corpus build`: encode ladders of every source with real encoders.

Each source becomes a lossless reference (FFV1) and several distorted
bitstreams: codec x CRF x scaling rung (encode at a lower resolution; the
distorted clip is scaled back up with bicubic swscale at extraction time).
A manifest (CSV) records everything needed to rebuild or extract a clip.
"""

from __future__ import annotations

import csv
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..io.encode import encode, quick_options
from .sources import Source, default_sources, directory_sources, rgb_frames, to_yuv420

os.environ.setdefault("SVT_LOG", "1")

CODECS = {
    # codec: (container, CRF ladder)
    "libx264": ("mkv", (14, 20, 25, 29, 33, 37, 41, 46, 51)),
    "libx265": ("mkv", (16, 22, 27, 31, 35, 39, 44, 50)),
    "libvpx-vp9": ("ivf", (12, 24, 34, 42, 50, 57, 63)),
    "libsvtav1": ("ivf", (18, 28, 36, 44, 51, 57, 63)),
}
RUNGS = (1.0, 0.75, 0.5, 0.33)

MANIFEST_FIELDS = ["clip", "source", "family", "kind", "motion", "width", "height", "bitdepth", "frames", "codec",
                   "crf", "rung", "ref", "dist"]


@dataclass
class CorpusSpec:
    seed: int = 0
    frames: int = 10
    variants: int = 14  # distorted clips per source
    sizes: Sequence[tuple[int, int]] = ((320, 180), (384, 216), (480, 270), (352, 288))
    large_fraction: float = 0.04  # sources rendered at 1920x1080
    hbd_fraction: float = 0.15  # sources rendered at 10 bit (x264, x265, SVT-AV1)
    codecs: Sequence[str] = tuple(CODECS)
    stills_per_image: int = 3
    source_dirs: Sequence[str] = field(default_factory=tuple)
    include_default: bool = True
    max_sources: Optional[int] = None


def _encode(frames: list[list[np.ndarray]], codec: str, crf: int, pix_fmt: str) -> bytes:
    container = "matroska" if CODECS[codec][0] == "mkv" else "ivf"
    return encode(frames, codec, pix_fmt, quick_options(codec, crf), container=container)


def _scale(frames: list[list[np.ndarray]], w: int, h: int, pix_fmt: str) -> list[list[np.ndarray]]:
    import av

    fmt = "gray" if pix_fmt == "yuv420p" else "gray16le"
    out = []
    for planes in frames:
        scaled = []
        for i, p in enumerate(planes):
            tw, th = (w, h) if i == 0 else ((w + 1) // 2, (h + 1) // 2)
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(p), format=fmt)
            scaled.append(f.reformat(width=tw, height=th, interpolation="BICUBIC").to_ndarray().astype(p.dtype))
        out.append(scaled)
    return out


def _pick_geometry(spec: CorpusSpec, rng) -> tuple[int, int, int]:
    if rng.random() < spec.large_fraction:
        w, h = 1920, 1080
    else:
        w, h = spec.sizes[int(rng.integers(len(spec.sizes)))]
    bitdepth = 10 if rng.random() < spec.hbd_fraction else 8
    return w, h, bitdepth


def _build_source(args) -> list[dict]:
    src, spec, out_dir = args
    rng = np.random.default_rng(src.seed)
    w, h, bitdepth = _pick_geometry(spec, rng)
    pix_fmt = "yuv420p" if bitdepth == 8 else "yuv420p10le"
    ref_frames = list(to_yuv420(rgb_frames(src, spec.frames, h, w), bitdepth))
    sdir = Path(out_dir) / "clips" / src.id
    sdir.mkdir(parents=True, exist_ok=True)
    ref_path = sdir / "ref.mkv"
    if not ref_path.exists():
        tmp = ref_path.with_suffix(".tmp")
        tmp.write_bytes(_encode_ffv1(ref_frames, pix_fmt))
        tmp.replace(ref_path)
    codecs = [c for c in spec.codecs if bitdepth == 8 or c != "libvpx-vp9"]  # this libvpx has no 10-bit
    rows, seen = [], set()
    for _ in range(spec.variants * 4):
        if len(rows) >= spec.variants:
            break
        codec = codecs[int(rng.integers(len(codecs)))]
        crf = int(rng.choice(CODECS[codec][1]))
        rung = float(rng.choice(RUNGS, p=(0.55, 0.15, 0.2, 0.1)))
        if (codec, crf, rung) in seen:
            continue
        seen.add((codec, crf, rung))
        ew, eh = (w, h) if rung == 1.0 else (max(32, int(round(w * rung / 2)) * 2), max(32, int(round(h * rung / 2)) * 2))
        name = f"{codec}-crf{crf}-r{rung:g}.{CODECS[codec][0]}"
        dist_path = sdir / name
        if not dist_path.exists():
            frames = ref_frames if rung == 1.0 else _scale(ref_frames, ew, eh, pix_fmt)
            data = _encode(frames, codec, crf, pix_fmt)
            tmp = dist_path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(dist_path)
        rows.append({"clip": f"{src.id}/{name}", "source": src.id, "family": src.family, "kind": src.kind,
                     "motion": src.motion, "width": w, "height": h, "bitdepth": bitdepth, "frames": spec.frames,
                     "codec": codec, "crf": crf, "rung": rung,
                     "ref": os.path.relpath(ref_path, out_dir), "dist": os.path.relpath(dist_path, out_dir)})
    return rows


def _encode_ffv1(frames, pix_fmt) -> bytes:
    return encode(frames, "ffv1", pix_fmt, {}, threads=None)


def sources_for(spec: CorpusSpec) -> list[Source]:
    out = default_sources(spec.seed, spec.stills_per_image) if spec.include_default else []
    for d in spec.source_dirs:
        out += directory_sources(d, spec.seed)
    if spec.max_sources is not None:
        rng = np.random.default_rng(spec.seed)
        keep = sorted(rng.choice(len(out), size=min(spec.max_sources, len(out)), replace=False))
        out = [out[i] for i in keep]
    return out


def build(out_dir: str, spec: CorpusSpec, jobs: int = 0, log=print, scheduler: Optional[str] = None) -> Path:
    """Build (or complete) the corpus in `out_dir`; returns the manifest path.

    With `scheduler` (a Dask scheduler address) the sources are built on that
    cluster as pyvmaf-tiny batch runs its tasks: a source that fails is left
    out and listed in failed.csv instead of stopping the build, and a source
    whose worker died is retried a bounded number of times. `out_dir` must
    then be on storage the workers share.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    sources = sources_for(spec)
    jobs = jobs or os.cpu_count() or 1
    rows: list[dict] = []
    work = [(s, spec, str(out)) for s in sources]
    failed: list[tuple[str, str]] = []
    if scheduler is not None:
        results = _build_on_dask(scheduler, work, failed, log)
    elif jobs == 1:
        results = map(_build_source, work)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs)
        results = pool.map(_build_source, work)
    for i, r in enumerate(results, start=1):
        rows += r
        if scheduler is None:
            log(f"corpus: {i}/{len(sources)} sources, {len(rows)} clips")
    if scheduler is None and jobs != 1:
        pool.shutdown()
    manifest = out / "manifest.csv"
    with open(manifest, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    (out / "spec.json").write_text(__import__("json").dumps(asdict(spec), indent=1, default=list))
    failures = out / "failed.csv"
    if failed:
        with open(failures, "w", newline="") as f:
            csv.writer(f).writerows([("source", "error")] + failed)
    elif failures.exists():
        failures.unlink()
    return manifest


def _build_on_dask(scheduler: str, work: list, failed: list, log) -> list[list[dict]]:
    """_build_source on every source on a Dask cluster; the rows of each, in source order."""
    from ..batch.scheduling import run_items

    done: dict[int, list[dict]] = {}
    index = {id(w): i for i, w in enumerate(work)}

    def on_batch(finished, lost):
        for w, rows in finished:
            done[index[id(w)]] = rows
        for w, failure in lost:
            failed.append((w[0].id, failure.message))
            log(f"corpus: {w[0].id} failed: {failure.message}")
        log(f"corpus: {len(done) + len(failed)}/{len(work)} sources, {sum(map(len, done.values()))} clips, "
            f"{len(failed)} failed")

    run_items(scheduler, work, _build_source, on_batch=on_batch, name="pvt-corpus")
    return [done[i] for i in sorted(done)]


def read_manifest(path: str) -> list[dict]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in ("width", "height", "bitdepth", "frames", "crf"):
            r[k] = int(r[k])
        r["rung"] = float(r["rung"])
    return rows
