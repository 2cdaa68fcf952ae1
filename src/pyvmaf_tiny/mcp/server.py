"""The MCP tools: thin wrappers over pyvmaf_tiny.score, extract_features and the model registry."""

import io
import math
import os
import re
import threading
import time
import traceback
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Optional, Union

import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, ValidationError
from typing_extensions import NotRequired, TypedDict

from .. import __version__, api, featureset, models
from ..errors import InputError, PyvmafTinyError
from ..io import open_source
from ..io.policy import printable, shown
from ..output import log_specs, write_json
from . import Limits
from .roots import Roots


# Tool inputs (their JSON schema is derived from these annotations).
Clip = Annotated[str, Field(description="a .y4m, a container (.mp4, .mkv, .webm, ...) or a raw .yuv file, "
                                        "inside the server's roots; relative paths start at the first root")]
Width = Annotated[Optional[int], Field(ge=1, description="frame width, for raw .yuv input")]
Height = Annotated[Optional[int], Field(ge=1, description="frame height, for raw .yuv input")]
PixFmt = Annotated[Optional[str], Field(description="pixel format of raw .yuv input: yuv420p, yuv422p, yuv444p or "
                                                    "gray, optionally with 10le/12le/16le (e.g. yuv420p10le)")]
ModelArg = Annotated[str, Field(description="a packaged model name (see list_models) or the path of a libvmaf "
                                            "JSON model or tiny .onnx model inside the roots")]
ModelsArg = Annotated[
    Union[str, list[str]],
    Field(description="the model, or a list of models scored in one pass: a packaged model name (see list_models), "
                      "the path of a libvmaf JSON model or tiny .onnx model inside the roots, or libvmaf's syntax "
                      "with options: version=vmaf_v0.6.1:enable_transform=true:name=phone, path=my.json:name=mine, "
                      "vmaf_v0.6.1:disable_clip=true; 'none' for no model (features only)")]
Threads = Annotated[int, Field(ge=0, le=1024, description="worker threads; 0 (the default) uses the server's "
                                                          "per-call budget: the machine's cores, at most its "
                                                          "--max-threads (default 8); larger values are clamped "
                                                          "to that budget")]
Frames = Annotated[Optional[int], Field(ge=1, description="score only the first N frame pairs")]
ExtraFeatures = Annotated[Optional[list[str]], Field(max_length=64, description="extra features to report, e.g. psnr, "
                                                                                "float_ssim")]
FrameScoresArg = Annotated[bool, Field(description="also return the per-frame log (libvmaf's JSON: every frame's "
                                                    "score and features; large for long clips)")]
AlignArg = Annotated[Literal["index", "pts"], Field(description="pair frames by position (index) or by timestamp "
                                                                "(pts: distorted frames repeated or dropped onto the "
                                                                "reference's frame times, as ffmpeg's fps filter; "
                                                                "for clips of different frame rates)")]
SyncArg = Annotated[Optional[Literal["auto"]], Field(description="auto: find the distorted clip's delay (within 2 s) "
                                                                 "from its first seconds and score with it")]
DistDelay = Annotated[int, Field(ge=-100_000, le=100_000, description="the distorted clip lags the reference by this "
                                                                      "many frames (negative: leads it)")]
FeatureNames = Annotated[list[str], Field(min_length=1, max_length=64, description="features or extractors by libvmaf name, e.g. "
                                          "integer_vif_scale0, integer_adm2, vif, adm, motion, psnr")]


class Interval(TypedDict):
    coverage: float  # 0.9 for a 90% interval
    lo: Optional[float]  # pooled mean of the per-frame lower bounds
    hi: Optional[float]


