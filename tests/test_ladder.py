"""Ladder mode: one reference against several encodes in one pass.

Every per-frame value must equal scoring each pair alone (0 difference), on
real encodes of one reference (several codecs and CRFs, 8 and 10 bit), with
the psnr/ssim extras and a tiny ONNX model, on every ISA; an encode that fails
fails its own entry with the error score() raises for it alone.
"""

from __future__ import annotations

import filecmp

import numpy as np
import pytest

import pyvmaf_tiny
from content import Recipe, make_clip, read_luma
from pyvmaf_tiny import _core, score, score_ladder

EXTRAS = ["psnr", "float_ssim", "float_ms_ssim"]
ORDER = ["scalar", "avx2", "avx512"]
AVAILABLE = ORDER[: ORDER.index(_core.detected_isa()) + 1]

LADDER_8 = [("libx264", 22), ("libx264", 40), ("libx265", 34), ("libvpx-vp9", 45), ("noise", 6)]
LADDER_10 = [("libx265", 26), ("libx265", 40), ("noise", 20)]


def _ladder(source: str, width: int, height: int, pix_fmt: str, rungs, frames: int = 5):
    clips = [make_clip(Recipe(source, width, height, pix_fmt=pix_fmt, codec=c, quality=q, frames=frames))
             for c, q in rungs]
    for c in clips[1:]:  # one reference: the recipes differ only in the encode
        assert filecmp.cmp(c.ref, clips[0].ref, shallow=False)
    return clips[0], [str(c.dist) for c in clips]


@pytest.fixture(scope="module")
def ladder8():
    return _ladder("bikes", 322, 176, "yuv420p", LADDER_8)


@pytest.fixture(scope="module")
def ladder10():
    return _ladder("bikes", 258, 180, "yuv420p10le", LADDER_10)


def assert_same(got, want, what=""):
    assert isinstance(got, pyvmaf_tiny.Result), f"{what}: {got!r}"
    assert list(got.features) == list(want.features), what
    for name in want.features:
        np.testing.assert_array_equal(got.features[name], want.features[name], err_msg=f"{what} {name}")
    np.testing.assert_array_equal(got.frames, want.frames, err_msg=f"{what} vmaf")
    assert list(got.scores) == list(want.scores), what
    for name in want.scores:
        np.testing.assert_array_equal(got.scores[name], want.scores[name], err_msg=f"{what} {name}")
    np.testing.assert_array_equal(got.frame_numbers, want.frame_numbers)
    assert got.pooled == want.pooled
    assert (got.model, got.width, got.height, got.bitdepth) == (want.model, want.width, want.height, want.bitdepth)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("which", ["ladder8", "ladder10"])
def test_every_value_equals_each_pair_alone(request, which, threads):
    clip, dists = request.getfixturevalue(which)
    got = score_ladder(str(clip.ref), dists, **clip.geometry, features=EXTRAS, threads=threads)
    assert len(got) == len(dists)
    for dist, r in zip(dists, got):
        assert_same(r, score(str(clip.ref), dist, **clip.geometry, features=EXTRAS, threads=threads), dist)


ALL_EXTRACTORS = [e[0] for e in _core.extractor_catalog()]
EVERY_EXTRACTOR_ENCODES = {"8": 3, "10": 2}


@pytest.fixture(scope="module")
def every_extractor_alone(ladder8, ladder10):
    # Each pair alone, every registered extractor, with the scalar kernels.
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYVMAF_TINY_ISA", "scalar")
        for which, (clip, dists) in (("8", ladder8), ("10", ladder10)):
            out[which] = [score(str(clip.ref), d, **clip.geometry, features=ALL_EXTRACTORS, threads=2)
                          for d in dists[:EVERY_EXTRACTOR_ENCODES[which]]]
    return out


@pytest.mark.parametrize("isa", AVAILABLE)
def test_every_registered_extractor_on_every_isa(ladder8, ladder10, every_extractor_alone, isa, monkeypatch):
    # Extractors that do not split their work run pair by pair inside the ladder (the temporal ones
    # reading each encode's own previous frame); every one, on every ISA, must give each pair's
    # values as the scalar kernels give them alone.
    monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
    for which, (clip, dists) in (("8", ladder8), ("10", ladder10)):
        got = score_ladder(str(clip.ref), dists[:EVERY_EXTRACTOR_ENCODES[which]], **clip.geometry,
                           features=ALL_EXTRACTORS, threads=2)
        for dist, r, want in zip(dists, got, every_extractor_alone[which]):
            assert len(want.features) > 30
            assert_same(r, want, f"{dist} {isa}")


