"""A user's script: `mypy --strict` must pass on it, with every value precisely typed (tests/test_typing.py)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from typing_extensions import assert_type

import pyvmaf_tiny
from pyvmaf_tiny import Features, FrameScore, InputError, Result, Scorer, extract_features, score


def vmaf_of(ref: str, dist: str) -> float:
    r = score(ref, dist, model="vmaf_v0.6.1", threads=2, features=["psnr"], align="pts", sync="auto",
              progress=lambda done, total: None)
    assert_type(r, Result)
    assert_type(r.score, float)
    assert_type(r.frames, npt.NDArray[np.float64])
    assert_type(r.features, dict[str, npt.NDArray[np.float64]])
    assert_type(r.pooled, dict[str, dict[str, float]])
    assert_type(r.sync_delay, int | None)
    assert_type(r.ref, str | None)
    worst: float = float(r.frames.min())
    psnr: npt.NDArray[np.float64] = r.features["psnr_y"]
    print(worst, psnr.mean(), r.pooled["vmaf"]["harmonic_mean"])
    r.write("log.json")
    return r.score


def arrays(ref: npt.NDArray[np.uint8], dist: npt.NDArray[np.uint8]) -> dict[str, npt.NDArray[np.float64]]:
    feats = extract_features(ref, dist, ["integer_vif_scale0", "integer_motion2", "psnr:enable_apsnr=true"],
                             threads=1)
    assert_type(feats, Features)
    assert_type(feats.aggregates, dict[str, float])
    assert_type(feats["integer_motion2"], npt.NDArray[np.float64])
    print(feats.aggregates.get("apsnr_y"))
    return feats


def streaming(pairs: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]) -> Result | None:
    s = Scorer("vmaf_v0.6.1", threads=1)
    for ref_y, dist_y in pairs:
        for f in s.push(ref_y, dist_y):
            assert_type(f, FrameScore)
            assert_type(f.score, float)
            print(f.index, f.score, f.features["integer_adm2"])
    last: list[FrameScore] = s.close()
    print(len(last))
    with Scorer(threads=1) as again:
        for ref_y, dist_y in pairs:
            again.push(ref_y, dist_y)
    assert_type(again, Scorer)
    return s.result


def table(r: Result) -> None:
    df = r.to_pandas()
    print(df["vmaf"].mean(), df.index.name)


def registry() -> list[str]:
    names = [info.name for info in pyvmaf_tiny.models.list()]
    m = pyvmaf_tiny.models.load("vmaf_v0.6.1")
    print(m.name, m.backend)
    return names


def catalogue(manifest: str) -> int:
    from pyvmaf_tiny import batch

    report = batch.run(manifest, "results/", workers=2)
    assert_type(report.ok, int)
    assert_type(report.elapsed, float)
    return report.failed


def main() -> None:
    try:
        vmaf_of("ref.y4m", "dist.mp4")
    except InputError as e:
        print(f"bad input: {e}")
    print(pyvmaf_tiny.__version__)


if __name__ == "__main__":
    main()
