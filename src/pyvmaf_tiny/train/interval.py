"""Locally adaptive conformal intervals: a small difficulty model sigma(x)
predicts how far the student is likely to be off, and the interval is
prediction -/+ q * sigma(x), with q the conformal quantile of the normalised
out-of-family residuals |r| / sigma(x).

Every residual comes from a student that never saw the frame's family
(cross-conformal folds by family), and every normalised residual from a
difficulty model that never saw that fold (cross-fitting), so q is calibrated
on data none of its parts trained on. The difficulty model is exported into
the student's ONNX graph as a second output; the runtime computes the
per-frame interval natively."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .scaling import input_scale


@dataclass
class Difficulty:
    """sigma(x) = scale * softplus(net((x - mean) / std)) + floor, in VMAF units (> 0)."""

    net: object  # torch Sequential: Linear, SiLU, Linear
    x_mean: np.ndarray
    x_std: np.ndarray
    scale: float
    floor: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            z = torch.from_numpy(((x - self.x_mean) / self.x_std).astype(np.float32))
            out = torch.nn.functional.softplus(self.net(z).squeeze(-1)).numpy().astype(np.float64)
        return self.scale * out + self.floor

    def layers(self) -> list:
        """(W, b) of each Linear with the standardisation folded into the first."""
        lins = [m for m in self.net if isinstance(m, __import__("torch").nn.Linear)]
        out = []
        for k, lin in enumerate(lins):
            w = lin.weight.detach().double().numpy().copy()
            b = lin.bias.detach().double().numpy().copy()
            if k == 0:
                b = b - w @ (self.x_mean / self.x_std)
                w = w / self.x_std[None, :]
            out.append((w, b))
        return out


def train_difficulty(x: np.ndarray, abs_res: np.ndarray, hidden: int = 8, steps: int = 400, seed: int = 0,
                     x_mean: Optional[np.ndarray] = None, x_std: Optional[np.ndarray] = None) -> Difficulty:
    """Fit sigma(x) to |residual| by the Laplace likelihood (|r| / sigma + log sigma, minimised at
    sigma = E|r| given x), full batch, deterministic."""
    import torch

    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if x_mean is None or x_std is None:
            x_mean, x_std = input_scale(x)
        scale = float(np.median(abs_res)) + 1e-9
        floor = 0.25 * scale  # bounds |r| / sigma where the difficulty model extrapolates
        z = torch.from_numpy(((x - x_mean) / x_std).astype(np.float32))
        r = torch.from_numpy(np.asarray(abs_res, np.float32))
        net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, 1))
        opt = torch.optim.Adam(net.parameters(), lr=0.02)
        for _ in range(steps):
            sigma = scale * torch.nn.functional.softplus(net(z).squeeze(-1)) + floor
            loss = torch.mean(r / sigma + torch.log(sigma))
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        return Difficulty(net, x_mean, x_std, scale, floor)
    finally:
        torch.set_num_threads(threads)


@dataclass
class EnsembleSpread:
    """sigma(x) = the standard deviation (ddof 1) of the members' predictions + `offset`: how far students
    trained on different source families disagree. Each member is (folded layers, y_std, y_mean) and is
    evaluated as the exported graph does (float32 weights, float64 arithmetic, float32 result)."""

    members: list
    offset: float

    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        acts = {"relu": lambda t: np.maximum(t, 0.0), "tanh": np.tanh, "silu": lambda t: t / (1.0 + np.exp(-t))}
        out = []
        for layers, y_std, y_mean in self.members:
            h = x.astype(np.float32).astype(np.float64)
            for k, (w, b, act) in enumerate(layers):
                h = h @ np.float32(w).astype(np.float64).T + np.float32(b).astype(np.float64)
                if act is not None and k < len(layers) - 1:
                    h = acts[act](h)
            out.append(h[:, 0] * np.float64(np.float32(y_std)) + np.float64(np.float32(y_mean)))
        return np.stack(out)

    def predict(self, x: np.ndarray) -> np.ndarray:
        def stored(v: float) -> np.float64:  # a constant as the graph stores it
            return np.float64(np.float32(v))

        p = self.member_predictions(x)
        mean = np.add.reduce(list(p)) / len(p)
        var = np.add.reduce(list((p - mean) ** 2)) / (len(p) - 1)
        return (np.sqrt(var) + stored(self.offset)).astype(np.float32).astype(np.float64)


def family_bags(families: int, members: int, fraction: float, seed: int) -> np.ndarray:
    """(members, families) bool: which families each member trains on. Each family is left out of the
    same number of members (round(members * (1 - fraction)), at least 2), dealt round the members in a
    random order so that each is left out of as many families as the others, give or take one; every
    member trains on at least one family, or InputError says there are too few."""
    left_out = min(members - 1, max(2, int(round(members * (1 - fraction)))))
    most_left_out = -(-families * left_out // members)  # ceil
    if families - most_left_out < 1:
        from ..errors import InputError

        raise InputError(f"interval.method ensemble: {families} calibration families are too few for "
                         f"{members} members each leaving out {left_out} of them per family (every member "
                         f"needs a family to train on); use more families or fewer members")
    rng = np.random.default_rng(seed)
    order = rng.permutation(members)
    bags = np.ones((members, families), bool)
    at = 0
    for f in rng.permutation(families):
        bags[order[(at + np.arange(left_out)) % members], f] = False
        at = (at + left_out) % members
    return bags


def ensemble_conformal(x: np.ndarray, target: np.ndarray, abs_res: np.ndarray, families: np.ndarray, alpha: float,
                       train_member, members: int, fraction: float, offset: float,
                       seed: int = 0) -> tuple[EnsembleSpread, float, np.ndarray]:
    """The spread model, the quantile q, and each residual's normalised score |r| / (spread + c), where a
    frame's spread is that of the members that never saw its family (so calibration frames are as new to
    it as a new family's are to all members) and c = offset * the median of those spreads.
    `train_member(x, y, k)` returns member k as (folded layers, y_std, y_mean)."""
    names = sorted(set(families))
    index = {f: i for i, f in enumerate(names)}
    fam_idx = np.array([index[f] for f in families])
    bags = family_bags(len(names), members, fraction, seed)
    fitted = []
    for k in range(members):
        rows = bags[k][fam_idx]
        fitted.append(train_member(x[rows], target[rows], k))
    preds = EnsembleSpread(fitted, 0.0).member_predictions(x)
    unseen = ~bags[:, fam_idx]  # member k never saw the frame's family
    n = unseen.sum(axis=0)
    mean = (preds * unseen).sum(axis=0) / n
    spread = np.sqrt((((preds - mean) ** 2) * unseen).sum(axis=0) / (n - 1))
    c = max(offset * float(np.median(spread)), 1e-6)
    scores = abs_res / (spread + c)
    return EnsembleSpread(fitted, c), conformal_quantile(scores, alpha), scores


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """The ceil((n+1)(1-alpha))-th smallest score."""
    r = np.sort(np.abs(scores))
    k = int(np.ceil((len(r) + 1) * (1 - alpha))) - 1
    return float(r[min(max(k, 0), len(r) - 1)])


def family_robust_quantile(scores: np.ndarray, families: np.ndarray, beta: float, level: float) -> float:
    """The smallest q under which all but a `beta` share of the families cover `level` of their frames:
    the ceil((F + 1)(1 - beta))-th smallest of the families' `level` quantiles of `scores`."""
    per = np.sort([np.quantile(scores[families == f], level) for f in sorted(set(families))])
    k = int(np.ceil((len(per) + 1) * (1 - beta))) - 1
    return float(per[min(max(k, 0), len(per) - 1)])