@pytest.mark.parametrize("isa", AVAILABLE)
def test_every_isa_shares_the_reference_exactly(ladder8, ladder10, isa, monkeypatch):
    # The split kernels (reference part once, per-pair part per encode) against the single-pair ones,
    # and every ISA against scalar.
    monkeypatch.setenv("PYVMAF_TINY_ISA", isa)
    features = ["vif", "adm", "motion", "vif:vif_enhn_gain_limit=1.0", "adm:adm_enhn_gain_limit=1.0", "float_ssim",
                "float_ms_ssim", "psnr:enable_chroma=false"]
    for clip, dists in (ladder8, ladder10):
        ref = read_luma(clip)
        bpc = 8 if ref.dtype == np.uint8 else 10
        # the luma of each raw yuv420 frame: its first w*h samples
        n, h, w = ref.shape
        lumas = [np.fromfile(d, ref.dtype).reshape(n, -1)[:, : h * w].reshape(n, h, w) for d in dists]
        pipeline = _core.Pipeline(_specs(features), 2, len(lumas))
        for i in range(n):
            pipeline.push_frame(ref[i], [d[i] for d in lumas], bpc)
        pipeline.close()
        monkeypatch.setenv("PYVMAF_TINY_ISA", "scalar")
        for k, d in enumerate(lumas):
            alone = _core.Pipeline(_specs(features), 1)
            for i in range(n):
                alone.push(ref[i], d[i], bpc)
            alone.close()
            np.testing.assert_array_equal(pipeline.rows(0, n, k), alone.rows(0, n), err_msg=f"encode {k} {isa}")
        monkeypatch.setenv("PYVMAF_TINY_ISA", isa)


def _specs(features):
    from pyvmaf_tiny import featureset

    specs, _ = featureset.resolve(features)
    return featureset.merge(specs)


@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_tiny_onnx_model(ladder8, tmp_path, mode):
    from onnx_models import SIX, mlp, save

    model = save(tmp_path, "ladder_tiny", mlp(len(SIX)), SIX)
    clip, dists = ladder8
    got = score_ladder(str(clip.ref), dists, model=str(model), **clip.geometry, dnn_mode=mode, device="cpu")
    for dist, r in zip(dists, got):
        assert_same(r, score(str(clip.ref), dist, model=str(model), **clip.geometry, dnn_mode=mode, device="cpu"))


@pytest.mark.parametrize("model", [None, ["vmaf_v0.6.1", "vmaf_4k_v0.6.1"], "vmaf_b_v0.6.3"])
def test_no_model_several_models_and_collections(ladder8, model):
    # Without a model the pipeline has none to score with; with several, the first rides in the
    # pipeline and the others (a bootstrap collection's members too) predict from each encode's rows.
    clip, dists = ladder8
    kwargs = {"features": ["psnr"]} if model is None else {}
    got = score_ladder(str(clip.ref), dists[:2], model, **clip.geometry, **kwargs)
    for dist, r in zip(dists, got):
        assert_same(r, score(str(clip.ref), dist, model, **clip.geometry, **kwargs), dist)
    with pytest.raises(pyvmaf_tiny.InputError, match="no model"):
        _core.Pipeline(_specs(["psnr"]), 1, 2).set_model(None, "batch")


def test_score_takes_a_list_of_encodes(ladder8):
    clip, dists = ladder8
    got = score(str(clip.ref), dists[:2], **clip.geometry)
    assert isinstance(got, list) and len(got) == 2
    for dist, r in zip(dists, got):
        assert_same(r, score(str(clip.ref), dist, **clip.geometry))
    # A list of 2-D frames is still one clip.
    ref, dist = read_luma(clip), read_luma(clip, "dist")
    one = score(ref, list(dist))
    assert isinstance(one, pyvmaf_tiny.Result)
    assert_same(score(ref, [dist, dist[::-1].copy()])[0], one)
    with pytest.raises(pyvmaf_tiny.InputError, match="no such file") as info:
        score(str(clip.ref), [dists[0], "missing.yuv"], **clip.geometry)
    assert "encode 1 of 2" in "".join(getattr(info.value, "__notes__", []))


def _write_y4m(path, planes_per_frame, tag="C420jpeg"):
    h, w = planes_per_frame[0][0].shape
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F25:1 {tag}\n".encode())
        for planes in planes_per_frame:
            f.write(b"FRAME\n" + b"".join(np.ascontiguousarray(p).tobytes() for p in planes))


