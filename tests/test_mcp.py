"""The MCP server: a real `python -m pyvmaf_tiny mcp` subprocess, driven by the MCP SDK's own clients.

One stdio server serves the whole module (its start, mostly the SDK's import, is the slow part), so
every test after a refusal also checks that the server is still serving.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager
from functools import partial
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import anyio
import numpy as np
import pytest
from anyio.from_thread import start_blocking_portal
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, METHOD_NOT_FOUND, EmptyResult, Request, TextContent

import oracle
import pyvmaf_tiny
from clips import small_clip
from hostile import FifoWatch, referencing_files
from onnx_models import SIX, mlp, save
from pyvmaf_tiny.cli import main
from pyvmaf_tiny.mcp import ENV_VAR, Limits, Roots
from pyvmaf_tiny.mcp.server import Tools, _Gate, card_summary

TOOLS = {"vmaf_score", "extract_features", "list_models", "describe_model"}
CAPS = ("--max-frames", 100, "--max-pixels", 50_000)  # the small clip (320x136, 6 frames) fits


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A root with a copy of the small clip, edge-case files and tiny ONNX models; a directory outside it."""
    clip = small_clip()
    base = tmp_path_factory.mktemp("mcp")
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    shutil.copy(clip.ref, root / "ref.yuv")
    shutil.copy(clip.dist, root / "dist.yuv")
    shutil.copy(clip.ref, outside / "ref.yuv")
    _write_y4m(root / "big.y4m", 400, 200, 2)  # over the pixel cap
    _write_y4m(root / "long.y4m", 32, 32, 101)  # over the frame cap
    (root / "escape.yuv").symlink_to(outside / "ref.yuv")
    (root / "inner_link.yuv").symlink_to(root / "ref.yuv")
    (root / "garbage.mp4").write_bytes(b"\x00not a video" * 100)
    x = np.random.default_rng(1).random((32, 6))
    save(root / "models", "tiny", mlp(6, mean=x.mean(0), std=x.std(0) + 1e-3), SIX,
         metrics={"plcc": 0.97, "srocc": 0.95}, teacher="vmaf_v0.6.1")
    save(root / "models", "sneaky", mlp(6), SIX, onnx="../../outside/sneaky.onnx")  # names an .onnx outside
    shutil.copy(root / "models" / "sneaky.onnx", outside / "sneaky.onnx")
    for name in ("fifo.y4m", "fifo.mkv", "fifo.yuv", "fifo.json"):
        os.mkfifo(root / name)
    watch = FifoWatch(outside / "secret.ts")
    hostile = referencing_files(root, outside, watch.path)
    geometry = dict(width=clip.width, height=clip.height, pix_fmt=clip.pix_fmt)
    yield SimpleNamespace(clip=clip, root=root, outside=outside, geometry=geometry, hostile=hostile,
                          pair=dict(ref=str(root / "ref.yuv"), dist=str(root / "dist.yuv"), **geometry))
    assert not watch.stop(), "the server opened a file outside its root"


def _write_y4m(path, width: int, height: int, frames: int) -> None:
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 Cmono\n".encode())
        f.write((b"FRAME\n" + bytes(width * height)) * frames)


class Client:
    """A ClientSession living on a background event loop, called from synchronous tests."""

    def __init__(self, portal, session):
        self.portal, self.session = portal, session

    def call(self, tool: str, args: dict, **kwargs):
        return self.portal.call(partial(self.session.call_tool, tool, args, **kwargs))

    def run(self, fn, *args):
        return self.portal.call(fn, *args)


@pytest.fixture(scope="module")
def server(ws, tmp_path_factory):
    """`pyvmaf-tiny mcp --root ROOT` with small caps, serving every test of the module."""
    log = tmp_path_factory.mktemp("mcp-log") / "server.log"
    with open(log, "w") as errlog, start_blocking_portal("asyncio") as portal:
        with portal.wrap_async_context_manager(connect("--root", ws.root, *CAPS, errlog=errlog)) as session:
            yield Client(portal, session)
    assert "Traceback" not in log.read_text()