def normalized_conformal(x: np.ndarray, abs_res: np.ndarray, families: np.ndarray, alpha: float, hidden: int,
                         folds: int = 5, seed: int = 0) -> tuple[Difficulty, float, np.ndarray]:
    """The difficulty model (trained on every residual), the quantile q, and each residual's cross-fitted
    normalised score (|r| / sigma of a difficulty model that did not see its family group)."""
    names = sorted(set(families))
    order = np.random.default_rng(seed).permutation(len(names))
    group = {names[i]: rank % min(folds, len(names)) for rank, i in enumerate(order)}
    g = np.array([group[f] for f in families])
    x_mean, x_std = input_scale(x)
    scores = np.empty(len(x))
    for k in range(min(folds, len(names))):
        held = g == k
        d = train_difficulty(x[~held], abs_res[~held], hidden, seed=seed, x_mean=x_mean, x_std=x_std)
        scores[held] = abs_res[held] / d.predict(x[held])
    q = conformal_quantile(scores, alpha)
    return train_difficulty(x, abs_res, hidden, seed=seed, x_mean=x_mean, x_std=x_std), q, scores


def coverage_by_family(covered: np.ndarray, families: np.ndarray) -> dict:
    """Coverage overall and per family (the worst family first in `worst`)."""
    per = {f: float(np.mean(covered[families == f])) for f in sorted(set(families))}
    worst = sorted(per.items(), key=lambda kv: kv[1])[:5]
    return {"overall": float(np.mean(covered)) if len(covered) else float("nan"), "families": len(per),
            "min_family": min(per.values()) if per else float("nan"), "worst": [[f, c] for f, c in worst],
            "below_85": sum(1 for c in per.values() if c < 0.85), "per_family": per}