def _frames_of(path, w, h):
    # 8-bit 4:2:0 frames of even size as [luma, cb, cr]
    c = w * h // 4
    return [[f[: w * h].reshape(h, w), f[w * h : w * h + c].reshape(h // 2, w // 2),
             f[w * h + c :].reshape(h // 2, w // 2)] for f in np.fromfile(path, np.uint8).reshape(-1, w * h + 2 * c)]


def test_encodes_of_other_containers_and_sizes(ladder8, tmp_path):
    # A Y4M, an MP4 at half the size (scaled back with its own scale_dist) and the raw encodes, with
    # the reference as Y4M: each scored as it would be alone.
    pytest.importorskip("av")
    from pyvmaf_tiny.io.encode import encode, quick_options

    clip, dists = ladder8
    ref_y4m = tmp_path / "ref.y4m"
    _write_y4m(ref_y4m, _frames_of(clip.ref, clip.width, clip.height))
    y4m = tmp_path / "enc.y4m"
    _write_y4m(y4m, _frames_of(dists[1], clip.width, clip.height))
    small = [[f[0][::2, ::2][:, :160].copy()] + [c[::2, ::2][:, :80].copy() for c in f[1:]]
             for f in _frames_of(clip.ref, clip.width, clip.height)]  # 160x88, an even size for x264
    mp4 = tmp_path / "half.mp4"
    mp4.write_bytes(encode(small, "libx264", "yuv420p", quick_options("libx264", 30), container="mp4"))
    raw = dists[2]
    encodes = [str(y4m), str(mp4), raw]
    # raw input needs the geometry, which the other files ignore
    got = score_ladder(str(ref_y4m), encodes, **clip.geometry, scale_dist=[None, "bicubic", None],
                       features=["psnr"])
    for dist, scale, r in zip(encodes, [None, "bicubic", None], got):
        assert_same(r, score(str(ref_y4m), dist, **clip.geometry, scale_dist=scale, features=["psnr"]), dist)


def test_a_failing_encode_fails_its_entry_only(ladder8, tmp_path):
    clip, dists = ladder8
    geo = clip.geometry
    truncated = tmp_path / "truncated.yuv"
    truncated.write_bytes(open(dists[0], "rb").read()[: -1000])
    wrong_size = tmp_path / "wide.y4m"
    _write_y4m(wrong_size, [[np.zeros((clip.height, clip.width + 2), np.uint8),
                             np.zeros((clip.height // 2, clip.width // 2 + 1), np.uint8),
                             np.zeros((clip.height // 2, clip.width // 2 + 1), np.uint8)]] * 5)
    deep = tmp_path / "deep.y4m"
    frames10 = [[p.astype("<u2") << 2 for p in f] for f in _frames_of(dists[1], clip.width, clip.height)]
    _write_y4m(deep, frames10, "C420p10 XYSCSS=420P10")
    short = tmp_path / "short.yuv"  # whole frames, one fewer
    data = open(dists[1], "rb").read()
    short.write_bytes(data[: len(data) // 5 * 4])
    encodes = [dists[0], str(tmp_path / "missing.yuv"), str(truncated), str(wrong_size), dists[3], str(deep),
               str(short)]
    got = score_ladder(str(clip.ref), encodes, **geo)
    for dist, r in zip(encodes, got):
        try:
            alone = score(str(clip.ref), dist, **geo)
        except pyvmaf_tiny.PyvmafTinyError as e:
            assert type(r) is type(e) and str(r) == str(e), dist
        else:
            assert_same(r, alone, dist)
    assert [isinstance(r, Exception) for r in got] == [False, True, True, True, False, True, True]


def test_an_encode_failing_midway_leaves_the_others(ladder10):
    # Encode 1 has a sample above 10 bits in frame 3 (refused by the core as it copies that frame),
    # encode 2 ends after 3 frames (found by Python): both fail at that frame, the others are exact.
    clip, _ = ladder10
    ref, dist = read_luma(clip), read_luma(clip, "dist")
    bad = dist.copy()
    bad[3, 5, 7] = 1500
    encodes = [dist, bad, iter(list(dist[:3])), dist[::-1].copy()]
    got = score_ladder(ref, encodes, bitdepth=10, threads=2)
    assert_same(got[0], score(ref, dist, bitdepth=10, threads=2))
    assert_same(got[3], score(ref, dist[::-1].copy(), bitdepth=10, threads=2))
    for k, dist_k in ((1, bad), (2, iter(list(dist[:3])))):
        with pytest.raises(pyvmaf_tiny.InputError) as info:
            score(ref, dist_k, bitdepth=10, threads=2)
        assert type(got[k]) is pyvmaf_tiny.InputError and str(got[k]) == str(info.value)
    assert "frame 3" in str(got[1]) and "ended after 3 frames" in str(got[2])


def test_reference_and_argument_errors_fail_every_entry(ladder8):
    clip, dists = ladder8
    for kwargs in ({"model": "vmaf_v9"}, {"threads": -1}):
        got = score_ladder(str(clip.ref), dists[:2], **clip.geometry, **kwargs)
        assert all(isinstance(r, pyvmaf_tiny.InputError) for r in got)
    got = score_ladder("missing_ref.yuv", dists[:2], **clip.geometry)
    assert all(isinstance(r, pyvmaf_tiny.InputError) and "missing_ref.yuv" in str(r) for r in got)
    with pytest.raises(pyvmaf_tiny.InputError, match="2 values for 3 encodes"):
        score_ladder(str(clip.ref), dists[:3], **clip.geometry, skip_dist=[0, 1])
    with pytest.raises(pyvmaf_tiny.InputError, match="no encodes"):
        score_ladder(str(clip.ref), [], **clip.geometry)


def test_per_encode_alignment(ladder8):
    clip, dists = ladder8
    got = score_ladder(str(clip.ref), dists[:3], **clip.geometry, frames=3, skip_ref=1, skip_dist=[1, 2, 0],
                       subsample=2)
    for dist, skip, r in zip(dists, [1, 2, 0], got):
        assert_same(r, score(str(clip.ref), dist, **clip.geometry, frames=3, skip_ref=1, skip_dist=skip,
                             subsample=2))


@pytest.mark.parametrize("size", [(128, 96), (1920, 1080)])
def test_working_memory_grows_by_less_than_a_pair_per_encode(size):
    # The pipeline's window holds threads + 2 frames of the reference and of each encode, whatever
    # the clip length; each added encode adds its frames and the extractors' per-encode buffers,
    # which together stay below what scoring one pair needs.
    w, h = size
    frame = np.zeros((h, w), np.uint8)
    estimates = []
    for n in (1, 2, 3, 4, 8):
        p = _core.Pipeline(_specs(["vif", "adm", "motion", "float_ssim"]), 2, n)
        p.push_frame(frame, [frame] * n, 8)
        p.close()
        estimates.append(p.working_bytes)
    pair = estimates[0]
    added = np.diff(estimates) / np.diff([1, 2, 3, 4, 8])
    assert (added > 0).all() and (added <= pair).all(), (pair, added)


# -- the command line ------------------------------------------------------------------------------------------


def _cli(*args, cwd=None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def _without_fps(text: str) -> str:
    import re

    return re.sub(r'\n  "fps": [^\n]*\n', "\n", re.sub(r'<fyi fps="[^"]*" />', "", text))


@pytest.fixture(scope="module")
def named_ladder(ladder8, tmp_path_factory):
    # The encodes under names of their own (the cached clips are all dist.yuv), and a truncated one.
    import shutil

    clip, dists = ladder8
    d = tmp_path_factory.mktemp("named")
    names = ["x264_22.yuv", "x264_40.yuv", "x265_34.yuv"]
    for name, dist in zip(names, dists):
        shutil.copy(dist, d / name)
    (d / "cut.yuv").write_bytes(open(dists[3], "rb").read()[:100000])
    geo = ["--width", clip.width, "--height", clip.height, "--pix-fmt", clip.pix_fmt, "-q"]
    return clip, d, names, geo


def test_cli_prints_and_logs_each_encode_as_alone(named_ladder, tmp_path):
    clip, d, names, geo = named_ladder
    encodes = [d / n for n in names]
    # Options between the encodes, a directory for the logs (made when missing).
    got = _cli(clip.ref, encodes[0], "--feature", "psnr", *geo, encodes[1], encodes[2], "-o", f"{tmp_path}/logs/")
    assert got.returncode == 0 and got.stderr == "", got.stderr
    alone = [_cli(clip.ref, e, "--feature", "psnr", *geo, "-o", tmp_path / f"{e.stem}.json") for e in encodes]
    assert all(a.returncode == 0 for a in alone)
    assert got.stdout == "".join(a.stdout for a in alone)
    assert sum(line.startswith("VMAF score of ") for line in got.stdout.splitlines()) == 3
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == sorted(e.stem + ".json" for e in encodes)
    for e in encodes:
        assert _without_fps((tmp_path / "logs" / f"{e.stem}.json").read_text()) == \
            _without_fps((tmp_path / f"{e.stem}.json").read_text())
    # --dist repeated, the same lines.
    again = _cli("--ref", clip.ref, *[x for e in encodes for x in ("--dist", e)], "--feature", "psnr", *geo)
    assert again.returncode == 0 and again.stdout == got.stdout, again.stderr


def test_cli_log_templates(ladder8, named_ladder, tmp_path):
    clip, d, names, geo = named_ladder
    _, dists = ladder8  # all named dist.yuv, in folders of their own
    got = _cli(clip.ref, dists[0], dists[1], *geo, "--output", tmp_path / "{index}_{name}.xml")
    assert got.returncode == 0, got.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0_dist.xml", "1_dist.xml"]
    alone = _cli(clip.ref, dists[1], *geo, "--output", tmp_path / "alone.xml")
    assert _without_fps((tmp_path / "1_dist.xml").read_text()) == _without_fps((tmp_path / "alone.xml").read_text())
    clash = _cli(clip.ref, dists[0], dists[1], *geo, "--output", tmp_path / "t" / "{name}.json")
    assert clash.returncode == 2 and "would both write" in clash.stderr and "{index}" in clash.stderr
    assert not (tmp_path / "t").exists()


def test_cli_refuses_one_file_for_several_encodes(named_ladder, tmp_path):
    clip, d, names, geo = named_ladder
    for output in (tmp_path / "log.json", "-"):
        got = _cli(clip.ref, d / names[0], d / names[1], *geo, "--output", output)
        assert got.returncode == 2 and got.stdout == "", got.stdout
        assert "2 encodes" in got.stderr and "{name}" in got.stderr, got.stderr
    assert list(tmp_path.iterdir()) == []
    got = _cli(clip.ref, d / names[0], d / names[1], *geo, "--sync", "auto")
    assert got.returncode == 2 and "--sync pairs one distorted clip" in got.stderr


def test_cli_a_failing_encode_fails_alone(named_ladder, tmp_path):
    clip, d, names, geo = named_ladder
    encodes = [d / names[0], d / "cut.yuv", d / names[2]]
    got = _cli(clip.ref, *encodes, *geo, "-o", tmp_path)
    assert got.returncode == 2
    alone = _cli(clip.ref, encodes[1], *geo)
    assert alone.returncode == 2 and "truncated" in alone.stderr
    assert got.stderr == alone.stderr.replace("pyvmaf-tiny: error: ", "pyvmaf-tiny: error: encode 2 of 3: ")
    assert got.stdout == _cli(clip.ref, encodes[0], *geo).stdout + _cli(clip.ref, encodes[2], *geo).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x264_22.json", "x265_34.json"]
    # The reference's error is the run's, said once.
    got = _cli(tmp_path / "missing.yuv", *encodes, *geo)
    assert got.returncode == 2 and got.stderr.count("error") == 1 and "missing.yuv" in got.stderr


def test_batch_tasks_read_the_reference_once(ladder8, tmp_path, monkeypatch):
    # A batch task is one native ladder: the reference opened once, each entry as the pair alone.
    from pyvmaf_tiny import api, ladder
    from pyvmaf_tiny.batch import score_ladder as batch_ladder

    clip, dists = ladder8
    encodes = [dists[0], str(tmp_path / "missing.yuv"), dists[2]]
    want = score_ladder(str(clip.ref), encodes, **clip.geometry, frames=4, skip_dist=[0, 0, 1])
    opened = []

    def counting(real):
        def open_source(clip, *args, role=None, **kwargs):
            opened.append(role)
            return real(clip, *args, role=role, **kwargs)
        return open_source

    monkeypatch.setattr(ladder, "open_source", counting(ladder.open_source))
    monkeypatch.setattr(api, "open_source", counting(api.open_source))
    got = batch_ladder(str(clip.ref), encodes, **clip.geometry, frames=4, skip_dist=[0, 0, 1])
    assert opened.count("reference") == 1, opened
    assert isinstance(got[1], pyvmaf_tiny.InputError) and str(got[1]) == str(want[1])
    for r, w in ((got[0], want[0]), (got[2], want[2])):
        assert_same(r, w)
