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

_MAIN_EXAMPLES = """\
examples:
  pyvmaf-tiny demo                                   # encode built-in content with x264 and score it
  pyvmaf-tiny score ref.y4m dist.mp4                 # VMAF (vmaf_v0.6.1) of an encode
  pyvmaf-tiny score ref.yuv dist.yuv --width 1920 --height 1080 --pix-fmt yuv420p -o log.json
  pyvmaf-tiny models                                 # packaged models
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
  pyvmaf-tiny score ref.y4m dist_720p.mp4 --scale-dist bicubic     # changes the measurement
  pyvmaf-tiny score ref.y4m dist.mp4 --skip-dist 2 --frames 100 --subsample 5
  pyvmaf-tiny score ref.y4m dist.y4m --model my_tiny.onnx --device auto --plot vmaf.png
  pyvmaf-tiny score --ref ref.y4m --dist dist.mp4                  # the reference comes first (ffmpeg: last)
  pyvmaf-tiny score ref24.mp4 dist12.mp4 --align pts               # pair by time; changes the measurement
  pyvmaf-tiny score ref.y4m dist.mp4 --sync auto                   # find the delay; --dist-delay N to give it

Output logs (--output) use libvmaf's JSON/XML/CSV/SUB layout and metric names.
Exit codes: 0 ok, 2 bad input or usage, 3 model error, 1 anything else.
"""


