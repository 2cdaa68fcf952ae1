"""libvmaf's bootstrap model collections (vmaf_b_v0.6.3, vmaf_float_b_v0.6.3) against libvmaf 3.2.

The oracle's ffmpeg carries both collections but its libvmaf filter loads
models one at a time (vmaf_model_load), never as a collection: asked for
``model=version=vmaf_b_v0.6.3`` it answers "could not load libvmaf model".
Each member, though, is a libvmaf model it scores (``path=`` to a file holding
that member's ``model_dict``), so the oracle scores all 21 members in one run,
named as libvmaf's collection loader names them (``vmaf``, ``vmaf_0001``, ...
``vmaf_0020``). Their logged scores are compared with ours, every frame and
pooled, and so is the order of the keys. The statistics libvmaf's CLI adds
(``vmaf_bagging``, ``vmaf_stddev``, ``vmaf_ci_p95_lo``/``_hi``, over members
1 to 20: predict.c) are computed here from the oracle's unclipped member
scores (``disable_clip=true``; the collections' transform is off), printed
to 6 decimals, which moves the mean, stddev and percentiles by at most 5e-7.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from compare import TOL
from content import CACHE, Recipe, make_clip
from pyvmaf_tiny import ModelError, models

COLLECTIONS = ["vmaf_b_v0.6.3", "vmaf_float_b_v0.6.3"]
STATS = ["_bagging", "_stddev", "_ci_p95_lo", "_ci_p95_hi"]
CONTENT = [
    Recipe("bikes", 320, 136, codec="libx264", quality=34, frames=6),
    Recipe("bikes", 160, 68, pix_fmt="yuv420p10le", codec="libx265", quality=30, frames=5),
    Recipe("bikes", 181, 177, codec="libvpx-vp9", quality=50, frames=3),
    Recipe("bikes", 320, 136, codec="libx264", quality=8, frames=3),  # near 100: clipping matters
]
# libvmaf lists float_motion's motion3 where its threads' timing puts it (test_multi_model.RACY).
RACY = {"motion3"}


def _packaged(name: str) -> Path:
    return Path({i.name: i for i in models.list()}[name].path)


def _members(name: str) -> list[Path]:
    """Each member of a packaged collection as a libvmaf model file of its own, cached by content."""
    data = _packaged(name).read_bytes()
    collection = json.loads(data)
    folder = CACHE / "bootstrap-members" / hashlib.sha256(data).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(len(collection)):
        path = folder / f"member{i}.json"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"model_dict": collection[str(i)]["model_dict"]}))
            tmp.replace(path)
        out.append(path)
    return out


def _names(name: str, count: int) -> list[str]:
    return [name] + [f"{name}_{i:04d}" for i in range(1, count)]


def _oracle(clip, collection: str, name: str = "vmaf", options: str = "") -> dict:
    members = _members(collection)
    return oracle.run(clip.ref, clip.dist, **clip.geometry,
                      models=[f"path={p}:name={n}{options}" for p, n in zip(members, _names(name, len(members)))])


def _stats(raw: np.ndarray) -> dict[str, np.ndarray]:
    """libvmaf's bootstrap statistics (predict.c) of (frames, members) unclipped scores of members 1 on,
    for a collection whose transform is off and whose clip is [0, 100]."""
    n = raw.shape[1]
    mean = raw.mean(axis=1)
    stddev = np.sqrt(((raw - mean[:, None]) ** 2).sum(axis=1) / n)
    ordered = np.sort(raw, axis=1)

    def percentile(perc):
        p = perc * (n - 1) / 100.0
        lo, hi = int(np.floor(p)), int(np.ceil(p))
        return ordered[:, lo] if lo == hi else ordered[:, lo] * (hi - p) + ordered[:, hi] * (p - lo)

    clip = lambda v: np.clip(v, 0.0, 100.0)  # noqa: E731
    slope = (clip(mean + 0.01) - clip(mean - 0.01)) / 0.02
    return {"_bagging": clip(mean), "_stddev": stddev * slope, "_ci_p95_lo": clip(percentile(2.5)),
            "_ci_p95_hi": clip(percentile(97.5))}


def _frames(log: dict, name: str) -> np.ndarray:
    return np.array([f["metrics"][name] for f in log["frames"]])


def _order(keys) -> list[str]:
    return [k for k in keys if k not in RACY]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_collections_are_the_oracles_byte_for_byte(collection):
    data = _packaged(collection).read_bytes()
    binary = Path(oracle.ffmpeg()).read_bytes()
    at = binary.find(data)
    assert at > 0 and binary[at - 1] == 0 and binary[at + len(data)] == 0  # a whole string of the binary
    assert len(json.loads(data)) == 21


@pytest.mark.parametrize("recipe", CONTENT, ids=lambda r: r.id)
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_collection_matches_oracle(collection, recipe):
    clip = make_clip(recipe)
    expected = _oracle(clip, collection)
    raw = _oracle(clip, collection, options=":disable_clip=true")
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), collection, **clip.geometry, threads=2)
    names = _names("vmaf", 21)
    assert list(result.scores) == names + ["vmaf" + s for s in STATS]
    # the log is the oracle's (features, then the members in order), then libvmaf's statistics
    ours = result.to_dict()
    for fa, fb in zip(ours["frames"], expected["frames"]):
        assert _order(fa["metrics"]) == _order(fb["metrics"]) + ["vmaf" + s for s in STATS]
    assert _order(ours["pooled_metrics"]) == _order(expected["pooled_metrics"]) + ["vmaf" + s for s in STATS]
    for name in expected["pooled_metrics"]:
        theirs = _frames(expected, name)
        diff = np.abs(result.metrics()[name] - theirs)
        assert diff.max() <= TOL, (name, int(diff.argmax()))
        for pool in ("min", "max", "mean", "harmonic_mean"):
            assert abs(result.pooled[name][pool] - expected["pooled_metrics"][name][pool]) <= TOL, (name, pool)
    stats = _stats(np.column_stack([_frames(raw, n) for n in names[1:]]))
    for suffix, theirs in stats.items():
        ours_ = result.scores["vmaf" + suffix]
        assert np.abs(ours_ - theirs).max() <= TOL, (suffix, ours_, theirs)
        assert abs(result.pooled["vmaf" + suffix]["mean"] - theirs.mean()) <= TOL
    assert result.score == result.pooled["vmaf"]["mean"] and np.array_equal(result.frames, result.scores["vmaf"])
    assert np.all(result.scores["vmaf_ci_p95_lo"] <= result.scores["vmaf_bagging"])
    assert np.all(result.scores["vmaf_bagging"] <= result.scores["vmaf_ci_p95_hi"])


@pytest.mark.parametrize("options", [":enable_transform=true", ":disable_clip=true"])
def test_collection_options_reach_every_member(options):
    clip = make_clip(CONTENT[3])
    expected = _oracle(clip, "vmaf_b_v0.6.3", name="b", options=options)
    result = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), f"version=vmaf_b_v0.6.3:name=b{options}",
                               **clip.geometry)
    assert result.model == "vmaf_b_v0.6.3" + options and result.metric == "b"
    for name in expected["pooled_metrics"]:
        if name.startswith("b"):
            assert np.abs(result.scores[name] - _frames(expected, name)).max() <= TOL, name
    if options == ":enable_transform=true":  # the transform lifts these frames past 100: clipped
        assert result.scores["b_bagging"].max() == 100.0
        plain = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "vmaf_b_v0.6.3", **clip.geometry)
        assert np.all(result.scores["b_bagging"] >= plain.scores["vmaf_bagging"])


def test_a_collection_file_by_path_and_in_a_multi_model_run(tmp_path):
    clip = make_clip(CONTENT[0])
    path = tmp_path / "boot.json"
    path.write_bytes(_packaged("vmaf_b_v0.6.3").read_bytes())
    packaged = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "vmaf_b_v0.6.3", **clip.geometry)
    by_path = pyvmaf_tiny.score(str(clip.ref), str(clip.dist), ["vmaf_v0.6.1", f"path={path}:name=boot"],
                                **clip.geometry)
    assert by_path.models == {"vmaf": "vmaf_v0.6.1", "boot": "boot"}
    for key, values in packaged.scores.items():
        assert np.array_equal(by_path.scores["boot" + key[len("vmaf"):]], values)
    assert isinstance(models.load(str(path)), models.BootstrapModel)
    assert models.load(str(path)).members == 21


def _collection(tmp_path, mutate) -> str:
    data = json.loads(_packaged("vmaf_b_v0.6.3").read_bytes())
    path = tmp_path / "c.json"
    path.write_text(json.dumps(mutate(data)))
    return str(path)


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: {"0": d["0"]}, "needs members \"0\" and \"1\""),
    (lambda d: {"0": d["0"], "2": d["2"]}, "needs members \"0\" and \"1\""),  # libvmaf reads "0", "1", ... in order
    (lambda d: {**d, "1": {"model_dict": {**d["1"]["model_dict"], "model_type": "LIBSVMNUSVR"}}}, "member 1 has"),
    (lambda d: {**d, "5": {"model_dict": {**d["5"]["model_dict"], "model_type": "RESIDUEBOOTSTRAP_LIBSVMNUSVR"}}},
     "member 5 has model_type"),
    (lambda d: {**d, "3": {"model_dict": {**d["3"]["model_dict"], "model": "svm_type nu_svr\n"}}}, "member 3"),
    (lambda d: {**d, "4": {"param_dict": {}}}, "member 4"),
])
def test_broken_collections_are_model_errors(tmp_path, mutate, needle):
    with pytest.raises(ModelError, match=needle):
        models.load(_collection(tmp_path, mutate))
