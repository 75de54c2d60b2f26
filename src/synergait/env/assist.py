"""Balance assistance that fades out: a training lever (not in the paper, off by default).

A virtual assistant holds the pelvis with a spring-damper at a fraction ``level`` of full strength, in the spirit
of the curriculum of Yu, Turk & Liu (2018, "Learning symmetric and low-energy locomotion"): the walker first learns
to step while it cannot fall over, then the help is taken away. Each environment lowers its own ``level`` by
``decrement`` once its last ``window`` episodes last ``advance_mean_steps`` control steps on average. Evaluation,
walking tests and every trained walker face the task without assistance (:meth:`WalkConfig.final_task`).

At full strength the assistant applies, at the pelvis's centre of mass (world frame, N and N m):

* an uprighting torque ``k_tilt (u x up) - d_tilt w_h``: ``u`` the pelvis's axis that points up in the model's
  neutral pose, ``w_h`` the pelvis's roll and pitch angular velocity (yaw is left free);
* a height spring-damper towards the pelvis height at reset: ``k_h (h0 - h) - d_h v_up``;
* lateral damping ``-d_lat v_right`` and a forward push ``g_fwd (v_target - v_fwd)`` along the walking axis.
"""

from __future__ import annotations

from collections import deque

import mujoco
import numpy as np

from synergait.env.config import AssistConfig
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import FORWARD, RIGHT, UP

# apply() writes the wrench per world axis; it assumes these axes.
assert np.array_equal(FORWARD, [0, -1, 0]) and np.array_equal(RIGHT, [-1, 0, 0]) and np.array_equal(UP, [0, 0, 1])


class PelvisAssist:
    """The assistant of one environment: its strength ``level`` in [0, 1] and the curriculum that lowers it."""

    def __init__(self, body: Musculoskeleton, config: AssistConfig) -> None:
        self.body, self.config = body, config
        self.level = config.initial_level
        model = body.model
        self._pelvis = model.body(body.info.pelvis_body).id
        free = model.joint(body.info.free_joint)
        self._root, self._free_dof = int(free.bodyid[0]), int(free.dofadr[0])
        if not _welded(model, self._pelvis, self._root):
            raise ValueError(f"balance assistance needs the pelvis welded to the free joint's body ({body.info.name})")
        neutral = mujoco.MjData(model)
        mujoco.mj_kinematics(model, neutral)
        self._up_in_pelvis = neutral.xmat[self._pelvis].reshape(3, 3).T @ UP
        self._lengths: deque[int] = deque(maxlen=config.window)
        self._height_m = 0.0

    def start_episode(self, previous_length: int | None) -> None:
        """Record the episode that just ended (its length in control steps; None or 0: none ended) and hold the
        new episode's start height."""
        if previous_length and self.level > 0:
            self._lengths.append(previous_length)
            if len(self._lengths) == self._lengths.maxlen and np.mean(self._lengths) >= self.config.advance_mean_steps:
                self.level = max(0.0, round(self.level - self.config.decrement, 6))
                self._lengths.clear()
        self._height_m = float(self.body.data.xpos[self._pelvis][2])

    def apply(self, target_speed_m_s: float) -> None:
        """Set the pelvis's external wrench for the next physics step (called before every physics step while
        ``level`` > 0: a wrench held over a 25 ms control step would make the stiff spring unstable)."""
        data, config, level = self.body.data, self.config, self.level
        # The pelvis is welded to the free joint's body: its velocities are the free joint's (linear in the world
        # frame, angular in the body frame).
        linear = data.qvel[self._free_dof : self._free_dof + 3]
        angular = data.xmat[self._root].reshape(3, 3) @ data.qvel[self._free_dof + 3 : self._free_dof + 6]
        up = data.xmat[self._pelvis].reshape(3, 3) @ self._up_in_pelvis
        wrench = data.xfrc_applied[self._pelvis]
        # u x (0, 0, 1) = (u_y, -u_x, 0); yaw rate left free
        wrench[3] = level * (config.tilt_stiffness_nm_per_rad * up[1] - config.tilt_damping_nms_per_rad * angular[0])
        wrench[4] = level * (-config.tilt_stiffness_nm_per_rad * up[0] - config.tilt_damping_nms_per_rad * angular[1])
        wrench[2] = level * (config.height_stiffness_n_per_m * (self._height_m - data.xpos[self._pelvis, 2])
                             - config.height_damping_ns_per_m * linear[2])
        # Walking along -y, right along -x (synergait.model.catalog.FORWARD, RIGHT).
        wrench[1] = -level * config.forward_gain_ns_per_m * (target_speed_m_s + linear[1])
        wrench[0] = -level * config.lateral_damping_ns_per_m * linear[0]


def _welded(model: mujoco.MjModel, body: int, ancestor: int) -> bool:
    """Whether ``body`` hangs from ``ancestor`` without any joint in between."""
    while body != ancestor:
        if body == 0 or model.body_jntnum[body]:
            return False
        body = int(model.body_parentid[body])
    return True
