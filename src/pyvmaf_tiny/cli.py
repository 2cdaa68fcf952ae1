"""The pyvmaf-tiny command line."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import warnings
from typing import Optional, Sequence

from . import __version__
from .errors import BackendUnavailable, InputError, ModelError, PyvmafTinyError, PyvmafTinyWarning

EXIT_OK, EXIT_OTHER, EXIT_INPUT, EXIT_MODEL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 128 + 13  # what a tool killed by SIGPIPE reports: `pyvmaf-tiny ... | head`
_DEFAULT_MODEL = "vmaf_v0.6.1"
_LOG_SUFFIXES = {"json": ".json", "xml": ".xml", "csv": ".csv", "sub": ".sub"}

_MAIN_EXAMPLES = """\
examples:
  pyvmaf-tiny demo                                   # encode built-in content with x264 and score it
  pyvmaf-tiny score ref.y4m dist.mp4                 # VMAF (vmaf_v0.6.1) of an encode
  pyvmaf-tiny score ref.yuv dist.yuv --width 1920 --height 1080 --pix-fmt yuv420p -o log.json
  pyvmaf-tiny models                                 # packaged models and the features they read
  pyvmaf-tiny features                               # feature extractors, their features and options
  pyvmaf-tiny mcp --root ~/videos                    # MCP server over stdio, for AI assistants
"""

_MCP_EXAMPLES = """\
examples:
  pyvmaf-tiny mcp                                    # stdio; reads files under the current directory
  pyvmaf-tiny mcp --root ~/videos --root /data/clips # only files that resolve inside these directories
  PYVMAF_TINY_MCP_ROOTS=~/videos:/data pyvmaf-tiny mcp
  pyvmaf-tiny mcp --root ~/videos --max-frames 2000 --max-pixels 8294400
  pyvmaf-tiny mcp --root ~/videos --http 8765        # streamable HTTP on http://127.0.0.1:8765/mcp

Tools: vmaf_score, extract_features, list_models, describe_model.
Roots come from --root, else PYVMAF_TINY_MCP_ROOTS (os.pathsep-separated), else the current directory.
Needs the MCP SDK: pip install "pyvmaf-tiny[mcp]".
"""

_SCORE_EXAMPLES = """\
examples:
  pyvmaf-tiny score ref.y4m dist.y4m
  pyvmaf-tiny score ref.mkv dist.mp4 --threads 2 --output log.json
  pyvmaf-tiny score ref.yuv dist.yuv --width 1920 --height 1080 --pix-fmt yuv420p10le
  pyvmaf-tiny score ref.y4m dist.y4m --model vmaf_v0.6.1neg --output log.xml --format xml
  pyvmaf-tiny score ref.y4m dist.y4m --feature psnr --feature float_ssim --frame-scores
  pyvmaf-tiny score ref.y4m dist.y4m --model vmaf_v0.6.1 --model version=vmaf_v0.6.1:enable_transform=true:name=phone
  pyvmaf-tiny score ref.y4m dist.y4m --model path=my_model.json:name=mine:disable_clip=true
  pyvmaf-tiny score ref.y4m dist.y4m --model vmaf_b_v0.6.3          # bootstrap: bagging, stddev, 95% interval
  pyvmaf-tiny score ref.y4m dist.y4m --no-vmaf --feature psnr --feature float_ssim   # only what is asked
  pyvmaf-tiny score ref.y4m dist_720p.mp4 --scale-dist bicubic     # changes the measurement
  pyvmaf-tiny score ref.y4m dist.mp4 --skip-dist 2 --frames 100 --subsample 5
  pyvmaf-tiny score ref.y4m dist.y4m --model my_tiny.onnx --device auto --plot vmaf.png
  pyvmaf-tiny score --ref ref.y4m --dist dist.mp4                  # the reference comes first (ffmpeg: last)
  pyvmaf-tiny score ref24.mp4 dist12.mp4 --align pts               # pair by time; changes the measurement
  pyvmaf-tiny score ref.y4m dist.mp4 --sync auto                   # find the delay; --dist-delay N to give it
  pyvmaf-tiny score ref.y4m 1080p.mp4 720p.mp4 540p.mp4 --scale-dist bicubic --output logs/   # a ladder
  pyvmaf-tiny score ref.y4m a.mp4 b.mp4 --output 'logs/{name}.xml'   # one log per encode, named by a template

