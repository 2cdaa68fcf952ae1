"""Training configuration: YAML in, validated dataclasses out."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, Optional

from ..errors import InputError
from .dataset import CANONICAL

ARCHS = ("mlp", "mlp_bn", "reweight_mlp")
ACTIVATIONS = ("relu", "tanh", "silu")  # each exports to float64 ONNX ops
LOSSES = ("mse", "temperature")
MOS_MAPPINGS = ("logistic", "cubic")
INTERVAL_METHODS = ("normalized", "constant", "ensemble")


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
    """Fine-tuning on MOS (`clip,mos` CSV, any scale). The MOS is first mapped onto
    the VMAF scale (`mapping`, fitted on the fine-tuning clips against the
    teacher's clip scores); the student starts from the Stage-1 weights (or from
    scratch: `init: scratch`), trains at `lr` with early stopping on a held-out
    share of the MOS clips (by family), and an anchor loss keeps it near the
    teacher on every training frame."""

    mos_csv: Optional[str] = None  # relative paths are relative to the config file
    epochs: int = 200
    lr: float = 1e-4
    patience: int = 20  # epochs without a better held-out MOS RMSE before stopping
    holdout: float = 0.25  # share of MOS families held out for early stopping
    anchor: float = 0.1  # weight of the teacher anchor loss (0: none)
    mapping: str = "logistic"
    init: str = "stage1"  # or "scratch": the baseline, trained on MOS alone
    batch_clips: int = 64


@dataclass
class ExportCfg:
    opset: int = 19


@dataclass
class IntervalCfg:
    alpha: float = 0.1
    # 0: split conformal on the calibration families. k >= 2: cross-conformal,
    # the out-of-fold residuals of a k-fold (by family) over every non-test family.
    folds: int = 5
    # normalized: locally adaptive, |residual| / difficulty(x) with a small
    # difficulty model exported as a second graph output; constant: one half-width;
    # ensemble: |residual| / (the spread of `members` students, each trained on a
    # `member_fraction` share of the families, + `spread_offset` times its median),
    # the members exported into the graph (a larger file: one student each).
    method: str = "normalized"
    difficulty_hidden: int = 8
    members: int = 12
    member_fraction: float = 0.6
    spread_offset: float = 1.0
    # > 0: family-robust. The quantile is raised until, over the calibration families (each scored by
    # students, and difficulty models, that never saw it), all but a `family_beta` share cover at least
    # `family_level` of their frames; a new source family then does so with probability about 1 - beta.
    family_beta: float = 0.0
    family_level: float = 0.85


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
        need(all(isinstance(f, str) and f for f in self.features), "features must be feature names")
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
        need(self.interval.method in INTERVAL_METHODS, f"interval.method must be one of {INTERVAL_METHODS}")
        need(1 <= self.interval.difficulty_hidden <= 64, "interval.difficulty_hidden must be 1..64")
        need(3 <= self.interval.members <= 32, "interval.members must be 3..32")
        need(0 < self.interval.member_fraction < 1, "interval.member_fraction must be in (0, 1)")
        need(0 <= self.interval.spread_offset <= 100, "interval.spread_offset must be in [0, 100]")
        need(0 <= self.interval.family_beta < 1 and 0 < self.interval.family_level < 1,
             "interval.family_beta must be in [0, 1), interval.family_level in (0, 1)")
        s2 = self.stage2
        need(s2.epochs >= 0 and s2.lr > 0 and s2.patience >= 1 and 0 < s2.holdout < 0.9 and s2.anchor >= 0 and
             s2.batch_clips >= 1, "stage2 values out of range")
        need(s2.mapping in MOS_MAPPINGS, f"stage2.mapping must be one of {MOS_MAPPINGS}")
        need(s2.init in ("stage1", "scratch"), "stage2.init must be stage1 or scratch")
        need(s2.mos_csv is None or isinstance(s2.mos_csv, str), "stage2.mos_csv must be a path")
        need(s2.mos_csv is not None or s2.epochs == 0 or not self._stage2_given,
             "stage2 needs mos_csv (a clip,mos CSV)")
        return self

    _stage2_given: bool = field(default=False, repr=False, compare=False)

    @property
    def stage2_enabled(self) -> bool:
        return self.stage2.mos_csv is not None and self.stage2.epochs > 0


def _check_type(value: Any, default: Any, key: str) -> Any:
    """A config value must have its default's type (an int is a fine float; a None default takes a string)."""
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) and isinstance(default, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int)
    elif isinstance(default, str):
        ok = isinstance(value, str) or (key == "features" and isinstance(value, list))
    elif isinstance(default, list):
        ok = isinstance(value, list) or (key == "features" and value == "canonical")
    else:  # Optional[str]
        ok = value is None or isinstance(value, str)
    if not ok:
        raise InputError(f"config: {key} must be {type(default).__name__ if default is not None else 'a string'}, "
                         f"got {value!r}")
    return value


def _build(cls, data: Any, where: str):
    if not isinstance(data, dict):
        raise InputError(f"config: {where or 'the file'} must be a mapping")
    known = {f.name: f for f in fields(cls) if not f.name.startswith("_")}
    unknown = sorted(str(k) for k in set(data) - set(known))
    if unknown:
        raise InputError(f"config: unknown key(s) {unknown} in {where or 'the top level'}")
    kwargs = {}
    for name, value in data.items():
        f = known[name]
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        key = f"{where}.{name}".strip(".")
        kwargs[name] = _build(type(default), value, key) if is_dataclass(default) else _check_type(value, default, key)
    return cls(**kwargs)


def load_config(path_or_text: str, overrides: Optional[list] = None) -> TrainConfig:
    """A TrainConfig from a YAML file (or YAML text), validated. Files the config names
    (stage2.mos_csv) are resolved against the config's directory and must exist. `overrides` are
    "dotted.key=value" strings (the value read as YAML) applied before validation."""
    import os

    import yaml

    is_file = os.path.exists(path_or_text)
    text = open(path_or_text).read() if is_file else path_or_text
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise InputError(f"config: not valid YAML ({e})") from None
    for item in overrides or []:
        key, eq, value = str(item).partition("=")
        if not eq or not key:
            raise InputError(f"config override {item!r}: expected KEY=VALUE (for example interval.method=constant)")
        *parents, leaf = key.split(".")
        node = data if isinstance(data, dict) else {}
        for part in parents:
            if not isinstance(node.get(part, {}), dict):
                raise InputError(f"config override {item!r}: {part} is not a section")
            node = node.setdefault(part, {})
        try:
            node[leaf] = yaml.safe_load(value)
        except yaml.YAMLError as e:
            raise InputError(f"config override {item!r}: not valid YAML ({e})") from None
    cfg = _build(TrainConfig, data, "")
    cfg._stage2_given = isinstance(data, dict) and "stage2" in data
    cfg.validate()
    base = os.path.dirname(os.path.abspath(path_or_text)) if is_file else os.getcwd()
    if cfg.stage2.mos_csv is not None:
        path = os.path.join(base, os.path.expanduser(cfg.stage2.mos_csv))
        if not os.path.isfile(path):
            raise InputError(f"config {cfg.name}: stage2.mos_csv {cfg.stage2.mos_csv!r}: no such file ({path})")
        cfg.stage2.mos_csv = path
    return cfg


def packaged_config(name: str) -> str:
    from importlib import resources

    return str(resources.files("pyvmaf_tiny") / "configs" / f"{name}.yaml")
