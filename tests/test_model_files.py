"""Model files as an attacker or a careless user would hand them over: one parser
(the native one) for libvmaf models and sidecars, every file read through the
path policy (the sidecar's .onnx too) and within its budget, strict JSON, one
finiteness rule for every model, and ONNX Runtime kept quiet and out of $HOME."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pyvmaf_tiny
from onnx_models import mlp, save
from test_native_tool import sanitized_tool  # noqa: F401 - a fixture: the sanitized pvt-features
from pyvmaf_tiny import InputError, ModelError, _core, models
from pyvmaf_tiny.io.policy import PathPolicy

TWO = ["integer_adm2", "integer_motion2"]
SCHEMA = "pyvmaf-tiny/model/1"


def _run(code: str, *, env=None, timeout=120, limit_as=None) -> subprocess.CompletedProcess:
    def limit():
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env, preexec_fn=limit)


def _cli(*args, env=None, timeout=120, limit_as=None) -> subprocess.CompletedProcess:
    def limit():
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))

    return subprocess.run([sys.executable, "-m", "pyvmaf_tiny", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, preexec_fn=limit)


def _y4m(path: Path, w=64, h=48, frames=2) -> Path:
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F25:1 Cmono\n".encode())
        for i in range(frames):
            f.write(b"FRAME\n" + bytes([(i * 7 + j) % 251 for j in range(w * h)]))
    return path


def _vmaf_json() -> dict:
    info = {i.name: i for i in models.list()}["vmaf_v0.6.1"]
    return json.loads(Path(info.path).read_text())


# --- one parser: a sidecar hidden from a second parser, and a .onnx outside the roots -----------------------------


@pytest.fixture()
def escape(tmp_path):
    """A root holding a sidecar whose .onnx is a symlink to a valid model outside the root."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    secret = save(outside, "secret", mlp(2, hidden=4), TWO)
    (root / "link.onnx").symlink_to(secret)
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    return root, secret, digest


def _sidecar_fields(onnx="link.onnx", sha="0" * 64):
    return {"schema": SCHEMA, "name": "m", "kind": "fr_features", "onnx": onnx, "sha256": sha, "opset": 19,
            "input": {"name": "features", "features": TWO}, "output": {"name": "vmaf", "range": [0, 100]}}


def _hidden_sidecars(sha: str) -> dict[str, bytes]:
    """Sidecars a byte search or a Python json.load misreads, each naming link.onnx (outside the root)."""
    plain = _sidecar_fields(sha=sha)
    padded = json.dumps({"padding": "x" * 5000, **plain}).encode()
    bad_utf8 = json.dumps({**plain, "teacher": "@@"}).encode().replace(b"@@", b"\xe9")
    escaped = (json.dumps(plain).replace('"schema"', '"\\u0073chema"').replace('"onnx"', '"\\u006fnnx"')
               .replace("pyvmaf-tiny/model/1", "pyvmaf-tiny\\/model\\/1")).encode()
    duplicate = json.dumps(plain)[:-1].encode() + b', "onnx": "link.onnx"}'
    return {"padding": padded, "invalid utf-8": bad_utf8, "escaped": escaped, "duplicate keys": duplicate}


@pytest.mark.parametrize("case", ["padding", "invalid utf-8", "escaped", "duplicate keys"])
@pytest.mark.parametrize("matching_sha", [True, False], ids=["sha-matches", "sha-differs"])
def test_hidden_sidecar_cannot_reach_outside_the_roots(escape, case, matching_sha):
    root, secret, digest = escape
    path = root / "m.json"
    path.write_bytes(_hidden_sidecars(digest if matching_sha else "0" * 64)[case])
    policy = PathPolicy([root])
    with pytest.raises((ModelError, InputError)) as err:
        models.load(str(path), device="cpu", policy=policy)
    text = str(err.value)
    # nothing read from the outside file shows: not its hash, size or name
    assert digest not in text and str(secret.stat().st_size) not in text and "secret" not in text
    if case == "invalid utf-8":
        assert isinstance(err.value, ModelError) and "invalid UTF-8" in text and str(path) in text
    elif case == "duplicate keys":
        assert isinstance(err.value, ModelError) and "duplicate key" in text
    else:
        assert "outside the allowed roots" in text and "link.onnx" in text