class PooledScores(TypedDict):
    model: str  # the first model, options included
    score: Optional[float]  # pooled mean of the first model's per-frame scores
    pooled_metrics: dict[str, dict[str, Optional[float]]]
    models: NotRequired[dict[str, str]]  # each model's log name -> the model, options included
    interval: NotRequired[Interval]  # the first model's per-frame interval, pooled
    frames: NotRequired[int]  # frame pairs scored
    reference: NotRequired[str]
    distorted: NotRequired[str]
    sync_delay: NotRequired[int]  # the delay sync="auto" found, in distorted frames
    aggregate_metrics: NotRequired[dict[str, Optional[float]]]  # clip-level values (psnr:enable_apsnr=true)


class FeatureFrames(TypedDict):
    frames: int
    features: dict[str, list[Optional[float]]]
    aggregate_metrics: NotRequired[dict[str, Optional[float]]]  # clip-level values (psnr:enable_apsnr=true)


class ModelEntry(TypedDict):
    name: str
    kind: str
    path: str
    sidecar: NotRequired[dict[str, Any]]


class ModelList(TypedDict):
    models: list[ModelEntry]


class ModelDescription(TypedDict):
    name: str
    kind: str
    path: Optional[str]
    features: list[str]
    backend: str
    sidecar: NotRequired[dict[str, Any]]
    metrics: NotRequired[Any]
    card: NotRequired[str]


