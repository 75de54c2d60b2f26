"""The paper's per-step reward (equations 2-8), as a pure function of the quantities it reads."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synergait.env.config import RewardConfig


@dataclass(frozen=True)
class RewardTerms:
    """Each term before weighting, and the weighted total."""

    ap: float
    ml: float
    head: float
    vel: float
    effort: float
    rom: float
    fall: float
    quality: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {"ap": self.ap, "ml": self.ml, "head": self.head, "vel": self.vel, "effort": self.effort,
                "rom": self.rom, "fall": self.fall, "quality": self.quality, "total": self.total}


def walk_reward(*, forward_velocity: float, target_speed: float, lateral_velocity: float,
                head_angular_velocity: np.ndarray, activations: np.ndarray, knee_angles: np.ndarray,
                lumbar_extension: float, fell: bool, config: RewardConfig,
                cocontraction: float = 0.0) -> RewardTerms:
    """Reward of one control step.

    Args:
        forward_velocity, lateral_velocity: centre-of-mass velocity along the walking and mediolateral axes, m/s.
        target_speed: m/s.
        head_angular_velocity: (x, y, z) rad/s in the axes of ``config.sigma_omega_rad_s``.
        activations: muscle activations in [0, 1], shape ``(n_muscles,)``.
        knee_angles: right and left knee flexion, rad (the paper's theta_knee is hyperextension-positive,
            i.e. minus these).
        lumbar_extension: rad.
        fell: whether this step ends the episode by a fall.
        cocontraction: mean instantaneous co-contraction of the agonist/antagonist pairs, 0-1 (quality term).
    """
    c = config.c
    error = abs(forward_velocity - target_speed)
    ap = 1.0 if error <= config.delta_m_s else math.exp(-c * (error - config.delta_m_s) ** 2 / config.sigma_vx_m_s**2)
    ml = math.exp(-c * lateral_velocity**2 / config.sigma_vz_m_s**2)
    head = math.exp(-c * sum(float(w) ** 2 / s**2 for w, s in zip(head_angular_velocity, config.sigma_omega_rad_s,
                                                                   strict=True)))
    vel = ap * ml * head
    effort = float(np.dot(activations, activations))
    lumbar_low, lumbar_high = math.radians(config.lumbar_min_deg), math.radians(config.lumbar_max_deg)
    rom = (sum(max(0.0, -float(knee)) for knee in knee_angles)  # theta_knee > 0 is hyperextension
           + max(0.0, lumbar_extension - lumbar_high) + max(0.0, lumbar_low - lumbar_extension))
    fall = 1.0 if fell else 0.0
    quality = -((cocontraction - config.cocontraction_target) ** 2)
    total = (config.w_vel * vel + config.w_effort * effort + config.w_rom * rom + config.w_fall * fall
             + config.w_quality * quality)
    return RewardTerms(ap=ap, ml=ml, head=head, vel=vel, effort=effort, rom=rom, fall=fall, quality=quality,
                       total=total)
