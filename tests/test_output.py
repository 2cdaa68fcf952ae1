"""libvmaf's log formats: layout, metric names, number formatting."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest

import oracle
import pyvmaf_tiny
from clips import small_clip
from content import Recipe, make_clip
from pyvmaf_tiny.output import format_number


@pytest.mark.parametrize(
    "value,text",
    [(0.0, "0.000000"), (97.428118, "97.428118"), (1.5e-8, "0.0000000150000000"), (-2.25, "-2.250000"),
     (3.0000000004, "3.0000000004000000"), (0.0000012, "0.000001")],
)
def test_number_format_follows_libvmaf(value, text):
    assert format_number(value) == text


@pytest.fixture(scope="module")
def pair():
    clip = small_clip()
    ours = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), **clip.geometry)
    return clip, ours


# Model and extra features of each compared log; MS-SSIM needs frames of 176+ lines.
LOG_RUNS = [
    ("vmaf_v0.6.1", ()),
    ("vmaf_v0.6.1neg", ()),
    ("vmaf_4k_v0.6.1", ()),
    ("vmaf_v0.6.1", ("psnr", "float_ssim", "float_ms_ssim")),
    ("vmaf_v0.6.1neg", ("float_ms_ssim", "psnr")),
    # several models in one run, each under its name (libvmaf's syntax on both sides)
    (("version=vmaf_v0.6.1:name=a", "version=vmaf_v0.6.1neg:name=b"), ()),
    (("version=vmaf_v0.6.1neg:name=neg", "version=vmaf_v0.6.1:enable_transform=true:name=phone",
      "version=vmaf_4k_v0.6.1:name=k"), ("psnr",)),
    # clip-level values in aggregate_metrics
    ("vmaf_v0.6.1", ("psnr:enable_apsnr=true,enable_mse=true", "float_ssim")),
]


def _model_id(model) -> str:
    return model if isinstance(model, str) else "+".join(m.split("name=")[-1] for m in model)
LOG_CLIP = Recipe("bikes", 640, 272, codec="libx265", quality=36, frames=5)


@pytest.fixture(scope="module", params=LOG_RUNS, ids=lambda r: "+".join((_model_id(r[0]),) + r[1]))
def logged(request):
    model, features = request.param
    clip = make_clip(LOG_CLIP)
    ours = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), model if isinstance(model, str) else list(model),
                             **clip.geometry, features=list(features))
    return clip, ours, model, features


def _oracle_log(clip, tmp_path, fmt, model="vmaf_v0.6.1", features=()):
    # the oracle writes every format; we parse both with the same code
    import subprocess

    out = tmp_path / f"oracle.{fmt}"
    raw = ["-f", "rawvideo", "-pix_fmt", clip.pix_fmt, "-s", f"{clip.width}x{clip.height}"]
    models = oracle.model_arg(list(model)) if not isinstance(model, str) else f"model=version={model}"
    opts = ["n_threads=2", f"log_fmt={fmt}", f"log_path={out}", models]
    if features:
        opts.append("feature=" + "\\|".join(oracle._feature_arg(f) for f in features))
    subprocess.run([oracle.ffmpeg(), "-hide_banner", "-loglevel", "error", *raw, "-i", str(clip.dist), *raw, "-i",
                    str(clip.ref), "-lavfi", "libvmaf=" + ":".join(opts), "-f", "null", "-"], check=True)
    return out


def _parse_xml(path):
    root = ET.parse(path).getroot()
    frames = [dict(f.attrib) for f in root.find("frames")]
    pooled = {m.attrib["name"]: dict(m.attrib) for m in root.find("pooled_metrics")}
    aggregate = dict(root.find("aggregate_metrics").attrib)
    return root.tag, root.find("params").attrib, frames, pooled, aggregate


def _parse_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _parse_sub(path):
    frames = []
    for line in path.read_text().splitlines():
        head, _, body = line.partition("frame: ")
        num, *fields = body.rstrip("|").split("|")
        frames.append((head, int(num), [(k, float(v)) for k, v in (f.split(": ") for f in fields)]))
    return frames


def _write(ours, tmp_path, fmt):
    path = tmp_path / f"ours.{fmt}"
    ours.write(path, fmt)
    return path


def test_json_matches_oracle_log(logged, tmp_path):
    clip, ours, model, features = logged
    a = json.loads(_write(ours, tmp_path, "json").read_text())
    b = json.loads(_oracle_log(clip, tmp_path, "json", model, features).read_text())
    assert list(a) == list(b)
    assert [f["frameNum"] for f in a["frames"]] == [f["frameNum"] for f in b["frames"]]
    for fa, fb in zip(a["frames"], b["frames"]):
        assert list(fa["metrics"]) == list(fb["metrics"])  # the same metrics in the same order
        for name, v in fa["metrics"].items():
            assert abs(v - fb["metrics"][name]) <= 1e-6, (fa["frameNum"], name)
    assert list(a["pooled_metrics"]) == list(b["pooled_metrics"])
    for name, pools in a["pooled_metrics"].items():
        assert list(pools) == list(b["pooled_metrics"][name])
        assert abs(pools["mean"] - b["pooled_metrics"][name]["mean"]) <= 1e-6
    assert a["aggregate_metrics"] == b["aggregate_metrics"]


def test_xml_matches_oracle_log(logged, tmp_path):
    clip, ours, model, features = logged
    tag_a, params_a, frames_a, pooled_a, aggregate_a = _parse_xml(_write(ours, tmp_path, "xml"))
    tag_b, params_b, frames_b, pooled_b, aggregate_b = _parse_xml(_oracle_log(clip, tmp_path, "xml", model, features))
    assert tag_a == tag_b and params_a == params_b
    assert len(frames_a) == len(frames_b)
    for fa, fb in zip(frames_a, frames_b):
        assert list(fa) == list(fb)
        for k, v in fa.items():
            assert abs(float(v) - float(fb[k])) <= 1e-6
    assert list(pooled_a) == list(pooled_b)
    for name in pooled_a:
        assert list(pooled_a[name]) == list(pooled_b[name])
        assert abs(float(pooled_a[name]["mean"]) - float(pooled_b[name]["mean"])) <= 1e-6
    assert list(aggregate_a) == list(aggregate_b)
    for name, v in aggregate_a.items():
        assert abs(float(v) - float(aggregate_b[name])) <= 1e-6, name


def test_csv_matches_oracle_log(logged, tmp_path):
    clip, ours, model, features = logged
    head_a, rows_a = _parse_csv(_write(ours, tmp_path, "csv"))
    head_b, rows_b = _parse_csv(_oracle_log(clip, tmp_path, "csv", model, features))
    assert head_a == head_b  # a script reading columns by position reads ours unchanged
    assert len(rows_a) == len(rows_b)
    for ra, rb in zip(rows_a, rows_b):
        assert len(ra) == len(rb) and ra[0] == rb[0] and ra[-1] == rb[-1] == ""
        for x, y in zip(ra[1:-1], rb[1:-1]):
            assert abs(float(x) - float(y)) <= 1e-6


def test_sub_matches_oracle_log(logged, tmp_path):
    clip, ours, model, features = logged
    a = _parse_sub(_write(ours, tmp_path, "sub"))
    b = _parse_sub(_oracle_log(clip, tmp_path, "sub", model, features))
    assert len(a) == len(b)
    for (head_a, num_a, fields_a), (head_b, num_b, fields_b) in zip(a, b):
        assert (head_a, num_a) == (head_b, num_b)
        assert [k for k, _ in fields_a] == [k for k, _ in fields_b]
        for (_, x), (_, y) in zip(fields_a, fields_b):
            assert abs(x - y) <= 1e-6


def test_pooled_score_skips_what_only_the_log_needs(logged):
    # pooled_score() computes the model's features alone; its score is the log's.
    clip, ours, model, features = logged
    first = model if isinstance(model, str) else model[0]
    pooled = pyvmaf_tiny.api.pooled_score(str(clip.ref), str(clip.dist), first, **clip.geometry)
    assert pooled.pooled["mean"] == ours.pooled[ours.metric]["mean"] == ours.score


def test_unknown_format_is_an_input_error(pair, tmp_path):
    _, ours = pair
    with pytest.raises(pyvmaf_tiny.InputError, match="unknown output format"):
        ours.write(tmp_path / "x.txt", "yaml")