class Tools:
    """The server's tools, bound to its path policy and limits."""

    def __init__(self, roots: Roots, limits: Limits):
        self.roots, self.limits = roots, limits
        self.policy = roots.policy  # PathPolicy(roots, single_file_media=True)
        self.gate = _Gate(limits.max_calls, limits.busy_wait_s)
        # describe_model builds the model (a session for an ONNX one): as many of those at once, on threads of
        # their own, so that they neither wait behind scoring nor pile up without bound.
        self.loads = _Gate(limits.max_calls, limits.busy_wait_s)

    async def vmaf_score(self, ref: Clip, dist: Clip, ctx: Context, width: Width = None, height: Height = None,
                         pix_fmt: PixFmt = None, model: ModelsArg = models.DEFAULT_MODEL,
                         features: ExtraFeatures = None, threads: Threads = 0,
                         frames: Frames = None, frame_scores: FrameScoresArg = False, align: AlignArg = "index",
                         sync: SyncArg = None, dist_delay: DistDelay = 0) -> Annotated[CallToolResult, PooledScores]:
        """VMAF of a distorted clip against its reference (the reference first), bit-exact with libvmaf.

        Several models (a list) are scored in one pass, each under its name (name=, else "vmaf" for the
        first); a bootstrap model (vmaf_b_v0.6.3) adds its bagging score, stddev and 95% interval, a tiny
        model its interval (vmaf_ci_p90_lo/_hi). Returns a summary as text and the pooled scores of every
        metric as structured content;
        with frame_scores=true the text is libvmaf's JSON log instead (the layout
        `pyvmaf-tiny score --output log.json` writes: every frame's score and features). _meta holds
        backend/model/frames/version.
        """

        def job(progress):
            chosen = self._models(model)
            self._check_extractors(chosen, features)
            with self._inputs(ref, dist, width, height, pix_fmt, frames, reopened=sync is not None) as clips:
                return api.score(model=chosen, features=features, threads=self._threads(threads),
                                 progress=progress, policy=self.policy, align=align, sync=sync,
                                 dist_delay=dist_delay, **clips)

        with _tool_errors():
            result = await self.gate.run(ctx, self.limits, job)
        if frame_scores:
            log = io.StringIO()
            write_json(result, log)
            text = log.getvalue()
        else:
            text = _summary(result)
        structured = PooledScores(model=result.model, score=_finite(result.score),
                                  pooled_metrics=_pooled(result.pooled), frames=result.frame_count,
                                  models=dict(result.models))
        interval = _interval(result)
        if interval is not None:
            structured["interval"] = interval
        if result.ref is not None and result.dist is not None:
            structured.update(reference=result.ref, distorted=result.dist)
        if result.sync_delay is not None:
            structured["sync_delay"] = result.sync_delay
        if result.aggregates:
            structured["aggregate_metrics"] = _aggregates(result.aggregates)
        return CallToolResult(
            content=[TextContent(type="text", text=text)],
            structured_content=structured,
            meta={"backend": result.backend, "model": result.model, "frames": result.frame_count,
                  "version": __version__},
        )

    async def extract_features(self, ref: Clip, dist: Clip, ctx: Context, width: Width = None,
                               height: Height = None, pix_fmt: PixFmt = None,
                               features: FeatureNames = ["vif", "adm", "motion"],  # noqa: B006 - never mutated
                               threads: Threads = 0, frames: Frames = None) -> FeatureFrames:
        """Per-frame features of a clip pair, under libvmaf's feature names."""

        def job(progress):
            self._check_extractors(None, features)
            with self._inputs(ref, dist, width, height, pix_fmt, frames) as clips:
                return api.extract_features(features=features, threads=self._threads(threads), progress=progress,
                                            policy=self.policy, **clips)

        with _tool_errors():
            out = await self.gate.run(ctx, self.limits, job)
        n = len(next(iter(out.values()))) if out else 0
        frames = FeatureFrames(frames=n, features={k: [_finite(v) for v in col] for k, col in out.items()})
        if out.aggregates:
            frames["aggregate_metrics"] = _aggregates(out.aggregates)
        return frames

    def list_models(self) -> ModelList:
        """The packaged models (libvmaf SVM models and tiny ONNX models), with their sidecars."""
        entries = []
        for info in models.list():
            entry = ModelEntry(name=info.name, kind=info.kind, path=info.path)
            if info.sidecar is not None:
                entry["sidecar"] = info.sidecar
            entries.append(entry)
        return ModelList(models=entries)

    async def describe_model(self, model: ModelArg, ctx: Context) -> ModelDescription:
        """A model's kind, path and input features; for tiny ONNX models their sidecar (metrics, interval,
        teacher, ...); and the first paragraph of its model card when one ships."""
        with _tool_errors():
            m = await self.loads.run(ctx, self.limits, lambda progress: self._model(model, device="cpu"))
        out = ModelDescription(name=m.name, kind=m.kind, path=m.path, features=list(m.columns), backend=m.backend)
        if m.sidecar is not None:
            out["sidecar"] = m.sidecar
            if "metrics" in m.sidecar:
                out["metrics"] = m.sidecar["metrics"]
        card = card_summary(m.name)
        if card:
            out["card"] = card
        return out

    @contextmanager
    def _inputs(self, ref, dist, width, height, pix_fmt, frames, reopened: bool = False):
        """The score()/extract_features() inputs: both clips opened through the path policy, once they pass
        the limits; closed when the call ends. With `reopened` (for a call that reads the clips twice), the
        clips are checked, closed, and given as their paths (which the call opens through the policy)."""
        limits = self.limits
        if frames is not None and frames > limits.max_frames:
            raise InputError(f"frames={frames} is over this server's cap of {limits.max_frames} frames a call "
                             f"(--max-frames)")
        if width and height and width * height > limits.max_pixels:
            raise InputError(f"{width}x{height} is over this server's cap of {limits.max_pixels} pixels a frame "
                             f"(--max-pixels)")
        clips = {}
        try:
            for role, path in (("ref", ref), ("dist", dist)):
                clips[role] = open_source(path, role=role, width=width, height=height, pix_fmt=pix_fmt,
                                          policy=self.policy)
                self._check_clip(clips[role], role, frames)
            if reopened:
                yield dict(ref=ref, dist=dist, width=width, height=height, pix_fmt=pix_fmt, frames=frames)
            else:
                yield dict(clips, frames=frames)
        finally:
            for src in clips.values():
                src.close()

    def _check_clip(self, src, role, frames) -> None:
        w, h, count = src.width, src.height, src.frame_count()
        if w * h > self.limits.max_pixels:
            raise InputError(f"{role} {src.name}: {w}x{h} is over this server's cap of "
                             f"{self.limits.max_pixels} pixels a frame (--max-pixels)")
        if frames is None and count is not None and count > self.limits.max_frames:
            raise InputError(f"{role} {src.name} has {count} frames, over this server's cap of "
                             f"{self.limits.max_frames} a call (--max-frames); pass frames=N to score the first N")

    def _check_extractors(self, chosen: Optional[models.ModelSet], features: Optional[list[str]]) -> None:
        """Each distinct extractor configuration a call runs has buffers of its own at the frame size: at most
        limits.max_extractors of them, counted as the pipeline will run them, for the models (whose files name
        extractors and options of their own) and the features together."""
        extra, _ = featureset.resolve(features)
        specs = featureset.merge(chosen.extractor_specs(), log_specs(chosen), extra) if chosen else \
            featureset.merge(extra)
        for folder in featureset.written_folders(specs):
            raise InputError(f"cambi heatmaps_path={printable(folder)}: this server writes no files; leave "
                             f"heatmaps_path out")
        if len(specs) > self.limits.max_extractors:
            raise InputError(f"{'the models and features' if chosen else 'features'} need {len(specs)} extractor "
                             f"configurations; this server runs at most {self.limits.max_extractors} a call")

    def _threads(self, threads: int) -> int:
        """`threads` clamped to this call's budget: the machine's cores, at most --max-threads."""
        budget = max(1, min(_cores(), self.limits.max_threads))
        return budget if threads <= 0 else min(threads, budget)

    def _model(self, model: str, device: str = "auto") -> models.Model:
        """A packaged model by name, or a model file read through the server's path policy: the file and, for a
        tiny model, the .onnx its sidecar names must resolve inside the roots before anything reads them."""
        request = models.parse(model)
        if request is None:
            raise InputError("model 'none' names no model")
        return models.load_request(self._checked(request), device=device, policy=self.policy)

    def _models(self, model: Union[str, list[str]]) -> models.ModelSet:
        """Every model asked for (libvmaf's syntax), each named or read as _model() does."""
        if not isinstance(model, (str, list)):
            raise InputError(f"model must be a model or a list of models, got {type(model).__name__}")
        asked = models.requests(model)
        if len(asked) > self.limits.max_models:
            raise InputError(f"{len(asked)} models asked for; this server scores with at most "
                             f"{self.limits.max_models} a call")
        checked = [self._checked(r) for r in asked]
        return models.ModelSet.named((r, models.load_request(r, policy=self.policy)) for r in checked)

    @staticmethod
    def _checked(request: models.ModelRequest) -> models.ModelRequest:
        """A bare name must be a packaged model's: the server never looks for a bare name in its roots."""
        names = [info.name for info in models.list()]
        if request.by != "path" and not _looks_like_path(request.ref) and request.ref not in names:
            raise InputError(f"unknown model {request.ref!r}: use one of {', '.join(names)}, or the "
                             f"path of a libvmaf .json or tiny .onnx model inside the roots (path=...)")
        return request