def test_mcp_describe_model_reads_nothing_outside_the_roots(escape):
    import anyio
    from mcp.server.mcpserver.exceptions import ToolError

    from pyvmaf_tiny.mcp import Limits, Roots
    from pyvmaf_tiny.mcp.server import Tools

    root, secret, digest = escape
    server = Tools(Roots.configure([str(root)]), Limits())

    class tools:  # describe_model is a coroutine (its loads are gated): called here as the server calls it
        describe_model = staticmethod(lambda model: anyio.run(server.describe_model, model, None))

    for case, data in _hidden_sidecars(digest).items():
        (root / "m.json").write_bytes(data)
        for model in ("m.json", "link.onnx"):
            with pytest.raises(ToolError) as err:
                tools.describe_model(model)
            assert digest not in str(err.value) and "secret" not in str(err.value), (case, model)
    # a sidecar naming a path out of its directory is refused before any path is resolved
    for onnx in ("../outside/secret.onnx", "/abs/x.onnx", "sub\\x.onnx", "..", "x.onnx\u0000"):
        (root / "m.json").write_text(json.dumps(_sidecar_fields(onnx=onnx, sha=digest)))
        with pytest.raises(ToolError, match="must be a plain file name"):
            tools.describe_model("m.json")
    # the same model inside the root loads
    shutil.copy(secret, root / "inside.onnx")
    (root / "inside.json").write_text(json.dumps({**_sidecar_fields(onnx="inside.onnx", sha=digest)}))
    described = tools.describe_model("inside.onnx")
    assert described["kind"] == "fr_features" and described["sidecar"]["sha256"] == digest


def test_one_parser_says_what_a_document_is_and_what_it_would_open(tmp_path):
    side = json.dumps(_sidecar_fields(onnx="net.onnx")).encode()
    doc = _core.ModelDocument(side, "s.json", os.fsencode(tmp_path))
    assert doc.kind == "fr_features" and doc.name == "m"
    assert doc.references == [os.fsencode(tmp_path / "net.onnx")]
    assert doc.tree()["input"]["features"] == TWO
    vmaf = _core.ModelDocument(json.dumps(_vmaf_json()).encode(), "v.json", b"/x")
    assert vmaf.kind == "svm" and vmaf.references == [] and vmaf.name is None
    with pytest.raises(ModelError, match='no "model_dict"'):
        _core.ModelDocument(b'{"neither": 1}', "n.json", b"")


def test_packaged_listing_parses_no_json_in_python(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("json parsed in Python")

    models._packaged.cache_clear()
    monkeypatch.setattr(json, "load", refuse)
    monkeypatch.setattr(json, "loads", refuse)
    try:
        listed = models.list()
        tiny = models.load("fr_micro_v1", device="cpu")
    finally:
        models._packaged.cache_clear()
    assert {i.kind for i in listed} == {"svm", "bootstrap", "fr_features"}
    assert tiny.sidecar["name"] == "fr_micro_v1"


def test_a_packaged_model_loads_by_reading_its_own_file_alone(monkeypatch):
    # Every packaged model is named as its file (NAME.json), which is what lets load(NAME) read that
    # file alone instead of every packaged model's (start-up of a short `pyvmaf-tiny score`).
    infos = models.list()
    for info in infos:
        assert os.path.basename(info.path) == info.name + ".json"
    data = os.path.dirname(infos[0].path)
    read = []
    real = models.read_document
    monkeypatch.setattr(models, "read_document", lambda path, policy: read.append(path) or real(path, policy))
    models._packaged.cache_clear()
    try:
        assert models.load("fr_micro_v2", device="cpu").sidecar["name"] == "fr_micro_v2"
        assert models.load("vmaf_v0.6.1").columns
        with pytest.raises(InputError, match="unknown model 'fr_micro_v9'"):
            models.load("fr_micro_v9")
        for other in ("VMAF_V0.6.1", "vmaf_v0.6.1.", "../data/vmaf_v0.6.1"):  # exactly a file's name, in any file system
            with pytest.raises(InputError, match="unknown model|no such file"):
                models.load(other)
    finally:
        models._packaged.cache_clear()
    assert [os.path.basename(p) for p in read[:2]] == ["fr_micro_v2.json", "vmaf_v0.6.1.json"]
    assert len([p for p in read if os.path.dirname(p) == data]) == 2 + len(infos)  # + the unknown names' listing


# --- the error contract ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("feature, needle", [
    ("integer_motion2_sr_99999", "outside"),        # a count past the option's range
    ("integer_vif_scale0_rs_1", "computes the exact"),  # a step that samples nothing
    ("integer_adm2_rs_0", "no extractor provides"),
])
def test_sidecar_feature_with_an_impossible_sampling_option_is_refused_at_load(tmp_path, feature, needle):
    path = save(tmp_path, "m", mlp(2), ["integer_adm2", feature])
    with pytest.raises(ModelError, match=needle):
        models.load(str(path), device="cpu")


