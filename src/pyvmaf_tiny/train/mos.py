"""Mean opinion scores: reading a `clip,mos` table, and the monotone mappings
between a MOS scale and the VMAF scale (the 4-parameter logistic of VQEG's
practice, or a cubic polynomial constrained to be monotone)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import InputError


def read_mos_csv(path: str) -> dict[str, float]:
    """{clip: mos} from a CSV with (at least) the columns clip and mos; every value finite, no clip twice."""
    try:
        f = open(path, newline="")
    except OSError as e:
        raise InputError(f"MOS table {path}: {e.strerror}") from None
    with f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "clip" not in reader.fieldnames or "mos" not in reader.fieldnames:
            raise InputError(f"MOS table {path}: needs the columns clip,mos (has {reader.fieldnames})")
        out: dict[str, float] = {}
        for line, row in enumerate(reader, start=2):
            clip, text = (row.get("clip") or "").strip(), (row.get("mos") or "").strip()
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"MOS table {path}, line {line}: mos {text!r} is not a number") from None
            if not clip or not math.isfinite(value):
                raise InputError(f"MOS table {path}, line {line}: needs a clip name and a finite mos")
            if clip in out:
                raise InputError(f"MOS table {path}, line {line}: clip {clip!r} is listed twice")
            out[clip] = value
    if not out:
        raise InputError(f"MOS table {path}: no rows")
    return out


def _logistic(x, b1, b2, b3, b4):
    return b2 + (b1 - b2) / (1.0 + np.exp(-(x - b3) / np.abs(b4)))


@dataclass
class Mapping:
    """A monotone increasing map from one scale to another: `kind` logistic (b1..b4) or cubic (coefficients
    over x normalised to [0, 1] across `domain`)."""

    kind: str
    params: list
    domain: tuple  # (lo, hi) of the x it was fitted on

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.kind == "logistic":
            return _logistic(x, *self.params)
        lo, hi = self.domain
        t = (x - lo) / (hi - lo)
        return np.polyval(self.params[::-1], t)

    def to_dict(self) -> dict:
        return {"type": self.kind, "params": [float(p) for p in self.params],
                "domain": [float(self.domain[0]), float(self.domain[1])]}


def fit_mapping(x: np.ndarray, y: np.ndarray, kind: str = "logistic") -> Mapping:
    """The monotone increasing `kind` mapping of x onto y (least squares). Needs at least 4 distinct x values."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(np.unique(x)) < 4:
        raise InputError(f"a {kind} mapping needs at least 4 distinct values, got {len(np.unique(x))}")
    lo, hi = float(x.min()), float(x.max())
    if kind == "logistic":
        from scipy.optimize import curve_fit

        # b1: upper asymptote, b2: lower, b3: midpoint, b4: scale (its sign is dropped: increasing only).
        span = max(float(np.ptp(y)), 1e-9)
        p0 = [float(y.max()) + 0.1 * span, float(y.min()) - 0.1 * span, float(np.median(x)), max((hi - lo) / 4, 1e-9)]
        try:
            params, _ = curve_fit(_logistic, x, y, p0=p0, maxfev=20000)
        except RuntimeError:
            params = np.array(p0)
        if params[0] < params[1]:  # decreasing fit: the data are anti-correlated; keep the flat start
            params = np.array(p0)
        return Mapping("logistic", [float(p) for p in params], (lo, hi))
    if kind == "cubic":
        from scipy.optimize import minimize

        t = (x - lo) / (hi - lo)
        grid = np.linspace(0, 1, 41)
        a0 = np.polyfit(t, y, 1)[::-1]
        start = np.array([a0[0], max(a0[1], 0.0), 0.0, 0.0])

        def loss(c):
            return float(np.mean((np.polyval(c[::-1], t) - y) ** 2))

        cons = {"type": "ineq", "fun": lambda c: c[1] + 2 * c[2] * grid + 3 * c[3] * grid**2}
        res = minimize(loss, start, constraints=[cons], method="SLSQP", options={"maxiter": 500, "ftol": 1e-12})
        return Mapping("cubic", [float(c) for c in res.x], (lo, hi))
    raise InputError(f"unknown mapping {kind!r} (logistic or cubic)")


def mapping_from_dict(d: dict) -> Mapping:
    return Mapping(d["type"], list(d["params"]), tuple(d["domain"]))


def finite_or_none(value: Optional[float]) -> Optional[float]:
    """JSON has no NaN: a non-finite number becomes null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def json_safe(obj):
    """A copy of `obj` with every non-finite float replaced by None (for json.dumps(allow_nan=False))."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return finite_or_none(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
