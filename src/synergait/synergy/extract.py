"""Muscle-synergy extraction with non-negative matrix factorisation (scikit-learn NMF).

``M (T x m) ~ W (T x k) H (k x m)``: H holds the spatial synergies (muscle weightings), W their activation over
time. Quality is the (uncentred) variance accounted for, ``VAF = 1 - ||M - W H||^2 / ||M||^2``, in total and per
muscle (per column).

Scaling. NMF fixes only the product W H. synergait scales every synergy so that its largest muscle weight is 1
(``H_k / max(H_k)``, ``W_k * max(H_k)``): a synergy activation of 1 then fully excites the synergy's dominant
muscle, and the walker's synergy actions in [0, 1] span the data's range. The largest excitation each muscle can
reach, ``min(1, sum_k H_kj)``, is reported (``reachable``).

Choosing k (:func:`sweep`): the smallest k whose total VAF reaches ``vaf_threshold`` (default 0.90) and whose
per-muscle VAF reaches ``muscle_vaf_threshold`` (default 0.75) for every *active* muscle (one holding at least
1 % of the mean per-muscle signal energy: the VAF of a muscle that is almost never active is meaningless); the
paper fixes k = 10.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

from synergait.errors import ParameterError
from synergait.inverse.table import ActivationTable
from synergait.model.catalog import LEG_MUSCLES
from synergait.synergy.basis import SynergyBasis

DEFAULT_MUSCLES = tuple(f"{m}_r" for m in LEG_MUSCLES)


def vaf(data: np.ndarray, reconstruction: np.ndarray) -> tuple[float, np.ndarray]:
    """Total and per-column (per-muscle) uncentred variance accounted for."""
    residual = data - reconstruction
    total = 1.0 - float(np.sum(residual**2) / np.sum(data**2))
    column_energy = np.sum(data**2, axis=0)
    per_column = 1.0 - np.sum(residual**2, axis=0) / np.where(column_energy > 0, column_energy, np.nan)
    return total, per_column


@dataclass
class SynergyExtractor:
    """scikit-learn-style NMF synergy extractor.

    Args:
        n_synergies: k.
        muscles: the muscles to factorise (default: the 40 right-leg muscles).
        n_restarts: NMF runs from different random initialisations; the best reconstruction is kept.
        seed: seed of the initialisations (the same seed gives the same basis).
        max_iter: NMF iterations per run.
    """

    n_synergies: int = 10
    muscles: Sequence[str] = DEFAULT_MUSCLES
    n_restarts: int = 10
    seed: int = 0
    max_iter: int = 2000

    def fit(self, table: ActivationTable) -> SynergyExtractor:
        muscles = tuple(self.muscles)
        data = table.select(muscles)
        if not 1 <= self.n_synergies <= len(muscles):
            raise ParameterError("k", f"must be between 1 and the number of muscles ({len(muscles)}), "
                                      f"got {self.n_synergies}")
        if (data < 0).any():
            raise ParameterError("activations", "NMF needs non-negative activations")
        if len(data) < self.n_synergies:
            raise ParameterError("activations", f"{len(data)} samples cannot determine {self.n_synergies} synergies "
                                                "(need at least as many samples as synergies)")
        if not (data > 0).any():
            raise ParameterError("activations", "every activation is zero: there is nothing to decompose")
        rng = np.random.default_rng(self.seed)
        best = None
        for _ in range(self.n_restarts):
            nmf = NMF(n_components=self.n_synergies, init="random", random_state=int(rng.integers(2**31 - 1)),
                      max_iter=self.max_iter, tol=1e-6)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                w = nmf.fit_transform(data)
            if best is None or nmf.reconstruction_err_ < best[0]:
                best = (nmf.reconstruction_err_, w, nmf.components_)
        _, w, h = best
        peak = h.max(axis=1, keepdims=True)
        peak[peak == 0] = 1.0
        self.components_ = h / peak  # H, (k, m), each row's maximum is 1
        self.activations_ = w * peak.T  # W, (T, k)
        self.vaf_, self.vaf_per_muscle_ = vaf(data, self.activations_ @ self.components_)
        self.time_ = table.time
        self.basis_ = SynergyBasis(
            self.components_, muscles, self.vaf_,
            provenance={"method": "sklearn NMF", "k": str(self.n_synergies), "restarts": str(self.n_restarts),
                        "seed": str(self.seed), "source_backend": table.backend,
                        **{f"source_{k}": v for k, v in table.info.items() if k in ("model", "source")}},
        )
        return self

    def transform(self, table: ActivationTable) -> np.ndarray:
        """Synergy activations W (T x k) of new data under the fitted H (non-negative least squares)."""
        return self.basis_.activations_for(table.select(tuple(self.muscles)))

    @property
    def reachable(self) -> np.ndarray:
        """Largest excitation per muscle with synergy activations in [0, 1]: ``min(1, sum_k H_kj)``."""
        return np.minimum(1.0, self.components_.sum(axis=0))


def sweep(table: ActivationTable, k_max: int = 15, *, muscles: Sequence[str] = DEFAULT_MUSCLES,
          n_restarts: int = 5, seed: int = 0, vaf_threshold: float = 0.90,
          muscle_vaf_threshold: float = 0.75) -> dict[str, object]:
    """VAF for k = 1..k_max and the k chosen by the documented rule."""
    k_max = min(k_max, len(muscles))
    energy = np.sum(table.select(tuple(muscles)) ** 2, axis=0)
    active = energy >= 0.01 * energy.mean()
    rows = []
    for k in range(1, k_max + 1):
        fitted = SynergyExtractor(k, muscles, n_restarts, seed).fit(table)
        rows.append({"k": k, "vaf": fitted.vaf_, "min_muscle_vaf": float(np.nanmin(fitted.vaf_per_muscle_[active]))})
    chosen = next((r["k"] for r in rows if r["vaf"] >= vaf_threshold and r["min_muscle_vaf"] >= muscle_vaf_threshold),
                  None)
    return {"rows": rows, "chosen_k": chosen, "active_muscles": int(active.sum()),
            "rule": f"smallest k with VAF >= {vaf_threshold} and every muscle's VAF >= {muscle_vaf_threshold}"}


def match_bases(a: SynergyBasis, b: SynergyBasis) -> dict[str, object]:
    """Pair the synergies of two bases by cosine similarity (Hungarian assignment on common muscles)."""
    common = [m for m in a.muscles if m in b.muscles]
    if not common:
        raise ParameterError("bases", "the two bases share no muscle")
    ha = a.weights[:, [a.muscles.index(m) for m in common]]
    hb = b.weights[:, [b.muscles.index(m) for m in common]]
    na = ha / np.maximum(np.linalg.norm(ha, axis=1, keepdims=True), 1e-12)
    nb = hb / np.maximum(np.linalg.norm(hb, axis=1, keepdims=True), 1e-12)
    similarity = na @ nb.T
    rows, cols = linear_sum_assignment(-similarity)
    pairs = [{"a": int(r), "b": int(c), "cosine": float(similarity[r, c])} for r, c in zip(rows, cols, strict=True)]
    return {"pairs": pairs, "mean_cosine": float(np.mean([p["cosine"] for p in pairs])), "muscles": len(common),
            "similarity": similarity}