class _Abandoned(Exception):
    pass


class _Progress:
    """Called from the scoring thread once per frame: enforces the frame cap and
    forwards progress to the client as MCP progress notifications (at most every 0.2 s)."""

    def __init__(self, ctx: Context, max_frames: int):
        self.ctx, self.max_frames = ctx, max_frames
        self.abandoned = threading.Event()
        self._last = 0.0

    def __call__(self, done: int, total: Optional[int]) -> None:
        if self.abandoned.is_set():
            raise _Abandoned()  # the request was cancelled: stop at this frame
        if done > self.max_frames:
            raise InputError(f"the clips have more than this server's cap of {self.max_frames} frames a call "
                             f"(--max-frames); pass frames=N to score the first N")
        now = time.monotonic()
        if done == total or now - self._last >= 0.2:
            self._last = now
            try:
                anyio.from_thread.run(self.ctx.report_progress, done, total)
            except Exception:  # noqa: BLE001 - progress is best effort; the score is what matters
                pass


class _Gate:
    """At most `calls` scoring jobs at once, each in a thread of its own, off the event loop.

    A job holds its place until its thread really ends: a cancelled call's
    thread runs on to its next frame, and a thread stuck in a read would
    otherwise be replaced by another, and another. A call that finds every
    place taken waits up to `wait_s`, then is refused as busy. The jobs' threads
    come from a limiter of their own, so that tools run on anyio's default
    threads (list_models) stay responsive.
    """

    def __init__(self, calls: int, wait_s: float):
        self.calls, self.wait_s = calls, wait_s
        self._places = threading.BoundedSemaphore(calls)
        self._limiter: Optional[anyio.CapacityLimiter] = None

    async def run(self, ctx: Context, limits: Limits, job: Callable[["_Progress"], Any]) -> Any:
        deadline = time.monotonic() + self.wait_s
        while not self._places.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise ToolError(f"server busy: {self.calls} calls are running (--max-calls); try again when one "
                                f"has finished")
            await anyio.sleep(0.05)
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.calls)
        progress = _Progress(ctx, limits.max_frames)
        lock, state = threading.Lock(), {"started": False, "dropped": False}

        def in_thread():
            with lock:
                if state["dropped"]:
                    return None  # cancelled before it started; its place is already given back
                state["started"] = True
            try:
                return job(progress)
            finally:
                self._places.release()

        try:
            return await anyio.to_thread.run_sync(in_thread, abandon_on_cancel=True, limiter=self._limiter)
        finally:
            progress.abandoned.set()
            with lock:
                if not state["started"]:
                    state["dropped"] = True
                    self._places.release()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _tool_errors:
    """pyvmaf-tiny's own errors become tool errors (isError results) with their one-line message.

    A failed call's traceback keeps its frames, and their locals hold what the call read (up to a 64 MiB model's
    bytes), often in reference cycles (asyncio tasks, exception chains) that only the cycle collector frees: the
    finished frames are cleared here, whatever the error, and no traceback outlives this block."""

    def __enter__(self):
        return self

    def __exit__(self, typ, value, tb) -> bool:
        if value is None:
            return False
        chained, seen = value, set()
        while chained is not None and id(chained) not in seen:  # the error and every one it was chained to
            seen.add(id(chained))
            traceback.clear_frames(chained.__traceback__)
            chained = chained.__cause__ or chained.__context__
        if not isinstance(value, PyvmafTinyError):
            return False
        message = printable(" ".join(str(value).split())) or typ.__name__
        value.__traceback__ = None
        del typ, value, tb, chained  # this frame is in the ToolError's traceback: it must not hold the old one
        raise ToolError(message) from None


