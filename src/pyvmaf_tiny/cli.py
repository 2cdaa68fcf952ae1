"""The pyvmaf-tiny command line."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from . import __version__
from .errors import InputError, ModelError, PyvmafTinyError

EXIT_OK, EXIT_OTHER, EXIT_INPUT, EXIT_MODEL = 0, 1, 2, 3

_SCORE_EXAMPLES = """\
examples:
  pyvmaf-tiny score ref.y4m dist.y4m
  pyvmaf-tiny score ref.yuv dist.yuv --width 1920 --height 1080 --pix-fmt yuv420p10le
  pyvmaf-tiny score ref.y4m dist.y4m --model vmaf_v0.6.1neg --threads 2 --output log.json
  pyvmaf-tiny score ref.y4m dist.y4m --output log.xml --format xml --feature integer_motion
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with one line
        self.print_usage(sys.stderr)
        print(f"pyvmaf-tiny: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="pyvmaf-tiny",
        description="libvmaf-exact VMAF scores from Python's native core.",
        epilog="examples:\n  pyvmaf-tiny demo\n  pyvmaf-tiny score ref.y4m dist.y4m\n  pyvmaf-tiny models",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"pyvmaf-tiny {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("score", help="score a distorted clip against its reference", epilog=_SCORE_EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("ref", help="reference: .y4m, or .yuv with --width/--height/--pix-fmt")
    s.add_argument("dist", help="distorted clip, same forms as the reference")
    s.add_argument("--width", type=int, help="frame width of raw .yuv input")
    s.add_argument("--height", type=int, help="frame height of raw .yuv input")
    s.add_argument("--pix-fmt", help="raw .yuv pixel format, e.g. yuv420p, yuv422p10le (ffmpeg names)")
    s.add_argument("--model", default="vmaf_v0.6.1", help="packaged model name or path to a libvmaf JSON model")
    s.add_argument("--threads", type=int, default=0, help="worker threads (0 = all cores, the default)")
    s.add_argument("--feature", action="append", default=[], metavar="NAME",
                   help="also compute this feature (repeatable), e.g. integer_motion")
    s.add_argument("--output", "-o", help="write a libvmaf-compatible log here ('-' for stdout)")
    s.add_argument("--format", choices=("json", "xml", "csv", "sub"),
                   help="log format (default: from the --output suffix, else json)")
    s.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    d = sub.add_parser("demo", help="encode built-in content with x264 and score it (needs PyAV)",
                       epilog="example:\n  pyvmaf-tiny demo --crf 35",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--crf", type=int, default=30, help="x264 CRF for the distorted clip (default 30)")
    d.add_argument("--frames", type=int, default=24, help="number of frames (default 24)")
    d.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    m = sub.add_parser("models", help="list the packaged models", epilog="example:\n  pyvmaf-tiny models",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return p


def _cmd_score(args) -> int:
    from .api import score

    result = score(args.ref, args.dist, args.model, width=args.width, height=args.height, pix_fmt=args.pix_fmt,
                   threads=args.threads, features=args.feature or None)
    if args.output:
        result.write(args.output, args.format)
    if args.output != "-":
        print(f"VMAF score ({result.model}, {len(result.frames)} frames): {result.score:.6f}")
    return EXIT_OK


def _cmd_models(args) -> int:
    from . import models

    for info in models.list():
        print(f"{info.name}\t{info.kind}\t{info.path}")
    return EXIT_OK


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(crf=args.crf, frames=args.frames)
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    handler = {"score": _cmd_score, "models": _cmd_models, "demo": _cmd_demo}[args.command]
    try:
        return handler(args)
    except InputError as e:
        code, err = EXIT_INPUT, e
    except ModelError as e:
        code, err = EXIT_MODEL, e
    except PyvmafTinyError as e:
        code, err = EXIT_OTHER, e
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - last resort: one line, not a traceback
        code, err = EXIT_OTHER, e
    if args.debug:
        raise err
    print(f"pyvmaf-tiny: error: {err}", file=sys.stderr)
    return code