def test_sidecar_may_not_ask_for_many_extractor_passes(tmp_path):
    """Each distinct sampling count is another pass over every frame: a model may need at most 16."""
    many = [f"integer_vif_scale0_sr_{1000 + k}" for k in range(17)]
    with pytest.raises(ModelError, match="at most 16"):
        models.load(str(save(tmp_path, "many", mlp(17), many)), device="cpu")
    models.load(str(save(tmp_path, "enough", mlp(16), many[:16])), device="cpu")


def test_sidecar_with_invalid_utf8_is_a_model_error_naming_the_file(tmp_path):
    model = save(tmp_path, "tiny", mlp(2, hidden=4), TWO)
    sidecar = model.with_suffix(".json")
    sidecar.write_bytes(sidecar.read_bytes().replace(b'"name": "tiny"', b'"name": "tin\xe9"'))
    clip = _y4m(tmp_path / "a.y4m")
    for given in (sidecar, model):
        proc = _cli("score", clip, clip, "--model", given)
        assert proc.returncode == 3, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "invalid UTF-8" in lines[0] and str(sidecar) in lines[0], proc.stderr


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_model_that_is_not_a_regular_file_is_refused_at_once(tmp_path, special):
    path = "/dev/zero" if special == "/dev/zero" else str(tmp_path / "m.json")
    if special == "fifo":
        os.mkfifo(path)
    clip = _y4m(tmp_path / "a.y4m")
    proc = _cli("score", clip, clip, "--model", path, timeout=60, limit_as=3 << 30)
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr and path in proc.stderr


# --- budgets while a JSON model is consumed -----------------------------------------------------------------------


def test_json_model_of_many_empty_objects_is_refused_with_little_memory(tmp_path):
    path = tmp_path / "many.json"
    with open(path, "wb") as f:
        f.write(b"[")
        f.write(b"{}," * (20_000_000 - 1))
        f.write(b"{}]")
    assert path.stat().st_size >= 60_000_000
    proc = _run(f"""
        import resource, pyvmaf_tiny
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            pyvmaf_tiny.models.load({str(path)!r})
        except pyvmaf_tiny.ModelError as e:
            print("refused:", e)
        print("peak_mib", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
    """, timeout=300, limit_as=4 << 30)
    assert "refused:" in proc.stdout and "more than 1048576 values" in proc.stdout, proc.stdout + proc.stderr
    peak = int(proc.stdout.split("peak_mib")[1])
    assert peak < 200, proc.stdout  # the 60 MB file itself, plus at most a few tens of MB of parsed values


@pytest.mark.parametrize("doc, needle", [
    ("[" * 65 + "]" * 65, "nesting deeper than 64"),
    ('{"a":' * 70 + "1" + "}" * 70, "nesting deeper than 64"),
])
def test_json_nesting_budget(doc, needle):
    with pytest.raises(ModelError, match=needle):
        _core.parse_json(doc)
    assert _core.parse_json("[" * 64 + "]" * 64) == eval("[" * 64 + "]" * 64)


def test_json_value_budget_counts_keys_and_values():
    assert len(_core.parse_json("[" + ",".join(["1"] * 99) + "]", max_values=100)) == 99
    with pytest.raises(ModelError, match="more than 100 values"):
        _core.parse_json("[" + ",".join(["1"] * 100) + "]", max_values=100)
    with pytest.raises(ModelError, match="more than 10 values"):
        _core.parse_json(json.dumps({str(i): i for i in range(5)}), max_values=10)


def test_libsvm_text_budget():
    data = _vmaf_json()
    sv = "1 1:0.5 2:0.5\n"
    data["model_dict"]["model"] = "svm_type nu_svr\nkernel_type rbf\ngamma 0.1\nrho 1\nSV\n" + sv * (1 << 18 | 1)
    with pytest.raises(ModelError, match="more than 262144 support vectors"):
        _core.SvmModel.from_json(json.dumps(data).encode(), "big")


# --- strict RFC 8259 ------------------------------------------------------------------------------------------------

