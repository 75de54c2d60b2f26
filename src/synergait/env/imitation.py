"""Imitation of a human gait cycle (DeepMimic-style; Peng et al. 2018): a training stage, not the paper's task.

* :class:`GaitReference`: one human stride as the model's states at 0, 1, ..., 100 % of the right leg's gait
  cycle: the tracked joints' angles and velocities, pelvis height above the ground and orientation, both feet
  relative to the pelvis (draped over the terrain: :func:`feet_on_terrain`), and the forward speed; built from
  gait-cycle poses (the shipped Rajagopal 2016 library by default) by placing each pose on the model.
* :class:`GaitClock`: the reference phase, advancing with time at the reference cadence from the reset pose's
  phase; appends ``(sin, cos)`` of it to the observation (mirrored by half a cycle, so it composes with
  :class:`~synergait.env.wrappers.PhaseMirroring`). With a :class:`~synergait.env.config.StrideScaling` the
  cadence, and the tracked stride (:meth:`GaitReference.for_speed`), follow each episode's target speed.
* :class:`ImitationReward`: replaces the reward by ``task_weight * task + f (weight * imitation + knee_lock)``,
  where ``imitation`` in [0, 1] is a weighted sum of exponentiated tracking errors at the clock's phase and f in
  [0, 1] the stage's fade, and while f > 0 ends the episode (``info["termination"]``) when the walker leaves the
  reference: pelvis height, pelvis orientation or distance from the reference path beyond the configured bounds.

Both wrappers sit on an env whose action is the body's command (below :class:`PhaseMirroring`), and read the
body through ``env.unwrapped``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from synergait.data.fetch import fetch
from synergait.data.io import read_storage
from synergait.data.rajagopal import RajagopalTrial
from synergait.data.reference import falisse2019_coordinates
from synergait.env.config import ImitationConfig, StrideScaling
from synergait.env.walk import WalkEnv
from synergait.errors import ParameterError
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import FORWARD, RIGHT, UP
from synergait.model.pose import GaitPose, load_pose_library, pose_library
from synergait.model.terrain import Terrain
from synergait.synergy.pattern import PERCENT, GaitPattern, interpolate_cycle

#: Joints tracked (MuJoCo names): both legs' hip (3 DOF), knee and ankle, and the lumbar joint where present.
LEG_JOINTS = tuple(f"{j}_{s}" for s in ("r", "l")
                   for j in ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle"))
LUMBAR_JOINTS = ("flex_extension", "lat_bending", "axial_rotation")


def feet_on_terrain(feet_m: np.ndarray, pelvis_forward_m: float, terrain: Terrain) -> np.ndarray:
    """The reference feet ``(6,)`` (right then left, relative to the pelvis, world frame, m), recorded on level
    ground, raised by the terrain's rise between the pelvis and each foot, so that each foot keeps its height
    above the ground beneath it: on a slope the reference's swing foot clears the rising ground and its stance
    foot stands on it. Unchanged on level ground."""
    feet = np.asarray(feet_m, dtype=float).reshape(2, 3)
    rise = terrain.height_at(pelvis_forward_m + feet @ FORWARD) - terrain.height_at(pelvis_forward_m)
    return (feet + rise[:, None] * UP).ravel()


@dataclass(frozen=True)
class GaitReference:
    """A human stride on the model, sampled at 0..100 % of the right leg's gait cycle (101 rows).

    Attributes:
        joints: tracked joint names (MuJoCo).
        angles: ``(101, n_joints)`` rad. velocities: ``(101, n_joints)`` rad/s.
        pelvis_height_m: ``(101,)`` above the ground beneath the lowest foot point.
        pelvis_quat: ``(101, 4)`` (w, x, y, z), heading along the model's forward axis.
        feet_m: ``(101, 6)`` right then left calcaneus relative to the pelvis, world frame, m.
        stride_s: duration of the cycle, s. speed_m_s: forward speed of the recording, m/s.
    """

    joints: tuple[str, ...]
    angles: np.ndarray
    velocities: np.ndarray
    pelvis_height_m: np.ndarray
    pelvis_quat: np.ndarray
    feet_m: np.ndarray
    stride_s: float
    speed_m_s: float
    source: str

    @classmethod
    def from_poses(cls, body: Musculoskeleton, poses: list[GaitPose], source: str = "") -> GaitReference:
        """Build from poses tagged with ``cycle_percent`` and ``provenance["time_s"]``; one stride of them is used
        (the first ``stride_s`` from the earliest), each placed on ``body`` (its state is overwritten)."""
        tagged = [p for p in poses if p.cycle_percent is not None and "time_s" in p.provenance]
        if len(tagged) < 10:
            raise ValueError(f"{source or 'poses'}: a reference needs >= 10 poses tagged with their gait-cycle percent")
        times = np.array([float(p.provenance["time_s"]) for p in tagged])
        order = np.argsort(times)
        tagged, times = [tagged[i] for i in order], times[order]
        # Stride from the right leg's percent advancing with time (poses are equally spaced in time).
        rate = np.median(np.diff([p.cycle_percent[0] for p in tagged]) % 100.0 / np.diff(times))  # % per s
        stride_s = 100.0 / float(rate)
        one = [p for p, t in zip(tagged, times, strict=True) if t < times[0] + stride_s - 1e-9]
        joints = tuple(j for j in (*LEG_JOINTS, *LUMBAR_JOINTS) if j in body.joint_names and j in one[0].joint_angles)
        percent = np.array([p.cycle_percent[0] for p in one])
        rows = []
        for pose in one:
            body.set_pose(pose)
            rows.append((
                [pose.joint_angles[j] for j in joints], [pose.joint_velocities[j] for j in joints],
                float(body.pelvis_position()[2] - body.lowest_foot_point()),
                np.asarray(pose.pelvis_quat, dtype=float), body.feet_relative_to_pelvis().ravel().copy()))
        columns = [np.array([row[i] for row in rows], dtype=float) for i in range(5)]
        columns[3] *= np.sign(columns[3] @ columns[3][0])[:, None]  # one hemisphere, so components interpolate
        sampled = [_periodic(percent, c) for c in columns]
        sampled[3] /= np.linalg.norm(sampled[3], axis=1, keepdims=True)
        speed = float(np.mean([p.forward_speed_m_s for p in one]))
        return cls(joints, sampled[0], sampled[1], sampled[2], sampled[3], sampled[4], stride_s, speed,
                   source or one[0].provenance.get("source", ""))

    @classmethod
    def default(cls, body: Musculoskeleton) -> GaitReference:
        """The shipped Rajagopal 2016 stride."""
        return cls.from_poses(body, load_pose_library(), "rajagopal2016 gait-cycle poses")

    def for_speed(self, speed_m_s: float, scaling: StrideScaling) -> GaitReference:
        """This stride adapted to ``speed_m_s`` (:class:`~synergait.env.config.StrideScaling`): the cycle lasts
        ``stride_s`` over the cadence ratio, the stretched joints' angles and the feet's fore-aft positions relative
        to the pelvis move about their cycle means by the stride-length ratio, velocities follow both."""
        cadence, length = scaling.cadence_ratio(speed_m_s), scaling.length_ratio(speed_m_s)
        stretch = np.array([scaling.excursion_ratio(j, speed_m_s) for j in self.joints])
        angles = self.angles.mean(axis=0) + stretch * (self.angles - self.angles.mean(axis=0))
        feet = self.feet_m.reshape(len(self.feet_m), 2, 3)
        forward = feet @ FORWARD
        stretched = forward.mean(axis=0) + length * (forward - forward.mean(axis=0))
        feet = feet + (stretched - forward)[..., None] * FORWARD
        return replace(self, angles=angles, velocities=cadence * stretch * self.velocities,
                       feet_m=feet.reshape(len(feet), 6), stride_s=scaling.stride_s(self.stride_s, speed_m_s),
                       speed_m_s=self.speed_m_s * cadence * length)

    def at(self, percent: float) -> dict[str, np.ndarray]:
        """Every reference quantity at ``percent`` of the right leg's cycle (pelvis quaternion renormalised)."""
        quat = interpolate_cycle(self.pelvis_quat, percent)
        return {"angles": interpolate_cycle(self.angles, percent),
                "velocities": interpolate_cycle(self.velocities, percent),
                "pelvis_height_m": interpolate_cycle(self.pelvis_height_m[:, None], percent)[0],
                "pelvis_quat": quat / np.linalg.norm(quat), "feet_m": interpolate_cycle(self.feet_m, percent)}