class _Parser(argparse.ArgumentParser):
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
                epilog=_MAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"pyvmaf-tiny {__version__}")
    _add_common(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    builders = {"score": _add_score, "demo": _add_demo, "corpus": _register_training, "train": _register_training,
                "models": _add_models, "mcp": _add_mcp}
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
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("ref", nargs="?", help="reference (the original): .y4m, a container (.mp4, .mkv, ...), or .yuv "
                                          "with --width/--height/--pix-fmt. Note: ffmpeg's libvmaf filter takes the "
                                          "distorted clip first; here the reference comes first")
    s.add_argument("dist", nargs="?", help="distorted clip (the encode), in any of the same forms")
    s.add_argument("--ref", dest="ref_opt", metavar="REF", help="the reference, named explicitly")
    s.add_argument("--dist", dest="dist_opt", metavar="DIST", help="the distorted clip, named explicitly")
    g = s.add_argument_group("raw input")
    g.add_argument("--width", type=int, help="frame width of raw .yuv input")
    g.add_argument("--height", type=int, help="frame height of raw .yuv input")
    g.add_argument("--pix-fmt", help="raw .yuv pixel format, e.g. yuv420p, yuv422p10le, gray (ffmpeg names)")
    g = s.add_argument_group("model and features")
    g.add_argument("--model", action="append", metavar="MODEL",
                   help=f"packaged model name, a libvmaf JSON model, or a tiny .onnx (default {_DEFAULT_MODEL})")
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
    g.add_argument("--output", "-o", help="write a libvmaf-compatible log here ('-' for stdout)")
    g.add_argument("--format", choices=("json", "xml", "csv", "sub"),
                   help="log format (default: from the --output suffix, else json)")
    g.add_argument("--pool", default="mean", choices=("mean", "harmonic_mean", "min", "max"),
                   help="which pooled score to print (default mean)")
    g.add_argument("--frame-scores", action="store_true", help="print every frame's score")
    g.add_argument("--plot", metavar="PNG", help="save a per-frame timeline (needs matplotlib)")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_common(s)


def _inputs(args) -> tuple[str, str]:
    """(reference, distorted) from the positionals and --ref/--dist."""
    given = [a for a in (args.ref, args.dist) if a is not None]
    ref, dist = args.ref_opt, args.dist_opt
    if ref is None and dist is None:
        if len(given) != 2:
            raise _UsageError("score needs a reference and a distorted clip: score REF DIST, or --ref REF --dist DIST")
        return given[0], given[1]
    if len(given) > (ref is None) + (dist is None):
        raise _UsageError(f"too many clips: {' '.join(given)} besides --ref/--dist")
    if ref is None:
        if not given:
            raise _UsageError("no reference: add --ref REF")
        ref = given[0]
    elif dist is None:
        if not given:
            raise _UsageError("no distorted clip: add --dist DIST")
        dist = given[0]
    return ref, dist


# Scoring several models in one pass is planned (one pipeline, each model's features); until then a second
# --model is refused here, the one place to lift.
MODELS_PER_RUN = 1


def _model_of(args) -> str:
    models = args.model or [_DEFAULT_MODEL]
    if len(models) > MODELS_PER_RUN:
        raise _UsageError(f"--model given {len(models)} times ({', '.join(models)}): one model per run for now; "
                          f"run once per model")
    return models[0]


class _UsageError(Exception):
    """A command line that parses but does not make sense: exit 2 with the usage message."""


def _add_demo(sub) -> None:
    d = sub.add_parser("demo", help="encode built-in content with x264 and score it (needs PyAV)",
                       epilog="examples:\n  pyvmaf-tiny demo\n  pyvmaf-tiny demo --crf 40 --frames 48",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--crf", type=int, default=30, help="x264 CRF for the distorted clip (default 30)")
    d.add_argument("--frames", type=int, default=24, help="number of frames (default 24)")
    _add_common(d)


def _add_models(sub) -> None:
    m = sub.add_parser("models", help="list the packaged models",
                       epilog="examples:\n  pyvmaf-tiny models", formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(m)


def _add_mcp(sub) -> None:
    from .mcp import Limits  # no SDK import: that waits for the subcommand to run

    c = sub.add_parser("mcp", help="serve VMAF tools to MCP clients (AI assistants) over stdio",
                       epilog=_MCP_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    ref, dist = _inputs(args)
    model = _model_of(args)
    if "numpy" not in sys.modules:
        # The runner loads numpy while the native core scores; this command
        # does no linear algebra, so skip starting a BLAS thread pool.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .io.policy import printable
    from .progress import Progress

    if args.plot:
        from .plot import require_matplotlib

        require_matplotlib()  # before the run, not after it
    # Printing the pooled score alone needs no per-frame arrays (nor numpy).
    per_frame = bool(args.output or args.plot or args.frame_scores)
    kwargs = dict(width=args.width, height=args.height, pix_fmt=args.pix_fmt, threads=args.threads,
                  features=args.feature or None, device=args.device, dnn_mode=args.dnn_mode, frames=args.frames,
                  skip_ref=args.skip_ref, skip_dist=args.skip_dist, subsample=args.subsample,
                  scale_dist=args.scale_dist, dist_delay=args.dist_delay, align=args.align, sync=args.sync,
                  sync_window=args.sync_window)
    progress = Progress() if Progress.wanted(args.quiet) else None
    try:
        with _warnings_to_stderr():
            if per_frame:
                from .api import score

                result = score(ref, dist, model, progress=progress, **kwargs)
                summary = result.summary()
            else:
                from .api import pooled_score

                summary = pooled_score(ref, dist, model, progress=progress, **kwargs)
    finally:
        if progress is not None:
            progress.finish()
    if args.output:
        result.write(args.output, args.format)
    if args.plot:
        from .plot import plot_timeline

        plot_timeline(result, args.plot, ref=ref, dist=dist)
    if args.output == "-":
        return EXIT_OK
    if args.frame_scores:
        numbers = result.frame_numbers if result.frame_numbers is not None else range(len(result.frames))
        for num, value in zip(numbers, result.frames):
            print(f"frame {num}: {value:.6f}")
    label = "VMAF score" if args.pool == "mean" else f"VMAF {args.pool}"
    details = [printable(summary.model), f"{summary.frames} frames", summary.backend]
    if summary.sync_delay is not None:
        details.append(f"--sync auto: {_delay_text(summary.sync_delay, summary.sync_delay_s)}")
    if summary.align == "pts":
        details.append("paired by timestamp")
    print(f"{label} of {printable(dist)} against reference {printable(ref)} ({', '.join(details)}): "
          f"{summary.pooled[args.pool]:.6f}")
    return EXIT_OK


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
    from . import models

    for info in models.list():
        print(f"{info.name}\t{info.kind}\t{info.path}")
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    if getattr(args, "debug", False):
        logging.basicConfig(level=logging.DEBUG, format="pyvmaf-tiny: %(name)s: %(message)s", stream=sys.stderr)
        os.environ.setdefault("PYVMAF_TINY_ORT_LOG", "info")  # read by the native core when it loads ONNX Runtime
    err: BaseException
    handler = {"score": _cmd_score, "models": _cmd_models, "demo": _cmd_demo, "mcp": _cmd_mcp, "corpus": _cmd_train,
               "train": _cmd_train}[args.command]
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