REFUSED = {
    b"00": "leading zeros", b"-01": "leading zeros", b"[01.5]": "leading zeros", b"\xef\xbb\xbf{}": "byte order mark",
    b'"\xc0\xaf"': "invalid UTF-8", b'"\xe0\x80\xaf"': "invalid UTF-8", b'"\xed\xa0\x80"': "invalid UTF-8",
    b'"\xf4\x90\x80\x80"': "invalid UTF-8", b'"\xe2\x82"': "invalid UTF-8", b'"\xff"': "invalid UTF-8",
    b'"\x80"': "invalid UTF-8", b'"\\ud800"': "lone surrogate", b'"\\udc00x"': "lone surrogate",
    b"1e400": "out of range", b"-1e309": "out of range", b"NaN": "unexpected character", b"Infinity": "unexpected",
    b"[1,]": "unexpected character", b"{\"a\":1,}": "expected a string key", b"1.": "digits must follow",
    b".5": "unexpected character", b"+1": "unexpected character", b"1e": "digits must follow",
    b'"a\tb"': "control character", b"[1] x": "trailing", b"{'a': 1}": "expected a string key",
    b'{"a":1,"a":2}': "duplicate key", b'{"a":1,"\\u0061":2}': "duplicate key", b"\x00": "unexpected byte",
    b"tru": "unexpected character", b"[1 2]": "expected ']'", b"": "unexpected end",
}


@pytest.mark.parametrize("text", sorted(REFUSED), ids=repr)
def test_strict_json_refuses(text):
    with pytest.raises(ModelError, match=REFUSED[text]):
        _core.parse_json(text)


def test_strict_json_in_sidecars_and_models():
    side = json.dumps(_sidecar_fields()).encode()
    with pytest.raises(ModelError, match="leading zeros"):
        _core.parse_sidecar(side.replace(b'"opset": 19', b'"opset": 019'), "s.json")
    model = json.dumps(_vmaf_json()).encode()
    with pytest.raises(ModelError, match="leading zeros"):
        _core.SvmModel.from_json(model.replace(b'"score_clip": [0.0', b'"score_clip": [00.0'), "m.json")
    with pytest.raises(ModelError, match="byte order mark"):
        _core.SvmModel.from_json(b"\xef\xbb\xbf" + model, "m.json")


@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"-0", 0), (b"-0.0", -0.0), (b"1E2", 100.0), (b"1e-400", 0.0), (b"2.5e-324", 5e-324),
    (b"9223372036854775807", 9223372036854775807), (b"9223372036854775808", 9.223372036854776e18),
    (b'"\\u00e9\\ud83d\\ude00\xc3\xa9"', "\u00e9\U0001F600\u00e9"), (b' {"a" : [ true , null ] } ', {"a": [True, None]}),
])
def test_strict_json_accepts(text, value):
    got = _core.parse_json(text)
    assert got == value and type(got) is type(value)


def test_numbers_do_not_depend_on_the_locale(tmp_path):
    """A locale with a decimal comma must not change how models read their numbers."""
    localedef = shutil.which("localedef")
    if not localedef or subprocess.run([localedef, "-i", "de_DE", "-f", "UTF-8", str(tmp_path / "de_DE.UTF-8")],
                                       capture_output=True).returncode not in (0, 1):
        pytest.skip("no localedef or de_DE locale source to build a decimal-comma locale")
    code = """
        import locale, sys, numpy as np, pyvmaf_tiny
        if len(sys.argv) > 1:
            locale.setlocale(locale.LC_NUMERIC, "de_DE.UTF-8")
            assert locale.localeconv()["decimal_point"] == ","
        x = np.array([[0.9, 3.0, 0.8, 0.9, 0.95, 0.97]])
        print(repr(pyvmaf_tiny.models.load("vmaf_v0.6.1").predict(x)[0]))
    """
    env = dict(os.environ, LOCPATH=str(tmp_path))
    plain = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env)
    comma = subprocess.run([sys.executable, "-c", textwrap.dedent(code), "de"], capture_output=True, text=True, env=env)
    assert plain.returncode == 0 and comma.returncode == 0, plain.stderr + comma.stderr
    assert plain.stdout == comma.stdout


# --- one finiteness rule for every model ------------------------------------------------------------------------


