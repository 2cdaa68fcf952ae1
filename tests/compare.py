"""Frame-by-frame comparison of our results with the oracle's JSON log."""

from __future__ import annotations

import numpy as np

TOL = 1e-6

# Our feature name -> the oracle's, where libvmaf prints a different name.
ORACLE_NAME = {"integer_motion": "VMAF_integer_feature_motion_sad_score"}


def assert_matches_oracle(result, oracle: dict, tol: float = TOL) -> int:
    """Every frame of every feature we computed, the model score, and the pooled
    scores must be within `tol`. Returns the number of values compared."""
    frames = oracle["frames"]
    assert len(frames) == len(result.frames), f"{len(result.frames)} frames, oracle has {len(frames)}"
    compared = 0
    ours = result.metrics()
    for name, values in ours.items():
        oname = ORACLE_NAME.get(name, name)
        assert oname in frames[0]["metrics"], f"oracle has no {oname}; it has {sorted(frames[0]['metrics'])}"
        theirs = np.array([f["metrics"][oname] for f in frames])
        diff = np.abs(np.asarray(values) - theirs)
        worst = int(np.argmax(diff))
        assert diff[worst] <= tol, (
            f"{name} frame {worst}: ours {values[worst]:.9f} oracle {theirs[worst]:.9f} (diff {diff[worst]:.3g})"
        )
        compared += len(values)
    pooled = oracle["pooled_metrics"]
    for name in ours:
        oname = ORACLE_NAME.get(name, name)
        for pool in ("min", "max", "mean", "harmonic_mean"):
            if oname == "vmaf" or pool in ("mean", "harmonic_mean"):
                assert abs(result.pooled[name][pool] - pooled[oname][pool]) <= tol, (
                    f"pooled {pool} of {name}: ours {result.pooled[name][pool]:.9f} oracle {pooled[oname][pool]:.9f}"
                )
    return compared


def assert_same_metrics_as_oracle(result, oracle: dict) -> None:
    """Our log's metrics are the oracle's: the same names in the same order,
    per frame and pooled."""
    theirs = list(oracle["frames"][0]["metrics"])
    assert list(result.metrics()) == theirs, f"ours {list(result.metrics())}\noracle {theirs}"
    assert list(oracle["pooled_metrics"]) == theirs
