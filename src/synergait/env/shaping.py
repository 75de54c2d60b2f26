"""Training-only reward shaping over the paper's reward: a Gymnasium wrapper, faded out by the trainer.

* :class:`StepLengthReward`: a penalty at each heel strike for a step off the human step length at the episode's
  target speed (:class:`~synergait.env.config.StepShaping`).
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np

from synergait.env.config import StepShaping
from synergait.env.walk import WalkEnv
from synergait.model.catalog import FORWARD


class StepLengthReward(gym.Wrapper):
    """Adds ``-weight * f * (1 - exp(-(L - L*)^2 / (2 sigma^2)))`` at each heel strike (:class:`StepShaping`), f the
    fade (``step_shaping_fraction``, which the trainer sets from ``config.fraction``). ``info`` gains
    ``step_length_m`` (the fore-aft distance between the feet at the strike, m) and ``step_shaping`` (the reward
    added, <= 0) at heel strikes."""

    def __init__(self, env: gym.Env, config: StepShaping) -> None:
        super().__init__(env)
        self.walk: WalkEnv = env.unwrapped  # type: ignore[assignment]
        self.config = config
        self.step_shaping_fraction = 1.0

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        if info.get("heel_strike") is None or self.step_shaping_fraction == 0:
            return observation, reward, terminated, truncated, info
        feet_forward = self.walk.body.feet_position() @ FORWARD
        length = float(abs(feet_forward[0] - feet_forward[1]))
        error = length - self.config.target_m(self.walk.target_speed)
        off = 1.0 - math.exp(-0.5 * (error / self.config.sigma_m) ** 2)
        penalty = -self.step_shaping_fraction * self.config.weight * off
        info.update(step_length_m=length, step_shaping=penalty)
        return observation, reward + penalty, terminated, truncated, info
