"""Inputs of the hardening classes (issue 18) that its fixes did not list, tried by someone who did not write them:
each test here failed on the code before its fix."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

import pytest

import pyvmaf_tiny
from pyvmaf_tiny import InputError, ModelError
from pyvmaf_tiny.io.policy import PathPolicy


def _y4m(path, width: int, height: int, frames: int, rate: str = "25:1") -> str:
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{rate} Ip Cmono\n".encode())
        for k in range(frames):
            f.write(b"FRAME\n" + bytes([(37 * k) % 256]) * (width * height))
    return str(path)


# -- sync="auto": the search's size came from the header's frame rate -------------------------------------------


@pytest.mark.parametrize("rate", ["1000000:1", "2000000000:1"])
def test_sync_search_is_budgeted_whatever_the_frame_rate(tmp_path, rate):
    # A 1 KB Y4M that claims 10^6 fps made the delay search sort 4 million delays (600 MB, 30 s, not
    # cancellable in the MCP server); 2*10^9 fps asked for a 64 GB list (MemoryError, exit 1, or the OOM killer).
    clip = _y4m(tmp_path / "fast.y4m", 16, 16, 3, rate)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(InputError, match=r"sync='auto' at these frame rates .* over its budget"):
        pyvmaf_tiny.score(clip, clip, sync="auto")
    assert time.monotonic() - start < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB


def test_sync_at_ordinary_rates_is_unchanged(tmp_path):
    clip = _y4m(tmp_path / "ok.y4m", 32, 32, 12, "240:1")
    assert pyvmaf_tiny.score(clip, clip, sync="auto").sync_delay == 0


# -- containers: a frame larger than the stream says ------------------------------------------------------------


def _h264(width: int, height: int, frames: int) -> bytes:
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "40"}
        for _ in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                np.frombuffer(plane, np.uint8)[:] = 128
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_a_mid_stream_resolution_change_is_refused_before_the_larger_frame_is_decoded(tmp_path, monkeypatch):
    # 64x64 for long enough that probing sees only that, then one 2048x2048 frame (a few KB of bitstream; at
    # 16384x16384 it costs ~800 MB to decode). The pixel caps (the MCP server's --max-pixels) read the stream's
    # size, so the decoder must not allocate a larger frame before it is refused.
    from pyvmaf_tiny.io.container import ContainerSource

    path = tmp_path / "switch.h264"
    path.write_bytes(_h264(64, 64, 60) + _h264(2048, 2048, 1))
    seen = []
    planes = ContainerSource._planes

    def spy(self, frame, index, chroma):
        seen.append((frame.width, frame.height))
        return planes(self, frame, index, chroma)

    monkeypatch.setattr(ContainerSource, "_planes", spy)
    with pytest.raises(InputError, match="switch.h264: decoding failed at frame 60"):
        pyvmaf_tiny.score(str(path), str(path))
    assert seen and max(seen) == (64, 64)


# -- regular files that cannot be read ---------------------------------------------------------------------------

needs_proc_mem = pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="Linux's /proc/self/mem")


@needs_proc_mem
def test_a_model_that_fails_to_read_is_a_model_error_naming_it(tmp_path):
    # /proc/self/mem is a regular file (it passes the policy) whose read fails: a bare OSError, exit 1, no name.
    clip = _y4m(tmp_path / "c.y4m", 32, 32, 2)
    with pytest.raises(ModelError, match=r"model /proc/self/mem: read failed \(Input/output error\)"):
        pyvmaf_tiny.score(clip, clip, model="/proc/self/mem")
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", clip, clip, "--model", "/proc/self/mem"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3 and proc.stderr.strip() == \
        "pyvmaf-tiny: error: model /proc/self/mem: read failed (Input/output error)"


@needs_proc_mem
def test_a_container_that_fails_to_read_is_an_input_error_naming_it(tmp_path):
    link = tmp_path / "memory.mkv"
    link.symlink_to("/proc/self/mem")
    policy = PathPolicy([tmp_path, "/proc/self"])  # read as single files, by pyvmaf-tiny itself
    with pytest.raises(InputError, match=r"memory.mkv: read failed \(Input/output error\)"):
        pyvmaf_tiny.score(str(link), str(link), policy=policy)


# -- the MCP server: what one call, or many at once, can make it allocate -----------------------------------------


def _tools(root, **limits):
    pytest.importorskip("mcp")
    from pyvmaf_tiny.mcp import Limits, Roots
    from pyvmaf_tiny.mcp.server import Tools

    return Tools(Roots.configure([str(root)]), Limits(**limits))


def _server(root, **limits):
    """The MCP server in this process: tools are called as a client's requests are (sync tools on anyio's
    worker threads, async ones on the event loop)."""
    pytest.importorskip("mcp")
    from pyvmaf_tiny.mcp import Limits, Roots
    from pyvmaf_tiny.mcp.server import create_server

    return create_server(Roots.configure([str(root)]), Limits(**limits))


def test_mcp_describe_model_calls_are_bounded(tmp_path, monkeypatch):
    # describe_model builds the model (an ONNX session: constant folding can take seconds and hundreds of MB for
    # a 33 KB graph of allowed operators; a 64 MiB JSON model is read and parsed whole) and ran on anyio's
    # 40 default threads without bound: 8 at once took 2.7 GB, 40 of a 63 MB JSON model 2.8 GB.
    import threading

    import anyio
    from pyvmaf_tiny.mcp.server import Tools

    server = _server(tmp_path, max_calls=2, busy_wait_s=30)
    lock, state = threading.Lock(), {"now": 0, "most": 0}
    load = Tools._model

    def slow_model(self, model, device="auto"):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= 1
        return load(self, model, device)

    monkeypatch.setattr(Tools, "_model", slow_model)

    async def scenario():
        described = []

        async def describe():
            result = await server.call_tool("describe_model", {"model": "vmaf_v0.6.1"})
            described.append(json.loads(result.content[0].text))

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(describe)
        return described

    described = anyio.run(scenario)
    assert len(described) == 8 and all(d["name"] == "vmaf_v0.6.1" for d in described)
    assert state["most"] == 2


def test_mcp_feature_lists_cannot_multiply_extractors(tmp_path):
    # Every distinct option set is an extractor with buffers of its own at the frame size: 400 of them took
    # 1.7 GB at 1080p on one thread (16x that at 8K, the server's pixel cap), from a 12 KB request.
    import anyio
    from mcp.server.mcpserver.exceptions import ToolError

    clip = _y4m(tmp_path / "c.y4m", 32, 32, 2)
    tools = _tools(tmp_path)
    many = [f"adm:adm_enhn_gain_limit={1 + k / 100}" for k in range(48)]
    with pytest.raises(ToolError, match="features need 48 extractor configurations; this server runs at most 40"):
        anyio.run(lambda: tools.extract_features(clip, clip, None, features=many))
    ok = anyio.run(lambda: tools.extract_features(clip, clip, None, features=many[:3] + ["adm", "vif"]))
    assert ok["frames"] == 2



def _svm_model_reading(path, features: list[tuple[str, dict]]) -> str:
    """A libvmaf JSON model (one support vector) reading `features`, each with its options."""
    n = len(features)
    sv = " ".join(f"{i + 1}:0.5" for i in range(n))
    doc = {"param_dict": {}, "model_dict": {
        "model_type": "LIBSVMNUSVR", "norm_type": "linear_rescale", "score_clip": [0.0, 100.0],
        "feature_names": [name for name, _ in features], "feature_opts_dicts": [opts for _, opts in features],
        "slopes": [1.0] * (n + 1), "intercepts": [0.0] * (n + 1),
        "model": f"svm_type nu_svr\nkernel_type rbf\ngamma 0.04\nnr_class 2\ntotal_sv 1\nrho -1.3\nSV\n1 {sv} \n"}}
    path.write_text(json.dumps(doc))
    return path.name


def test_mcp_models_cannot_multiply_extractors(tmp_path):
    # A model file names its extractors' options: 4 models of 64 distinct adm options each (inside the feature
    # cap of a model) ran 256 ADM extractors, 1.16 GB at 1080p on one thread, 16x that at 8K; only the features
    # argument was counted.
    import anyio
    from mcp.server.mcpserver.exceptions import ToolError

    clip = _y4m(tmp_path / "c.y4m", 32, 32, 2)
    tools = _tools(tmp_path)
    files = [_svm_model_reading(tmp_path / f"m{j}.json",
                                [("VMAF_integer_feature_adm2_score", {"adm_enhn_gain_limit": 1 + (k + 16 * j) / 100})
                                 for k in range(16)]) for j in range(4)]
    many = [f"path={f}:name=m{j}" for j, f in enumerate(files)]
    with pytest.raises(ToolError, match="the models and features need 64 extractor configurations; this server "
                                        "runs at most 40"):
        anyio.run(lambda: tools.vmaf_score(clip, clip, None, model=many))
    nine = [f"adm:adm_enhn_gain_limit={2 + k / 100}" for k in range(9)]
    with pytest.raises(ToolError, match="the models and features need 41 extractor configurations"):
        anyio.run(lambda: tools.vmaf_score(clip, clip, None, model=many[:2], features=nine))
    ok = anyio.run(lambda: tools.vmaf_score(clip, clip, None, model=many[:2]))
    assert ok.structured_content["frames"] == 2


def test_mcp_model_lists_are_bounded(tmp_path):
    # 1,000 copies of the bootstrap collection (21 SVMs each) in one 30 KB request: 810 MB and 7 s for two
    # 64x64 frames, and a per-frame output column for each of their 26,000 outputs.
    import anyio
    from mcp.server.mcpserver.exceptions import ToolError
    from pyvmaf_tiny import featureset, models

    clip = _y4m(tmp_path / "c.y4m", 32, 32, 2)
    tools = _tools(tmp_path)
    with pytest.raises(ToolError, match="17 models asked for; this server scores with at most 16 a call"):
        anyio.run(lambda: tools.vmaf_score(clip, clip, None, model=[f"vmaf_b_v0.6.3:name=b{k}" for k in range(17)]))
    # Every packaged model, as many at once as a call takes, with every extractor, is within both budgets.
    every = [f"{info.name}:name=m{k}" for k, info in enumerate(models.list())]
    per_call = tools.limits.max_models
    for start in range(0, len(every), per_call):
        tools._check_extractors(tools._models(every[start:start + per_call]), sorted(featureset.catalog()))


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmRSS")
def test_mcp_refused_calls_do_not_keep_what_they_read(tmp_path):
    # A refused call's exception kept its traceback, whose frames held the bytes the call had read (up to the
    # 64 MiB model budget), in reference cycles only the cycle collector frees: 20 describe_model calls of a
    # 63 MB model, one after the other, took the server to 717 MB, 40 at once to 2.8 GB.
    import gc

    import anyio
    from mcp.server.mcpserver.exceptions import ToolError

    big = tmp_path / "big.json"
    big.write_text('{"model_dict": {"junk": "' + "A" * (32 << 20) + '"}}')
    server = _server(tmp_path)
    gc.collect()
    gc.disable()
    try:
        before = _rss_mib()
        for _ in range(8):
            with pytest.raises(ToolError, match='model big.json: model_dict has no "model_type"'):
                anyio.run(server.call_tool, "describe_model", {"model": "big.json"})
        grown = _rss_mib() - before
    finally:
        gc.enable()
    assert grown < 100, f"{grown:.0f} MiB kept after 8 refused calls"


# -- batch manifests ----------------------------------------------------------------------------------------------


def test_manifest_rows_nested_too_deeply_fail_alone(tmp_path):
    # json.loads raised RecursionError, which is no ValueError: the whole batch stopped with "maximum recursion
    # depth exceeded while decoding a JSON array", naming no file.
    from pyvmaf_tiny.batch import manifest

    clip = _y4m(tmp_path / "c.y4m", 32, 32, 1)
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"ref": clip, "dist": clip}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n"
                    + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    good, deep, deeper = manifest.read(str(path)).encodes
    assert good.error is None
    assert deep.error == deeper.error == "InputError: not JSON (nested too deeply)"


def test_manifest_that_is_not_csv_is_an_input_error_naming_it(tmp_path):
    # A cell over the csv module's limit (128 KiB), in the header or a row, raised a bare csv.Error: exit 1 with
    # "field larger than field limit (131072)" and no file name.
    from pyvmaf_tiny.batch import manifest

    row = tmp_path / "row.csv"
    row.write_text("ref,dist,id\na.y4m,b.y4m,ok\na.y4m,b.y4m," + "x" * 200_000 + "\n")
    with pytest.raises(InputError, match=r"manifest .*row.csv: line 3: not CSV \(field larger than field limit"):
        manifest.read(str(row))
    header = tmp_path / "header.csv"
    header.write_text("ref,dist," + "y" * 200_000 + "\na.y4m,b.y4m,1\n")
    with pytest.raises(InputError, match=r"manifest .*header.csv: line 1: not CSV"):
        manifest.read(str(header))


def test_manifest_models_are_read_as_the_score_command_reads_them(tmp_path):
    # The model column was checked as a literal file path, then handed to score(), which reads libvmaf's
    # syntax: "sub/m.json:name=mine" was validated and fingerprinted as the file of that name, and the file
    # sub/m.json scored; "vmaf_v0.6.1:disable_clip=true" and version=/path= forms were unknown models; rows
    # differing only in a model's options could share a ladder and be scored with the first row's.
    import shutil

    from pyvmaf_tiny.batch import manifest
    from pyvmaf_tiny.models import list as packaged

    clip = _y4m(tmp_path / "c.y4m", 32, 32, 1)
    (tmp_path / "sub").mkdir()
    model = next(i.path for i in packaged() if i.name == "vmaf_v0.6.1")
    shutil.copy(model, tmp_path / "sub" / "m.json")
    shutil.copy(model, tmp_path / "sub" / "m.json:name=mine")
    rows = [{"id": "named", "ref": clip, "dist": clip, "model": "sub/m.json:name=mine"},
            {"id": "path", "ref": clip, "dist": clip, "model": "path=sub/m.json:disable_clip=true"},
            {"id": "plain", "ref": clip, "dist": clip, "model": "sub/m.json"},
            {"id": "flags", "ref": clip, "dist": clip, "model": "vmaf_v0.6.1:disable_clip=true"},
            {"id": "version", "ref": clip, "dist": clip, "model": "version=vmaf_v0.6.1:enable_transform=true"},
            {"id": "bad", "ref": clip, "dist": clip, "model": "version=sub/m.json"},
            {"id": "none", "ref": clip, "dist": clip, "model": "none"}]
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    encodes = manifest.read(str(tmp_path / "m.jsonl")).encodes
    by_id = {e.id: e for e in encodes}
    real = os.path.realpath(tmp_path / "sub" / "m.json")
    assert by_id["named"].error is None and by_id["named"].model_path == real
    assert by_id["named"].model_arg() == {"path": real, "name": "mine"}
    assert by_id["path"].model_arg() == {"path": real, "disable_clip": True}
    assert by_id["flags"].model_arg() == {"version": "vmaf_v0.6.1", "disable_clip": True}
    assert by_id["version"].model_arg() == {"version": "vmaf_v0.6.1", "enable_transform": True}
    assert "unknown model version 'sub/m.json'" in by_id["bad"].error
    assert "model 'none'" in by_id["none"].error
    # Each model and option set is a ladder of its own, scored with exactly its own options.
    tasks = manifest.ladders([e for e in encodes if e.error is None], workers=1)
    assert sorted(str(t.options["model"]) for t in tasks) == sorted(str(by_id[i].model_arg()) for i in
                                                                    ("named", "path", "plain", "flags", "version"))
    assert "mine" in pyvmaf_tiny.score(clip, clip, model=by_id["named"].model_arg()).models


# -- what the CLI writes: --output and --plot ----------------------------------------------------------------------


def _cli(*args, cwd, timeout=60):
    return subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("flag, name", [("--output", "log.json"), ("--plot", "plot.png")])
def test_writing_to_a_fifo_no_one_reads_is_refused_not_hung(tmp_path, flag, name):
    # open(path, "w") on a FIFO waits for a reader forever: `score --output fifo.json` hung.
    if flag == "--plot":
        pytest.importorskip("matplotlib")
    clip = _y4m(tmp_path / "c.y4m", 32, 32, 2)
    os.mkfifo(tmp_path / name)
    done = _cli("score", clip, clip, "-q", flag, name, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().endswith(f"{name}: cannot write (a FIFO that no one reads)")


def test_plot_and_output_paths_are_checked_before_the_run(tmp_path):
    # `--plot x.weird` exited 1 with matplotlib's "Format 'weird' is not supported" after the whole run;
    # `--plot folder` wrote folder.png beside it; a missing folder was found only after the run.
    pytest.importorskip("matplotlib")
    clip = _y4m(tmp_path / "c.y4m", 32, 32, 2)
    (tmp_path / "adir").mkdir()
    for flag, path, message in [("--plot", "x.weird", "--plot x.weird: name the image's format by its suffix"),
                                ("--plot", "adir", "--plot adir: name the image's format by its suffix"),
                                ("--plot", "no/x.png", "--plot no/x.png: cannot write (No such file or directory)"),
                                ("--output", "no/x.json", "no/x.json: cannot write (No such file or directory)")]:
        done = _cli("score", "missing.y4m", clip, "-q", flag, path, cwd=tmp_path)
        # The bad output path is reported, not the missing reference that the run would have opened first.
        assert done.returncode == 2 and message in done.stderr, (flag, path, done.stderr)
    assert sorted(os.listdir(tmp_path)) == ["adir", "c.y4m"]
