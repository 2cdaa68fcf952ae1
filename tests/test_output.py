"""libvmaf's log formats: layout, metric names, number formatting."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest

import oracle
import pyvmaf_tiny
from clips import small_clip
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


def _oracle_log(clip, tmp_path, fmt):
    # the oracle writes every format; we parse both with the same code
    import subprocess

    out = tmp_path / f"oracle.{fmt}"
    raw = ["-f", "rawvideo", "-pix_fmt", clip.pix_fmt, "-s", f"{clip.width}x{clip.height}"]
    subprocess.run([oracle.ffmpeg(), "-hide_banner", "-loglevel", "error", *raw, "-i", str(clip.dist), *raw, "-i",
                    str(clip.ref), "-lavfi", f"libvmaf=n_threads=2:log_fmt={fmt}:log_path={out}", "-f", "null", "-"],
                   check=True)
    return out


def _parse_xml(path):
    root = ET.parse(path).getroot()
    frames = [dict(f.attrib) for f in root.find("frames")]
    pooled = {m.attrib["name"]: dict(m.attrib) for m in root.find("pooled_metrics")}
    return root.tag, root.find("params").attrib, frames, pooled


def _parse_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_json_structure_matches_oracle(pair, tmp_path):
    clip, ours = pair
    mine = tmp_path / "ours.json"
    ours.write(mine)
    a, b = json.loads(mine.read_text()), json.loads(_oracle_log(clip, tmp_path, "json").read_text())
    assert list(a) == list(b)
    assert [f["frameNum"] for f in a["frames"]] == [f["frameNum"] for f in b["frames"]]
    assert set(a["frames"][0]["metrics"]) <= set(b["frames"][0]["metrics"])
    for name, pools in a["pooled_metrics"].items():
        assert list(pools) == list(b["pooled_metrics"][name])
        assert abs(pools["mean"] - b["pooled_metrics"][name]["mean"]) <= 1e-6


def test_xml_structure_matches_oracle(pair, tmp_path):
    clip, ours = pair
    mine = tmp_path / "ours.xml"
    ours.write(mine, "xml")
    tag_a, params_a, frames_a, pooled_a = _parse_xml(mine)
    tag_b, params_b, frames_b, pooled_b = _parse_xml(_oracle_log(clip, tmp_path, "xml"))
    assert tag_a == tag_b and params_a == params_b
    assert len(frames_a) == len(frames_b)
    for fa, fb in zip(frames_a, frames_b):
        for k, v in fa.items():
            assert abs(float(v) - float(fb[k])) <= 1e-6
    assert set(pooled_a) <= set(pooled_b)
    assert abs(float(pooled_a["vmaf"]["mean"]) - float(pooled_b["vmaf"]["mean"])) <= 1e-6


def test_csv_structure_matches_oracle(pair, tmp_path):
    clip, ours = pair
    mine = tmp_path / "ours.csv"
    ours.write(mine)
    head_a, rows_a = _parse_csv(mine)
    head_b, rows_b = _parse_csv(_oracle_log(clip, tmp_path, "csv"))
    assert head_a[0] == head_b[0] == "Frame" and head_a[-1] == head_b[-1] == ""
    assert set(head_a) <= set(head_b)
    assert len(rows_a) == len(rows_b)
    col_b = {name: i for i, name in enumerate(head_b)}
    for ra, rb in zip(rows_a, rows_b):
        for i, name in enumerate(head_a[1:-1], start=1):
            assert abs(float(ra[i]) - float(rb[col_b[name]])) <= 1e-6


def test_unknown_format_is_an_input_error(pair, tmp_path):
    _, ours = pair
    with pytest.raises(pyvmaf_tiny.InputError, match="unknown output format"):
        ours.write(tmp_path / "x.txt", "yaml")
