"""`WalkEnv`: the paper's predictive walking task on a MuJoCo musculoskeletal model (Gymnasium API).

* Control at ``control_hz`` (40 Hz): each step holds the muscle excitations for ``substeps`` physics steps
  (0.0025 s x 10 by default).
* Action: one excitation per muscle in [0, 1], in the model's actuator order (``muscle_names``). Other action
  representations (synergies, mirroring) are wrappers in :mod:`synergait.env.wrappers`.
* Observation (float32), in this order: muscle fibre lengths, fibre velocities, forces, excitations, activations
  (each ``n_muscles``, normalised, see :class:`~synergait.model.body.Musculoskeleton`); head orientation
  relative to upright,
  quaternion (4); head angular velocity (3, rad/s, x fwd / y up / z right); right and left foot position relative
  to the pelvis (6, m, world frame); joint positions with the global translation zeroed (``nq``); joint
  velocities (``nv``); right and left foot GRF in body weights (6, world frame); centre-of-mass velocity (3, m/s,
  world frame); target speed (1, m/s).
* Episode: ``episode_steps`` (1000 = 25 s) unless the walker falls: pelvis lower than ``fall_pelvis_height_m``
  above the terrain, or (by default) any body part other than the feet touching the ground. A non-finite action,
  NaN or unstable physics also ends the episode, with ``info["termination"]`` saying why; the env never raises
  for it.
* Each reset takes the next target speed of the deterministic curriculum and a terrain from the pool (index
  drawn from the env's seeded generator), or the fixed condition in evaluation mode. With ``config.widening``
  a training run sets ``condition_spread`` (s in [0, 1], 1 after construction): the target speed becomes
  ``centre + s (v - centre)`` (unless ``widening.speeds`` is off) and the terrain's pitches s times the drawn ones.
* ``info`` holds every reward term, the target speed, the terrain label, and ``heel_strike`` ("right", "left"
  or None) detected from the feet's vertical GRF crossing ``heel_strike_threshold_n`` upwards while that foot is
  ahead of the other one.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np

from synergait.env.config import StrideScaling, WalkConfig
from synergait.env.reward import walk_reward
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import AGONIST_ANTAGONIST_PAIRS, FORWARD, RIGHT, mirror_name
from synergait.model.pose import GaitPose, load_pose_library
from synergait.model.terrain import Terrain, TerrainPool, flat_terrain, slope_terrain
from synergait.stats import cocontraction_index

#: Generalised velocities beyond this (m/s or rad/s) mean the physics diverged (MuJoCo's auto-reset is off).
MAX_SPEED = 1e3


class WalkEnv(gym.Env[np.ndarray, np.ndarray]):
    """Muscle-driven 3D walking with the paper's observation, reward and curriculum."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, config: WalkConfig | None = None, pose: GaitPose | None = None) -> None:
        self.config = config or WalkConfig()
        self.body = Musculoskeleton(self.config.model, timestep_s=self.config.timestep_s)
        for joint in self.body.info.lumbar_joints:
            self.body.model.jnt_stiffness[self.body.model.joint(joint).id] = self.config.lumbar_stiffness_nm_per_rad
        self.pose = pose or GaitPose.load()
        # Reset states across the gait cycle come from the imitated stride when there is one (reference-state
        # initialisation), else from the shipped Rajagopal library.
        imitated = self.config.imitation.reference if self.config.imitation is not None else None
        self.pose_library = load_pose_library(imitated) if self.config.init_pose == "gait_cycle" else [self.pose]
        # The stride's mean angles, about which a stride scaled to another speed stretches its excursions.
        self._library_mean_angles = {j: float(np.mean([p.joint_angles[j] for p in self.pose_library]))
                                     for j in self.pose_library[0].joint_angles}
        self.substeps = self.config.substeps
        self.control_period_s = self.substeps * self.config.timestep_s
        self.muscle_names = self.body.muscle_names
        self.n_muscles = self.body.n_muscles
        self.terrains = TerrainPool(self.config.terrain_pool_size, self.config.terrain_seed,
                                    self.config.max_pitch_deg, n_tiles=self.body.model.nmocap)
        self.action_space = gym.spaces.Box(0.0, 1.0, (self.n_muscles,), dtype=np.float32)
        self._obs_perm, self._obs_sign, self.observation_labels = self._observation_layout()
        size = self._obs_perm.size
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (size,), dtype=np.float32)
        self._pairs = [(self.body.muscle_indices([n if side == "r" else mirror_name(n) for n in first]),
                        self.body.muscle_indices([n if side == "r" else mirror_name(n) for n in second]))
                       for first, second in AGONIST_ANTAGONIST_PAIRS.values() for side in ("r", "l")]
        self.episode_index = -1
        self.condition_spread = 1.0
        self.target_speed = self.config.fixed_speed_m_s or self.config.speed_curriculum[0]
        self.terrain: Terrain = flat_terrain(self.body.model.nmocap)
        self._steps = 0
        self._loaded = np.zeros(2, dtype=bool)
        self._last_obs = np.zeros(size, dtype=np.float32)
        model = self.body.model
        sizes = np.cumsum([0, 5 * self.n_muscles, 4, 3, 6, model.nq, model.nv, 6, 3, 1])
        self._obs_slices = [slice(a, b) for a, b in itertools.pairwise(sizes)]
        self._muscle_buffer = np.empty((5, self.n_muscles))
        root_qpos = self.observation_labels.index(f"qpos:{self.body.info.free_joint}:x")
        self._root_translation = slice(root_qpos, root_qpos + 3)

    # --- observation layout and mirroring ----------------------------------------------------------------------
    def _observation_layout(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Observation labels and the permutation/sign that mirror an observation left <-> right."""
        m, info = self.body.model, self.body.info
        labels: list[str] = []
        perm: list[int] = []
        sign: list[float] = []

        def block(names: list[str], mirror_names: list[str], signs: list[float]) -> None:
            offset = len(labels)
            index = {n: i for i, n in enumerate(names)}
            labels.extend(names)
            perm.extend(offset + index[n] for n in mirror_names)
            sign.extend(signs)

        muscles = list(self.muscle_names)
        for quantity in ("fibre_length", "fibre_velocity", "force", "excitation", "activation"):
            names = [f"{quantity}:{n}" for n in muscles]
            block(names, [f"{quantity}:{mirror_name(n)}" for n in muscles], [1.0] * len(muscles))
        # Reflection through the sagittal plane (MuJoCo x -> -x): quaternion (w, x, y, z) -> (w, x, -y, -z).
        block([f"head_quat:{c}" for c in "wxyz"], [f"head_quat:{c}" for c in "wxyz"], [1, 1, -1, -1])
        # Angular velocity in (fwd, up, right) axes is a pseudo-vector: roll and yaw flip, pitch stays.
        block([f"head_angvel:{c}" for c in "xyz"], [f"head_angvel:{c}" for c in "xyz"], [-1, -1, 1])
        feet = [f"foot_rel_pelvis:{s}:{c}" for s in ("r", "l") for c in "xyz"]
        block(feet, [f"foot_rel_pelvis:{'l' if s == 'r' else 'r'}:{c}" for s in ("r", "l") for c in "xyz"],
              [-1, 1, 1] * 2)
        qpos_names, qpos_mirror, qpos_sign = [], [], []
        for j in range(m.njnt):
            name = m.joint(j).name
            if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
                parts = ["x", "y", "z", "qw", "qx", "qy", "qz"]
                qpos_names += [f"qpos:{name}:{p}" for p in parts]
                qpos_mirror += [f"qpos:{name}:{p}" for p in parts]
                qpos_sign += [-1, 1, 1, 1, 1, -1, -1]
            else:
                qpos_names.append(f"qpos:{name}")
                qpos_mirror.append(f"qpos:{mirror_name(name)}")
                qpos_sign.append(-1.0 if name in info.midline_lateral_joints else 1.0)
        block(qpos_names, qpos_mirror, qpos_sign)
        qvel_names, qvel_mirror, qvel_sign = [], [], []
        for j in range(m.njnt):
            name = m.joint(j).name
            if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
                parts = ["vx", "vy", "vz", "wx", "wy", "wz"]
                qvel_names += [f"qvel:{name}:{p}" for p in parts]
                qvel_mirror += [f"qvel:{name}:{p}" for p in parts]
                qvel_sign += [-1, 1, 1, 1, -1, -1]
            else:
                qvel_names.append(f"qvel:{name}")
                qvel_mirror.append(f"qvel:{mirror_name(name)}")
                qvel_sign.append(-1.0 if name in info.midline_lateral_joints else 1.0)
        block(qvel_names, qvel_mirror, qvel_sign)
        grf = [f"grf_bw:{s}:{c}" for s in ("r", "l") for c in "xyz"]
        block(grf, [f"grf_bw:{'l' if s == 'r' else 'r'}:{c}" for s in ("r", "l") for c in "xyz"], [-1, 1, 1] * 2)
        block([f"com_vel:{c}" for c in "xyz"], [f"com_vel:{c}" for c in "xyz"], [-1, 1, 1])
        block(["target_speed"], ["target_speed"], [1.0])
        return np.array(perm), np.array(sign, dtype=np.float32), labels

    def mirror_observation(self, observation: np.ndarray) -> np.ndarray:
        """The observation of the left/right mirror-image state."""
        return observation[..., self._obs_perm] * self._obs_sign

    def mirror_action(self, action: np.ndarray) -> np.ndarray:
        """Muscle excitations with the legs (and paired trunk muscles) swapped."""
        return action[..., self.body.muscle_mirror]

    # --- Gymnasium API -----------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None,
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        config = self.config
        # A seed restarts everything stochastic or sequential, the curriculum included (reproducible episodes).
        self.episode_index = 0 if seed is not None else self.episode_index + 1
        if config.fixed_speed_m_s is not None or config.fixed_slope_deg is not None:
            self.target_speed = config.fixed_speed_m_s or self.pose.forward_speed_m_s
            self.terrain = slope_terrain(config.fixed_slope_deg or 0.0, self.body.model.nmocap)
        else:
            curriculum = config.speed_curriculum
            self.target_speed = float(curriculum[self.episode_index % len(curriculum)])
            self.terrain = self.terrains[int(options.get("terrain_index", self.np_random.integers(len(self.terrains))))]
            sloped = "terrain_index" not in options and config.slope_fraction > 0
            if sloped and self.np_random.random() < config.slope_fraction:
                slope = self.np_random.uniform(*config.slope_range_deg)
                self.terrain = slope_terrain(round(slope, 2), self.body.model.nmocap, config.slope_start_m)
            if config.widening is not None and self.condition_spread < 1.0:
                spread, centre = self.condition_spread, config.widening.centre_speed_m_s
                if config.widening.speeds:
                    self.target_speed = centre + spread * (self.target_speed - centre)
                self.terrain = Terrain(spread * self.terrain.pitches_rad, label=f"{self.terrain.label} x {spread:.2f}")
        self.target_speed = float(options.get("target_speed", self.target_speed))
        self.body.set_terrain(self.terrain)
        pose = (self.pose_library[int(self.np_random.integers(len(self.pose_library)))]
                if self.config.init_pose == "gait_cycle" else self.pose)
        if config.stride_scaling is not None:
            pose = _pose_at_speed(pose, config.stride_scaling, self.target_speed, self._library_mean_angles)
        self.body.set_pose(self._perturbed_pose(pose))
        self._steps = 0
        self._loaded = self.body.foot_forces()[:, 2] > config.heel_strike_threshold_n
        observation = self._observation()
        self._last_obs = observation
        return observation, {"target_speed": self.target_speed, "terrain": self.terrain.label,
                             "episode": self.episode_index, "leading_leg": pose.leading_leg,
                             "cycle_percent": pose.cycle_percent}

    def set_activations(self, activations: np.ndarray) -> np.ndarray:
        """Set every muscle's activation (and excitation) to ``activations`` in [0, 1], shape ``(n_muscles,)``,
        e.g. to start an episode with the muscles already active; returns the observation of the new state."""
        self.body.data.act[:] = self.body.data.ctrl[:] = np.clip(activations, 0.0, 1.0)
        mujoco.mj_forward(self.body.model, self.body.data)
        self._last_obs = self._observation()
        return self._last_obs

    def _perturbed_pose(self, pose: GaitPose) -> GaitPose:
        rng, config = self.np_random, self.config
        angles = {j: v + rng.normal(0.0, config.init_angle_noise_rad) for j, v in pose.joint_angles.items()}
        velocities = {j: v + rng.normal(0.0, config.init_velocity_noise_rad_s)
                      for j, v in pose.joint_velocities.items()}
        return replace(pose, joint_angles=angles, joint_velocities=velocities)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        body, data, config = self.body, self.body.data, self.config
        action = np.asarray(action, dtype=float)
        if not np.isfinite(action).all():  # a broken policy: say so instead of simulating NaN muscles
            return self._last_obs, config.reward.w_fall, True, False, {
                "termination": f"invalid action: {int((~np.isfinite(action)).sum())} non-finite value(s)",
                "target_speed": self.target_speed, "heel_strike": None, "fall": 1.0}
        data.ctrl[:] = np.clip(action, 0.0, 1.0)
        mujoco.mj_step(body.model, data, nstep=self.substeps)
        self._steps += 1
        unstable = self._instability()
        if unstable:
            return self._last_obs, config.reward.w_fall, True, False, {
                "termination": unstable, "target_speed": self.target_speed, "heel_strike": None, "fall": 1.0}
        forces, body_contact = body.ground_contacts()
        loaded = forces[:, 2] > config.heel_strike_threshold_n
        strikes = loaded & ~self._loaded
        self._loaded = loaded
        if strikes.any():
            forward = body.feet_position() @ FORWARD
            strikes &= forward > forward[::-1]  # a heel strike lands ahead of the other foot
        heel_strike = "right" if strikes[0] else "left" if strikes[1] else None
        termination = self._fall(body_contact)
        com_velocity = body.com_velocity()
        terms = walk_reward(
            forward_velocity=float(com_velocity @ FORWARD), target_speed=self.target_speed,
            lateral_velocity=float(com_velocity @ RIGHT), head_angular_velocity=body.head_angular_velocity(),
            activations=data.act, knee_angles=body.knee_angles(), lumbar_extension=body.lumbar_extension(),
            fell=termination is not None, config=config.reward,
            cocontraction=self._cocontraction() if config.reward.w_quality else 0.0)
        observation = self._observation(forces, com_velocity)
        self._last_obs = observation
        truncated = termination is None and self._steps >= config.episode_steps
        info = {**terms.as_dict(), "target_speed": self.target_speed, "heel_strike": heel_strike,
                "terrain": self.terrain.label, "forward_position_m": float(body.com_position() @ FORWARD)}
        if termination:
            info["termination"] = termination
        return observation, terms.total, termination is not None, truncated, info

    def _cocontraction(self) -> float:
        """Mean instantaneous co-contraction index over both legs' pairs, as a fraction (0-1)."""
        act = self.body.data.act
        return float(np.mean([cocontraction_index(act[first].mean(), act[second].mean())
                              for first, second in self._pairs])) / 100.0

    # --- helpers -----------------------------------------------------------------------------------------------
    def _instability(self) -> str | None:
        qvel = self.body.data.qvel
        if qvel @ qvel < MAX_SPEED**2:  # False for NaN too
            return None
        return f"physics_unstable: generalised velocity {np.abs(qvel).max():.3g} exceeds {MAX_SPEED:g}"

    def _fall(self, body_contact: bool) -> str | None:
        pelvis = self.body.pelvis_position()
        ground = float(self.terrain.height_at(pelvis @ FORWARD))
        if pelvis[2] - ground < self.config.fall_pelvis_height_m:
            return "fall: pelvis low"
        if self.config.fall_on_body_contact and body_contact:
            return "fall: body contact"
        return None

    def _observation(self, forces: np.ndarray | None = None, com_velocity: np.ndarray | None = None) -> np.ndarray:
        body, data = self.body, self.body.data
        forces = body.foot_forces() if forces is None else forces
        com_velocity = body.com_velocity() if com_velocity is None else com_velocity
        parts = (body.muscle_state(self._muscle_buffer), body.head_orientation(), body.head_angular_velocity(),
                 body.feet_relative_to_pelvis(), data.qpos, data.qvel, forces / body.body_weight_n, com_velocity,
                 self.target_speed)
        observation = np.empty(self._obs_perm.size, dtype=np.float32)
        for part, where in zip(parts, self._obs_slices, strict=True):
            observation[where] = part.ravel() if isinstance(part, np.ndarray) else part
        observation[self._root_translation] = 0.0  # no dependence on absolute position
        return observation


def _pose_at_speed(pose: GaitPose, scaling: StrideScaling, speed_m_s: float,
                   mean_angles: dict[str, float]) -> GaitPose:
    """``pose`` as the stride adapted to ``speed_m_s`` (:class:`StrideScaling`) has it: the stretched joints'
    angles about the stride's ``mean_angles`` by the stride-length ratio; joint and pelvis angular velocities by
    the cadence ratio (stretched joints also by the stride-length ratio), the pelvis's linear velocity by the speed
    ratio."""
    cadence, length = scaling.cadence_ratio(speed_m_s), scaling.length_ratio(speed_m_s)
    angles = {j: mean_angles[j] + scaling.excursion_ratio(j, speed_m_s) * (v - mean_angles[j])
              for j, v in pose.joint_angles.items()}
    velocities = {j: v * cadence * scaling.excursion_ratio(j, speed_m_s) for j, v in pose.joint_velocities.items()}
    return replace(pose, joint_angles=angles, joint_velocities=velocities,
                   pelvis_linear_velocity=tuple(cadence * length * v for v in pose.pelvis_linear_velocity),
                   pelvis_angular_velocity=tuple(cadence * v for v in pose.pelvis_angular_velocity),
                   forward_speed_m_s=cadence * length * pose.forward_speed_m_s)
