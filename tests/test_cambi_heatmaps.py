"""cambi's heatmaps_path against libvmaf 3.2 (the oracle): the five files, byte for byte.

libvmaf writes, per scale, every distorted frame's per-pixel banding values as 16-bit samples into
cambi_heatmap_scale_<s>_<w>x<h>_16b.gray under the folder (made with its parents). The same bytes at
8 and 10 bit, with and without cambi_high_res_speedup (1080p), in full-reference mode, on one and two
threads; then what is refused (a path that is a file, a FIFO where a file goes, ladder mode), and
before any frame is read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import oracle
import pyvmaf_tiny
from content import Recipe, make_clip, read_luma
from pyvmaf_tiny import _core
from test_conformance_cambi import ENCODED, OPTIONS_A, banding_clip
from test_native_tool import sanitized_tool  # noqa: F401  (the ASan/UBSan tool)

HD_8BIT = ENCODED[1][0]  # bigbuckbunny 1920x1080 x264, 3 frames
HD_10BIT = ENCODED[2][0]  # bigbuckbunny 1920x1080 10-bit x265, 2 frames

CASES = [
    # (clip, cambi with its options, threads)
    (lambda: banding_clip(433, 251, "yuv420p"), "cambi", 1),
    (lambda: banding_clip(433, 251, "yuv420p"), "cambi", 2),
    (lambda: banding_clip(433, 251, "yuv420p"), "cambi:full_ref=true", 2),
    (lambda: banding_clip(640, 360, "yuv420p10le"), "cambi", 1),
    (lambda: banding_clip(640, 360, "yuv420p10le"), OPTIONS_A + ",full_ref=true", 2),
    (lambda: make_clip(HD_8BIT), "cambi:cambi_high_res_speedup=1080", 2),
    (lambda: make_clip(HD_8BIT), "cambi", 2),
    (lambda: make_clip(HD_10BIT), "cambi:cambi_high_res_speedup=1080,full_ref=true", 2),
    # the encode scored smaller than the input (named and sized for the encode)
    (lambda: make_clip(ENCODED[0][0]), "cambi:enc_width=320,enc_height=180", 2),
    # a one-pixel window with contrast weights below 4: libvmaf's range top is 0 and every value 0
    (lambda: make_clip(Recipe("bikes", 216, 120, codec="libx264", quality=36, frames=1)),
     "cambi:window_size=15,max_log_contrast=1", 1),
]
IDS = ["8bit-1thread", "8bit-2threads", "8bit-full_ref", "10bit", "10bit-options-full_ref", "1080p-hrs",
       "1080p", "1080p-10bit-hrs-full_ref", "enc_width", "range-top-0"]


def with_heatmaps(feature: str, folder: Path) -> str:
    return f"{feature}{',' if ':' in feature else ':'}heatmaps_path={folder}"


def oracle_heatmaps(clip, feature: str) -> Path:
    """libvmaf's heatmap folder for `feature` on `clip`, cached beside the clip as its logs are.

    On one thread: with more, libvmaf makes an extractor instance per thread as it needs one, and each
    instance's init reopens (empties) the files, so frames written before a later instance starts are
    lost at random. Ours open the files once a run, whatever the thread count, and write what libvmaf
    writes on one thread."""
    key = hashlib.sha256(json.dumps([str(clip.ref), str(clip.dist), feature, 1]).encode()).hexdigest()[:16]
    folder = Path(clip.ref).parent / f"oracle-heatmaps-{key}"
    if not folder.is_dir():
        tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")  # concurrent test runs share the cache
        shutil.rmtree(tmp, ignore_errors=True)
        oracle.run(clip.ref, clip.dist, clip.width, clip.height, clip.pix_fmt, model="",
                   features=[with_heatmaps(feature, tmp)], cache=False, threads=1)
        try:
            tmp.rename(folder)
        except OSError:  # another run got there first
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_same_files(ours: Path, theirs: Path) -> None:
    got, want = files_of(ours), files_of(theirs)
    assert list(got) == list(want) and len(want) == 5, (list(got), list(want))
    for name in want:
        assert len(got[name]) == len(want[name]), name
        if got[name] != want[name]:
            a, b = np.frombuffer(got[name], np.uint16), np.frombuffer(want[name], np.uint16)
            bad = np.flatnonzero(a != b)
            raise AssertionError(f"{name}: {len(bad)} samples differ, first at {bad[0]}: ours {a[bad[0]]}, "
                                 f"libvmaf {b[bad[0]]}")


@pytest.mark.parametrize(("make", "feature", "threads"), CASES, ids=IDS)
def test_heatmaps_are_libvmafs_byte_for_byte(make, feature, threads, tmp_path):
    clip = make()
    theirs = oracle_heatmaps(clip, feature)
    ours = tmp_path / "made" / "by" / "us"  # parents are made, as libvmaf makes them
    got = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [with_heatmaps(feature, ours)],
                                       **clip.geometry, threads=threads)
    assert_same_files(ours, theirs)
    # the scores are those of a run without heatmaps
    plain = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [feature], **clip.geometry, threads=threads)
    assert list(got) == list(plain)
    for name in plain:
        np.testing.assert_array_equal(got[name], plain[name])


def test_the_banding_content_has_values_to_compare():
    # The byte comparisons above would pass on all-zero maps: the content must band.
    clip = banding_clip(433, 251, "yuv420p")
    folder = oracle_heatmaps(clip, "cambi")
    scale0 = np.frombuffer((folder / "cambi_heatmap_scale_0_433x251_16b.gray").read_bytes(), np.uint16)
    assert (scale0 > 0).mean() > 0.05 and scale0.max() > 10000
    hd = oracle_heatmaps(make_clip(HD_8BIT), "cambi:cambi_high_res_speedup=1080")
    # with the speed-up the names keep the encode's size while the data is halved once more
    assert (hd / "cambi_heatmap_scale_0_1920x1080_16b.gray").stat().st_size == 3 * 960 * 540 * 2


def test_each_run_starts_its_files_afresh_and_streaming_writes_the_same(tmp_path):
    clip = banding_clip(433, 251, "yuv420p")
    folder = tmp_path / "hm"
    feature = with_heatmaps("cambi", folder)
    pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [feature], **clip.geometry, threads=2)
    whole = files_of(folder)
    # a second run of one frame into the same folder: emptied first, so one frame long
    pyvmaf_tiny.score(str(clip.ref), str(clip.dist), "none", features=[feature], **clip.geometry, frames=1)
    for name, data in files_of(folder).items():
        assert len(data) * 2 == len(whole[name]) and data == whole[name][: len(data)], name
    # the streaming Scorer, frame by frame
    scorer = pyvmaf_tiny.Scorer("none", features=[feature], threads=2)
    for r, d in zip(read_luma(clip, "ref"), read_luma(clip, "dist")):
        scorer.push(r, d)
    scorer.close()
    assert files_of(folder) == whole


def test_subsampled_frames_leave_their_place_empty(tmp_path):
    # As libvmaf: each frame is written at its own number's place; frames not scored are not written.
    clip = make_clip(ENCODED[0][0])  # 3 frames
    full, sub = tmp_path / "full", tmp_path / "sub"
    pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [with_heatmaps("cambi", full)], **clip.geometry)
    pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [with_heatmaps("cambi", sub)], **clip.geometry,
                                 subsample=2)
    for name, data in files_of(full).items():
        frame = len(data) // 3
        got = (sub / name).read_bytes()
        assert len(got) == len(data)
        assert got[:frame] == data[:frame] and got[2 * frame:] == data[2 * frame:]
        assert got[frame:2 * frame] == bytes(frame)


# ---- refusals


def _pipeline_push(folder: str, encodes: int = 1) -> None:
    """The core alone (no Python check first): a cambi pipeline writing heatmaps to `folder`, one frame."""
    frame = np.full((240, 320), 100, np.uint8)
    pipeline = _core.Pipeline([("cambi", {"heatmaps_path": folder}, ())], 1, encodes)
    if encodes == 1:
        pipeline.push(frame, frame, 8)
    else:
        pipeline.push_frame(frame, [frame] * encodes, 8)
    pipeline.close()


def test_a_path_that_is_a_file_is_refused_before_any_frame_is_read(tmp_path):
    clip = banding_clip(433, 251, "yuv420p")
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    for folder, needle in ((plain, "is a regular file, not a folder"),
                           (plain / "below", f"{plain} is a regular file, not a folder")):
        feature = with_heatmaps("cambi", folder)
        # the missing reference is not reached: the folder is refused first
        for call in (lambda: pyvmaf_tiny.extract_features(str(tmp_path / "absent.yuv"), str(clip.dist), [feature],
                                                          **clip.geometry),
                     lambda: pyvmaf_tiny.score(str(tmp_path / "absent.yuv"), str(clip.dist), "none",
                                               features=[feature], **clip.geometry)):
            with pytest.raises(pyvmaf_tiny.InputError, match="heatmaps_path") as e:
                call()
            assert str(folder) in str(e.value) and needle in str(e.value), str(e.value)
        with pytest.raises(pyvmaf_tiny.InputError) as e:
            _pipeline_push(str(folder))
        assert str(folder) in str(e.value) and needle in str(e.value), str(e.value)
    assert plain.read_bytes() == b"x"
    with pytest.raises(pyvmaf_tiny.InputError, match="heatmaps_path is empty"):
        _pipeline_push("")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_where_a_heatmap_goes_is_refused_at_once(tmp_path):
    clip = banding_clip(433, 251, "yuv420p")
    folder = tmp_path / "hm"
    folder.mkdir()
    fifo = folder / "cambi_heatmap_scale_2_80x60_16b.gray"  # any heatmap name: the clip's size is not known yet
    os.mkfifo(fifo)
    with pytest.raises(pyvmaf_tiny.InputError, match="is a FIFO, not a regular file") as e:
        pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [with_heatmaps("cambi", folder)],
                                     **clip.geometry)
    assert str(folder) in str(e.value) and fifo.name in str(e.value)
    # The core alone refuses it too, without waiting for a reader (in a child, so that a hang fails the test).
    os.mkfifo(folder / "cambi_heatmap_scale_0_320x240_16b.gray")
    script = ("import sys; sys.path.insert(0, sys.argv[2]); from test_cambi_heatmaps import _pipeline_push; "
              "_pipeline_push(sys.argv[1])")
    proc = subprocess.run([sys.executable, "-c", script, str(folder), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "cambi_heatmap_scale_0_320x240_16b.gray: is a FIFO, not a regular file" in proc.stderr, proc.stderr[-2000:]


def test_ladder_mode_is_refused(tmp_path):
    clip = banding_clip(433, 251, "yuv420p")
    folder = tmp_path / "hm"
    with pytest.raises(pyvmaf_tiny.InputError, match="ladder mode"):
        pyvmaf_tiny.score(str(clip.ref), [str(clip.dist), str(clip.ref)], "none",
                          features=[with_heatmaps("cambi", folder)], **clip.geometry)
    results = pyvmaf_tiny.score_ladder(str(clip.ref), [str(clip.dist), str(clip.ref)], "none",
                                       features=[with_heatmaps("cambi", folder)], **clip.geometry)
    assert all(isinstance(r, pyvmaf_tiny.InputError) and "ladder mode" in str(r) for r in results)
    with pytest.raises(pyvmaf_tiny.InputError, match="ladder mode"):
        _pipeline_push(str(folder), encodes=2)
    assert not folder.exists()
    # one encode given as a list is no ladder
    pyvmaf_tiny.score(str(clip.ref), [str(clip.dist)], "none", features=[with_heatmaps("cambi", folder)],
                      **clip.geometry)
    assert len(list(folder.iterdir())) == 5


def test_sanitized_heatmaps_are_clean_and_the_same(sanitized_tool, tmp_path):
    # The dense values and the writes under AddressSanitizer and UBSan, every kernel set, two threads,
    # full reference, the high-res speed-up's halved data and a picture scored smaller than it comes.
    from test_conformance_cambi import AVAILABLE_ISAS
    from test_native_tool import _assert_clean_and_equal

    cases = [(banding_clip(433, 251, "yuv420p"), "cambi:full_ref=true"),
             (make_clip(HD_10BIT), "cambi:cambi_high_res_speedup=1080"),
             (make_clip(ENCODED[0][0]), "cambi:enc_width=320,enc_height=180,window_size=15,max_log_contrast=1")]
    for k, (clip, feature) in enumerate(cases):
        want = tmp_path / f"want{k}"
        expected = pyvmaf_tiny.extract_features(str(clip.ref), str(clip.dist), [with_heatmaps(feature, want)],
                                                **clip.geometry)
        for isa in AVAILABLE_ISAS:
            got = tmp_path / f"got{k}-{isa}"
            _assert_clean_and_equal(sanitized_tool, clip, [with_heatmaps(feature, got)], expected, f" with {isa}",
                                    PYVMAF_TINY_ISA=isa)
            assert files_of(got) == files_of(want), (feature, isa)


def test_a_model_file_may_not_write_files(tmp_path):
    # Model files are data: cambi options in a libvmaf model's feature_opts_dicts may not name a heatmap folder,
    # whichever entry point loads it.
    clip = banding_clip(433, 251, "yuv420p")
    folder = tmp_path / "hm"
    model = json.loads((Path(pyvmaf_tiny.models.__file__).parent / "data" / "vmaf_v1.0.16_3d0h.json").read_text())
    model["model_dict"]["feature_opts_dicts"][0]["heatmaps_path"] = str(folder)
    path = tmp_path / "writes.json"
    path.write_text(json.dumps(model))
    for call in (lambda: pyvmaf_tiny.models.load(str(path)),
                 lambda: pyvmaf_tiny.score(str(clip.ref), str(clip.dist), str(path), **clip.geometry)):
        with pytest.raises(pyvmaf_tiny.ModelError, match="heatmaps_path writes files, which a model file may not"):
            call()
    proc = subprocess.run([sys.executable, "-m", "pyvmaf_tiny", "score", str(clip.ref), str(clip.dist), "--model",
                           f"path={path}", *_cli_geometry(clip)], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "a model file may not ask for" in proc.stderr, proc.stderr[-2000:]
    assert not folder.exists()


def _cli_geometry(clip) -> list:
    g = clip.geometry
    return ["--width", str(g["width"]), "--height", str(g["height"]), "--pix-fmt", g["pix_fmt"]]
