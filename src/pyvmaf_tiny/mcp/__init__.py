"""`pyvmaf-tiny mcp`: VMAF scoring as a Model Context Protocol server (needs the `mcp` extra)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..errors import BackendUnavailable
from .roots import ENV_VAR, OutsideRoots, Roots

__all__ = ["ENV_VAR", "Limits", "OutsideRoots", "Roots", "serve"]

SDK_HINT = 'the MCP server needs the MCP Python SDK (mcp>=2.3): pip install "pyvmaf-tiny[mcp]"'


@dataclass(frozen=True)
class Limits:
    """What one tool call may ask for, and how many calls run at once."""

    max_frames: int = 10_000
    max_pixels: int = 7680 * 4320  # a frame's width x height: 8K UHD
    max_threads: int = 8  # worker threads a call, and never more than the machine's cores
    max_calls: int = 4  # scoring calls running at once; more wait up to busy_wait_s, then are refused
    busy_wait_s: float = 10.0
    max_models: int = 16  # models a vmaf_score call scores with (the packaged ones take two calls)
    # distinct extractor configurations (name and options) a call runs, for its models and features together
    # (any 16 packaged models and every extractor at once fit: 33 today)
    max_extractors: int = 40


def serve(roots: Optional[Sequence[str]] = None, limits: Limits = Limits(), *, http_port: Optional[int] = None,
          debug: bool = False) -> None:
    """Run the server until its client goes away: stdio, or streamable HTTP on 127.0.0.1:`http_port`."""
    try:
        from . import server
    except ModuleNotFoundError as e:
        # The SDK or one of its own dependencies (anyio, pydantic, ...) is missing: the extra installs them all.
        missing = (e.name or "").partition(".")[0]
        if missing == "mcp":
            raise BackendUnavailable(SDK_HINT) from None
        if missing and missing != "pyvmaf_tiny":
            raise BackendUnavailable(f"{SDK_HINT} ({missing}, which it needs, is not installed)") from None
        raise
    server.serve(Roots.configure(roots), limits, http_port=http_port, debug=debug)