#: Human data sets a reference stride can be built from (:func:`reference_poses`).
REFERENCE_DATASETS = ("rajagopal2016", "falisse2019")


def reference_poses(dataset: str, source: str | Path | None = None) -> list[GaitPose]:
    """Gait-cycle poses (every 20 ms, tagged with both legs' cycle percent) of a human data set's walking, for
    ``ImitationConfig.reference`` and the reset states: the Rajagopal 2016 trial (the shipped library) or the
    Falisse 2019 subject's mean stride (left leg half a cycle after the right;
    :func:`~synergait.data.reference.falisse2019_coordinates`). ``source``: a local copy of the data set."""
    if dataset == "rajagopal2016":
        trial = RajagopalTrial.fetch(source)
        events = trial.events()
        return pose_library(read_storage(trial.coordinates), events.right.heel_strikes, events.left.heel_strikes)
    if dataset == "falisse2019":
        coordinates, right, left = falisse2019_coordinates(fetch(dataset, source=source) / "ExperimentalData.mat")
        return pose_library(coordinates, right, left)
    raise ParameterError("dataset", f"unknown '{dataset}' (known: {', '.join(REFERENCE_DATASETS)})")


def _periodic(percent: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values at 0..100 % (101 rows) from samples at unordered ``percent`` of a periodic cycle."""
    values = values.reshape(len(percent), -1)
    order = np.argsort(percent)
    return np.stack([np.interp(PERCENT, percent[order], values[order, i], period=100.0)
                     for i in range(values.shape[1])], axis=1).squeeze()


class GaitClock(gym.Wrapper):
    """The reference gait phase (right leg, % of its cycle), advancing with time; ``(sin, cos)`` observed.

    The phase starts at the reset pose's right-leg ``cycle_percent`` (0 without one) and advances by one
    control period over ``stride_s`` per step (with ``scaling``, the stride's duration at the episode's target
    speed). In the mirrored frame (the left leg's view) the phase is half a cycle on, so
    :meth:`mirror_observation` negates both components.
    """

    def __init__(self, env: gym.Env, stride_s: float, scaling: StrideScaling | None = None) -> None:
        super().__init__(env)
        if stride_s <= 0:
            raise ValueError(f"stride_s must be positive, got {stride_s}")
        self.stride_s, self.scaling = stride_s, scaling
        self._advance = env.unwrapped.control_period_s / stride_s * 100.0
        self.gait_phase_percent = 0.0
        base = env.observation_space
        self._n_base = base.shape[0]
        self.observation_space = gym.spaces.Box(np.append(base.low, [-1.0, -1.0]).astype(np.float32),
                                                np.append(base.high, [1.0, 1.0]).astype(np.float32),
                                                dtype=np.float32)
        self.observation_labels = [*env.get_wrapper_attr("observation_labels"), "clock:sin", "clock:cos"]
        self._mirror_base = env.get_wrapper_attr("mirror_observation")

    def _observe(self, observation: np.ndarray) -> np.ndarray:
        angle = 2 * math.pi * self.gait_phase_percent / 100.0
        return np.append(observation, [math.sin(angle), math.cos(angle)]).astype(np.float32)

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        self.gait_phase_percent = float((info.get("cycle_percent") or (0.0, 50.0))[0])
        stride_s = (self.stride_s if self.scaling is None
                    else self.scaling.stride_s(self.stride_s, self.env.unwrapped.target_speed))
        self._advance = self.env.unwrapped.control_period_s / stride_s * 100.0
        return self._observe(observation), {**info, "gait_phase_percent": self.gait_phase_percent}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.gait_phase_percent = (self.gait_phase_percent + self._advance) % 100.0
        info["gait_phase_percent"] = self.gait_phase_percent
        return self._observe(observation), reward, terminated, truncated, info

    def mirror_observation(self, observation: np.ndarray) -> np.ndarray:
        """The mirror-image observation: the body's part mirrored, the clock half a cycle on."""
        body = self._mirror_base(observation[..., :self._n_base])
        return np.concatenate([body, -observation[..., self._n_base:]], axis=-1).astype(np.float32)


class ImitationReward(gym.Wrapper):
    """Reward for tracking a :class:`GaitReference` at the :class:`GaitClock`'s phase, with early termination.

    ``imitation_fraction`` (f in [0, 1], read and set through the wrapper chain; 1 after construction) scales the
    imitation and knee-lock terms, so that a fine-tuning stage can fade the imitation out
    (:class:`synergait.train.callbacks.EnvSchedule`); at 0 the episode no longer ends early and the tracking is
    not computed (``info`` gains ``task_reward`` only). Otherwise ``info`` gains ``imitation`` (the weighted sum
    in [0, 1]), each term
    (``imitate_pose``, ``imitate_velocity``, ``imitate_root``, ``imitate_feet``, ``imitate_com``),
    ``knee_lock`` (loaded knees within ``knee_lock_rad`` of full extension) and ``task_reward``. With ``scaling``
    each episode tracks the ``recorded`` stride adapted to its target speed (``reference``). With
    ``config.w_activation`` the legs' muscle activations track ``pattern`` (``imitate_activation``; the right
    leg at the clock's phase, the left half a cycle on).
    """

    def __init__(self, env: gym.Env, reference: GaitReference, config: ImitationConfig,
                 scaling: StrideScaling | None = None, pattern: GaitPattern | None = None) -> None:
        super().__init__(env)
        walk: WalkEnv = env.unwrapped  # type: ignore[assignment]
        self.walk, self.config, self.scaling = walk, config, scaling
        self.recorded = self.reference = reference
        self.imitation_fraction = 1.0
        model = walk.body.model
        self._qpos = np.array([model.jnt_qposadr[model.joint(j).id] for j in reference.joints])
        self._qvel = np.array([model.jnt_dofadr[model.joint(j).id] for j in reference.joints])
        self.pattern = pattern
        if config.w_activation and pattern is None:
            raise ParameterError("imitation.w_activation", "tracking activations needs a human gait pattern")
        if pattern is not None:
            self._legs = walk.body.leg_muscle_indices(pattern.muscles)
        self._start_forward_m = self._start_lateral_m = 0.0
        self._start_time_s = 0.0

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        if self.scaling is not None:
            self.reference = self.recorded.for_speed(self.walk.target_speed, self.scaling)
        self._start_forward_m = float(self.walk.body.pelvis_position() @ FORWARD)
        self._start_lateral_m = float(self.walk.body.pelvis_position() @ RIGHT)
        self._start_time_s = self.walk.body.time_s
        return observation, info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        observation, task_reward, terminated, truncated, info = self.env.step(action)
        info["task_reward"] = task_reward
        if "physics_unstable" in info.get("termination", ""):
            return observation, task_reward, terminated, truncated, info
        if self.imitation_fraction == 0:
            return observation, self.config.task_weight * task_reward, terminated, truncated, info
        terms, leaving = self.tracking(self.env.get_wrapper_attr("gait_phase_percent"))
        config = self.config
        imitation = sum(getattr(config, f"w_{name}") * value for name, value in terms.items())
        body = self.walk.body
        loaded = body.foot_forces()[:, 2] > self.walk.config.heel_strike_threshold_n
        knee_lock = float(sum(1.0 for knee, load in zip(body.knee_angles(), loaded, strict=True)
                              if load and knee < config.knee_lock_rad))
        reward = (config.task_weight * task_reward
                  + self.imitation_fraction * (config.weight * imitation + config.w_knee_lock * knee_lock))
        info.update({f"imitate_{name}": value for name, value in terms.items()})
        info.update(imitation=imitation, knee_lock=knee_lock)
        if leaving and not terminated and self.imitation_fraction > 0:
            terminated, truncated = True, False
            info["termination"] = f"left the reference: {leaving}"
            # Leaving counts as the task's fall, so that ending an episode early never pays where the task's
            # per-step reward is negative (e.g. the paper's effort term while a walker still co-contracts).
            reward += config.task_weight * self.walk.config.reward.w_fall
        return observation, reward, terminated, truncated, info

    def tracking(self, phase_percent: float) -> tuple[dict[str, float], str | None]:
        """Tracking terms in [0, 1] at ``phase_percent`` of the reference, and why the walker has left the
        reference (None while within the bounds)."""
        config, body = self.config, self.walk.body
        reference = self.reference.at(phase_percent)
        qpos, qvel = body.data.qpos, body.data.qvel
        pose_error = float(np.sum((qpos[self._qpos] - reference["angles"]) ** 2))
        velocity_error = float(np.sum((qvel[self._qvel] - reference["velocities"]) ** 2))
        pelvis = body.pelvis_position()
        height_error = float(pelvis[2] - body.terrain.height_at(pelvis @ FORWARD) - reference["pelvis_height_m"])
        dot = abs(float(np.dot(body.root_quat(), reference["pelvis_quat"])))
        orientation_error = 2.0 * math.acos(min(1.0, dot))
        lateral_error = float(pelvis @ RIGHT) - self._start_lateral_m  # the reference walks a straight line
        feet = feet_on_terrain(reference["feet_m"], float(pelvis @ FORWARD), body.terrain)
        feet_error = float(np.sum((body.feet_relative_to_pelvis().ravel() - feet) ** 2))
        com_velocity = body.com_velocity()
        target = self.walk.target_speed
        com_error = (float(com_velocity @ FORWARD) - target) ** 2 + float(com_velocity @ RIGHT) ** 2
        terms = {"pose": math.exp(-config.k_pose * pose_error),
                 "velocity": math.exp(-config.k_velocity * velocity_error),
                 "root": math.exp(-config.k_height * height_error**2 - config.k_orientation * orientation_error**2
                                  - config.k_lateral * lateral_error**2),
                 "feet": math.exp(-config.k_feet * feet_error),
                 "com": math.exp(-config.k_com * com_error)}
        if config.w_activation:
            terms["activation"] = math.exp(-config.k_activation * self.activation_error(phase_percent))
        elapsed = body.time_s - self._start_time_s
        behind = self._start_forward_m + target * elapsed - float(pelvis @ FORWARD)
        leaving = None
        if abs(height_error) > config.max_height_error_m:
            leaving = f"pelvis height error {height_error:+.2f} m"
        elif orientation_error > config.max_orientation_error_rad:
            leaving = f"pelvis orientation error {orientation_error:.2f} rad"
        elif abs(behind) > config.max_path_error_m:
            leaving = f"{behind:+.2f} m behind the reference path"
        return terms, leaving

    def activation_error(self, phase_percent: float) -> float:
        """The legs' activations against the human pattern (``GaitPattern.activation_error``)."""
        act = self.walk.body.data.act
        return self.pattern.activation_error(act[self._legs[0]], act[self._legs[1]], phase_percent)
