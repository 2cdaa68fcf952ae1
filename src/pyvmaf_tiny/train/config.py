"""Training configuration: YAML in, validated dataclasses out."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, Optional

from ..errors import InputError
from .dataset import CANONICAL

ARCHS = ("mlp", "mlp_bn", "reweight_mlp")
ACTIVATIONS = ("relu", "tanh", "silu")  # each exports to float64 ONNX ops
LOSSES = ("mse", "temperature")


@dataclass
class ModelCfg:
    arch: str = "mlp"
    hidden: int = 24
    depth: int = 2
    dropout: float = 0.0
    activation: str = "silu"


@dataclass
class LossCfg:
    type: str = "mse"
    distillation_temperature: float = 1.0
    learnable_tau: bool = False


@dataclass
class SplitCfg:
    method: str = "source_holdout"  # or "hash"
    test_fraction: float = 0.2
    calibration_fraction: float = 0.1  # held-out families for the conformal interval
    seed: int = 0
    loso_folds: int = 0  # 0: leave-one-source-out over every family; k: group k-fold


@dataclass
class OptimCfg:
    lr: float = 3e-3
    weight_decay: float = 1e-5
    epochs: int = 300
    batch_size: int = 1024
    seed: int = 0


@dataclass
class Stage2Cfg:
    mos_csv: Optional[str] = None
    epochs: int = 0
    lr: float = 1e-4


@dataclass
class ExportCfg:
    opset: int = 19


@dataclass
class IntervalCfg:
    alpha: float = 0.1
    # 0: split conformal on the calibration families. k >= 2: cross-conformal,
    # the out-of-fold residuals of a k-fold (by family) over every non-test family.
    folds: int = 5


@dataclass
class TrainConfig:
    name: str = "tiny"
    features: list = field(default_factory=lambda: list(CANONICAL))
    teacher: str = "vmaf"  # or "ensemble"
    model: ModelCfg = field(default_factory=ModelCfg)
    loss: LossCfg = field(default_factory=LossCfg)
    split: SplitCfg = field(default_factory=SplitCfg)
    optim: OptimCfg = field(default_factory=OptimCfg)
    stage2: Stage2Cfg = field(default_factory=Stage2Cfg)
    export: ExportCfg = field(default_factory=ExportCfg)
    interval: IntervalCfg = field(default_factory=IntervalCfg)

    def validate(self) -> "TrainConfig":
        def need(ok: bool, msg: str):
            if not ok:
                raise InputError(f"config {self.name}: {msg}")

        need(isinstance(self.name, str) and self.name.replace("_", "").replace("-", "").isalnum(),
             "name must be letters, digits, '_' or '-'")
        if self.features in ("canonical", ["canonical"]):
            self.features = list(CANONICAL)
        need(isinstance(self.features, list) and 1 <= len(self.features) <= 64 and
             len(set(self.features)) == len(self.features), "features must list distinct feature names")
        need(self.teacher in ("vmaf", "ensemble"), "teacher must be vmaf or ensemble")
        need(self.model.arch in ARCHS, f"model.arch must be one of {ARCHS}")
        need(self.model.activation in ACTIVATIONS, f"model.activation must be one of {ACTIVATIONS}")
        need(1 <= self.model.hidden <= 512 and 1 <= self.model.depth <= 8, "model.hidden 1..512, model.depth 1..8")
        need(0 <= self.model.dropout < 1, "model.dropout must be in [0, 1)")
        need(self.loss.type in LOSSES, f"loss.type must be one of {LOSSES}")
        need(self.loss.distillation_temperature > 0, "loss.distillation_temperature must be > 0")
        need(self.split.method in ("source_holdout", "hash"), "split.method must be source_holdout or hash")
        need(0 < self.split.test_fraction < 0.9 and 0 <= self.split.calibration_fraction < 0.5,
             "split fractions out of range")
        need(self.optim.lr > 0 and self.optim.epochs >= 1 and self.optim.batch_size >= 1, "optim values out of range")
        need(self.export.opset in (17, 19, 21), "export.opset must be 17, 19 or 21")
        need(0 < self.interval.alpha < 0.5, "interval.alpha must be in (0, 0.5)")
        need(self.interval.folds == 0 or 2 <= self.interval.folds <= 50, "interval.folds must be 0 or 2..50")
        need(self.interval.folds >= 2 or self.split.calibration_fraction > 0,
             "interval.folds 0 needs split.calibration_fraction > 0")
        return self


def _build(cls, data: Any, where: str):
    if not isinstance(data, dict):
        raise InputError(f"config: {where or 'the file'} must be a mapping")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(f"config: unknown key(s) {unknown} in {where or 'the top level'}")
    kwargs = {}
    for name, value in data.items():
        f = known[name]
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        kwargs[name] = _build(type(default), value, f"{where}.{name}".strip(".")) if is_dataclass(default) else value
    return cls(**kwargs)


def load_config(path_or_text: str) -> TrainConfig:
    """A TrainConfig from a YAML file (or YAML text), validated."""
    import os

    import yaml

    text = open(path_or_text).read() if os.path.exists(path_or_text) else path_or_text
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise InputError(f"config: not valid YAML ({e})") from None
    return _build(TrainConfig, data, "").validate()


def packaged_config(name: str) -> str:
    from importlib import resources

    return str(resources.files("pyvmaf_tiny") / "configs" / f"{name}.yaml")
