"""Figures of a synergy decomposition: H (weights per muscle) and W (activation over time)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synergait.fileio import atomic_path
from synergait.synergy.basis import SynergyBasis


def plot_synergies(basis: SynergyBasis, activations: np.ndarray, time: np.ndarray, path: str | Path,
                   *, time_label: str = "time (s)") -> None:
    """One row per synergy: its muscle weights (bars, left) and its activation over ``time`` (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = basis.n_synergies
    fig, axes = plt.subplots(k, 2, figsize=(13, 1.3 * k + 1.2), gridspec_kw={"width_ratios": [3, 1]},
                             sharex="col", squeeze=False)
    labels = [m.removesuffix("_r").removesuffix("_l") for m in basis.muscles]
    for i in range(k):
        axes[i, 0].bar(np.arange(len(labels)), basis.weights[i], color="tab:blue")
        axes[i, 0].set_ylim(0, 1.05)
        axes[i, 0].set_ylabel(f"S{i + 1}", rotation=0, labelpad=14)
        axes[i, 1].plot(time, activations[:, i], color="tab:orange")
    axes[-1, 0].set_xticks(np.arange(len(labels)), labels, rotation=90, fontsize=7)
    axes[-1, 1].set_xlabel(time_label)
    axes[0, 0].set_title(f"H: muscle weights (k = {k}, VAF = {basis.vaf:.3f})")
    axes[0, 1].set_title("W: activation")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
