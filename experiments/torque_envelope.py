"""How much joint torque can each action space produce? The right leg's isolated torque envelope.

At every sixth pose of the shipped gait-cycle library, a linear programme finds the largest torque each right-leg
DOF (hip flexion, adduction, rotation, knee, ankle; both directions) can get from the muscles' force at full
activation and their moment arms, while every other DOF of the leg stays within +/- 20 N m (an isolated
correction, not a co-torque): with each muscle's excitation in [0, 1] (the independent controller) and through
the synergy space (excitations ``c H`` with synergy activations in [0, CEILING]; the shipped basis). Passive
forces are left out. Prints the smallest value over the poses, N m.

    python experiments/torque_envelope.py [--ceiling 1.0] [--basis BASIS.npz]
"""

from __future__ import annotations

import argparse
import json

import mujoco
import numpy as np
from scipy.optimize import linprog

from synergait.env import WalkConfig, WalkEnv
from synergait.model.pose import load_pose_library
from synergait.synergy.basis import SynergyBasis, default_basis

JOINTS = ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r", "knee_angle_r", "ankle_angle_r")
OFF_AXIS_N_M = 20.0


def isolated_maximum(effect: np.ndarray, upper: np.ndarray, dof: int, sign: float) -> float:
    """Largest ``sign * tau[dof]`` with ``tau = effect @ u``, ``0 <= u <= upper``, other DOFs within the bound."""
    others = [i for i in range(effect.shape[0]) if i != dof]
    res = linprog(-sign * effect[dof], A_ub=np.vstack([effect[others], -effect[others]]),
                  b_ub=np.full(2 * len(others), OFF_AXIS_N_M), bounds=list(zip(np.zeros(upper.size), upper,
                                                                                   strict=True)), method="highs")
    return float(sign * effect[dof] @ res.x) if res.success else float("nan")


def effect_matrices(muscles: tuple[str, ...]) -> list[np.ndarray]:
    """Per pose of the library (every sixth): N m per unit excitation of each of ``muscles`` on the five right-leg
    DOFs of :data:`JOINTS`, from the muscles' force at full activation and their moment arms, shape (5, m)."""
    body = WalkEnv(WalkConfig()).body
    model, data = body.model, body.data
    dofs = np.array([model.jnt_dofadr[model.joint(j).id] for j in JOINTS])
    columns = body.muscle_indices(muscles)
    moment = np.zeros((model.nu, model.nv))
    effects = []
    for pose in load_pose_library()[::6]:
        body.set_pose(pose)
        mujoco.mj_forward(model, data)
        _, gain = body.force_per_activation()
        arms = body.coupling_jacobian(dofs).T @ body.moment_arms(moment).T  # (5, n_muscles), m
        effects.append((arms * gain)[:, columns])
    return effects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ceiling", type=float, default=1.0, help="upper bound of a synergy activation")
    parser.add_argument("--basis", default=None, help="a SynergyBasis .npz (default: the shipped one)")
    args = parser.parse_args()
    basis = SynergyBasis.load(args.basis) if args.basis else default_basis()
    envelopes: dict[str, list[list[float]]] = {"independent": [], "synergy": []}
    for per_muscle in effect_matrices(basis.muscles):
        spaces = {"independent": (per_muscle, np.ones(per_muscle.shape[1])),
                  "synergy": (per_muscle @ basis.weights.T, np.full(basis.n_synergies, args.ceiling))}
        for name, (effect, upper) in spaces.items():
            envelopes[name].append([isolated_maximum(effect, upper, d, s) for d in range(len(JOINTS))
                                    for s in (1.0, -1.0)])
    labels = [f"{j.removesuffix('_r')}{'+' if s > 0 else '-'}" for j in JOINTS for s in (1, -1)]
    print(json.dumps({"basis": args.basis or "shipped", "k": basis.n_synergies, "ceiling": args.ceiling,
                      "off_axis_n_m": OFF_AXIS_N_M, "poses": len(envelopes["synergy"]),
                      **{name: {label: round(float(v)) for label, v in zip(labels, np.nanmin(np.abs(rows), axis=0),
                                                                          strict=True)}
                         for name, rows in envelopes.items()}}, indent=1))


if __name__ == "__main__":
    main()
