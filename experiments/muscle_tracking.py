"""Is it the model or the learning? Track the human gait cycle with joint-level feedback realised through muscles.

No learning: every control step (40 Hz), the desired generalised forces of the tracked joints,
``tau = kp (q_ref - q) + kd (qdot_ref - qdot)`` at the gait clock's phase, are turned into muscle excitations by
bounded least squares through the muscles' moment arms and force at full activation (the static optimisation of
the inverse analysis, one frame), regularised towards the human activation pattern at each leg's phase:
``min |A a - (tau - passive)|^2 + lam |a - a_pattern|^2, 0 <= a <= 1``. Optionally a spring-damper on the pelvis
holds it on the reference path (height, orientation, forward position at the reference speed); the force it
carries says how much of the body weight the muscles do not.

    python experiments/muscle_tracking.py --hold 1.0 --seconds 3      # pelvis held: can the legs carry the body?
    python experiments/muscle_tracking.py --hold 0 --seconds 3        # free: how long does it stay up?
    python experiments/muscle_tracking.py --synergy 1.0               # excitations from the synergy space only

With ``--synergy CEILING`` the unknowns are the legs' synergy activations in [0, CEILING] (the shipped basis,
left leg mirrored; excitations ``clip(c H, 0, 1)``) and the trunk excitations, regularised towards the human
pattern's synergy activations: can the synergy controller's action space produce the joint torques at all?

Prints, per run, the time walked, the share of body weight the hold carried, the stance knee flexion under load
(human stance 3-29 deg), the RMS tracking error per joint group and the share of saturated excitations.
"""

from __future__ import annotations

import argparse
import json
import time

import mujoco
import numpy as np
from scipy.optimize import lsq_linear

from synergait.env import WalkConfig, WalkEnv
from synergait.env.imitation import GaitReference
from synergait.env.wrappers import SynergyAction
from synergait.model.catalog import FORWARD
from synergait.synergy.basis import default_basis
from synergait.synergy.pattern import GaitPattern, interpolate_cycle


class MuscleTracker:
    """Joint PD through muscles (one bounded least-squares problem per call)."""

    def __init__(self, walk: WalkEnv, reference: GaitReference, *, kp: float, kd: float, lam: float,
                 lead_s: float, synergy_ceiling: float | None = None) -> None:
        self.walk, self.reference = walk, reference
        self.kp, self.kd, self.lam, self.lead_s = kp, kd, lam, lead_s
        model, body = walk.body.model, walk.body
        self.qpos = np.array([model.jnt_qposadr[model.joint(j).id] for j in reference.joints])
        self.dofs = np.array([model.jnt_dofadr[model.joint(j).id] for j in reference.joints])
        self.moment = np.zeros((model.nu, model.nv))
        pattern = GaitPattern.load()
        self.pattern = pattern.activations
        self.right, self.left = body.leg_muscle_indices(pattern.muscles)
        # Unknowns -> excitations: the identity, or the synergy controller's map (synergies per leg, then trunk).
        self.to_muscles, self.upper = np.eye(model.nu), np.ones(model.nu)
        self.synergy_pattern = None
        if synergy_ceiling is not None:
            synergy = SynergyAction(walk, default_basis(), ceiling=synergy_ceiling)
            self.to_muscles = synergy._to_muscles
            self.upper = synergy.action_space.high.astype(float)
            self.synergy_pattern = pattern.synergy_activations(synergy.right_basis)
            self.k = synergy.k_right

    def excitations(self, phase_percent: float) -> tuple[np.ndarray, float]:
        body = self.walk.body
        model, data = body.model, body.data
        lead = self.lead_s / self.reference.stride_s * 100.0
        target = self.reference.at(phase_percent + lead)
        tau = (self.kp * (target["angles"] - data.qpos[self.qpos])
               + self.kd * (target["velocities"] - data.qvel[self.dofs]))
        mujoco.mj_forward(model, data)
        passive, gain = body.force_per_activation()
        arms = body.coupling_jacobian(self.dofs).T @ body.moment_arms(self.moment).T  # (n_dofs, nu)
        if self.synergy_pattern is None:
            prior = np.full(model.nu, 0.05)
            prior[self.right] = interpolate_cycle(self.pattern, phase_percent)
            prior[self.left] = interpolate_cycle(self.pattern, phase_percent + 50.0)
        else:
            prior = np.full(self.to_muscles.shape[0], 0.05)
            prior[:self.k] = interpolate_cycle(self.synergy_pattern, phase_percent)
            prior[self.k:2 * self.k] = interpolate_cycle(self.synergy_pattern, phase_percent + 50.0)
        weight = np.sqrt(self.lam)
        effect = (arms * gain) @ self.to_muscles.T
        system = np.vstack([effect, weight * np.eye(len(prior))])
        rhs = np.concatenate([tau - arms @ passive, weight * prior])
        solution = lsq_linear(system, rhs, bounds=(0.0, self.upper), method="bvls")
        excitation = np.clip(solution.x @ self.to_muscles, 0.0, 1.0)
        asked = tau - arms @ passive
        missed = float(np.linalg.norm((arms * gain) @ excitation - asked) / max(np.linalg.norm(tau), 1.0))
        return excitation, missed


