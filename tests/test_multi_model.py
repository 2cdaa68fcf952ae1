"""Several models in one run, in libvmaf's model syntax, against libvmaf 3.2 (the oracle).

ffmpeg's libvmaf filter scores several models in one pass
(``model=version=vmaf_v0.6.1\\:name=a|version=vmaf_v0.6.1neg\\:name=b``), each
logged under its name after the features; we compare every frame, the pooled
scores and the order of the keys with its log, and the API paths (score() with
a list, Scorer, the model syntax) with each other.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import TOL
from content import Recipe, make_clip, read_luma
from pyvmaf_tiny import models
from pyvmaf_tiny.errors import InputError

CLIP = Recipe("bikes", 320, 136, codec="libx264", quality=34, frames=6)
HIGH = Recipe("bikes", 320, 136, codec="libx264", quality=10, frames=4)  # the phone model clips at 100 here
TEN_BIT = Recipe("bikes", 160, 68, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=5)

# (our --model arguments, the oracle's): libvmaf's syntax reads the same on both sides.
RUNS = [
    (["version=vmaf_v0.6.1:name=a", "version=vmaf_v0.6.1neg:name=b"], None),
    (["vmaf_v0.6.1", "version=vmaf_v0.6.1:enable_transform=true:name=phone"],
     ["version=vmaf_v0.6.1", "version=vmaf_v0.6.1:enable_transform=true:name=phone"]),
    (["version=vmaf_v0.6.1:enable_transform=true:name=p", "version=vmaf_v0.6.1:enable_transform=true:"
      "disable_clip=true:name=q", "version=vmaf_v0.6.1:disable_clip=true:name=c"], None),
    (["version=vmaf_4k_v0.6.1:name=k", "version=vmaf_float_v0.6.1:name=f", "version=vmaf_v0.6.1neg:name=n"], None),
]


def _ours(clip, ours, features=()):
    return pyvmaf_tiny.score(str(clip.ref), str(clip.dist), ours, **clip.geometry, features=list(features), threads=2)


# Where libvmaf lists these depends on its threads' timing: float_motion writes frame 0's motion3 on the
# reading thread while a worker extracts the frame, before or after the worker's first outputs.
RACY = {"motion3"}


def _order(keys):
    return [k for k in keys if k not in RACY]


def _assert_same_log(result, expected):
    """Every metric of every frame and every pooled value within TOL, the keys in the oracle's order."""
    ours = result.to_dict()
    assert [sorted(f["metrics"]) for f in ours["frames"]] == [sorted(f["metrics"]) for f in expected["frames"]]
    assert [_order(f["metrics"]) for f in ours["frames"]] == [_order(f["metrics"]) for f in expected["frames"]]
    assert _order(ours["pooled_metrics"]) == _order(expected["pooled_metrics"])
    for fa, fb in zip(ours["frames"], expected["frames"]):
        for name, v in fa["metrics"].items():
            assert abs(v - fb["metrics"][name]) <= TOL, (fa["frameNum"], name, v, fb["metrics"][name])
    for name, pools in ours["pooled_metrics"].items():
        for pool, v in pools.items():
            assert abs(v - expected["pooled_metrics"][name][pool]) <= TOL, (name, pool)


@pytest.mark.parametrize("recipe", [CLIP, HIGH, TEN_BIT], ids=lambda r: r.id)
@pytest.mark.parametrize("ours,theirs", RUNS, ids=["a+b", "vmaf+phone", "transform+clip", "4k+float+neg"])
def test_several_models_match_oracle_in_one_pass(recipe, ours, theirs):
    clip = make_clip(recipe)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, models=theirs or ours)
    result = _ours(clip, ours)
    _assert_same_log(result, expected)
    first = list(result.models)[0]
    assert result.metric == first and np.array_equal(result.frames, result.scores[first])
    assert result.score == result.pooled[first]["mean"]


def test_several_models_with_features_match_oracle():
    clip = make_clip(CLIP)
    runs = ["version=vmaf_v0.6.1neg:name=neg", "version=vmaf_v0.6.1:name=vmaf"]
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, models=runs,
                          features=["psnr", "float_ssim", "float_adm"])
    _assert_same_log(_ours(clip, runs, ["psnr", "float_ssim", "float_adm"]), expected)