def _looks_like_path(model: str) -> bool:
    seps = [s for s in (os.sep, os.altsep) if s]
    return any(s in model for s in seps) or model.endswith((".json", ".onnx"))


def _summary(result) -> str:
    """The pooled score, what was scored against what, and how; then one line per other metric."""
    about = [f"{result.frame_count} frames",
             f"model {result.model} on {result.backend}" if result.metric is not None else "no model"]
    if result.sync_delay is not None:
        about.append(f"sync delay {result.sync_delay} frames")
    if result.align == "pts":
        about.append("paired by timestamp")
    lines = [f"{result.dist} against reference {result.ref}; {', '.join(about)}."]
    interval = _interval(result)
    for name in list(result.scores) + [f for f in result.features if result.metric is None]:
        pooled = result.pooled[name]
        label = f"{name.upper()}" if name == result.metric else name
        model = f" ({result.models[name]})" if name in result.models and name != result.metric else ""
        extra = ""
        if name == result.metric and interval is not None:
            extra = f", {interval['coverage'] * 100:g}% interval {interval['lo']:.6f} to {interval['hi']:.6f}"
        lines.append(f"{label}{model} {pooled['mean']:.6f} (harmonic mean {pooled['harmonic_mean']:.6f}, min "
                     f"{pooled['min']:.6f}, max {pooled['max']:.6f}{extra})")
    for name, value in result.aggregates.items():
        text = "null" if _finite(value) is None else f"{value:.6f}"
        lines.append(f"{name} {text} (over the whole clip)")
    lines.append("Per-frame scores: call again with frame_scores=true.")
    return "\n".join(lines) if len(lines) > 3 else f"{lines[1]} of {lines[0][:-1]}. {lines[2]}"


