"""`GaitPattern`: one leg's muscle activations as a function of its own gait-cycle percent.

The feed-forward prior of the CPU walking recipe: the inverse analysis of a human stride, re-sampled on the gait
cycle (0-100 %, 0 = heel strike). A synergy controller reads it through its basis (:meth:`synergy_activations`,
the W(t) of the paper's NMF), an independent controller reads the activations themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path
from synergait.inverse.table import ActivationTable
from synergait.synergy.basis import SynergyBasis

#: File name of the pattern shipped in ``synergait/assets`` (see :mod:`synergait.assets.regenerate`).
DEFAULT_PATTERN_ASSET = "default_pattern.npz"
#: The grid every pattern is sampled on, % of the gait cycle.
PERCENT = np.arange(101.0)


@dataclass(frozen=True)
class GaitPattern:
    """Activations of one leg's muscles over its gait cycle.

    Attributes:
        activations: shape ``(101, m)``, in [0, 1], at 0, 1, ..., 100 % of the cycle (100 % == 0 %).
        muscles: the ``m`` muscle names.
        stride_s: duration of the stride it came from, s (the clock of a feed-forward controller).
        provenance: how it was made.
    """

    activations: np.ndarray
    muscles: tuple[str, ...]
    stride_s: float
    provenance: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        activations = np.asarray(self.activations, dtype=float)
        object.__setattr__(self, "activations", activations)
        object.__setattr__(self, "muscles", tuple(self.muscles))
        if activations.shape != (PERCENT.size, len(self.muscles)):
            raise ParameterError("activations", f"shape {activations.shape}, expected ({PERCENT.size}, "
                                                f"{len(self.muscles)})")
        if not np.isfinite(activations).all() or self.stride_s <= 0:
            raise ParameterError("activations", "a gait pattern needs finite activations and a positive stride")

    @classmethod
    def from_table(cls, table: ActivationTable, heel_strike_s: float, stride_s: float,
                   muscles: Sequence[str]) -> GaitPattern:
        """Re-sample ``table`` on the gait cycle that starts at ``heel_strike_s`` and lasts ``stride_s``.

        Samples anywhere in the table are folded onto the cycle (time modulo the stride), so a window that holds
        one stride but not from heel strike to heel strike still gives the whole cycle.
        """
        if table.time[-1] - table.time[0] < 0.9 * stride_s:
            raise ParameterError("table", f"spans {table.time[-1] - table.time[0]:.3f} s, less than 90 % of the "
                                          f"{stride_s:.3f} s stride: not a whole gait cycle")
        percent = (table.time - heel_strike_s) / stride_s % 1.0 * 100.0
        order = np.argsort(percent)
        data = table.select(tuple(muscles))[order]
        activations = np.column_stack([np.interp(PERCENT, percent[order], column, period=100.0)
                                       for column in data.T])
        return cls(np.clip(activations, 0.0, 1.0), tuple(muscles), float(stride_s),
                   {"source_backend": table.backend, "heel_strike_s": f"{heel_strike_s:.4f}",
                    **{f"source_{k}": v for k, v in table.info.items() if k in ("model", "source")}})

    def at(self, percent: np.ndarray | float) -> np.ndarray:
        """Activations at ``percent`` (any real value; wraps around the cycle), shape ``(..., m)``."""
        return interpolate_cycle(self.activations, percent)

    def activation_error(self, right: np.ndarray, left: np.ndarray, phase_percent: float) -> float:
        """Squared difference between two legs' activations (each shape ``(m,)``, in this pattern's muscle order)
        and the pattern, summed over both legs: the right leg at ``phase_percent``, the left half a cycle on."""
        return float(np.sum((right - self.at(phase_percent)) ** 2)
                     + np.sum((left - self.at(phase_percent + 50.0)) ** 2))

    def synergy_activations(self, basis: SynergyBasis) -> np.ndarray:
        """W over the cycle, shape ``(101, k)``: non-negative least squares of the activations onto ``basis``."""
        missing = [m for m in basis.muscles if m not in self.muscles]
        if missing:
            raise ParameterError("basis", f"muscles not in the gait pattern: {', '.join(missing[:5])}")
        columns = [self.muscles.index(m) for m in basis.muscles]
        return basis.activations_for(self.activations[:, columns])

    def save(self, path: str | Path) -> None:
        meta = {"muscles": self.muscles, "stride_s": self.stride_s, "provenance": self.provenance}
        with atomic_path(path) as tmp:
            np.savez_compressed(tmp, activations=self.activations, meta=json.dumps(meta))

    @classmethod
    def load(cls, path: str | Path | None = None) -> GaitPattern:
        """Load a pattern; without ``path`` the one shipped with synergait (Rajagopal 2016, right leg)."""
        if path is None:
            with resources.as_file(resources.files("synergait.assets").joinpath(DEFAULT_PATTERN_ASSET)) as asset:
                return cls.load(asset)
        try:
            with np.load(path) as f:
                meta = json.loads(str(f["meta"]))
                return cls(f["activations"], tuple(meta["muscles"]), meta["stride_s"], meta["provenance"])
        except (OSError, KeyError, ValueError) as exc:
            raise InputFileError(path, f"not a synergait GaitPattern file ({exc})") from None


def interpolate_cycle(samples: np.ndarray, percent: np.ndarray | float) -> np.ndarray:
    """Linear interpolation of ``samples`` (101 x n, on :data:`PERCENT`) at ``percent``, periodic."""
    position = np.asarray(percent, dtype=float) % 100.0
    low = np.floor(position).astype(int)
    fraction = (position - low)[..., None]
    return samples[low] * (1.0 - fraction) + samples[low + 1] * fraction