def test_each_model_scores_as_it_does_alone():
    clip = make_clip(CLIP)
    together = _ours(clip, ["vmaf_v0.6.1", "vmaf_v0.6.1neg:name=neg", "vmaf_b_v0.6.3:name=b", "fr_tiny_v1:name=t"])
    assert list(together.models) == ["vmaf", "neg", "b", "t"]
    for name, model in [("vmaf", "vmaf_v0.6.1"), ("neg", "vmaf_v0.6.1neg"), ("b", "vmaf_b_v0.6.3"),
                        ("t", "fr_tiny_v1")]:
        alone = _ours(clip, model)
        assert np.array_equal(together.scores[name], alone.frames), name
        for key, values in alone.scores.items():  # a collection's members and statistics, an interval
            assert np.array_equal(together.scores[name + key[len("vmaf"):]], values), key


def test_result_names_what_was_used():
    clip = make_clip(CLIP)
    result = _ours(clip, ["version=vmaf_v0.6.1:enable_transform=true:name=phone", {"version": "vmaf_v0.6.1neg",
                                                                                   "disable_clip": True}])
    assert result.model == "vmaf_v0.6.1:enable_transform=true" and result.metric == "phone"
    assert result.models == {"phone": "vmaf_v0.6.1:enable_transform=true", "vmaf": "vmaf_v0.6.1neg:disable_clip=true"}
    phone = _ours(clip, "vmaf_v0.6.1:enable_transform=true")
    assert phone.model == "vmaf_v0.6.1:enable_transform=true" and phone.metric == "vmaf"
    assert np.array_equal(result.scores["phone"], phone.frames)
    assert result.score == phone.score
    assert "phone" in result.to_pandas().columns and result.to_pandas()["phone"].tolist() == phone.frames.tolist()
    loaded = models.load("vmaf_v0.6.1", enable_transform=True)  # the API's own flag says so too
    assert _ours(clip, loaded).model == "vmaf_v0.6.1:enable_transform=true"


def test_model_syntax_reads_as_libvmafs():
    parse = models.parse
    assert parse("vmaf_v0.6.1") == models.ModelRequest("vmaf_v0.6.1", "auto")
    assert parse("version=vmaf_v0.6.1:enable_transform=true:name=phone") == models.ModelRequest(
        "vmaf_v0.6.1", "version", "phone", enable_transform=True)
    assert parse("vmaf_v0.6.1:enable_transform=true") == models.ModelRequest("vmaf_v0.6.1", "auto",
                                                                            enable_transform=True)
    assert parse("path=C:\\models\\my.json:name=mine:disable_clip=true") == models.ModelRequest(
        "C:\\models\\my.json", "path", "mine", disable_clip=True)
    assert parse("none") is None
    for bad, needle in [("vmaf_v0.6.1:vif.vif_enhn_gain_limit=1.0", "feature options are not supported"),
                        ("name=x", "needs version=NAME or path=FILE"), ("version=a:version=b", "given twice"),
                        ("vmaf_v0.6.1:version=vmaf_v0.6.1", "named twice"), ("version=", "is empty"),
                        ("vmaf_v0.6.1:disable_clip=yes", "true or false"), ("vmaf_v0.6.1:name=<x>", "must start")]:
        with pytest.raises(InputError, match=needle):
            parse(bad)


def test_a_model_file_by_path_with_a_name(tmp_path):
    clip = make_clip(CLIP)
    info = {i.name: i for i in models.list()}["vmaf_v0.6.1neg"]
    path = tmp_path / "mine.json"
    path.write_bytes(open(info.path, "rb").read())
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, models=[f"path={path}:name=mine",
                                                                        "version=vmaf_v0.6.1:name=vmaf"])
    result = _ours(clip, [f"path={path}:name=mine", "vmaf_v0.6.1"])
    _assert_same_log(result, expected)
    assert result.models == {"mine": "mine", "vmaf": "vmaf_v0.6.1"}
    assert _ours(clip, f"{path}:name=x").metric == "x"  # the short form takes a path too


def test_no_model_computes_only_the_features_asked_for():
    clip = make_clip(CLIP)
    expected = oracle.run(clip.ref, clip.dist, **clip.geometry, model="", features=["psnr", "float_ssim"])
    for none in (None, "none", []):
        result = _ours(clip, none, ["psnr", "float_ssim"])
        assert result.metric is None and result.models == {} and np.isnan(result.score)
        assert result.frame_count == 6 and len(result.frames) == 0
        _assert_same_log(result, expected)


def test_scorer_streams_several_models():
    clip = make_clip(CLIP)
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    wanted = ["vmaf_v0.6.1", "vmaf_v0.6.1:enable_transform=true:name=phone", "vmaf_b_v0.6.3:name=b"]
    frames = []
    with pyvmaf_tiny.Scorer(wanted, threads=2) as s:
        for r, d in zip(ref, dist):
            frames += s.push(r, d)
        frames += s.close()
    batch = _ours(clip, wanted)
    assert [f.index for f in frames] == list(range(6))
    for name, values in batch.scores.items():
        assert [f.scores[name] for f in frames] == values.tolist(), name
        assert np.array_equal(s.result.scores[name], values)
    assert [f.score for f in frames] == batch.frames.tolist()
    assert list(s.result.metrics()) == list(batch.metrics())


