"""The tiny networks: mlp, mlp_bn, and reweight_mlp (a learned softplus weight per input feature)."""

from __future__ import annotations

import torch
from torch import nn


def activation(name: str) -> nn.Module:
    return {"relu": nn.ReLU(), "tanh": nn.Tanh(), "silu": nn.SiLU()}[name]


class TinyNet(nn.Module):
    """Standardised features -> (Linear, [BatchNorm], act, [Dropout]) x depth -> Linear -> standardised target."""

    def __init__(self, n_in: int, hidden: int, depth: int, arch: str = "mlp", act: str = "silu",
                 dropout: float = 0.0):
        super().__init__()
        self.arch = arch
        self.reweight = nn.Parameter(torch.zeros(n_in)) if arch == "reweight_mlp" else None
        layers: list[nn.Module] = []
        width = n_in
        for _ in range(depth):
            layers.append(nn.Linear(width, hidden))
            if arch == "mlp_bn":
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(activation(act))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.body = nn.Sequential(*layers)

    def input_weight(self) -> torch.Tensor:
        # softplus(0) * 1/log(2) = 1: the reweighting starts as the identity
        return nn.functional.softplus(self.reweight) / torch.log(torch.tensor(2.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.reweight is not None:
            x = x * self.input_weight()
        return self.body(x).squeeze(-1)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
