"""Gaps in recordings (NaN runs, e.g. occluded markers): described one by one, and short ones filled.

Filling uses shape-preserving piecewise cubic Hermite interpolation (PCHIP, Fritsch & Carlson 1980) through
every recorded sample of the signal, only across gaps no longer than the limit and never at the ends of the
recording (nothing to interpolate from there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator


@dataclass(frozen=True)
class Gap:
    """A run of missing samples of one signal: ``start_s``/``stop_s`` the first and last missing sample times,
    ``duration_s`` the missing samples times the sampling interval."""

    signal: str
    start_s: float
    stop_s: float
    samples: int
    duration_s: float


def find_gaps(time: np.ndarray, values: np.ndarray, names: list[str] | tuple[str, ...]) -> list[Gap]:
    """Every run of non-finite samples, per signal (columns of ``values``, shape ``(n, m)``)."""
    gaps = []
    interval = float(np.median(np.diff(time))) if len(time) > 1 else 0.0
    for column, name in enumerate(names):
        missing = ~np.isfinite(values[:, column])
        if not missing.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[0], missing.astype(int), [0]])))
        for first, after in zip(edges[::2], edges[1::2], strict=True):
            gaps.append(Gap(name, float(time[first]), float(time[after - 1]), int(after - first),
                            int(after - first) * interval))
    return gaps


def summarise(gaps: list[Gap]) -> str:
    """One line: each gapped signal with its number of gaps and the longest, in seconds."""
    by_signal: dict[str, list[Gap]] = {}
    for gap in gaps:
        by_signal.setdefault(gap.signal, []).append(gap)
    return "; ".join(f"{name}: {len(found)} gap(s), longest {max(g.duration_s for g in found):.3f} s"
                     for name, found in by_signal.items())


def fill_gaps(time: np.ndarray, values: np.ndarray, names: list[str] | tuple[str, ...],
              max_gap_s: float) -> tuple[np.ndarray, list[Gap]]:
    """``values`` with the interior gaps no longer than ``max_gap_s`` filled (PCHIP), and the gaps left."""
    filled = values.copy()
    left = []
    for gap in find_gaps(time, values, names):
        column = list(names).index(gap.signal)
        known = np.isfinite(values[:, column])
        first, last = np.searchsorted(time, gap.start_s), np.searchsorted(time, gap.stop_s)
        interior = known[:first].any() and known[last + 1:].any()
        if gap.duration_s > max_gap_s or not interior:
            left.append(gap)
            continue
        span = (time >= gap.start_s) & (time <= gap.stop_s)
        filled[span, column] = PchipInterpolator(time[known], values[known, column])(time[span])
    return filled, left