def test_logs_in_every_format_carry_every_model(tmp_path):
    clip = make_clip(CLIP)
    result = _ours(clip, ["vmaf_v0.6.1", "vmaf_v0.6.1:enable_transform=true:name=phone"])
    for fmt in ("json", "xml", "csv", "sub"):
        result.write(tmp_path / f"log.{fmt}")
    text = {fmt: (tmp_path / f"log.{fmt}").read_text() for fmt in ("json", "xml", "csv", "sub")}
    assert list(json.loads(text["json"])["pooled_metrics"])[-2:] == ["vmaf", "phone"]
    assert text["csv"].splitlines()[0].endswith(",vmaf,phone,")
    assert '<metric name="phone" ' in text["xml"] and "|phone: " in text["sub"]


def test_a_tiny_models_interval_is_in_every_output(tmp_path):
    from test_cli import cli

    clip = make_clip(CLIP)
    result = _ours(clip, ["fr_tiny_v1", "fr_micro_v1:name=micro"])
    lo, hi = result.interval[:, 0], result.interval[:, 1]
    assert result.interval_coverage == pytest.approx(0.9) and np.all(lo <= result.frames) and np.all(result.frames <= hi)
    assert list(result.scores) == ["vmaf", "vmaf_ci_p90_lo", "vmaf_ci_p90_hi", "micro", "micro_ci_p90_lo",
                                   "micro_ci_p90_hi"]
    assert np.array_equal(result.scores["vmaf_ci_p90_lo"], lo) and np.array_equal(result.scores["vmaf_ci_p90_hi"], hi)
    tail = ["vmaf", "vmaf_ci_p90_lo", "vmaf_ci_p90_hi", "micro", "micro_ci_p90_lo", "micro_ci_p90_hi"]
    result.write(tmp_path / "log.json")
    log = json.loads((tmp_path / "log.json").read_text())
    assert list(log["frames"][0]["metrics"])[-6:] == tail and list(log["pooled_metrics"])[-6:] == tail
    assert [f["metrics"]["vmaf_ci_p90_lo"] for f in log["frames"]] == pytest.approx(lo.tolist(), abs=5e-7)
    result.write(tmp_path / "log.csv")
    assert (tmp_path / "log.csv").read_text().splitlines()[0].endswith("," + ",".join(tail) + ",")
    result.write(tmp_path / "log.xml")
    assert 'vmaf_ci_p90_lo="' in (tmp_path / "log.xml").read_text()
    result.write(tmp_path / "log.sub")
    assert "|micro_ci_p90_hi: " in (tmp_path / "log.sub").read_text()
    # what Result.interval holds is what the logs write
    result.interval = result.interval + 1.0
    assert np.array_equal(result.metrics()["vmaf_ci_p90_lo"], lo + 1.0)
    # the CLI: --frame-scores columns, the summary line and the table
    out = cli("score", clip.ref, clip.dist, "--width", clip.width, "--height", clip.height, "--pix-fmt",
              clip.pix_fmt, "--model", "fr_tiny_v1", "--frame-scores", "-q", check_rc=0).stdout.splitlines()
    assert out[0].split() == ["frame", "vmaf", "vmaf_ci_p90_lo", "vmaf_ci_p90_hi"]
    assert out[1].split()[2] == f"{lo[0]:.6f}"
    headline = next(ln for ln in out if ln.startswith("VMAF score"))
    assert f"90% interval {lo.mean():.6f} to {hi.mean():.6f}" in headline
    assert headline.endswith(f": {result.score:.6f}")


def test_scorer_without_a_model_streams_features():
    clip = make_clip(CLIP)
    ref, dist = read_luma(clip, "ref"), read_luma(clip, "dist")
    features = ["psnr:enable_chroma=false", "float_ssim"]
    frames = []
    with pyvmaf_tiny.Scorer("none", features=features, threads=2) as s:
        for r, d in zip(ref, dist):
            frames += s.push(r, d)
        frames += s.close()
    whole = pyvmaf_tiny.score(ref, dist, None, features=features, threads=2)
    assert len(frames) == 6 and all(np.isnan(f.score) and f.scores == {} for f in frames)
    assert [f.features["psnr_y"] for f in frames] == whole.features["psnr_y"].tolist()
    assert s.result.metric is None and list(s.result.metrics()) == ["psnr_y", "float_ssim"]
    with pytest.raises(InputError, match="nothing to compute"):
        pyvmaf_tiny.Scorer(None)
