"""`SynergyBasis`: the spatial synergy matrix H (k synergies x m muscles) with its muscle names and provenance."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path, require_suffix
from synergait.model.catalog import mirror_name

#: File name of the basis shipped in ``synergait/assets`` (see :mod:`synergait.assets.regenerate`).
DEFAULT_BASIS_ASSET = "default_basis.npz"


@dataclass(frozen=True)
class SynergyBasis:
    """Muscle synergies: ``excitation = clip(w @ weights, 0, 1)`` for synergy activations ``w`` of shape ``(k,)``.

    Attributes:
        weights: H, shape ``(k, m)``, non-negative, dimensionless.
        muscles: the ``m`` muscle names H's columns refer to.
        vaf: total variance accounted for by the factorisation it came from (``nan`` if not from data).
        provenance: free-form description of how it was made (source trial, k, seed, ...).
    """

    weights: np.ndarray
    muscles: tuple[str, ...]
    vaf: float = float("nan")
    provenance: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=float)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "muscles", tuple(self.muscles))
        if weights.ndim != 2 or weights.shape[1] != len(self.muscles):
            raise ParameterError("weights", f"shape {weights.shape} does not match {len(self.muscles)} muscles")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ParameterError("weights", "synergy weights must be finite and non-negative")
        if len(set(self.muscles)) != len(self.muscles):
            raise ParameterError("muscles", "duplicated muscle names")

    @property
    def n_synergies(self) -> int:
        return int(self.weights.shape[0])

    @classmethod
    def identity(cls, muscles: Sequence[str]) -> SynergyBasis:
        """One synergy per muscle: the synergy controller then equals the independent one."""
        return cls(np.eye(len(muscles)), tuple(muscles), provenance={"kind": "identity"})

    @classmethod
    def random(cls, muscles: Sequence[str], n_synergies: int, seed: int = 0) -> SynergyBasis:
        """Random non-negative basis, rows scaled to a maximum of 1 (for tests and ablations)."""
        weights = np.random.default_rng(seed).uniform(0.0, 1.0, (n_synergies, len(muscles)))
        return cls(weights / weights.max(axis=1, keepdims=True), tuple(muscles),
                   provenance={"kind": "random", "seed": str(seed)})

    def activations_for(self, excitations: np.ndarray, ceiling: float | None = None) -> np.ndarray:
        """Synergy activations W, shape ``(T, k)``, that best reconstruct ``excitations`` (``(T, m)``, columns in
        :attr:`muscles` order) as ``W @ weights``: non-negative least squares per row, with every activation at
        most ``ceiling`` when given (bounded least squares)."""
        from scipy.optimize import lsq_linear, nnls

        rows = np.atleast_2d(excitations)
        if ceiling is None:
            return np.array([nnls(self.weights.T, row)[0] for row in rows])
        return np.array([lsq_linear(self.weights.T, row, bounds=(0.0, ceiling)).x for row in rows])

    def merged(self, i: int, j: int) -> SynergyBasis:
        """Synergies ``i`` and ``j`` merged into one module (their weights summed, rescaled to a peak of 1): a
        model of impaired motor control with fewer independent modules."""
        k = self.n_synergies
        if not (0 <= i < k and 0 <= j < k) or i == j:
            raise ParameterError("merge", f"needs two different synergy indices in 0..{k - 1}, got {i},{j}")
        merged = self.weights[i] + self.weights[j]
        rows = [self.weights[r] for r in range(k) if r not in (i, j)] + [merged / merged.max()]
        return SynergyBasis(np.array(rows), self.muscles, float("nan"),
                            {**self.provenance, "variant": f"merged {i}+{j}"})

    def mirrored(self) -> SynergyBasis:
        """The same synergies for the other leg (muscle names ``*_r`` <-> ``*_l``)."""
        return SynergyBasis(self.weights, tuple(mirror_name(m) for m in self.muscles), self.vaf,
                            {**self.provenance, "mirrored_from": self.muscles[0][-2:]})

    def save(self, path: str | Path) -> None:
        meta = {"muscles": self.muscles, "vaf": self.vaf, "provenance": self.provenance}
        with atomic_path(require_suffix(path, ".npz")) as tmp:
            np.savez_compressed(tmp, weights=self.weights, meta=json.dumps(meta))

    @classmethod
    def load(cls, path: str | Path) -> SynergyBasis:
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                return cls(weights=f["weights"], muscles=tuple(meta["muscles"]), vaf=meta["vaf"],
                           provenance=meta["provenance"])
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
            raise InputFileError(path, f"not a synergait SynergyBasis file ({type(exc).__name__}: {exc})") from None
        except ParameterError as exc:
            raise InputFileError(path, str(exc)) from None


def default_basis() -> SynergyBasis:
    """The synergy basis shipped with synergait (right leg, k = 10, from the Rajagopal 2016 trial)."""
    asset = resources.files("synergait.assets").joinpath(DEFAULT_BASIS_ASSET)
    if not asset.is_file():
        raise ParameterError("basis", "no default synergy basis in this installation; pass --basis FILE or run "
                                      "`synergait synergy default`")
    with resources.as_file(asset) as path:
        return SynergyBasis.load(path)