def _interval(result) -> Optional[Interval]:
    """The first model's interval, pooled (the means of its per-frame bounds)."""
    if result.interval is None or result.metric is None:
        return None
    from ..models.modelset import interval_names

    coverage = result.interval_coverage or 0.9
    lo, hi = interval_names(result.metric, coverage)
    return Interval(coverage=coverage, lo=_finite(result.pooled[lo]["mean"]), hi=_finite(result.pooled[hi]["mean"]))


def _finite(v) -> Optional[float]:
    v = float(v)
    return v if math.isfinite(v) else None


def _aggregates(aggregates: dict) -> dict[str, Optional[float]]:
    """Clip-level values as libvmaf's JSON writes them: -inf (a plane left out) as null."""
    return {name: _finite(v) for name, v in aggregates.items()}


def _pooled(pooled: dict) -> dict:
    return {name: {pool: _finite(v) for pool, v in pools.items()} for name, pools in pooled.items()}


def card_dirs() -> list:
    """Where model cards (docs/models/<name>.md) live: in the package, or in a source checkout."""
    import pyvmaf_tiny

    return [resources.files("pyvmaf_tiny") / "docs" / "models",
            Path(pyvmaf_tiny.__file__).resolve().parents[2] / "docs" / "models"]


def card_summary(name: str, dirs: Optional[list] = None) -> Optional[str]:
    """The first paragraph (after the title) of a model's card, if it has one."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        return None
    for d in card_dirs() if dirs is None else dirs:
        card = d / f"{name}.md"
        if card.is_file():
            return _first_paragraph(card.read_text(encoding="utf-8", errors="replace"))
    return None


def _first_paragraph(text: str) -> Optional[str]:
    lines: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if lines:
                break
            continue
        lines.append(line)
    return " ".join(lines) or None


class VmafServer(MCPServer):
    """MCPServer, except that an unknown tool name is a JSON-RPC error (-32602,
    invalid params), as the MCP specification's tools/call error handling requires,
    and that arguments failing the input schema get a short message."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Optional[Context] = None):
        if name not in {tool.name for tool in await self.list_tools()}:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if isinstance(e.__cause__, ValidationError):
                raise ToolError(f"Error executing tool {name}: {_invalid_arguments(e.__cause__)}") from e.__cause__
            raise


def _invalid_arguments(error: ValidationError) -> str:
    """"width: Input should be greater than or equal to 1; ..." without pydantic's help links."""
    problems = [f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in error.errors()]
    return "invalid arguments: " + "; ".join(problems)


_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def create_server(roots: Roots, limits: Limits = Limits(), log_level: str = "WARNING") -> MCPServer:
    server = VmafServer(
        "pyvmaf-tiny", version=__version__, log_level=log_level,
        instructions=(f"libvmaf-exact VMAF. Clip and model paths must resolve inside "
                      f"{', '.join(shown(d) for d in roots.dirs)}; at most {limits.max_frames} frames and "
                      f"{limits.max_pixels} pixels a frame per call, {limits.max_calls} scoring calls at once."),
    )
    tools = Tools(roots, limits)
    for fn, title in ((tools.vmaf_score, "VMAF score"), (tools.extract_features, "VMAF features"),
                      (tools.list_models, "List VMAF models"), (tools.describe_model, "Describe a VMAF model")):
        server.add_tool(fn, title=title, annotations=_READ_ONLY)
    return server


def serve(roots: Roots, limits: Limits = Limits(), http_port: Optional[int] = None, debug: bool = False) -> None:
    """Serve over stdio, or over streamable HTTP on 127.0.0.1:`http_port`."""
    server = create_server(roots, limits, "DEBUG" if debug else "WARNING")
    if http_port is None:
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=http_port)