def run(seed: int, *, seconds: float, hold: float, kp: float, kd: float, lam: float, lead_s: float,
        synergy_ceiling: float | None = None) -> dict:
    walk = WalkEnv(WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0, init_pose="gait_cycle",
                              episode_steps=int(seconds * 40)))
    reference = GaitReference.default(walk.body)
    tracker = MuscleTracker(walk, reference, kp=kp, kd=kd, lam=lam, lead_s=lead_s, synergy_ceiling=synergy_ceiling)
    _, info = walk.reset(seed=seed)
    body = walk.body
    model, data = body.model, body.data
    pelvis = model.body(body.info.pelvis_body).id
    phase = float(info["cycle_percent"][0])
    start_forward, start_time = float(body.pelvis_position() @ FORWARD), float(data.time)
    advance = walk.control_period_s / reference.stride_s * 100.0
    held, knee_loaded, errors, saturated, missed = [], [], [], [], []
    steps, reason = 0, "time limit"
    wall = time.perf_counter()
    for step in range(1, walk.config.episode_steps + 1):
        steps = step
        excitation, miss = tracker.excitations(phase)
        missed.append(miss)
        saturated.append(float(np.mean((excitation < 1e-3) | (excitation > 1 - 1e-3))))
        data.ctrl[:] = excitation
        force_sum = 0.0
        for _ in range(walk.substeps):
            data.xfrc_applied[pelvis] = 0.0
            if hold > 0:
                target = reference.at(phase)
                ahead = start_forward + walk.target_speed * (data.time - start_time)
                position = body.pelvis_position()
                goal = np.array([0.0, -ahead, target["pelvis_height_m"] + body.terrain.height_at(ahead)])
                velocity = np.array([0.0, -walk.target_speed, 0.0])
                twist = np.empty(6)  # pelvis (angular, linear) velocity, world frame
                mujoco.mj_objectVelocity(model, data, mujoco.mjtObj.mjOBJ_BODY, pelvis, twist, 0)
                force = hold * (8000.0 * (goal - position) + 800.0 * (velocity - twist[3:]))
                error = np.empty(3)
                mujoco.mju_subQuat(error, np.asarray(target["pelvis_quat"]), body.root_quat().copy())
                rotation = np.empty(9)
                mujoco.mju_quat2Mat(rotation, body.root_quat().copy())
                torque = hold * (1000.0 * rotation.reshape(3, 3) @ error - 100.0 * twist[:3])
                data.xfrc_applied[pelvis, :3], data.xfrc_applied[pelvis, 3:] = force, torque
                force_sum += force[2]
            mujoco.mj_step(model, data)
        held.append(force_sum / walk.substeps / body.body_weight_n)
        phase = (phase + advance) % 100.0
        forces = body.foot_forces()[:, 2]
        for side, knee in enumerate(body.knee_angles()):
            if forces[side] > 0.3 * body.body_weight_n:
                knee_loaded.append(np.degrees(knee))
        target = reference.at(phase)
        errors.append(np.degrees(data.qpos[tracker.qpos] - target["angles"]))
        if body.pelvis_position()[2] - body.terrain.height_at(body.pelvis_position() @ FORWARD) < 0.6:
            reason = "fall: pelvis low"
            break
        if not np.isfinite(data.qpos).all():
            reason = "physics unstable"
            break
    errors_deg = np.array(errors)
    joints = reference.joints
    groups = {"hip": [i for i, j in enumerate(joints) if j.startswith("hip_flexion")],
              "knee": [i for i, j in enumerate(joints) if j.startswith("knee")],
              "ankle": [i for i, j in enumerate(joints) if j.startswith("ankle")],
              "lumbar": [i for i, j in enumerate(joints) if j == "flex_extension"]}
    knee = np.array(knee_loaded) if knee_loaded else np.array([np.nan])
    return {"seed": seed, "hold": hold, "synergy_ceiling": synergy_ceiling,
            "seconds_walked": steps * walk.control_period_s, "end": reason,
            "distance_m": float(body.pelvis_position() @ FORWARD) - start_forward,
            "hold_carries_bw": float(np.mean(held)),
            "stance_knee_deg_mean": float(np.nanmean(knee)), "stance_knee_deg_p10_p90": np.nanpercentile(
                knee, [10, 90]).round(1).tolist(), "stance_knee_at_or_past_limit_pct": float(np.mean(knee < 1.0) * 100),
            "rms_error_deg": {g: float(np.sqrt(np.mean(errors_deg[:, idx] ** 2))) for g, idx in groups.items() if idx},
            "saturated_excitation_pct": float(np.mean(saturated) * 100),
            "torque_missed_fraction": float(np.mean(missed)),
            "wall_s_per_step": (time.perf_counter() - wall) / steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hold", type=float, default=1.0, help="strength of the pelvis hold (0: free)")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--kp", type=float, default=400.0, help="N m / rad")
    parser.add_argument("--kd", type=float, default=40.0, help="N m s / rad")
    parser.add_argument("--lam", type=float, default=1.0, help="weight of the human pattern prior")
    parser.add_argument("--lead", type=float, default=0.03, help="s of reference lead (activation lag)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--synergy", type=float, default=None, metavar="CEILING",
                        help="act through the synergy space with activations in [0, CEILING]")
    args = parser.parse_args()
    for seed in range(args.seeds):
        print(json.dumps(run(seed, seconds=args.seconds, hold=args.hold, kp=args.kp, kd=args.kd, lam=args.lam,
                             lead_s=args.lead, synergy_ceiling=args.synergy)), flush=True)


if __name__ == "__main__":
    main()