@asynccontextmanager
async def connect(*args, errlog):
    """A ClientSession over stdio to `python -m pyvmaf_tiny mcp ARGS`."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "pyvmaf_tiny", "mcp", *map(str, args)],
                                   env=_server_env())
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


def _server_env() -> dict:
    env = dict(os.environ)
    env.pop(ENV_VAR, None)
    return env


def _text(result) -> str:
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent)
    return result.content[0].text


def _without_fps(log: str) -> str:
    return re.sub(r'\n  "fps": [^\n]*\n', "\n", log)


def test_tools_are_listed_with_schemas(server):
    tools = {t.name: t for t in server.run(server.session.list_tools).tools}
    assert set(tools) == TOOLS
    schema = tools["vmaf_score"].input_schema
    assert set(schema["required"]) == {"ref", "dist"}
    assert {"width", "height", "pix_fmt", "model", "features", "threads", "frames"} <= set(schema["properties"])
    assert schema["properties"]["width"]["anyOf"][0] == {"type": "integer", "minimum": 1}
    assert set(tools["extract_features"].input_schema["required"]) == {"ref", "dist"}
    assert tools["describe_model"].input_schema["required"] == ["model"]
    assert all(t.annotations.read_only_hint and t.output_schema for t in tools.values())


def test_vmaf_score_equals_cli_and_oracle(server, ws, tmp_path):
    progress = []

    async def on_progress(done, total, message):
        progress.append((done, total))

    result = server.call("vmaf_score", {**ws.pair, "threads": 2, "frame_scores": True},
                         progress_callback=on_progress)
    assert not result.is_error
    log = _text(result)
    assert result.meta == {"backend": "cpu", "model": "vmaf_v0.6.1", "frames": 6, "version": pyvmaf_tiny.__version__}
    ours = json.loads(log)["pooled_metrics"]["vmaf"]["mean"]
    assert result.structured_content["score"] == pytest.approx(ours, abs=1e-6)
    assert result.structured_content["pooled_metrics"]["vmaf"]["mean"] == pytest.approx(ours, abs=1e-6)
    assert progress and progress[-1] == (6, 6)

    out = tmp_path / "cli.json"
    subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", ws.pair["ref"], ws.pair["dist"],
                    "--width", str(ws.clip.width), "--height", str(ws.clip.height), "--pix-fmt", ws.clip.pix_fmt,
                    "--threads", "2", "--output", str(out)], check=True, timeout=300)
    assert _without_fps(log) == _without_fps(out.read_text())  # the CLI's log, byte for byte but the fps

    theirs = oracle.run(ws.clip.ref, ws.clip.dist, **ws.geometry)["pooled_metrics"]["vmaf"]["mean"]
    assert abs(ours - theirs) <= 1e-6
    assert abs(result.structured_content["score"] - theirs) <= 1e-6


def test_vmaf_score_is_short_unless_frame_scores_are_asked_for(server, ws):
    result = server.call("vmaf_score", {**ws.pair, "threads": 2, "features": ["psnr"]})
    assert not result.is_error
    text = _text(result)
    assert len(text) < 400 and "\n" not in text, text
    s = result.structured_content
    assert text.startswith(f"VMAF {s['score']:.6f} (harmonic mean ") and "frame_scores=true" in text
    assert f"of {ws.pair['dist']} against reference {ws.pair['ref']}" in text
    assert s["frames"] == 6 and s["reference"] == ws.pair["ref"] and s["distorted"] == ws.pair["dist"]
    assert set(s["pooled_metrics"]) >= {"vmaf", "psnr_y", "integer_adm2"}
    assert len(json.dumps(s)) < 4000  # pooled values only: no per-frame arrays
    full = server.call("vmaf_score", {**ws.pair, "threads": 2, "features": ["psnr"], "frame_scores": True})
    frames = json.loads(_text(full))["frames"]
    assert len(frames) == 6 and frames[0]["metrics"]["psnr_y"] > 0


def test_vmaf_score_pairs_and_syncs_as_the_library(server, ws):
    geometry = {**ws.pair, "threads": 2}
    synced = server.call("vmaf_score", {**geometry, "sync": "auto"})
    assert not synced.is_error, _text(synced)
    assert synced.structured_content["sync_delay"] == 0
    assert "sync delay 0 frames" in _text(synced)
    delayed = server.call("vmaf_score", {**geometry, "dist_delay": 1})
    expected = pyvmaf_tiny.score(ws.pair["ref"], ws.pair["dist"], skip_dist=1, frames=5, **ws.geometry)
    assert delayed.is_error and "frame count mismatch" in _text(delayed)
    delayed = server.call("vmaf_score", {**geometry, "dist_delay": 1, "frames": 5})
    assert delayed.structured_content["score"] == pytest.approx(expected.score, abs=1e-9)


def test_refusals_are_tool_errors_and_the_server_keeps_serving(server, ws):
    root, pair = ws.root, ws.pair
    outside_root = (f"outside the allowed roots: only files that resolve, after symlinks, "
                    f"inside {os.path.realpath(root)} may be read")
    cases = [
        ("vmaf_score", {**pair, "ref": str(ws.outside / "ref.yuv")}, outside_root),
        ("vmaf_score", {**pair, "ref": "../outside/ref.yuv"}, outside_root),
        ("vmaf_score", {**pair, "ref": str(root / "escape.yuv")}, outside_root),  # a symlink out of the root
        ("vmaf_score", {**pair, "dist": "/etc/passwd"}, outside_root),
        ("vmaf_score", {**pair, "width": -16}, "width: Input should be greater than or equal to 1"),
        ("vmaf_score", {**pair, "height": 0}, "height: Input should be greater than or equal to 1"),
        ("vmaf_score", {**pair, "width": 100_000, "height": 100_000}, "cap of 50000 pixels a frame (--max-pixels)"),
        ("vmaf_score", {"ref": str(root / "big.y4m"), "dist": str(root / "big.y4m")},
         "400x200 is over this server's cap of 50000 pixels a frame (--max-pixels)"),
        ("vmaf_score", {"ref": str(root / "long.y4m"), "dist": str(root / "long.y4m")},
         "has 101 frames, over this server's cap of 100 a call (--max-frames)"),
        ("vmaf_score", {**pair, "frames": 10**9}, "cap of 100 frames a call (--max-frames)"),
        ("vmaf_score", {**pair, "pix_fmt": "rgb24"}, "unsupported pix_fmt 'rgb24'"),
        ("vmaf_score", {**pair, "model": "vmaf_v9"}, "unknown model 'vmaf_v9'"),
        ("vmaf_score", {**pair, "model": str(ws.outside / "m.json")}, "outside the allowed roots"),
        ("vmaf_score", {**pair, "ref": str(root / "missing.yuv")}, "no such file"),
        ("vmaf_score", {**pair, "ref": str(root / "garbage.mp4")}, "cannot open as a video container"),
        ("vmaf_score", {**pair, "threads": "many"}, "threads: Input should be a valid integer"),
        ("vmaf_score", {"ref": pair["ref"]}, "dist: Field required"),
        ("extract_features", {**pair, "features": ["nope"]}, "unknown feature 'nope'"),
        ("describe_model", {"model": "/etc/hosts.json"}, "outside the allowed roots"),
        ("describe_model", {"model": "vmaf_v9"}, "unknown model 'vmaf_v9'"),
        ("describe_model", {"model": "models/sneaky.json"}, "must be a plain file name"),  # its .onnx is outside
    ]
    for tool, args, needle in cases:
        result = server.call(tool, args)
        assert result.is_error, (tool, args)
        assert needle in _text(result), (args, _text(result))

    with pytest.raises(MCPError) as unknown_tool:
        server.call("vmaf_scroe", ws.pair)
    assert unknown_tool.value.code == INVALID_PARAMS and unknown_tool.value.message == "Unknown tool: vmaf_scroe"
    with pytest.raises(MCPError) as unknown_method:
        server.run(server.session.send_request, Request(method="vmaf/score", params=None), EmptyResult)
    assert unknown_method.value.code == METHOD_NOT_FOUND

    # still serving; a symlink that stays inside the root is fine, and so is frames=N
    ok = server.call("vmaf_score", {**pair, "ref": str(root / "inner_link.yuv"), "frames": 5, "threads": 2})
    assert not ok.is_error and ok.meta["frames"] == 5


def test_files_naming_other_files_are_refused_and_nothing_outside_is_opened(server, ws):
    for name, path in ws.hostile.items():
        for tool, args in (("vmaf_score", {"ref": str(path), "dist": str(path)}),
                           ("extract_features", {"ref": name, "dist": ws.pair["ref"], **ws.geometry})):
            result = server.call(tool, args)
            assert result.is_error, (name, result)
            assert "cannot open as a video container: its content is none of the single-file formats" \
                in _text(result), _text(result)
    for name in ("inner_link.mkv", "inner_fifo.ts"):
        linked = server.call("vmaf_score", {"ref": name, "dist": name})
        assert linked.is_error and "resolves outside the allowed roots" in _text(linked)
    bait = str(ws.outside / "secret.ts")
    for url in (f"subfile,,start,0,end,1000,,:{bait}", f"concat:{bait}|{bait}", f"file:{bait}", "tee:x.mkv",
                "data:video/x-matroska;base64,GkXfow==", "http://127.0.0.1:9/x.mkv"):
        result = server.call("vmaf_score", {"ref": url, "dist": url})
        assert result.is_error and ("no such file" in _text(result) or "outside the allowed roots" in _text(result))
    # the FIFO outside was never opened: checked when the module's server goes (ws)


def test_fifos_are_refused_at_once_and_list_models_stays_responsive(server, ws):
    async def scenario():
        errors, listed = [], []

        async def call(tool, args):
            result = await server.session.call_tool(tool, args)
            errors.append((args, _text(result) if result.is_error else "scored"))

        async def list_models():
            await anyio.sleep(0.2)
            listed.append((await server.session.call_tool("list_models", {})).structured_content)

        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                for k in range(50):
                    name = ("fifo.y4m", "fifo.mkv", "fifo.yuv")[k % 3]
                    tg.start_soon(call, "vmaf_score", {"ref": name, "dist": name, **ws.geometry})
                for _ in range(3):
                    tg.start_soon(call, "describe_model", {"model": "fifo.json"})
                tg.start_soon(list_models)
        return errors, listed

    errors, listed = server.run(scenario)
    assert len(errors) == 53 and listed and listed[0]["models"]
    for args, text in errors:
        assert "is a FIFO, not a regular file" in text, (args, text)
    ok = server.call("vmaf_score", {**ws.pair, "frames": 2, "threads": 2})  # and scoring still works
    assert not ok.is_error and ok.meta["frames"] == 2


def test_the_gate_holds_a_place_until_its_thread_ends():
    gate, limits = _Gate(2, wait_s=0.3), Limits()
    release, started, finished = threading.Event(), [], []

    def job(progress):
        started.append(1)
        try:
            release.wait(30)
            return "done"
        finally:
            finished.append(1)

    async def until(condition):
        with anyio.fail_after(10):
            while not condition():
                await anyio.sleep(0.01)

    async def scenario():
        results = []

        async def call():
            results.append(await gate.run(None, limits, job))

        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            cancelled = anyio.CancelScope()

            async def cancellable():
                with cancelled:
                    await call()

            tg.start_soon(cancellable)
            await until(lambda: len(started) == 2)
            with pytest.raises(ToolError, match=r"server busy: 2 calls are running \(--max-calls\)"):
                await gate.run(None, limits, job)
            cancelled.cancel()  # the call returns; its thread runs on, and keeps its place
            await anyio.sleep(0.1)
            with pytest.raises(ToolError, match="server busy"):
                await gate.run(None, limits, job)
            release.set()
        await until(lambda: len(finished) == 2)
        results.append(await gate.run(None, limits, lambda progress: "next"))
        return results

    assert anyio.run(scenario) == ["done", "next"]


def test_threads_are_clamped_to_the_call_budget(tmp_path, server):
    tools = Tools(Roots.configure([str(tmp_path)]), Limits(max_threads=3))
    budget = min(3, len(os.sched_getaffinity(0)))
    assert [tools._threads(t) for t in (0, 1, 2, 1024)] == [budget, 1, min(2, budget), budget]
    schema = {t.name: t for t in server.run(server.session.list_tools).tools}["vmaf_score"].input_schema
    assert "clamped" in schema["properties"]["threads"]["description"]


def test_extract_features_with_paths_relative_to_the_root(server, ws):
    want = ["integer_vif_scale0", "integer_adm2"]
    result = server.call("extract_features", {**ws.geometry, "ref": "ref.yuv", "dist": "dist.yuv", "features": want,
                                              "threads": 2})
    assert not result.is_error and result.structured_content["frames"] == 6
    assert json.loads(_text(result)) == result.structured_content
    local = pyvmaf_tiny.extract_features(ws.pair["ref"], ws.pair["dist"], want, **ws.geometry, threads=2)
    assert result.structured_content["features"] == {k: v.tolist() for k, v in local.items()}


def test_clip_level_aggregates_are_carried_as_libvmaf_logs_them(server, ws):
    # psnr:enable_apsnr=true: libvmaf's aggregate_metrics, in both tools' structured results
    feature = "psnr:enable_apsnr=true"
    expected = oracle.run(ws.clip.ref, ws.clip.dist, **ws.geometry, features=[feature])["aggregate_metrics"]
    assert list(expected) == ["apsnr_y", "apsnr_cb", "apsnr_cr"]
    scored = server.call("vmaf_score", {**ws.pair, "features": [feature], "threads": 2})
    extracted = server.call("extract_features", {**ws.pair, "features": [feature], "threads": 2})
    for result in (scored, extracted):
        assert not result.is_error, _text(result)
        got = result.structured_content["aggregate_metrics"]
        assert list(got) == list(expected)
        for name, value in expected.items():
            assert abs(got[name] - value) <= 1e-6, (name, got[name], value)
    assert "apsnr_y" in _text(scored)
    assert json.loads(_text(extracted)) == extracted.structured_content
    # none asked for: none given
    plain = server.call("extract_features", {**ws.pair, "features": ["psnr"], "threads": 2})
    assert "aggregate_metrics" not in plain.structured_content


def test_heatmaps_path_is_refused_and_nothing_is_written(server, ws):
    folder = ws.root / "heatmaps"
    # a model file can ask for it too, in its cambi options
    model = json.loads((Path(pyvmaf_tiny.models.__file__).parent / "data" / "vmaf_v1.0.16_3d0h.json").read_text())
    model["model_dict"]["feature_opts_dicts"][0]["heatmaps_path"] = str(folder)
    (ws.root / "heatmaps_model.json").write_text(json.dumps(model))
    for tool, args in (("vmaf_score", {**ws.pair, "model": "heatmaps_model.json"}),
                       ("vmaf_score", {**ws.pair, "features": [f"cambi:heatmaps_path={folder}"]}),
                       ("vmaf_score", {**ws.pair, "model": "none", "features": ["cambi:heatmaps_path=heatmaps"]}),
                       ("extract_features", {**ws.pair, "features": [f"cambi:full_ref=true,heatmaps_path={folder}"]})):
        result = server.call(tool, args)
        assert result.is_error, (tool, args)
        why = "a model file may not ask for" if "model" in args and args["model"] != "none" else \
            "this server writes no files"
        assert "heatmaps_path" in _text(result) and why in _text(result), _text(result)
    assert not folder.exists()
    ok = server.call("extract_features", {**ws.pair, "features": ["cambi"], "threads": 2})
    assert not ok.is_error, _text(ok)


def test_list_and_describe_models(server, ws):
    listed = server.call("list_models", {}).structured_content["models"]
    assert [m["name"] for m in listed] == [m.name for m in pyvmaf_tiny.models.list()]
    assert "vmaf_v0.6.1" in [m["name"] for m in listed]

    svm = server.call("describe_model", {"model": "vmaf_v0.6.1"}).structured_content
    assert (svm["name"], svm["kind"]) == ("vmaf_v0.6.1", "svm") and "sidecar" not in svm
    assert svm["features"] == pyvmaf_tiny.models.load("vmaf_v0.6.1").columns

    tiny = server.call("describe_model", {"model": "models/tiny.onnx"}).structured_content
    assert (tiny["name"], tiny["kind"], tiny["features"]) == ("tiny", "fr_features", SIX)
    assert tiny["metrics"] == {"plcc": 0.97, "srocc": 0.95} and tiny["sidecar"]["teacher"] == "vmaf_v0.6.1"

    scored = server.call("vmaf_score", {**ws.pair, "model": "models/tiny.onnx", "threads": 2})
    assert not scored.is_error and scored.meta["model"] == "tiny" and scored.meta["frames"] == 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamable_http_on_localhost(ws, tmp_path):
    port = _free_port()
    with open(tmp_path / "server.log", "w") as errlog:
        proc = subprocess.Popen([sys.executable, "-m", "pyvmaf_tiny", "mcp", "--root", str(ws.root), "--http",
                                 str(port)], env=_server_env(), stdout=errlog, stderr=errlog)

    async def scenario():
        async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name for t in (await session.list_tools()).tools}
                return tools, await session.call_tool("vmaf_score", {**ws.pair, "threads": 2})

    try:
        _wait_for_port(port, proc)
        tools, result = anyio.run(scenario)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert tools == TOOLS
    assert not result.is_error and result.meta["frames"] == 6


def _wait_for_port(port: int, proc, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


def test_roots_come_from_flags_then_env_then_cwd(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.chdir(b)
    env = {ENV_VAR: os.pathsep.join([str(a), str(b)])}
    assert Roots.configure([str(a)], env).dirs == (str(a.resolve()),)
    assert Roots.configure(None, env).dirs == (str(a.resolve()), str(b.resolve()))
    assert Roots.configure(None, {}).dirs == (str(b.resolve()),)
    with pytest.raises(pyvmaf_tiny.InputError, match="not a directory"):
        Roots.configure([str(tmp_path / "missing")])
    roots = Roots.configure([str(a)])
    (a / "clip.y4m").write_bytes(b"")
    assert roots.resolve("clip.y4m") == str(a.resolve() / "clip.y4m")
    assert roots.policy.single_file_media and roots.policy.roots == roots.dirs
    (a / "up").symlink_to(tmp_path)
    for bad in ("../b/clip.y4m", "up/b/clip.y4m", str(tmp_path / "a-sibling"), "a\0b", ""):
        with pytest.raises(pyvmaf_tiny.InputError):
            roots.resolve(bad)


@pytest.mark.parametrize("name", ["fr_tiny_v1", "fr_micro_v1", "fr_micro_v2"])
def test_every_shipped_tiny_model_has_its_card_where_the_package_is(name):
    # Installed or editable: the cards travel with the package (CMake installs docs/models), so describe_model
    # can summarise them from a wheel too.
    installed = resources.files("pyvmaf_tiny") / "docs" / "models" / f"{name}.md"
    checkout = Path(pyvmaf_tiny.__file__).resolve().parents[2] / "docs" / "models" / f"{name}.md"
    assert installed.is_file() or checkout.is_file()
    summary = card_summary(name)
    assert summary and "vmaf_v0.6.1" in summary, summary


def test_card_summary_is_the_first_paragraph(tmp_path):
    (tmp_path / "tiny.md").write_text("# tiny\n\nA six-feature MLP distilled\nfrom vmaf_v0.6.1.\n\n## Metrics\n")
    assert card_summary("tiny", [tmp_path]) == "A six-feature MLP distilled from vmaf_v0.6.1."
    assert card_summary("other", [tmp_path]) is None
    assert card_summary("../tiny", [tmp_path]) is None


def test_without_the_sdk_the_cli_says_what_to_install():
    code = "import sys; sys.modules['mcp'] = None; from pyvmaf_tiny.cli import main; raise SystemExit(main(['mcp']))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        'pyvmaf-tiny: error: the MCP server needs the MCP Python SDK (mcp>=2.3): pip install "pyvmaf-tiny[mcp]"']


def test_mcp_help_has_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["mcp", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "examples:" in out and "--root" in out and "--max-frames" in out


def test_vmaf_score_takes_several_models_and_reports_intervals(server, ws):
    args = {**ws.pair, "threads": 2, "model": ["vmaf_v0.6.1", "version=vmaf_v0.6.1:enable_transform=true:name=phone",
                                              "fr_tiny_v1:name=tiny", "vmaf_b_v0.6.3:name=b"]}
    result = server.call("vmaf_score", args)
    assert not result.is_error, _text(result)
    s = result.structured_content
    direct = pyvmaf_tiny.score(ws.pair["ref"], ws.pair["dist"], args["model"], **ws.geometry, threads=2)
    assert s["models"] == direct.models == {"vmaf": "vmaf_v0.6.1", "phone": "vmaf_v0.6.1:enable_transform=true",
                                            "tiny": "fr_tiny_v1", "b": "vmaf_b_v0.6.3"}
    for name in ("phone", "tiny", "tiny_ci_p90_lo", "tiny_ci_p90_hi", "b_bagging", "b_ci_p95_lo"):
        assert s["pooled_metrics"][name]["mean"] == direct.pooled[name]["mean"], name
    text = _text(result)
    assert "phone (vmaf_v0.6.1:enable_transform=true) " in text and "tiny_ci_p90_lo" in text
    tiny = server.call("vmaf_score", {**ws.pair, "threads": 2, "model": "fr_tiny_v1"}).structured_content
    assert tiny["interval"] == {"coverage": 0.9, "lo": tiny["pooled_metrics"]["vmaf_ci_p90_lo"]["mean"],
                                "hi": tiny["pooled_metrics"]["vmaf_ci_p90_hi"]["mean"]}
    log = json.loads(_text(server.call("vmaf_score", {**ws.pair, "model": "fr_tiny_v1", "frame_scores": True})))
    assert list(log["frames"][0]["metrics"])[-3:] == ["vmaf", "vmaf_ci_p90_lo", "vmaf_ci_p90_hi"]
    for bad, needle in [("vmaf_v0.6.1:bogus=1", "unknown option 'bogus'"), ("nosuch:name=x", "unknown model"),
                        (["vmaf_v0.6.1", "none"], "cannot be given with others")]:
        refused = server.call("vmaf_score", {**ws.pair, "model": bad})
        assert refused.is_error and needle in _text(refused), _text(refused)
    assert not server.call("list_models", {}).is_error  # still serving
