"""Several models over one set of features.

One run extracts the features every model needs once. The first model rides
in the native pipeline as a single model does (streaming, batched ONNX
inference); the others predict natively from the final feature rows, which
hold exactly the values the pipeline would have given them.

Each model is logged under a name, as libvmaf logs it: ``name=`` when given;
otherwise ``vmaf`` (libvmaf's default) for the first model without one, and
for any later one while ``vmaf`` is free. libvmaf would log two unnamed
models both as ``vmaf`` and keep only one; we name a later unnamed model by
what it is (``vmaf_v0.6.1neg``, a file's stem) instead, and refuse a name
that two outputs would share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from .._lazy import np
from ..errors import InputError
from .base import Model
from .request import ModelRequest, check_name

DEFAULT_NAME = "vmaf"


@dataclass(frozen=True)
class Scored:
    """One model of a run and the name its outputs are logged under."""

    name: str
    model: Model

    def output_names(self) -> list[str]:
        """Its per-frame outputs in log order: its score, a collection's members and statistics, then the
        bounds of its interval (named as libvmaf names its bootstrap interval: vmaf_ci_p90_lo/_hi)."""
        names = [self.name + s for s in self.model.output_suffixes]
        coverage = self.model.interval_coverage
        if coverage is not None:
            names += list(interval_names(self.name, coverage))
        return names


def interval_names(name: str, coverage: float) -> tuple[str, str]:
    """libvmaf's names for an interval's bounds: ("vmaf_ci_p90_lo", "vmaf_ci_p90_hi") for 90%."""
    level = f"{round(coverage * 100, 6):g}".replace(".", "_")
    return f"{name}_ci_p{level}_lo", f"{name}_ci_p{level}_hi"


class ModelSet:
    """The models of one run, in order, each with its log name (see the module's doc)."""

    def __init__(self, entries: Iterable[Scored]):
        self.entries = list(entries)

    @classmethod
    def named(cls, loaded: Iterable[tuple[ModelRequest, Model]]) -> "ModelSet":
        """Names each model (its request's name=, else the rule above) and checks that no two outputs
        share a name."""
        loaded = list(loaded)
        taken: dict[str, str] = {}
        entries: list[Scored] = []
        explicit = {r.name for r, _ in loaded if r.name is not None}
        for request, model in loaded:
            name = request.name
            if name is None:
                name = DEFAULT_NAME
                if DEFAULT_NAME in explicit or any(e.name == DEFAULT_NAME for e in entries):
                    name = model.name
                    try:
                        check_name(name, model.description)
                    except InputError:
                        name = None
                    if name is None or name in explicit or any(e.name == name for e in entries):
                        raise InputError(f"model {model.description}: give it a name of its own (name=...): "
                                         f"another model is already logged as {DEFAULT_NAME!r}"
                                         + (f" and {name!r}" if name else ""))
            scored = Scored(name, model)
            for out in scored.output_names():
                if out in taken:
                    raise InputError(f"model {model.description} logged as {name!r}: its output {out!r} is also "
                                     f"{taken[out]}'s; give the model another name (name=...)")
                taken[out] = f"model {model.description}"
            entries.append(scored)
        return cls(entries)

    @classmethod
    def of(cls, model: Model) -> "ModelSet":
        """One loaded model, logged under its log_name or "vmaf"."""
        return cls([Scored(model.log_name or DEFAULT_NAME, model)])

    def check_columns(self, columns: Iterable[str]) -> None:
        """Refuses a model output named as a feature column of the run (the logs would hold it twice)."""
        columns = set(columns)
        for e in self.entries:
            for out in e.output_names():
                if out in columns:
                    raise InputError(f"model {e.model.description} logged as {e.name!r}: its output {out!r} is "
                                     f"also a feature's name; give the model another name (name=...)")

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    @property
    def first(self) -> Optional[Model]:
        """The model that rides in the pipeline (None when no model is scored)."""
        return self.entries[0].model if self.entries else None

    @property
    def native(self) -> Any:
        return None if self.first is None else self.first.native

    @property
    def name(self) -> str:
        """What the first model is (its description), or "none"."""
        return "none" if self.first is None else self.first.description

    @property
    def backend(self) -> str:
        return "cpu" if self.first is None else self.first.backend

    @property
    def metric(self) -> Optional[str]:
        """The first model's log name."""
        return self.entries[0].name if self.entries else None

    def descriptions(self) -> dict[str, str]:
        """Each model's log name -> what it is, options included."""
        return {e.name: e.model.description for e in self.entries}

    def extractor_specs(self) -> list:
        """Every model's extractor specs, in model order (the featureset merges repeats)."""
        return [spec for e in self.entries for spec in e.model.extractor_specs()]

    def outputs(self, columns: list[str], values: np.ndarray, first_scores: Optional[np.ndarray] = None
                ) -> dict[str, np.ndarray]:
        """Every model's per-frame outputs in log order (Scored.output_names()), from the feature rows
        `values` ((frames, len(columns))). `first_scores` are the first model's scores as the pipeline
        gave them."""
        index = {c: i for i, c in enumerate(columns)}
        out: dict[str, np.ndarray] = {}
        for k, e in enumerate(self.entries):
            missing = [c for c in e.model.columns if c not in index]
            if missing:
                raise InputError(f"model {e.model.description}: the run computed no {missing[0]!r}")
            rows = np.ascontiguousarray(values[:, [index[c] for c in e.model.columns]], dtype=np.float64)
            suffixes = e.model.output_suffixes
            if k == 0 and first_scores is not None and suffixes == [""]:
                block = np.asarray(first_scores, dtype=np.float64).reshape(-1, 1)
            else:
                block = e.model.predict_outputs(rows)
                if k == 0 and first_scores is not None:
                    block[:, 0] = first_scores
            for j, suffix in enumerate(suffixes):
                out[e.name + suffix] = np.ascontiguousarray(block[:, j])
            coverage = e.model.interval_coverage
            interval = None if coverage is None else e.model.interval(out[e.name], rows)
            if interval is not None:
                lo, hi = interval_names(e.name, coverage)
                out[lo], out[hi] = np.ascontiguousarray(interval[:, 0]), np.ascontiguousarray(interval[:, 1])
        return out

    def __repr__(self) -> str:
        return f"ModelSet({', '.join(f'{e.name}={e.model.description}' for e in self.entries)})"
