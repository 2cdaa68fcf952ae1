"""One reference against several encodes: the unit of work of a batch task."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from ..result import Result

PerEncode = Union[Any, Sequence[Any]]


def score_ladder(ref: Any, dists: Sequence[Any], *, scale_dist: PerEncode = None, skip_dist: PerEncode = 0,
                 **options) -> list[Union[Result, Exception]]:
    """Score every encode in `dists` against `ref`; one entry per encode, in order.

    An entry is the encode's Result, or the exception that encode raised: one
    failing encode fails only its own entry. `scale_dist` and `skip_dist`
    are one value for all encodes or a sequence with one value per encode;
    every other keyword is score()'s and applies to all of them.

    Today this scores the encodes one after another with score(); the native
    ladder (the reference read and its features computed once for all
    encodes) will take its place behind this same signature.
    """
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