Output logs (--output) use libvmaf's JSON/XML/CSV/SUB layout and metric names.
Printed: the first model's pooled score on one line ("VMAF score of DIST against reference REF (MODEL,
N frames, BACKEND): SCORE", the line scripts parse; it stays first), then, when more than one metric is
computed, a table of every model output and every --feature with its mean, min, max and harmonic mean.
--frame-scores prints the same metrics per frame, as columns, before them.
Several encodes of one reference (score REF DIST DIST ...) are scored in one pass that reads the
reference once: the same lines for each encode, in order, each encode's values exactly those it has
alone; --output is then a directory (DIR/NAME.json, NAME the encode's file name without its suffix)
or a template with {name} (and {index}, the encode's position from 0), and --plot likewise. An encode
that fails prints its error and the others are still scored and written (exit status: the failure's).
Exit codes: 0 ok, 2 bad input or usage, 3 model error, 1 anything else.
"""


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() finds it ($COLUMNS, the terminal, else 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Width:
    """argparse's formatters find their default width through shutil, whose import (zlib, bz2, lzma) is
    a tenth of the imports of a short `pyvmaf-tiny score`: the same width, found without it."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None, **kwargs):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width,
                         **kwargs)


class _Formatter(_Width, argparse.RawDescriptionHelpFormatter):
    pass


class _PlainFormatter(_Width, argparse.HelpFormatter):
    pass


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _PlainFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # usage errors exit 2 with one line
        self.print_usage(sys.stderr)
        print(f"pyvmaf-tiny: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _add_common(p: argparse.ArgumentParser, top: bool = False) -> None:
    # Before or after the subcommand: a subcommand's own default must not undo the top-level flag.
    p.add_argument("--debug", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="show the traceback of an error, and debug logging on stderr (ONNX Runtime's own lines from info up)")


def _build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole parser, or (faster to build) only `command`'s subparser."""
    p = _Parser(prog="pyvmaf-tiny", description="libvmaf-exact VMAF from a fast native core.",
                epilog=_MAIN_EXAMPLES, formatter_class=_Formatter)
    p.add_argument("--version", action="version", version=f"pyvmaf-tiny {__version__}")
    _add_common(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    builders = {"score": _add_score, "demo": _add_demo, "corpus": _register_training, "train": _register_training,
                "models": _add_models, "features": _add_features, "mcp": _add_mcp, "batch": _add_batch}
    if command in builders:
        builders[command](sub)
    else:
        for build in dict.fromkeys(builders.values()):
            build(sub)
    return p


def _command_of(argv: Sequence[str]) -> Optional[str]:
    """The subcommand: the first argument that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def _add_score(sub) -> None:
    s = sub.add_parser("score", help="score a distorted clip against its reference", epilog=_SCORE_EXAMPLES,
                       formatter_class=_Formatter)
    s.add_argument("ref", nargs="?", help="reference (the original): .y4m, a container (.mp4, .mkv, ...), or .yuv "
                                          "with --width/--height/--pix-fmt. Note: ffmpeg's libvmaf filter takes the "
                                          "distorted clip first; here the reference comes first")
    s.add_argument("dist", nargs="*", help="distorted clip (the encode), in any of the same forms; several encodes "
                                           "of one reference are scored in one pass that reads it once")
    s.add_argument("--ref", dest="ref_opt", metavar="REF", help="the reference, named explicitly")
    s.add_argument("--dist", dest="dist_opt", metavar="DIST", action="append",
                   help="the distorted clip, named explicitly (repeatable: several encodes)")
    g = s.add_argument_group("raw input")
    g.add_argument("--width", type=int, help="frame width of raw .yuv input")
    g.add_argument("--height", type=int, help="frame height of raw .yuv input")
    g.add_argument("--pix-fmt", help="raw .yuv pixel format, e.g. yuv420p, yuv422p10le, gray (ffmpeg names)")
    g = s.add_argument_group("model and features")
    g.add_argument("--model", action="append", metavar="MODEL",
                   help=f"packaged model name, a libvmaf JSON model (or bootstrap collection), or a tiny .onnx "
                        f"(default {_DEFAULT_MODEL}); libvmaf's options too: version=NAME or path=FILE, "
                        f"name=LOGNAME, enable_transform=true, disable_clip=true, joined by ':' "
                        f"(vmaf_v0.6.1:enable_transform=true:name=phone). Repeat it to score several models in one "
                        f"pass; 'none' for none")
    g.add_argument("--no-vmaf", action="store_true",
                   help="no model: compute only the --feature metrics (the same as --model none)")
    g.add_argument("--feature", action="append", default=[], metavar="NAME",
                   help="also compute this feature (repeatable), e.g. psnr, float_ssim, integer_motion")
    g.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "openvino"),
                   help="where tiny ONNX models run (default auto)")
    g.add_argument("--dnn-mode", default="batch", choices=("batch", "stream"), help="ONNX inference per batch or frame")
    g.add_argument("--threads", type=int, default=0, help="worker threads (0 = all cores, the default)")
    g = s.add_argument_group("frame alignment")
    g.add_argument("--frames", type=int, help="score this many frame pairs (allows inputs of different lengths)")
    g.add_argument("--skip-ref", type=int, default=0, metavar="N", help="drop the first N reference frames")
    g.add_argument("--skip-dist", type=int, default=0, metavar="N", help="drop the first N distorted frames")
    g.add_argument("--dist-delay", type=int, default=0, metavar="N",
                   help="the distorted clip lags the reference by N frames (N < 0: leads it); the same as "
                        "--skip-dist N (--skip-ref -N). In frames, not seconds")
    g.add_argument("--align", default="index", choices=("index", "pts"),
                   help="pair frames by position (index, the default) or by timestamp (pts: distorted frames "
                        "are repeated or dropped onto the reference's frame times, as ffmpeg's fps filter would; "
                        "this changes the measurement)")
    g.add_argument("--sync", choices=("auto",),
                   help="find the distorted clip's delay (within --sync-window) that best matches the first "
                        "seconds, and score with it; the delay used is printed")
    g.add_argument("--sync-window", type=float, default=2.0, metavar="SECONDS",
                   help="largest delay --sync auto tries, either way (default 2 s)")
    g.add_argument("--subsample", type=int, default=1, metavar="N", help="score every N-th pair (libvmaf n_subsample)")
    g.add_argument("--scale-dist", choices=("bicubic", "lanczos"),
                   help="resize the distorted clip to the reference size first (this changes the measurement)")
    g = s.add_argument_group("output")
    g.add_argument("--output", "-o",
                   help="write a libvmaf-compatible log here ('-' for stdout); with several encodes a directory "
                        "or a template with {name}, e.g. 'logs/{name}.json'")
    g.add_argument("--format", choices=("json", "xml", "csv", "sub"),
                   help="log format (default: from the --output suffix, else json)")
    g.add_argument("--pool", default="mean", choices=("mean", "harmonic_mean", "min", "max"),
                   help="which pooled score to print (default mean)")
    g.add_argument("--frame-scores", action="store_true", help="print every frame's score")
    g.add_argument("--plot", metavar="PNG", help="save a per-frame timeline (needs matplotlib); with several "
                                                 "encodes a directory or a template with {name}")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_common(s)


def _inputs(args) -> tuple[str, list[str]]:
    """(reference, the distorted clips) from the positionals and --ref/--dist: the reference first, then
    every encode."""
    given = ([args.ref] if args.ref is not None else []) + list(args.dist or [])
    ref, dists = args.ref_opt, list(args.dist_opt or [])
    if ref is None and not dists:
        if len(given) < 2:
            raise _UsageError("score needs a reference and a distorted clip: score REF DIST [DIST ...], or "
                              "--ref REF --dist DIST")
        return given[0], given[1:]
    if dists and len(given) > (ref is None):  # with --dist, every encode is named by --dist
        raise _UsageError(f"too many clips: {' '.join(given)} besides --ref/--dist (repeat --dist for several "
                          f"encodes)")
    if ref is None:
        if not given:
            raise _UsageError("no reference: add --ref REF")
        ref, given = given[0], given[1:]
    dists += given
    if not dists:
        raise _UsageError("no distorted clip: add --dist DIST")
    return ref, dists


def _per_encode_paths(option: str, given: Optional[str], dists: list[str], suffix: str) -> Optional[list[str]]:
    """Where each encode's log (or plot) goes: `given` itself for one encode; with several, a directory
    (DIR/NAME + suffix) or a template with {name} / {index}. A single plain path for several encodes, or
    two encodes sent to one file, is refused."""
    if given is None:
        return None
    is_dir = given.endswith(("/", os.sep)) or os.path.isdir(given)
    templated = "{name}" in given or "{index}" in given
    if given == "-" and len(dists) > 1:
        raise _UsageError(f"{option} - (stdout) takes one log; with {len(dists)} encodes give a directory or a "
                          f"template with {{name}}")
    if not (is_dir or templated):
        if len(dists) > 1:
            raise _UsageError(f"{option} {given}: one file for {len(dists)} encodes; give a directory (e.g. "
                              f"{option} logs/) or a template with {{name}} (e.g. {option} 'logs/{{name}}{suffix}')")
        return [given]
    names = [os.path.splitext(os.path.basename(os.fspath(d)))[0] or f"encode{k}" for k, d in enumerate(dists)]
    if templated:
        try:
            paths = [given.format(name=n, index=k) for k, n in enumerate(names)]
        except (KeyError, IndexError, ValueError) as e:
            raise _UsageError(f"{option} {given}: a template takes {{name}} and {{index}} only ({e})") from None
    else:
        paths = [os.path.join(given, n + suffix) for n in names]
    seen: dict[str, str] = {}
    for d, path in zip(dists, paths):
        if path in seen:
            raise _UsageError(f"{option} {given}: {seen[path]} and {d} would both write {path}; use a template "
                              f"with {{index}} (e.g. {option} 'logs/{{index}}_{{name}}{suffix}')")
        seen[path] = d
    return paths


def _model_of(args):
    """The models to score with: what --model / --no-vmaf ask for ("none" for none)."""
    if args.no_vmaf:
        if args.model:
            raise _UsageError(f"--no-vmaf and --model {args.model[0]}: one or the other")
        return "none"
    return args.model or [_DEFAULT_MODEL]


def _names_a_tiny_model(model) -> bool:
    """Whether --model names an ONNX model: a packaged one (NAME.onnx beside its sidecar) or an .onnx file.
    A guess that only decides when ONNX Runtime starts loading."""
    if isinstance(model, str):
        return False
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "data")
    for text in model:  # libvmaf's syntax: "fr_micro_v2", "version=NAME:name=x", "path=FILE:name=y"
        fields = text.split(":") if "=" in text else [text]
        ref = next((f.split("=", 1)[1] for f in fields if f.startswith(("version=", "path="))), fields[0])
        if ref.endswith(".onnx") or os.path.isfile(os.path.join(data, os.path.basename(ref) + ".onnx")):
            return True
    return False


class _UsageError(Exception):
    """A command line that parses but does not make sense: exit 2 with the usage message."""


def _add_demo(sub) -> None:
    d = sub.add_parser("demo", help="encode built-in content with x264 and score it (needs PyAV)",
                       epilog="examples:\n  pyvmaf-tiny demo\n  pyvmaf-tiny demo --crf 40 --frames 48",
                       formatter_class=_Formatter)
    d.add_argument("--crf", type=int, default=30, help="x264 CRF for the distorted clip (default 30)")
    d.add_argument("--frames", type=int, default=24, help="number of frames (default 24)")
    _add_common(d)


def _add_models(sub) -> None:
    m = sub.add_parser("models", help="list the packaged models and the features each reads",
                       epilog="examples:\n  pyvmaf-tiny models\n  pyvmaf-tiny models --json",
                       formatter_class=_Formatter)
    m.add_argument("--json", action="store_true", help="as JSON: name, kind, path, features (and a sidecar)")
    _add_common(m)


def _add_features(sub) -> None:
    f = sub.add_parser("features", help="list the feature extractors, their features and options",
                       epilog="examples:\n  pyvmaf-tiny features\n  pyvmaf-tiny features --json\n"
                              "  pyvmaf-tiny score ref.y4m dist.y4m --feature adm:adm_enhn_gain_limit=1.0",
                       formatter_class=_Formatter)
    f.add_argument("--json", action="store_true", help="as JSON: name, features, options")
    _add_common(f)


def _add_mcp(sub) -> None:
    from .mcp import Limits  # no SDK import: that waits for the subcommand to run

    c = sub.add_parser("mcp", help="serve VMAF tools to MCP clients (AI assistants) over stdio",
                       epilog=_MCP_EXAMPLES, formatter_class=_Formatter)
    c.add_argument("--root", action="append", metavar="DIR",
                   help="a directory whose files the tools may read (repeatable; default: $PYVMAF_TINY_MCP_ROOTS, "
                        "else the current directory)")
    c.add_argument("--max-frames", type=_positive_int, default=Limits.max_frames, metavar="N",
                   help=f"most frames one call may score (default {Limits.max_frames})")
    c.add_argument("--max-pixels", type=_positive_int, default=Limits.max_pixels, metavar="N",
                   help=f"most pixels a frame, width x height (default {Limits.max_pixels}, 8K UHD)")
    c.add_argument("--max-threads", type=_positive_int, default=Limits.max_threads, metavar="N",
                   help=f"most worker threads one call may use, never more than the machine's cores "
                        f"(default {Limits.max_threads})")
    c.add_argument("--max-calls", type=_positive_int, default=Limits.max_calls, metavar="N",
                   help=f"most scoring calls running at once; more wait {Limits.busy_wait_s:g} s for a place, then "
                        f"are refused as busy (default {Limits.max_calls})")
    c.add_argument("--http", type=_port, metavar="PORT",
                   help="serve streamable HTTP on 127.0.0.1:PORT (path /mcp) instead of stdio")
    _add_common(c)


def _register_training(sub) -> None:
    """`corpus` and `train` need the train extra only when they run."""
    from .train.commands import register

    register(sub)


def _cmd_train(args) -> int:
    try:
        import torch  # noqa: F401
        import yaml  # noqa: F401
    except ImportError:
        raise BackendUnavailable("training needs the train extra: pip install 'pyvmaf-tiny[train]'") from None
    from .train.commands import run

    return run(args)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def _cmd_score(args) -> int:
    ref, dists = _inputs(args)
    model = _model_of(args)
    suffix = _LOG_SUFFIXES.get(args.format or "json", ".json")
    outputs = _per_encode_paths("--output", args.output, dists, suffix)
    plots = _per_encode_paths("--plot", args.plot, dists, ".png")
    if len(dists) > 1:
        for flag, given in (("--dist-delay", args.dist_delay), ("--align pts", args.align == "pts"),
                            ("--sync", args.sync)):
            if given:
                raise _UsageError(f"{flag} pairs one distorted clip with the reference; score the encodes one by "
                                  f"one, or align them with --skip-ref/--skip-dist")
    if "numpy" not in sys.modules:
        # The runner loads numpy while the native core scores; this command
        # does no linear algebra, so skip starting a BLAS thread pool.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if _names_a_tiny_model(model) and not args.plot:  # (--plot imports numpy, which sets variables)
        from .ort_library import preload

        preload()  # on a native thread, while the rest of the package is imported
    from .models import load_set
    from .progress import Progress

    # What is written after the run is checked before it, not found wrong after a long run.
    if outputs and args.output != "-":
        from .output import format_for

        format_for(outputs[0], args.format)
        _check_outputs(outputs, args.output, "")
    if args.plot:
        from .io.policy import printable
        from .plot import require_matplotlib

        plt = require_matplotlib()
        kinds = plt.figure().canvas.get_supported_filetypes()
        plt.close("all")
        ext = os.path.splitext(args.plot)[1][1:].lower()
        if ext not in kinds:
            raise InputError(f"--plot {printable(args.plot)}: name the image's format by its suffix: "
                             f"{', '.join('.' + k for k in sorted(kinds))}")
        _check_outputs(plots, args.plot, "--plot")
    with _warnings_to_stderr():
        models = load_set(model, device=args.device)
    if not models and not args.feature:
        raise _UsageError("no model (--no-vmaf / --model none) and no --feature: nothing to compute")
    if args.plot and not models:
        raise _UsageError("--plot draws the model's score: it needs a model")
    # One model with one output and nothing else to print needs no per-frame arrays (nor numpy).
    alone = len(models) == 1 and models.first.output_suffixes == [""]
    per_frame = bool(args.output or args.plot or args.frame_scores or args.feature or not alone)
    kwargs = dict(width=args.width, height=args.height, pix_fmt=args.pix_fmt, threads=args.threads,
                  features=args.feature or None, device=args.device, dnn_mode=args.dnn_mode, frames=args.frames,
                  skip_ref=args.skip_ref, skip_dist=args.skip_dist, subsample=args.subsample,
                  scale_dist=args.scale_dist, dist_delay=args.dist_delay, align=args.align, sync=args.sync,
                  sync_window=args.sync_window)
    progress = Progress() if Progress.wanted(args.quiet) else None
    if len(dists) > 1:
        return _score_ladder(args, ref, dists, models, kwargs, progress, outputs, plots)
    dist = dists[0]
    result = None
    try:
        with _warnings_to_stderr():
            if per_frame:
                from .api import score

                result = score(ref, dist, models, progress=progress, **kwargs)
                summary = result.summary()
            else:
                from .api import pooled_score

                summary = pooled_score(ref, dist, models, progress=progress, **kwargs)
    finally:
        if progress is not None:
            progress.finish()
    if outputs:
        _make_parent(outputs[0], args.output)
        result.write(outputs[0], args.format)
    if plots:
        from .plot import plot_timeline

        _make_parent(plots[0], args.plot)
        plot_timeline(result, plots[0], ref=ref, dist=dist)
    if args.output == "-":
        return EXIT_OK
    _print_encode(args, models, ref, dist, result, summary)
    return EXIT_OK


def _score_ladder(args, ref: str, dists: list[str], models, kwargs: dict, progress, outputs, plots) -> int:
    """Several encodes of one reference in one pass (score_ladder): each encode's lines, log and plot
    as alone; a failed encode's error on stderr, the others still done. The exit status is the first
    failure's."""
    from .io.policy import printable
    from .ladder import score_ladder

    for flag in ("dist_delay", "align", "sync", "sync_window"):
        kwargs.pop(flag)
    try:
        with _warnings_to_stderr():
            results = score_ladder(ref, dists, models, progress=progress, **kwargs)
    finally:
        if progress is not None:
            progress.finish()
    if isinstance(results[0], BaseException) and all(r is results[0] for r in results):
        raise results[0]  # the reference's or the arguments' error: the run's, said once
    code = EXIT_OK
    for k, (dist, result) in enumerate(zip(dists, results)):
        if isinstance(result, BaseException):
            message = printable(" ".join(str(result).split("\n"))) or type(result).__name__
            which = f"encode {k + 1} of {len(dists)}"
            if os.path.basename(dist) not in message:
                which += f" ({printable(dist)})"
            print(f"pyvmaf-tiny: error: {which}: {message}", file=sys.stderr)
            if code == EXIT_OK:
                code = EXIT_MODEL if isinstance(result, ModelError) else (
                    EXIT_INPUT if isinstance(result, InputError) else EXIT_OTHER)
            continue
        if outputs:
            _make_parent(outputs[k], args.output)
            result.write(outputs[k], args.format)
        if plots:
            from .plot import plot_timeline

            _make_parent(plots[k], args.plot)
            plot_timeline(result, plots[k], ref=ref, dist=dist)
        _print_encode(args, models, ref, dist, result, result.summary())
    return code


def _check_outputs(paths: list[str], given: str, what: str) -> None:
    """Each encode's log or plot can be written; a folder that _make_parent() will make is not yet there."""
    from .io.policy import check_output

    for path in paths:
        if path == given or os.path.isdir(os.path.dirname(path) or "."):
            check_output(path, what)


def _make_parent(path: str, given: str) -> None:
    """A directory named for --output/--plot (DIR/ or a template's folders) is made when missing."""
    if path != given:
        parent = os.path.dirname(path)
        if parent:
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as e:
                raise InputError(f"{parent}: cannot make the directory ({e.strerror})") from None


def _print_encode(args, models, ref: str, dist: str, result, summary) -> None:
    """One encode's console lines: its frames (--frame-scores), the headline, the table."""
    from .io.policy import printable

    if result is not None:
        shown, pooled, aggregates = _shown_metrics(result, args.feature), result.pooled, result.aggregates
    else:  # pooled_score(): the model's score and its interval's bounds
        pooled = {summary.metric: summary.pooled, **(summary.interval or {})}
        shown, aggregates = list(pooled), {}
    if args.frame_scores:
        _print_frames(result, shown)
    if models:
        label = "VMAF score" if args.pool == "mean" else f"VMAF {args.pool}"
        details = [printable(summary.model), f"{summary.frames} frames", summary.backend]
        details += _headline_extras(result, summary)
        if summary.sync_delay is not None:
            details.append(f"--sync auto: {_delay_text(summary.sync_delay, summary.sync_delay_s)}")
        if summary.align == "pts":
            details.append("paired by timestamp")
        print(f"{label} of {printable(dist)} against reference {printable(ref)} ({', '.join(details)}): "
              f"{summary.pooled[args.pool]:.6f}")
    if len(shown) > 1 or not models:
        if not models:
            print(f"{printable(dist)} against reference {printable(ref)} ({result.frame_count} frames):")
        _print_table(pooled, aggregates, shown)


def _shown_metrics(result, features) -> list[str]:
    """What the console shows: every model output but a bootstrap collection's members (the logs carry
    them), then the columns of every --feature (not the other outputs of the extractors the models read)."""
    import re

    from . import featureset
    from .api import requested_columns

    names = []
    for name in result.scores:
        if not any(re.fullmatch(re.escape(m) + r"_\d{4}", name) for m in result.models):
            names.append(name)
    if features:
        specs, wanted = featureset.resolve(features)
        names += [c for c in requested_columns(specs, wanted) if c not in names]
    return names


def _headline_extras(result, summary) -> list[str]:
    """A collection's bagging score and the first model's interval (pooled means of its bounds)."""
    out = []
    name = summary.metric
    bagging = result.pooled.get(f"{name}_bagging") if result is not None else None
    if bagging is not None and name + "_bagging" in result.scores:
        lo, hi = result.pooled[f"{name}_ci_p95_lo"], result.pooled[f"{name}_ci_p95_hi"]
        out.append(f"bagging {bagging['mean']:.6f}, 95% interval {lo['mean']:.6f} to {hi['mean']:.6f}")
    if summary.interval:
        lo, hi = summary.interval.values()
        level = round(summary.interval_coverage * 100, 6)  # set whenever the interval is
        out.append(f"{level:g}% interval {lo['mean']:.6f} to {hi['mean']:.6f}")
    if name is not None and name != "vmaf":
        out.append(f"logged as {name}")
    return out


def _print_frames(result, shown: list[str]) -> None:
    """Every shown metric of every frame, as columns (a header line first)."""
    metrics = result.metrics()
    widths = [max(len(n), 12) for n in shown]
    print("frame " + " ".join(n.rjust(w) for n, w in zip(shown, widths)))
    numbers = result.frame_numbers if result.frame_numbers is not None else range(result.frame_count)
    for row, num in enumerate(numbers):
        print(f"{int(num):5d} " + " ".join(f"{float(metrics[n][row]):.6f}".rjust(w) for n, w in zip(shown, widths)))


def _print_table(pooled: dict, aggregates: dict, shown: list[str]) -> None:
    """One line per metric: libvmaf's pooled mean, min, max and harmonic mean."""
    width = max([len(n) for n in [*shown, *aggregates]] + [6])
    pools = ("mean", "min", "max", "harmonic_mean")
    print("metric".ljust(width) + "".join(p.rjust(15) for p in pools))
    for name in shown:
        print(name.ljust(width) + "".join(f"{pooled[name][p]:.6f}".rjust(15) for p in pools))
    for name, value in aggregates.items():  # clip-level values (libvmaf's aggregate_metrics)
        print(name.ljust(width) + f"{value:.6f}".rjust(15) + "  (clip)")


def _delay_text(delay: int, seconds_: Optional[float]) -> str:
    if delay == 0:
        return "no delay"
    seconds = f" ({abs(seconds_):.3f} s)" if seconds_ is not None else ""
    return f"distorted {abs(delay)} frames {'late' if delay > 0 else 'early'}{seconds}"


@contextlib.contextmanager
def _warnings_to_stderr():
    """The library's warnings (warnings module) as one `pyvmaf-tiny: warning: ...` line each."""
    from .io.policy import printable

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PyvmafTinyWarning)
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                if not issubclass(w.category, PyvmafTinyWarning):
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)
                    continue
                line = printable(" ".join(str(w.message).split()))
                if line not in seen:
                    seen.add(line)
                    print(f"pyvmaf-tiny: warning: {line}", file=sys.stderr)


def _cmd_models(args) -> int:
    """One line per packaged model: name, kind, path, then the features it reads (comma-separated)."""
    from . import models

    rows = []
    for info in models.list():
        row = {"name": info.name, "kind": info.kind, "path": info.path, "features": models.features_of(info)}
        if info.sidecar is not None:
            row["sidecar"] = info.sidecar
        rows.append(row)
    if args.json:
        import json

        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        print(f"{row['name']}\t{row['kind']}\t{row['path']}\t{','.join(row['features'])}")
    return EXIT_OK


def _cmd_features(args) -> int:
    """One block per extractor: its name, the features it writes, the options it takes, and the option
    suffixes its feature names may carry."""
    from . import featureset

    rows = [{"name": name, "features": features, "options": featureset.options_of(name),
             "name_options": featureset.name_options(name)}
            for name, features in featureset.catalog().items()]
    if args.json:
        import json

        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        print(f"{row['name']}\n  features: {', '.join(row['features'])}\n"
              f"  options:  {', '.join(row['options']) or '(none)'}")
        if row["name_options"]:
            named = ", ".join(f"_{k}_N ({v}=N)" for k, v in sorted(row["name_options"].items()))
            key = "sr" if "sr" in row["name_options"] else min(row["name_options"])
            print(f"  in names: {named}, e.g. {row['features'][0]}_{key}_16")
    return EXIT_OK


def _cmd_demo(args) -> int:
    from .demo import run_demo

    for line in run_demo(crf=args.crf, frames=args.frames).lines:
        print(line)
    return EXIT_OK


def _cmd_mcp(args) -> int:
    from .mcp import Limits, serve  # serve() imports the SDK: the rest of the CLI works without the extra

    limits = Limits(args.max_frames, args.max_pixels, max_threads=args.max_threads, max_calls=args.max_calls)
    serve(args.root, limits, http_port=args.http, debug=args.debug)
    return EXIT_OK


# --- batch: a manifest of encodes on Dask (pyvmaf_tiny.batch; needs the batch extra only when it runs) ---

_BATCH_EXAMPLES = """\
examples:
  pyvmaf-tiny batch encodes.csv --out results/                 # a LocalCluster, one worker per 2 cores
  pyvmaf-tiny batch encodes.jsonl --out results/ --workers 4   # 4 worker processes
  pyvmaf-tiny batch encodes.csv --out results/ --scheduler tcp://head:8786   # a Dask cluster you run

Manifest: CSV or JSON lines, one encode per row; ref and dist required; optional id, width, height,
pix_fmt, model, features, scale_dist, frames, skip_ref, skip_dist, subsample. Relative paths start at
the manifest's directory; workers read the files at the same paths (shared storage).
Results: DIR/summary.parquet, DIR/summary.csv, DIR/frames.parquet. Running the same command again
skips the encodes already done. Exit codes: 0 all rows ok, 2 some rows failed (the batch completed),
1 the batch could not run, 130 interrupted (what finished is kept).
Needs the batch extra: pip install "pyvmaf-tiny[batch]".
"""


def _add_batch(sub) -> None:
    b = sub.add_parser("batch", help="score a manifest of encodes on Dask (resumable)", epilog=_BATCH_EXAMPLES,
                       formatter_class=_Formatter)
    b.add_argument("manifest", help="CSV or JSON-lines manifest, one encode per row")
    b.add_argument("--out", required=True, metavar="DIR", help="results directory (a rerun resumes it)")
    b.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786 "
                   "(default: start a LocalCluster on this machine)")
    b.add_argument("--workers", type=_positive_int, metavar="N",
                   help="LocalCluster worker processes (default: one per two cores, at least 1 GiB each; "
                   "each encode then scores on cores / N threads)")
    b.add_argument("--threads", type=int, default=0, metavar="N",
                   help="native threads per encode (default 0: a host's cores over its Dask threads)")
    b.add_argument("--retries", type=int, default=2, metavar="N",
                   help="retries of a task whose worker died, LocalCluster only (default 2)")
    b.add_argument("--ladder-size", type=_positive_int, default=16, metavar="N",
                   help="most encodes of one reference scored as one task (default 16)")
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar or notes")
    _add_common(b)


def _cmd_batch(args) -> int:
    from .batch import run

    report = run(args.manifest, args.out, scheduler=args.scheduler, workers=args.workers, threads=args.threads,
                 retries=args.retries, ladder_size=args.ladder_size, progress=not args.quiet)
    for rid, error in report.failures[:10]:
        print(f"pyvmaf-tiny: {rid}: {error}", file=sys.stderr)
    if len(report.failures) > 10:
        print(f"pyvmaf-tiny: ... and {len(report.failures) - 10} more failed rows (see summary.csv)", file=sys.stderr)
    print(f"batch: {report.rows} rows: {report.ok} ok, {report.failed} failed, {report.pending} pending "
          f"({report.skipped} done before, {report.scored} scored now, {report.elapsed:.1f} s); "
          f"results in {report.out}")
    return report.exit_code


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _build_parser(_command_of(argv))
    if _command_of(argv) == "score":
        # `score REF DIST --threads 2 DIST ...`: encodes after an option are encodes too.
        args, extra = parser.parse_known_args(argv)
        unknown = [a for a in extra if a.startswith("-") and a != "-"]
        if unknown:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.dist = list(args.dist or []) + extra
    else:
        args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    if getattr(args, "debug", False):
        logging.basicConfig(level=logging.DEBUG, format="pyvmaf-tiny: %(name)s: %(message)s", stream=sys.stderr)
        os.environ.setdefault("PYVMAF_TINY_ORT_LOG", "info")  # read by the native core when it loads ONNX Runtime
    err: BaseException
    handler = {"score": _cmd_score, "models": _cmd_models, "features": _cmd_features, "demo": _cmd_demo,
               "mcp": _cmd_mcp, "corpus": _cmd_train, "train": _cmd_train, "batch": _cmd_batch}[args.command]
    try:
        return handler(args)
    except _UsageError as e:
        parser.error(str(e))  # exits 2
    except BrokenPipeError:
        return _broken_pipe()
    except InputError as e:
        code, err = EXIT_INPUT, e
    except ModelError as e:
        code, err = EXIT_MODEL, e
    except (BackendUnavailable, PyvmafTinyError) as e:
        code, err = EXIT_OTHER, e
    except KeyboardInterrupt:
        print("pyvmaf-tiny: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - last resort: one line, not a traceback
        code, err = EXIT_OTHER, e
    if getattr(args, "debug", False):
        raise err
    from .io.policy import printable

    message = printable(" ".join(str(err).split("\n"))) or type(err).__name__
    try:
        print(f"pyvmaf-tiny: error: {message}", file=sys.stderr)
    except (OSError, ValueError):  # no stderr to tell: the exit code still does
        pass
    return code


def _broken_pipe() -> int:
    """The reader of stdout went away (`| head`): stop quietly, as Unix tools do. Whatever is still buffered
    for stdout goes nowhere instead of failing again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def entry() -> None:
    """The console script: main(), then exit without the interpreter's teardown.

    Tearing down numpy and the rest takes about 40 ms, a tenth of a short
    scoring run. Every file a command writes is closed when main() returns;
    the standard streams are flushed here.
    """
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _broken_pipe()
    except (OSError, ValueError):  # a closed stdout: exit as Python would
        raise SystemExit(code or EXIT_OTHER) from None
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)