@pytest.mark.parametrize("gamma", ["-1e300", "1e300"])
def test_libvmaf_model_with_non_finite_scores_is_a_model_error(tmp_path, gamma):
    data = _vmaf_json()
    data["model_dict"]["model"] = data["model_dict"]["model"].replace("gamma 0.04", f"gamma {gamma}")
    assert f"gamma {gamma}" in data["model_dict"]["model"]
    path = tmp_path / "nonfinite.json"
    path.write_text(json.dumps(data))
    m = models.load(str(path))
    x = np.array([[0.9, 3.0, 0.8, 0.9, 0.95, 0.97]])
    if gamma == "-1e300":
        with pytest.raises(ModelError, match="not a finite number for frame row 0"):
            m.predict(x)
    else:
        assert np.isfinite(m.predict(x)).all()  # exp(-huge) is 0: a finite, if useless, model
    clip = _y4m(tmp_path / "a.y4m")
    proc = _cli("score", clip, clip, "--model", path)
    assert proc.returncode == (3 if gamma == "-1e300" else 0), proc.stderr
    if gamma == "-1e300":
        assert "not a finite number" in proc.stderr and "nan" not in proc.stdout.lower()


def test_disable_clip_does_not_hide_an_infinite_score(tmp_path):
    data = _vmaf_json()
    data["model_dict"]["slopes"][0] = 1e-320  # (y - intercept) / slope overflows
    path = tmp_path / "inf.json"
    path.write_text(json.dumps(data))
    x = np.array([[0.9, 3.0, 0.8, 0.9, 0.95, 0.97]])
    for flags in ({}, {"disable_clip": True}):
        with pytest.raises(ModelError, match="not a finite number"):
            models.load(str(path), **flags).predict(x)


# --- ONNX Runtime: its log lines and its writes ------------------------------------------------------------------


def _runtime_failure_model(directory: Path) -> Path:
    """Passes every static check, then fails inside ONNX Runtime for a feature value of 10 (Gather out of range)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("Cast", ["features"], ["idx"], to=TensorProto.INT64),
             helper.make_node("Gather", ["table", "idx"], ["g"]),
             helper.make_node("ReduceMean", ["g"], ["vmaf"], axes=[1], keepdims=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 2])],
                              [helper.make_tensor_value_info("vmaf", TensorProto.FLOAT, ["N", 1])],
                              [numpy_helper.from_array(np.array([10.0, 20.0, 30.0], np.float32), "table")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(directory, "gather", model, TWO)


@pytest.mark.parametrize("python_ort_first", [False, True])
def test_onnxruntime_log_lines_go_through_our_logger(tmp_path, python_ort_first):
    path = _runtime_failure_model(tmp_path)
    first = (f"import onnxruntime as ort; ort.InferenceSession({str(path)!r}).run(None, "
             f"{{'features': np.ones((1, 2), np.float32)}})") if python_ort_first else ""
    code = f"""
        import numpy as np
        {first}
        import pyvmaf_tiny
        m = pyvmaf_tiny.models.load({str(path)!r}, device="cpu")
        print(m.predict(np.ones((2, 2)))[0])
        try:
            m.predict(np.full((2, 2), 10.0))
        except pyvmaf_tiny.ModelError as e:
            print("refused:", e)
    """
    env = {k: v for k, v in os.environ.items() if k != "PYVMAF_TINY_ORT_LOG"}
    quiet = _run(code, env=env)
    assert "refused:" in quiet.stdout and "Gather" in quiet.stdout, quiet.stdout + quiet.stderr
    assert quiet.stderr == "", quiet.stderr  # no "[E:onnxruntime..." beside our error
    loud = _run(code, env=dict(env, PYVMAF_TINY_ORT_LOG="error"))
    lines = loud.stderr.strip().splitlines()
    assert lines and all(ln.startswith("pyvmaf-tiny: onnxruntime error: ") for ln in lines), loud.stderr
    assert "\x1b[" not in loud.stderr and "Gather" in loud.stderr
    verbose = _run(code, env=dict(env, PYVMAF_TINY_ORT_LOG="verbose"))
    assert "pyvmaf-tiny: onnxruntime verbose: " in verbose.stderr or "pyvmaf-tiny: onnxruntime info: " in verbose.stderr


def test_ort_log_level_setting():
    before = _core.ort_log_level()
    try:
        models.set_ort_log_level("warning")
        assert _core.ort_log_level() == "warning"
        with pytest.raises(InputError, match="log level 'loud'"):
            models.set_ort_log_level("loud")
    finally:
        _core.ort_set_log_level(before)


def _clean_env(home: Path) -> dict:
    """No telemetry opt-out and no CI markers (ORT skips telemetry on CI), HOME in a fresh folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME", "CI", "ORT_RUNNING_UNIT_TESTS"}
           and not k.startswith(("GITHUB_", "GITLAB_", "TF_BUILD", "BUILD_", "JENKINS", "TRAVIS", "CIRCLE",
                                 "APPVEYOR", "BUILDKITE", "TEAMCITY", "CODEBUILD", "BITBUCKET", "DRONE"))}
    env["HOME"] = str(home)
    return env


