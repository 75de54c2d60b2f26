"""Small statistics shared by several stages (one definition each)."""

from __future__ import annotations

import numpy as np


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equally long series; NaN when either is constant to rounding (r is
    undefined there, not ~1e-16)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    for series in (a, b):
        if np.ptp(series) <= 1e-9 * max(1.0, float(np.max(np.abs(series)))):
            return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def cocontraction_index(a: np.ndarray, b: np.ndarray) -> float:
    """Falconer & Winter (1985) co-contraction index, %: ``200 sum(min(a, b)) / sum(a + b)`` of two non-negative
    activation series (or single values); 0 when both are zero."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    total = float(np.sum(a + b))
    if total <= 0:
        return 0.0
    return 200.0 * float(np.sum(np.minimum(a, b))) / total
