"""The input standardisation every trained network (student, difficulty model) uses."""

from __future__ import annotations

import numpy as np


def input_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and scale. A feature constant over the training frames gets scale 1, not its
    (zero) spread: divided by 1e-6, any other value it takes later would swing the output without bound."""
    std = x.std(axis=0)
    return x.mean(axis=0), np.where(std > 1e-6, std + 1e-6, 1.0)
