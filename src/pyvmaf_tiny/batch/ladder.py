"""One reference against several encodes: the unit of work of a batch task.

A task is one native ladder (pyvmaf_tiny.score_ladder): the reference is read
once per frame and what depends on it alone is computed once for all of the
task's encodes; each encode's values are those it has scored alone.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from ..ladder import score_ladder as _native_ladder
from ..result import Result

PerEncode = Union[Any, Sequence[Any]]


def score_ladder(ref: Any, dists: Sequence[Any], *, scale_dist: PerEncode = None, skip_dist: PerEncode = 0,
                 **options) -> list[Union[Result, Exception]]:
    """Score every encode in `dists` against `ref` in one pass; one entry per encode, in order.

    An entry is the encode's Result, or the exception that encode raised: one
    failing encode fails only its own entry. `scale_dist` and `skip_dist`
    are one value for all encodes or a sequence with one value per encode;
    every other keyword is score_ladder()'s and applies to all of them.

    Should the ladder itself fail with an error that is not an input's
    (never expected), the encodes are scored one by one, so that the error
    stays with the encode that raised it and the others are still scored.
    """
    dists = list(dists)
    try:
        return _native_ladder(ref, dists, scale_dist=scale_dist, skip_dist=skip_dist, **options)
    except Exception:  # noqa: BLE001 - found again below, pair by pair
        pass
    from ..api import score

    n = len(dists)
    scales, skips = _each(scale_dist, n, "scale_dist"), _each(skip_dist, n, "skip_dist")
    out: list[Union[Result, Exception]] = []
    for dist, scale, skip in zip(dists, scales, skips):
        try:
            out.append(score(ref, dist, scale_dist=scale, skip_dist=skip, **options))
        except Exception as e:  # noqa: BLE001 - the entry carries it
            out.append(e)
    return out


def _each(value: PerEncode, n: int, name: str) -> list[Optional[Any]]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name}: {len(value)} values for {n} encodes")
        return list(value)
    return [value] * n
