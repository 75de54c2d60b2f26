"""Redundancy explorer: one motion, several muscle solutions that produce the same joint moments.

The MuJoCo inverse (:class:`~synergait.inverse.mujoco_backend.MuJoCoInverse`) is solved under different costs:

* ``min_sum_a2``: minimum sum of squared activations (the usual static optimisation);
* ``min_sum_a3``: minimum sum of cubed activations (spreads load over more muscles);
* ``cocontraction``: the ankle and knee agonist/antagonist pairs held at least at ``stiffness_activation``
  (a stiffness target), effort otherwise minimal;
* ``proximal_effort``: distal (ankle-level) muscles ``weight_ratio`` times costlier, so the hip works more;
* ``distal_effort``: hip-level muscles ``weight_ratio`` times costlier.

Every solution must reproduce the required joint moments: the reserves (the moment muscles do not produce) are
reported per solution and should stay small next to the moments themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synergait.data.loads import ExternalLoad
from synergait.data.trial import Trial
from synergait.fileio import atomic_path
from synergait.inverse.mujoco_backend import MuJoCoInverse
from synergait.inverse.table import ActivationTable
from synergait.model.catalog import LEG_MUSCLES
from synergait.quality.measures import _ANKLE, _HIP, DEFAULT_PAIRS, quality_profile


def cost_variants(stiffness_activation: float = 0.05, weight_ratio: float = 4.0) -> dict[str, dict[str, Any]]:
    """Keyword arguments of :class:`MuJoCoInverse` per named solution."""
    legs = [f"{m}_{s}" for m in LEG_MUSCLES for s in ("r", "l")]
    level = {m: m[:-2] for m in legs}
    pairs = [m for name in ("TA/SOL", "TA/GAS", "VAS/BF") for group in DEFAULT_PAIRS[name] for m in group]
    pairs += [m[:-2] + "_l" for m in pairs]
    return {
        "min_sum_a2": {},
        "min_sum_a3": {"effort_exponent": 3},
        "cocontraction": {"min_activation": dict.fromkeys(pairs, stiffness_activation)},
        "proximal_effort": {"muscle_cost": {m: weight_ratio for m in legs if level[m] in _ANKLE}},
        "distal_effort": {"muscle_cost": {m: weight_ratio for m in legs if level[m] in _HIP}},
    }


def explore(coordinates: Trial, grf: Trial, *, loads: list[ExternalLoad] | None = None,
            start_s: float | None = None, stop_s: float | None = None, subject_mass_kg: float | None = None,
            variants: dict[str, dict[str, Any]] | None = None) -> dict[str, ActivationTable]:
    """Solve the inverse once per cost variant (same kinematics, GRF and window)."""
    return {name: MuJoCoInverse(subject_mass_kg=subject_mass_kg, **kwargs).solve(
        coordinates, grf, loads=loads, start_s=start_s, stop_s=stop_s)
        for name, kwargs in (variants or cost_variants()).items()}


def summarise(solutions: dict[str, ActivationTable], right_leg_only: bool = True) -> dict[str, Any]:
    """Per solution: reserve use (moment error), effort, and the quality profile of the right leg."""
    out = {}
    for name, table in solutions.items():
        muscles = [m for m in table.muscles if m.endswith("_r")] if right_leg_only else list(table.muscles)
        rate = (table.time.size - 1) / (table.time[-1] - table.time[0])
        profile = quality_profile(table.select(muscles), muscles, rate)
        required = np.abs(table.required).max(axis=0) if table.required.size else np.zeros(0)
        out[name] = {
            "max_abs_reserve_nm": float(np.abs(table.reserves).max()),
            "max_abs_required_nm": float(required.max()) if required.size else None,
            "sum_a2": float(np.sum(table.activations**2) / table.time.size),
            "cocontraction_pct": profile.cocontraction, "distribution": profile.distribution,
            "laban": profile.laban,
        }
    return out


def plot_solutions(solutions: dict[str, ActivationTable], path: str | Path,
                   joints: tuple[str, ...] = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r"),
                   muscles: tuple[str, ...] = ("glmax1_r", "recfem_r", "vaslat_r", "bflh_r", "gasmed_r",
                                               "soleus_r", "tibant_r")) -> Path:
    """Joint moments produced by every solution (top: they coincide) and their muscle patterns (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, max(len(joints), len(muscles)), figsize=(3 * len(muscles), 6.5), squeeze=False)
    for ax in axes[0, len(joints):]:
        ax.axis("off")
    for k, (name, table) in enumerate(solutions.items()):
        colour = f"C{k}"
        produced = table.required - table.reserves
        for j, joint in enumerate(joints):
            column = table.reserve_dofs.index(joint)
            axes[0, j].plot(table.time, produced[:, column], color=colour, lw=1.2, label=name)
            axes[0, j].set_title(f"{joint} moment (N·m)", fontsize=9)
        for i, muscle in enumerate(muscles):
            axes[1, i].plot(table.time, table.select([muscle])[:, 0], color=colour, lw=1.2)
            axes[1, i].set_title(muscle, fontsize=9)
            axes[1, i].set_ylim(0, 1)
    axes[0, 0].legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("time (s)")
    fig.suptitle("Same joint moments (top), different muscle solutions (bottom)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return Path(path)