@pytest.mark.parametrize("python_ort_too", [False, True])
def test_sessions_leave_home_untouched(tmp_path, python_ort_too):
    model = save(tmp_path / "m", "tiny", mlp(2, hidden=4), TWO)
    home = tmp_path / "home"
    home.mkdir()
    proc = _run(f"""
        import numpy as np, pyvmaf_tiny
        m = pyvmaf_tiny.models.load({str(model)!r}, device="cpu")
        print(m.predict(np.ones((3, 2)))[0])
        {"import onnxruntime as ort; ort.InferenceSession(" + repr(str(model)) + ")" if python_ort_too else ""}
    """, env=_clean_env(home))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []


def test_caller_can_still_choose_telemetry(tmp_path):
    """The opt-out is a default: a caller's own ORT_DISABLE_TELEMETRY is left as it is."""
    proc = _run("""
        import os, pyvmaf_tiny
        print(os.environ["ORT_DISABLE_TELEMETRY"])
    """, env=dict(_clean_env(tmp_path), ORT_DISABLE_TELEMETRY="0"))
    assert proc.stdout.strip() == "0", proc.stderr


def test_debug_shows_onnxruntime_log_lines(tmp_path):
    model = save(tmp_path, "tiny", mlp(2, hidden=4), TWO)
    clip = _y4m(tmp_path / "a.y4m")
    env = {k: v for k, v in os.environ.items() if k != "PYVMAF_TINY_ORT_LOG"}
    quiet = _cli("score", clip, clip, "--model", model, env=env)
    loud = _cli("score", clip, clip, "--model", model, "--debug", env=env)
    assert quiet.returncode == loud.returncode == 0, quiet.stderr + loud.stderr
    assert quiet.stderr == ""
    assert loud.stderr and all(ln.startswith("pyvmaf-tiny: onnxruntime ") for ln in loud.stderr.splitlines())


def test_model_files_with_undecodable_names(tmp_path):
    folder = os.fsencode(tmp_path) + b"/d\xff"
    os.mkdir(folder)
    model = save(Path(os.fsdecode(folder)), "t\xe9", mlp(2, hidden=4), TWO)  # written through surrogateescape names
    x = np.ones((2, 2))
    for given in (os.fsencode(model), os.fsdecode(os.fsencode(model)), os.fsencode(model.with_suffix(".json"))):
        assert models.load(given, device="cpu").predict(x).shape == (2,)
    vmaf = folder + b"/v\xfe.json"
    with open(vmaf, "w") as f:
        json.dump(_vmaf_json(), f)
    assert models.load(vmaf).name == "v\udcfe"
    broken = folder + b"/b\xfe.json"
    with open(broken, "wb") as f:
        f.write(b"{oops")
    with pytest.raises(ModelError, match=r"b\\xfe\.json: invalid JSON"):
        models.load(broken)


def test_native_tool_reads_model_files_through_the_file_layer(tmp_path, sanitized_tool):
    """pvt-features --model (the sanitized build): regular files only, read within their caps."""
    tool = sanitized_tool
    yuv = tmp_path / "a.yuv"
    yuv.write_bytes(bytes((i * 7) % 251 for i in range(32 * 32 * 3 // 2 * 2)))
    os.mkfifo(tmp_path / "fifo.json")
    model = save(tmp_path, "tiny", mlp(2, hidden=4), TWO)
    sidecar = model.with_suffix(".json")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
    for path, needle in (("/dev/zero", "is a device, not a regular file"),
                         (tmp_path / "fifo.json", "is a FIFO, not a regular file")):
        proc = subprocess.run([str(tool), yuv, yuv, "32", "32", "yuv420p", "--model", str(path)], capture_output=True,
                              text=True, timeout=30, env=env)
        assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
    sidecar.write_text(sidecar.read_text().replace('"tiny.onnx"', '"../tiny.onnx"'))
    proc = subprocess.run([str(tool), yuv, yuv, "32", "32", "yuv420p", "--model", str(sidecar)], capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 3 and "must be a plain file name" in proc.stderr, proc.stderr
